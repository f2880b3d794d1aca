"""Calls between services of one process (the embedded mode, issue 28): the same ``ServiceClient`` request,
answered by a direct call of the other service's use case instead of a full ASGI request through httpx.

A service lists the routes it answers in-process (``LocalRoute``: method, path template, handler); the composition
root registers them on every client of the composition (``ServiceClient.serve_locally``) — distributed, nothing
is registered and every call is HTTP. A route not listed goes over HTTP (``httpx.ASGITransport``) as before.

The answer is the HTTP route's, byte for byte in what the caller reads (status, JSON, problem+json):
* a NUL character in a parameter or the body is the same 422 (``shared.fields.check_no_nul``);
* the token is the one the HTTP call would carry (this service's own, or the user's), verified by the same
  ``TokenVerifier`` into the same ``Principal``: a 401 is a 401, a role or scope check in the handler answers
  as over HTTP;
* the handler runs in a unit of work of the called service (committed when it returns, rolled back when it
  raises), validates its body with the route's own model (a bad body: the same 422 ``validation_error``) and
  returns the route's response model, serialized as FastAPI does (JSON mode);
* a ``Problem`` (or a rule's ``Refusal``) becomes the same problem+json answer; any other error is logged and
  answered as the app's handler answers it (a problem+json 500), which the caller's client maps as before.
Not applied: the per-token write rate limit (``shared.write_limit``), a limit on what one *client* sends.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, TokenVerifier
from shared.fields import check_no_nul
from shared.problems import PROBLEM_JSON, Problem, refused, validation_problem
from shared.rules import Refusal

if TYPE_CHECKING:
    from shared.service import Runtime

log = logging.getLogger("ecocomply.inprocess")


@dataclass(frozen=True)
class LocalCall:
    """What an in-process handler gets: the verified caller, its service's session and the request."""

    principal: Principal
    session: AsyncSession
    json: Any
    params: dict[str, Any]
    path: dict[str, str]

    def body(self, model: type[BaseModel]) -> Any:
        """The JSON body as the route's model (a ``ValidationError`` answers the route's 422)."""
        return model.model_validate(self.json if self.json is not None else {})


Handler = Callable[[LocalCall], Awaitable[Any]]


@dataclass(frozen=True)
class LocalRoute:
    method: str
    template: str  # under /<service>/v1, e.g. "/decision-context"
    handler: Handler


class LocalRoutes:
    """One service's in-process routes, bound to its runtime and the composition's verifier."""

    def __init__(self, service: str, runtime: Runtime, verifier: TokenVerifier, routes: list[LocalRoute]) -> None:
        self.service = service
        self.runtime = runtime
        self.verifier = verifier
        self._routes = [(r.method.upper(), _compile(r.template), r) for r in routes]

    def match(self, method: str, path: str) -> tuple[LocalRoute, dict[str, str]] | None:
        method = method.upper()
        for m, pattern, route in self._routes:
            if m == method and (found := pattern.fullmatch(path)):
                return route, found.groupdict()
        return None

    async def call(self, route: LocalRoute, path_params: dict[str, str], *, token: str, path: str,
                   json: Any = None, params: dict[str, Any] | None = None) -> httpx.Response:
        instance = f"/{self.service}/v1{path}"
        try:
            check_no_nul([*path_params.items(), *(params or {}).items()], json)  # before authentication, as over HTTP
            await self.verifier.prepare(token)
            principal = self.verifier.verify(token)
            async with self.runtime.sessionmaker() as session, session.begin():
                out = await route.handler(LocalCall(principal=principal, session=session, json=json,
                                                    params=dict(params or {}), path=path_params))
        except Problem as e:
            return _problem(e, instance)
        except Refusal as e:
            return _problem(refused(e), instance)
        except ValidationError as e:
            return _problem(validation_problem(e.errors(include_url=False), prefix=("body",)), instance)
        except Exception:  # as the app's own handler: logged with its traceback, a problem+json 500 to the caller
            log.exception("unhandled error on in-process %s %s", route.method, instance)
            return _problem(Problem(500, "internal_error", "an unexpected error occurred; nothing was changed"),
                            instance)
        if isinstance(out, BaseModel):
            out = out.model_dump(mode="json")
        elif isinstance(out, list):
            out = [o.model_dump(mode="json") if isinstance(o, BaseModel) else o for o in out]
        return httpx.Response(200, content=_encode(out), headers={"content-type": "application/json"})


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    # a parameter holding what a URL reads otherwise (``/?#%``) or refuses (control characters) goes over HTTP,
    # which answers it as it always did
    rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/?#%\x00-\x1f\x7f]+)" for i, p in enumerate(parts))
    return re.compile(rx)


def _problem(problem: Problem, instance: str) -> httpx.Response:
    headers = {"content-type": PROBLEM_JSON}
    if problem.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    headers.update(problem.headers)
    return httpx.Response(problem.status, content=_encode(problem.body(instance)), headers=headers)


def _encode(content: Any) -> bytes:
    """As Starlette's ``JSONResponse`` renders it."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode("utf-8")

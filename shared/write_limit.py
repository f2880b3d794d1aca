"""Limits on what one client may send (issue 13), installed on every service app by
``shared.service.create_app``:

* request body size — FastAPI's own limit (``FastAPI(max_body_size=…)``, per route where a route
  needs more, e.g. the checklist's imports): ``ECOCOMPLY_MAX_BODY_BYTES``; past it ``413``
  problem+json naming the limit (``shared.problems``);
* writes per token — ``WriteRateLimit``: every POST, PUT, PATCH and DELETE carrying a bearer token
  counts against ``ECOCOMPLY_WRITE_RATE_LIMIT`` for that token (the ``limits`` library through
  ``shared.public.RateLimiter``, moving window, in this process's memory); past it ``429``
  problem+json with ``Retry-After``. The key is a hash of the token, so the count needs no
  verification (a forged token is refused by authentication after it was counted, against itself).
  Requests without a token are left to authentication (401) or to the public reads' limit;
* string lengths — ``shared.fields``.
"""

from __future__ import annotations

import hashlib

from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.problems import Problem, problem_response
from shared.public import RateLimiter

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _bearer(scope: Scope) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == b"authorization":
            value = v.decode("latin-1")
            if value[:7].lower() == "bearer " and value[7:].strip():
                return value[7:].strip()
    return None


class WriteRateLimit:
    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in WRITE_METHODS:
            token = _bearer(scope)
            if token is not None:
                key = "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
                retry = self.limiter.hit(key)
                if retry:
                    problem = Problem(
                        429, "rate_limited",
                        f"too many writes with this token (limit {self.limiter.limit}); retry in {retry} s",
                        limit=self.limiter.limit, retry_after=retry, headers={"Retry-After": str(retry)},
                    )
                    await problem_response(problem)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


class ProblemForTooLarge:
    """Outermost layer of a service app: Starlette answers a body whose announced Content-Length is
    past the limit with a plain-text 413 of its own (a streamed one reaches the problem handlers);
    this sends the problem+json every other refusal is instead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_problem(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the plain-text body
            if message["type"] == "http.response.start" and message["status"] == 413 and any(
                k == b"content-type" and v.startswith(b"text/plain") for k, v in message.get("headers", ())
            ):
                replaced = True
                limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY)
                await problem_response(too_large(limit))(scope, receive, send)
                return
            await send(message)

        await self.app(scope, receive, send_problem)


def too_large(limit: int | None) -> Problem:
    if limit is None:
        return Problem(413, "body_too_large", "the request body is too large")
    return Problem(413, "body_too_large", f"the request body is larger than {limit} bytes", limit_bytes=limit)

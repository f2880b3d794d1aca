"""RFC 9457 problem details with stable codes, and the handlers that turn every error into one.

Bad input never becomes a 500: validation errors name the field, workflow refusals name the rule.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.rules import Refusal

log = logging.getLogger("ecocomply.problems")

PROBLEM_JSON = "application/problem+json"
_UNPARSABLE_BODY = "There was an error parsing the body"  # fastapi.routing's detail
TYPE_BASE = "https://ecocomply.example/problems/"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class Problem(Exception):
    """An error the API answers with ``application/problem+json``."""

    def __init__(self, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = extra
        self.headers = headers or {}  # response headers (e.g. ``Retry-After`` of a 429), not in the body

    def body(self, instance: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": TYPE_BASE + self.code,
            "title": _TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            out["instance"] = instance
        out.update(self.extra)
        return out


def not_found(what: str, ident: Any) -> Problem:
    return Problem(404, "not_found", f"{what} {ident} does not exist", resource=what)


def unauthorized(detail: str) -> Problem:
    return Problem(401, "unauthorized", detail)


def forbidden(detail: str, code: str = "forbidden", **extra: Any) -> Problem:
    """403: the caller may not do this (``extra``: context fields, e.g. the rule that says so)."""
    return Problem(403, code, detail, **extra)


def out_of_scope(detail: str) -> Problem:
    """403: the object belongs to another bureau or enterprise than the caller's."""
    return Problem(403, "out_of_scope", detail)


def invalid(field: str, detail: str, code: str = "invalid_input", **extra: Any) -> Problem:
    """A 422 for one named field (``field`` is a dotted path, e.g. ``handlers`` or ``basis.no_penalty_item``)."""
    return Problem(
        422, code, detail, errors=[{"field": field, "message": detail, "code": code}], **extra
    )


def conflict(code: str, detail: str, **extra: Any) -> Problem:
    return Problem(409, code, detail, **extra)


def refused(r: Refusal) -> Problem:
    """The 409 a rule's refusal answers with: the rule, its article, whether its text is verified or our
    reading, and what would make the action lawful — the same fields for every service."""
    return conflict(
        r.code,
        f"{r.detail} — {r.rule.cite()}",
        rule=r.rule.cite(),
        rule_code=r.rule.code,
        article=r.rule.article,
        verified=r.rule.verified,
        our_reading=r.rule.reading,
        remedy=r.rule.remedy,
        **r.extra,
    )


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else {}
    headers.update(getattr(problem, "headers", None) or {})
    return JSONResponse(
        problem.body(str(request.url.path) if request else None),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers or None,
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_problem(errors: Any, *, prefix: tuple[str, ...] = ()) -> Problem:
    """The 422 of a request that fails its models' validation (FastAPI's, or an in-process call's —
    ``shared.inprocess``), naming each field."""
    out = [
        {"field": _field_path((*prefix, *tuple(e.get("loc", ())))), "message": e.get("msg", ""), "code": e.get("type", "")}
        for e in errors
    ]
    fields = ", ".join(e["field"] for e in out)
    return Problem(422, "validation_error", f"invalid input: {fields}", errors=out)


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Starlette's and FastAPI's HTTP errors (404 of an unknown path, 405, 400 of an undecodable body)
    as problems; also the composition root's handler, for a path no service mounts."""
    if exc.status_code == 413:  # FastAPI's body limit on a streamed body (shared.write_limit)
        from shared.write_limit import too_large

        return problem_response(too_large(request.scope.get("starlette.max_body_size")), request)
    if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
        # FastAPI's answer to a body it cannot decode (e.g. not UTF-8): the same 422 naming ``body``
        # as a body that is not JSON, not an undocumented 400.
        return problem_response(invalid("body", "the body could not be decoded as UTF-8 JSON",
                                        code="json_invalid"), request)
    if exc.status_code == 400 and request.headers.get("content-type", "").startswith(
            ("multipart/", "application/x-www-form-urlencoded")):
        # Starlette's answer to a form it cannot parse (no boundary, a broken part, too many fields): a 422
        # naming ``body``, as for a JSON body that cannot be read.
        return problem_response(invalid("body", f"the form could not be read: {exc.detail}", code="form_invalid"),
                                request)
    code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}.get(
        exc.status_code, "http_error"
    )
    return problem_response(Problem(exc.status_code, code, str(exc.detail)), request)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(Refusal)
    async def _refusal(request: Request, exc: Refusal) -> JSONResponse:
        return problem_response(refused(exc), request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(validation_problem(exc.errors()), request)

    app.add_exception_handler(StarletteHTTPException, http_problem)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its traceback; the client gets a problem, never an HTML 500 page.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            Problem(500, "internal_error", "an unexpected error occurred; nothing was changed"), request
        )

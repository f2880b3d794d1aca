"""Response headers every EcoComply app sends (issue 25 S14), installed once per app (``shared.service``
and the portal):

* every response: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``;
* every HTML page: a ``Content-Security-Policy`` with no inline script and ``frame-ancestors 'none'``, and
  ``X-Frame-Options: DENY`` for older browsers. The pages load their scripts from ``/static`` (the dashboard
  its data from a JSON block, which is not a script). The API docs page (FastAPI's Swagger UI, on only where
  ``ECOCOMPLY_OPS_ENDPOINTS_PUBLIC`` is) loads its bundle from jsDelivr with an inline starter: it gets a
  policy that admits exactly that;
* a private answer — a request that carried a token (``Authorization`` or the portal's cookie) or any page
  under ``/my`` or the supervision workspace ``/workspace`` — ``Cache-Control: no-store`` unless the route chose its own.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import SESSION_COOKIE

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def _private(scope: Scope) -> bool:
    path = scope.get("path", "")
    if path in ("/my", "/workspace") or path.startswith(("/my/", "/workspace/")):
        return True
    for name, value in scope.get("headers", ()):
        if name == b"authorization" or (name == b"cookie" and SESSION_COOKIE.encode() in value):
            return True
    return False


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = _private(scope)
        docs = scope.get("path", "").endswith("/docs")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else CSP)
                    headers.setdefault("X-Frame-Options", "DENY")
                if private and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)

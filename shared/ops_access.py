"""Who may read a service's operations endpoints — ``/metrics``, ``/openapi.json``, ``/asyncapi.json`` and the
``/docs`` page (issue 25 S14). ``ECOCOMPLY_OPS_ENDPOINTS_PUBLIC`` on (the embedded default, a developer's
machine): anyone. Off (the compose file): a bearer token with the ``admin`` role or EcoComply's own ``service``
role (a Prometheus scrape job sends one), else 401/403 problem+json — the metrics name routes and volumes, the
documents every operation, which an anonymous caller on a public address has no need of."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.auth import bearer_token
from shared.problems import Problem, forbidden, problem_response, unauthorized

OPS_PATHS = frozenset({"/metrics", "/openapi.json", "/asyncapi.json", "/docs", "/docs/oauth2-redirect"})
ROLES = ("admin", "service")


def _relative(scope: Scope) -> str:
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


class OpsEndpoints:
    def __init__(self, app: ASGIApp, runtime) -> None:
        self.app, self.runtime = app, runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _relative(scope) in OPS_PATHS and not self.runtime.settings.ops_endpoints_public:
            request = Request(scope)
            try:
                self._check(request)
            except Problem as p:
                await problem_response(p, request)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _check(self, request: Request) -> None:
        token = bearer_token(request)
        if not token:
            raise unauthorized("the operations endpoints need a bearer token (admin or service) "
                               "where ECOCOMPLY_OPS_ENDPOINTS_PUBLIC is off")
        user = self.runtime.verifier.verify(token)
        if not user.has(*ROLES):
            raise forbidden("the operations endpoints are for the admin and service roles")

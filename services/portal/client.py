"""The portal's calls to the services' HTTP APIs (``shared.http.ServiceClient``: in-process in the
embedded mode, over the network in the distributed one). Public pages use the public reads; ``/my`` calls
with the enterprise's own token, so each service applies that enterprise's scope."""

from __future__ import annotations

from typing import Any

import httpx

from shared.http import ServiceClient


class ServiceError(Exception):
    """A service answered with an error: its status and problem details (shown on the page)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail") or f"status {status}")
        self.status = status
        self.problem = problem


def _problem(resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {"detail": resp.text[:300], "status": resp.status_code}


class PortalAPI:
    def __init__(self, http: ServiceClient) -> None:
        self.http = http

    async def call(self, service: str, method: str, path: str, *, token: str | None = None,
                   params: dict[str, Any] | None = None, json: Any = None) -> httpx.Response:
        kwargs: dict[str, Any] = {}
        if params:
            kwargs["params"] = {k: v for k, v in params.items() if v not in (None, "")}
        if json is not None:
            kwargs["json"] = json
        resp = await self.http.request(service, method, path, token=token, **kwargs)
        if resp.status_code >= 400:
            raise ServiceError(resp.status_code, _problem(resp))
        return resp

    async def get(self, service: str, path: str, **kw: Any) -> Any:
        return (await self.call(service, "GET", path, **kw)).json()

    async def post(self, service: str, path: str, **kw: Any) -> Any:
        return (await self.call(service, "POST", path, **kw)).json()

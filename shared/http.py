"""Synchronous calls between services (cases → checklist evaluate, cases → credit notice).

``httpx`` with timeouts and bounded retries on transport errors and 502/503/504. In the embedded
mode the same client reaches the in-process apps through ``httpx.ASGITransport``. Calls carry a
short-lived service token and the current request id — or, for a front end acting for a signed-in
user (the portal's ``/my``), that user's own token, so the called service applies the user's scope.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from shared.auth import mint_token
from shared.observability import current_request_id
from shared.problems import Problem

RETRY_STATUSES = {502, 503, 504}


class ServiceClient:
    def __init__(
        self,
        base_urls: dict[str, str],
        *,
        secret: str,
        caller: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
        attempts: int = 3,
    ) -> None:
        self.base_urls = base_urls
        self.secret = secret
        self.caller = caller
        self.attempts = attempts
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout)
        self._cache: dict[str, tuple[float, Any]] = {}
        self._service_token: tuple[float, str] | None = None  # (time.time() it was minted, token)

    async def cached(self, key: str, ttl: float, fetch: Callable[[], Awaitable[Any]]) -> Any:
        """Reference data another service publishes (it changes only with a new list version): fetched
        at most every ``ttl`` seconds per key. ``None`` results are not cached."""
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        value = await fetch()
        if value is not None:
            self._cache[key] = (now, value)
        return value

    SERVICE_TOKEN_TTL = 300
    SERVICE_TOKEN_REUSE = 240  # re-minted with a minute of its life left

    def _token(self) -> str:
        """The service's own short-lived token, reused while it has a minute left (minting one per call was
        a measurable part of each hop). Measured on the same wall clock ``mint_token`` stamps it with."""
        now = time.time()
        if self._service_token is None or not 0 <= now - self._service_token[0] < self.SERVICE_TOKEN_REUSE:
            self._service_token = (now, mint_token(self.secret, sub=f"service:{self.caller}", roles=["service"],
                                                   ttl_seconds=self.SERVICE_TOKEN_TTL))
        return self._service_token[1]

    async def request(
        self, service: str, method: str, path: str, *, token: str | None = None,
        headers: dict[str, str] | None = None, **kwargs: Any,
    ) -> httpx.Response:
        """``token``: call as that user (their bearer token) instead of as this service."""
        base = self.base_urls.get(service)
        if not base:
            raise Problem(503, "dependency_unconfigured", f"no URL configured for the {service} service")
        url = f"{base.rstrip('/')}/{service}/v1{path}"
        headers = {**(headers or {}), "Authorization": f"Bearer {token or self._token()}"}
        rid = current_request_id()
        if rid:
            headers["X-Request-ID"] = rid
        last: Exception | None = None
        for attempt in range(self.attempts):
            try:
                resp = await self._client.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as e:
                last = e
            else:
                if resp.status_code not in RETRY_STATUSES:
                    return resp
                last = RuntimeError(f"{service} answered {resp.status_code}")
            await asyncio.sleep(0.05 * (2**attempt))
        raise Problem(
            503, "dependency_unavailable", f"the {service} service did not answer: {last}", dependency=service
        )

    async def aclose(self) -> None:
        await self._client.aclose()

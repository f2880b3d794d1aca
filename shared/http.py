"""Synchronous calls between services (cases → checklist evaluate, cases → credit notice).

``httpx`` with timeouts and bounded retries on transport errors and 502/503/504. In the embedded
mode the same client answers the routes the other service lists for it (``shared.inprocess``) by a direct call
of that service's use case, and reaches every other route through ``httpx.ASGITransport``. Calls carry a
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
from shared.inprocess import LocalRoutes
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
        self._cache: dict[str, tuple[float, int | None, Any]] = {}  # key → (fetched at, generation, value)
        self._generations: dict[str, tuple[float, int]] = {}  # name → (read at, generation)
        self._service_token: tuple[float, str] | None = None  # (time.time() it was minted, token)
        self._local: dict[str, LocalRoutes] = {}  # service → its routes answered in this process

    def serve_locally(self, routes: LocalRoutes) -> None:
        """The composition root (embedded): answer ``routes.service``'s listed routes in-process."""
        self._local[routes.service] = routes

    async def cached(
        self, key: str, ttl: float, fetch: Callable[[], Awaitable[Any]], *, generation: int | None = None,
    ) -> Any:
        """Reference data another service publishes (it changes only with a new list version): fetched
        at most every ``ttl`` seconds per key. ``None`` results are not cached.

        ``generation``: the current generation of the data (``generation()``); an entry fetched under
        another generation is stale whatever its age, so a change the owner announces by event is
        seen at the next lookup after the consumer bumped it — ``ttl`` stays the backstop."""
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < ttl and hit[1] == generation:
            return hit[2]
        value = await fetch()
        if value is not None:
            self._cache[key] = (now, generation, value)
        return value

    def invalidate(self, prefix: str) -> int:
        """Drop the cached entries whose key begins with ``prefix`` (a consumer in this process that learnt
        of a change); how many were dropped."""
        stale = [k for k in self._cache if k.startswith(prefix)]
        for k in stale:
            del self._cache[k]
        return len(stale)

    async def generation(self, name: str, read: Callable[[], Awaitable[int]], *, every: float) -> int:
        """The generation of the reference data ``name``, as ``read`` (one cheap query of this service's own
        database, where its consumer counts the owner's change events) gives it — read at most every
        ``every`` seconds per process, so a change reaches every process (an API process whose cache the
        consumer's process cannot touch) within ``every`` seconds of the bump."""
        now = time.monotonic()
        known = self._generations.get(name)
        if known is not None and now - known[0] < every:
            return known[1]
        value = await read()
        self._generations[name] = (now, value)
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
        local = self._local.get(service)
        if local is not None and set(kwargs) <= {"json", "params"}:
            found = local.match(method, path)
            if found is not None:
                return await local.call(found[0], found[1], token=token or self._token(), path=path,
                                        json=kwargs.get("json"), params=kwargs.get("params"))
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

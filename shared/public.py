"""Public reads — what anyone may read without a token (API.md "Public reads"; the 公开 of
《行政处罚法》第三十四条、第四十八条): a rate limit per client address and HTTP caching.

* ``PublicRead`` — a FastAPI dependency for every public endpoint: counts the request against
  ``ECOCOMPLY_PUBLIC_RATE_LIMIT`` per client address (the ``limits`` library, moving window, in this
  process's memory) and answers ``429`` problem+json with ``Retry-After`` past it. EcoComply's own
  components (a valid token with the ``service`` role — the portal rendering a page) are not counted
  here: the portal limits its own visitors by their address with the same ``RateLimiter``.
* ``cached_json`` — the answer with a strong ``ETag`` (SHA-256 of the body) and ``Cache-Control:
  public, max-age=N``; ``If-None-Match`` with that tag answers ``304`` without a body.

The client address is the peer's, or — with ``ECOCOMPLY_PUBLIC_TRUST_FORWARDED_FOR`` behind a proxy
that appends it (the compose file's nginx), and only when the peer is one of
``ECOCOMPLY_PUBLIC_TRUSTED_PROXIES`` — the last ``X-Forwarded-For`` entry. This is the only place the header
is read: uvicorn runs with ``proxy_headers`` off (``services.cli``), since its default trusts the header from
127.0.0.1 whatever the setting says (issue 25 S7).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import math
import time
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel

from shared.auth import TokenVerifier, bearer_token
from shared.problems import PROBLEM_JSON, Problem

PUBLIC_TAG = "public"
_PROBLEM = {"content": {PROBLEM_JSON: {}}}
PUBLIC_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "not modified (If-None-Match matched the ETag)"},
    429: {**_PROBLEM, "description": "too many requests from this address (Retry-After says when to retry)"},
}


class RateLimiter:
    """Requests per key (a client address) under one or more limits, e.g. ``"120/minute"``."""

    def __init__(self, limit: str) -> None:
        self.limit = limit
        self.items = parse_many(limit)
        self._strategy = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, key: str) -> int:
        """Count one request; 0 when allowed, else the seconds until one is allowed again."""
        for item in self.items:
            if not self._strategy.hit(item, "public", key):
                stats = self._strategy.get_window_stats(item, "public", key)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return 0

    def check(self, key: str) -> None:
        """Raise the 429 problem when ``key`` is over the limit."""
        retry = self.hit(key)
        if retry:
            raise Problem(
                429, "rate_limited",
                f"too many requests from this address (limit {self.limit}); retry in {retry} s",
                limit=self.limit, retry_after=retry, headers={"Retry-After": str(retry)},
            )


@functools.lru_cache(maxsize=8)
def _networks(trusted_proxies: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in trusted_proxies.split(",") if p.strip())


def _is_trusted_proxy(peer: str, trusted_proxies: str) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in net for net in _networks(trusted_proxies))


def client_address(request: Request, *, trust_forwarded_for: bool, trusted_proxies: str) -> str:
    """The visitor's address: the peer's, or the last ``X-Forwarded-For`` entry when the setting trusts the
    header and the peer is a configured proxy (a client that forges the header only names itself)."""
    peer = request.client.host if request.client else "unknown"
    if trust_forwarded_for and _is_trusted_proxy(peer, trusted_proxies):
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return peer


def is_own_component(request: Request, verifier: TokenVerifier) -> bool:
    """A request signed with a valid ``service`` token (another EcoComply component). Any other token on
    a public endpoint is ignored: public reads need none."""
    token = bearer_token(request)
    if not token:
        return False
    try:
        return verifier.verify(token).has("service")
    except Problem:
        return False


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    limiter = getattr(state, "public_limiter", None)
    if limiter is None:
        limiter = state.public_limiter = RateLimiter(state.runtime.settings.public_rate_limit)
    return limiter


async def public_read(request: Request) -> None:
    rt = request.app.state.runtime
    if is_own_component(request, rt.verifier):
        return
    key = client_address(request, trust_forwarded_for=rt.settings.public_trust_forwarded_for,
                         trusted_proxies=rt.settings.public_trusted_proxies)
    _limiter(request).check(key)


PublicRead = Annotated[None, Depends(public_read)]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def cached_json(request: Request, content: Any, *, max_age: int = 300) -> Response:
    """``content`` (a pydantic model or JSON-able data) as a cacheable public answer."""
    data = content.model_dump(mode="json") if isinstance(content, BaseModel) else jsonable_encoder(content)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)

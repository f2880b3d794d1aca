"""Issue 25 S7: X-Forwarded-For names the client only when the operator says a proxy sets it, and only from that
proxy — through the real ``ecocomply serve`` (uvicorn), whose own proxy handling trusted the header from 127.0.0.1
whatever ``ECOCOMPLY_PUBLIC_TRUST_FORWARDED_FOR`` said."""

from __future__ import annotations

from starlette.requests import Request

from services.testing.remote import Remote
from shared.public import client_address

PUBLIC = "/checklist/v1/public/no-penalty-items"


async def _codes(remote: Remote, path: str, n: int) -> list[int]:
    return [(await remote.client.get(path, headers={"X-Forwarded-For": f"203.0.113.{i}"})).status_code
            for i in range(n)]


async def test_a_forged_forwarded_for_does_not_dodge_the_public_limit(tmp_path):
    remote = Remote(tmp_path / "var", env={"ECOCOMPLY_PUBLIC_RATE_LIMIT": "3/hour",
                                           "ECOCOMPLY_PUBLIC_TRUST_FORWARDED_FOR": "false"})
    await remote.start()
    try:
        # Each request claims another address; the limit counts the real peer: the fourth is refused.
        assert await _codes(remote, PUBLIC, 4) == [200, 200, 200, 429]
        assert await _codes(remote, "/items", 4) == [200, 200, 200, 429]  # the portal's pages alike
    finally:
        await remote.stop()


async def test_behind_the_configured_proxy_each_client_counts_as_itself(tmp_path):
    remote = Remote(tmp_path / "var", env={"ECOCOMPLY_PUBLIC_RATE_LIMIT": "3/hour",
                                           "ECOCOMPLY_PUBLIC_TRUST_FORWARDED_FOR": "true",
                                           "ECOCOMPLY_PUBLIC_TRUSTED_PROXIES": "127.0.0.1"})
    await remote.start()
    try:  # the positive: the proxy (here loopback) forwards four different clients, none over its limit
        assert await _codes(remote, PUBLIC, 4) == [200, 200, 200, 200]
    finally:
        await remote.stop()


def _request(peer: str, forwarded: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [(b"x-forwarded-for", forwarded.encode())],
                    "client": (peer, 40000)})


def test_only_a_configured_proxy_is_believed():
    trusted = "10.1.0.0/16,::1"
    assert client_address(_request("10.1.2.3", "198.51.100.7, 203.0.113.5"), trust_forwarded_for=True,
                          trusted_proxies=trusted) == "203.0.113.5"  # the address the proxy appended
    assert client_address(_request("::1", "203.0.113.5"), trust_forwarded_for=True,
                          trusted_proxies=trusted) == "203.0.113.5"
    assert client_address(_request("192.0.2.9", "203.0.113.5"), trust_forwarded_for=True,
                          trusted_proxies=trusted) == "192.0.2.9"  # not a proxy of ours: the peer itself
    assert client_address(_request("10.1.2.3", "203.0.113.5"), trust_forwarded_for=False,
                          trusted_proxies=trusted) == "10.1.2.3"  # trust off: the header is never read

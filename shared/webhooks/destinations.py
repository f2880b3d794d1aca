"""Where an outbound webhook may go (issue 25 S2, OWASP API7:2023 Server Side Request Forgery). A subscription's
URL is an admin's input, and the deliverer POSTs to it from inside the deployment: to ``127.0.0.1``, the
metadata service at ``169.254.169.254`` or a database on the private network it must never speak.

The host is resolved (``getaddrinfo``, so every spelling a resolver accepts — ``2130706433``, ``127.1``,
``0x7f.1``, ``[::1]``, ``[::ffff:127.0.0.1]`` — is judged by the address it reaches) and EVERY address it
resolves to must be a public unicast address: not loopback, link-local, private (RFC 1918, ULA, CGNAT),
multicast, unspecified or reserved — unless ``ECOCOMPLY_WEBHOOK_ALLOWED_NETWORKS`` names its network (tests,
or a platform reached over a private line). This is checked when a subscription is made or changed (a name
that does not resolve yet is accepted then), and again at every delivery, which then connects to the very address it checked (the URL's host pinned to it, the
``Host`` header and TLS server name kept): a DNS answer that changes between the check and the connection
(rebinding) reaches nothing new. Redirects are never followed (``Deliverer``)."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
CGNAT = ipaddress.ip_network("100.64.0.0/10")


class ForbiddenDestination(ValueError):
    """The URL's host is, or resolves to, an address an outbound request may not reach."""


class Unresolvable(ForbiddenDestination):
    """The host does not resolve (now): nothing can be sent to it. A subscription may still name it — a
    receiver's name may be published later — since every delivery checks again."""


@dataclass(frozen=True)
class Pinned:
    """A URL with its host replaced by the address that was checked, and what the request must still say."""

    url: str
    host_header: str
    sni_hostname: str | None  # https: the name the certificate must carry


@functools.lru_cache(maxsize=16)
def allowed_networks(setting: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in setting.split(",") if n.strip())


def why_forbidden(address: Address) -> str | None:
    """The kind of address this is when it is not a public unicast one (in Chinese, for the refusal)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return why_forbidden(address.ipv4_mapped)
    for test, label in ((address.is_unspecified, "未指定地址"), (address.is_loopback, "本机回环地址"),
                        (address.is_link_local, "链路本地地址（含云主机元数据服务）"), (address.is_multicast, "组播地址"),
                        (address in CGNAT if address.version == 4 else False, "运营商内网地址"),
                        (address.is_private, "内网地址"), (address.is_reserved, "保留地址"),
                        (not address.is_global, "非公网地址")):
        if test:
            return label
    return None


async def resolve(host: str, port: int) -> list[Address]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise Unresolvable(f"主机名 {host} 无法解析（{e.strerror}）") from e
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


async def check(url: str, allowed: str = "") -> Pinned:
    """The URL pinned to its first checked address, or ``ForbiddenDestination`` naming the address and why."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await resolve(host, port)
    if not addresses:
        raise Unresolvable(f"主机名 {host} 没有地址")
    nets = allowed_networks(allowed)
    for address in addresses:
        reason = why_forbidden(address)
        if reason and not any(address in net for net in nets):
            raise ForbiddenDestination(f"{host} 指向{reason} {address}，推送地址须为公网地址"
                                       "（如确需推送到内网，由运维在 ECOCOMPLY_WEBHOOK_ALLOWED_NETWORKS 中列明该网段）")
    first = addresses[0]
    literal = f"[{first}]" if first.version == 6 else str(first)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return Pinned(url=urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), host_header=host_header,
                  sni_hostname=host if parts.scheme == "https" else None)

"""Who is signed in to the workspace. The browser keeps a random session value in the HttpOnly cookie
``ecocomply_ws`` (SameSite=Lax, Secure under https, path ``/workspace``); the audit service keeps the session
(``services.audit.workspace``: idle timeout, longest life, logout). Each page resolves the cookie there and
then calls the services *as the person*, with a short-lived token minted for them (the workspace holds the
deployment's signing secret, as the portal does for its service calls).

Every form carries a CSRF value derived from the session value (a page of another site cannot know it), and a
form post the browser marks as coming from another site is refused (``services.portal.session``)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from shared.auth import mint_token
from shared.http import ServiceClient
from shared.vocabulary import Role

COOKIE = "ecocomply_ws"
PATH = "/workspace"
TOKEN_TTL = 300  # seconds: each page's calls to the services carry a token this long-lived
ROLE_CN = {Role.AUDITOR: "监督审核人员", Role.LEADER: "局领导", Role.ADMIN: "系统管理员"}


class SignInNeeded(Exception):
    """No live session: the page sends the browser to the sign-in form (and back afterwards)."""

    def __init__(self, next_path: str, reason: str | None = None) -> None:
        super().__init__(reason or "sign in")
        self.next_path, self.reason = next_path, reason


@dataclass
class WorkspaceUser:
    sub: str
    name: str
    roles: list[str]
    bureau: str | None
    via: str
    session: str = field(repr=False)
    http: ServiceClient = field(repr=False)

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_auditor(self) -> bool:
        return Role.AUDITOR in self.roles

    @property
    def role_names(self) -> str:
        return "、".join(ROLE_CN.get(r, r) for r in self.roles)  # type: ignore[call-overload]

    @cached_property
    def token(self) -> str:
        """A short-lived token for this person's calls to the services: their roles and bureau, nothing more."""
        return mint_token(self.http.secret, sub=self.sub, roles=list(self.roles), bureau=self.bureau,
                          name=self.name, ttl_seconds=TOKEN_TTL)

    @property
    def csrf(self) -> str:
        return csrf_value(self.session)


def csrf_value(session_value: str) -> str:
    return hashlib.sha256(b"ecocomply-workspace-csrf\n" + session_value.encode()).hexdigest()[:32]


def csrf_ok(user: WorkspaceUser, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(user.csrf, sent or "")


def set_cookie(response: Response, request: Request, value: str) -> None:
    # No max_age: a browser session cookie; the audit service ends the session itself (idle, longest life).
    response.set_cookie(COOKIE, value, httponly=True, samesite="lax", path=PATH,
                        secure=request.url.scheme == "https")


def clear_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="lax", secure=request.url.scheme == "https")


async def current(request: Request) -> WorkspaceUser | None:
    """The signed-in person, or None (no cookie, or the session has ended)."""
    value = request.cookies.get(COOKIE, "")
    if not 20 <= len(value) <= 100:
        return None
    http: ServiceClient = request.app.state.http
    resp = await http.request("audit", "POST", "/workspace/sessions/resolve", json={"session": value})
    if resp.status_code != 200:
        return None
    body: dict[str, Any] = resp.json()
    return WorkspaceUser(sub=body["sub"], name=body["name"], roles=list(body["roles"]), bureau=body.get("bureau"),
                         via=body["via"], session=value, http=http)


def next_of(request: Request) -> str:
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return path


async def require(request: Request) -> WorkspaceUser:
    """The signed-in person, or ``SignInNeeded`` (the handler sends the browser to the sign-in page)."""
    user = await current(request)
    if user is None:
        reason = "expired" if request.cookies.get(COOKIE) else None
        raise SignInNeeded(next_of(request) if request.method == "GET" else PATH + "/", reason)
    return user


def login_url(next_path: str, reason: str | None = None) -> str:
    url = f"{PATH}/login?next={quote(next_path, safe='')}"
    return url + (f"&reason={reason}" if reason else "")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path inside the workspace only (never another site)."""
    if not value or not value.startswith(PATH + "/") or value.startswith("//") or "\\" in value:
        return PATH + "/"
    return value

"""Who is signed in on ``/my``: the enterprise's bearer token from the ``Authorization`` header (a bureau's
SSO proxy sets it) or the ``ecocomply_token`` cookie (set by the sign-in form), verified here and passed
on unchanged to the services, which apply the enterprise's own scope. Forms carry a CSRF value derived
from the token: a page on another site cannot know it (the cookie is also ``SameSite=Strict``).

Signing in has no token yet, so the sign-in form carries a random value that is also set as a cookie (a
"double submit"): another site can post a form to ``/my/login`` — signing the visitor in as *its* enterprise
(login CSRF) — but cannot read or set that cookie. Every form post is also refused when the browser says it
comes from another site (``Origin`` not this host, or ``Sec-Fetch-Site: cross-site``). Issue 25 S13."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request

from shared.auth import SESSION_COOKIE, Principal, TokenVerifier, bearer_token
from shared.problems import Problem

COOKIE = SESSION_COOKIE
LOGIN_COOKIE = "ecocomply_login"  # the sign-in form's double-submit value


def token_of(request: Request) -> str:
    return bearer_token(request, or_cookie=True)


def signed_in(request: Request, verifier: TokenVerifier) -> tuple[Principal, str] | None:
    """The enterprise and its token, or None when no valid token came with the request."""
    token = token_of(request)
    if not token:
        return None
    try:
        return verifier.verify(token), token
    except Problem:
        return None


def csrf_value(token: str) -> str:
    return hashlib.sha256(b"ecocomply-portal-csrf\n" + token.encode()).hexdigest()[:32]


def csrf_ok(token: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(csrf_value(token), sent or "")


def login_value(request: Request) -> str:
    """The sign-in form's value: the visitor's cookie if it has one, else a new random one (set with the page)."""
    sent = request.cookies.get(LOGIN_COOKIE, "")
    return sent if 20 <= len(sent) <= 64 else secrets.token_urlsafe(24)


def login_value_ok(request: Request, sent: str | None) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    return bool(cookie) and bool(sent) and hmac.compare_digest(cookie, sent or "")


def from_another_site(request: Request) -> bool:
    """The browser says this form post comes from another site's page."""
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin is None:  # not sent by this client: the form values decide
        return False
    return origin == "null" or urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()

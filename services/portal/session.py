"""Who is signed in on ``/my``: the enterprise's bearer token from the ``Authorization`` header (a bureau's
SSO proxy sets it) or the ``ecocomply_token`` cookie (set by the sign-in form), verified here and passed
on unchanged to the services, which apply the enterprise's own scope. Forms carry a CSRF value derived
from the token: a page on another site cannot know it (the cookie is also ``SameSite=Strict``)."""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

from shared.auth import Principal, TokenVerifier
from shared.problems import Problem

COOKIE = "ecocomply_token"


def token_of(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE, "").strip()


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

"""Bearer-JWT authentication and declarative role checks (FastAPI dependencies).

Claims (DESIGN §6): ``sub``, ``name``, ``roles``, ``bureau`` (org code), ``uscc`` (enterprise
tokens), ``cert_no`` (执法证号, officers). The embedded mode signs HS256 tokens with a secret
generated into the data directory; a deployment verifies HS256 with ``ECOCOMPLY_JWT_SECRET`` or
RS256/ES256 against an issuer's JWKS (``ECOCOMPLY_JWT_JWKS_URL``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from shared.problems import forbidden, out_of_scope, unauthorized
from shared.vocabulary import BUREAU_ROLES, GLOBAL_ROLES, Role

ROLES = tuple(Role)


class Principal(BaseModel):
    sub: str
    name: str = ""
    roles: list[str] = Field(default_factory=list)
    bureau: str | None = None
    uscc: str | None = None
    cert_no: str | None = None

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def can_see(self, *, bureau: str | None, uscc: str | None) -> bool:
        """Object-level scope: who may read an object that belongs to ``bureau`` / ``uscc``."""
        if self.has(*GLOBAL_ROLES):
            return True
        if self.has(*BUREAU_ROLES) and self.bureau is not None and self.bureau == bureau:
            return True
        return self.has("enterprise") and self.uscc is not None and self.uscc == uscc


class TokenVerifier:
    def __init__(self, *, secret: str = "", jwks_url: str = "", issuer: str = "ecocomply") -> None:
        if not secret and not jwks_url:
            raise RuntimeError("a token verifier needs a secret or a JWKS URL")
        self.secret = secret
        self.issuer = issuer
        self._jwks = jwt.PyJWKClient(jwks_url) if jwks_url else None

    def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token).key
                claims = jwt.decode(token, key, algorithms=["RS256", "ES256"], issuer=self.issuer)
            else:
                claims = jwt.decode(token, self.secret, algorithms=["HS256"], issuer=self.issuer)
        except jwt.ExpiredSignatureError as e:
            raise unauthorized("token expired") from e
        except jwt.PyJWTError as e:
            raise unauthorized(f"invalid token: {e}") from e
        roles = claims.get("roles") or []
        if not isinstance(roles, list) or not all(r in ROLES for r in roles):
            raise unauthorized(f"token carries unknown roles {roles!r}; known: {', '.join(ROLES)}")
        return Principal(
            sub=str(claims["sub"]),
            name=str(claims.get("name", "")),
            roles=roles,
            bureau=claims.get("bureau"),
            uscc=claims.get("uscc"),
            cert_no=claims.get("cert_no"),
        )


def mint_token(
    secret: str,
    *,
    sub: str,
    roles: list[str],
    bureau: str | None = None,
    uscc: str | None = None,
    cert_no: str | None = None,
    name: str | None = None,
    ttl_seconds: int = 12 * 3600,
    issuer: str = "ecocomply",
) -> str:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; known: {', '.join(ROLES)}")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "roles": roles, "iss": issuer, "iat": now, "exp": now + ttl_seconds}
    for k, v in (("bureau", bureau), ("uscc", uscc), ("cert_no", cert_no), ("name", name)):
        if v:
            claims[k] = v
    return jwt.encode(claims, secret, algorithm="HS256")


def load_or_create_secret(data_dir: Path) -> str:
    """The embedded mode's signing secret, generated once into the data directory (mode 0600)."""
    path = data_dir / "jwt_secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if creds is None or creds.scheme.lower() != "bearer":
        raise unauthorized("missing bearer token")
    verifier: TokenVerifier = request.app.state.runtime.verifier
    principal = verifier.verify(creds.credentials)
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str):
    """Dependency factory: the caller must hold one of ``roles`` (403 otherwise)."""

    async def _check(user: CurrentUser) -> Principal:
        if not user.has(*roles):
            raise forbidden(f"this action needs one of the roles: {', '.join(roles)}", code="role_required")
        return user

    return Depends(_check)


def ensure_can_see(user: Principal, *, bureau: str | None, uscc: str | None, what: str) -> None:
    """A single object's read: 403 ``out_of_scope`` unless the caller may see an object of ``bureau``/``uscc``."""
    if not user.can_see(bureau=bureau, uscc=uscc):
        raise out_of_scope(f"{what} belongs to another bureau or enterprise")


@dataclass(frozen=True)
class Scope:
    """The filters a caller's list reads are limited to (``None``: not limited by that key)."""

    bureau: str | None = None
    uscc: str | None = None

    def where(self, bureau_column: Any = None, uscc_column: Any = None) -> list[Any]:
        """SQL conditions for a query over objects with these columns."""
        conds = []
        if self.bureau is not None and bureau_column is not None:
            conds.append(bureau_column == self.bureau)
        if self.uscc is not None and uscc_column is not None:
            conds.append(uscc_column == self.uscc)
        return conds


def scope_of(user: Principal, *, bureau: str | None = None, uscc: str | None = None, what: str = "these objects") -> Scope:
    """The one scope rule for listing: the caller asks for ``bureau``/``uscc`` (or neither) and gets the
    filters they may use. Global roles see what they ask for; bureau roles only their bureau (asking for
    another bureau is a 403, not an empty list); an enterprise only its own USCC. 403 for anyone else."""
    if user.has(*GLOBAL_ROLES):
        return Scope(bureau, uscc)
    if user.has(*BUREAU_ROLES):
        if not user.bureau:
            raise out_of_scope(f"a bureau role without a bureau claim sees no {what}")
        if bureau is not None and bureau != user.bureau:
            raise out_of_scope(f"{what} of bureau {bureau} are outside your bureau {user.bureau}")
        return Scope(user.bureau, uscc)
    if user.has(Role.ENTERPRISE) and user.uscc:
        if uscc is not None and uscc != user.uscc:
            raise out_of_scope(f"{what} of enterprise {uscc} belong to another enterprise")
        return Scope(bureau, user.uscc)
    raise out_of_scope(f"no {what} are visible to this caller")


def caller_scope(what: str):
    """Dependency factory for list endpoints filtered by the ``bureau`` and ``uscc`` query parameters:
    ``scope: Annotated[Scope, caller_scope("flags")]``."""

    async def _scope(user: CurrentUser, bureau: str | None = None, uscc: str | None = None) -> Scope:
        return scope_of(user, bureau=bureau, uscc=uscc, what=what)

    return Depends(_scope)

"""Bearer-JWT authentication and declarative role checks (FastAPI dependencies).

Claims (DESIGN §6): ``sub``, ``name``, ``roles``, ``bureau`` (org code), ``uscc`` (enterprise
tokens), ``cert_no`` (执法证号, officers). The embedded mode signs HS256 tokens with a secret
generated into the data directory; a deployment verifies HS256 with ``ECOCOMPLY_JWT_SECRET`` or
RS256/ES256 against an issuer's JWKS (``ECOCOMPLY_JWT_JWKS_URL``).
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from shared.problems import Problem, forbidden, unauthorized

ROLES = ("officer", "legal_reviewer", "leader", "auditor", "enterprise", "platform", "admin", "service")
# Roles that act for a bureau: they see only that bureau's objects.
BUREAU_ROLES = {"officer", "legal_reviewer", "leader"}
# Roles whose reads span bureaus: supervision auditors, administrators, the provincial platform and
# other EcoComply services calling on a user's behalf.
GLOBAL_ROLES = {"auditor", "admin", "platform", "service"}


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
    if not user.can_see(bureau=bureau, uscc=uscc):
        raise Problem(403, "out_of_scope", f"{what} belongs to another bureau or enterprise")

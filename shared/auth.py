"""Bearer-JWT authentication and declarative role checks (FastAPI dependencies).

Claims (DESIGN §6): ``sub``, ``name``, ``roles``, ``bureau`` (org code), ``uscc`` (enterprise
tokens), ``cert_no`` (执法证号, officers). The embedded mode signs HS256 tokens with a secret
generated into the data directory; a deployment verifies HS256 with ``ECOCOMPLY_JWT_SECRET`` and/or
RS256/ES256 tokens of an OIDC issuer against its JWKS (``ECOCOMPLY_JWT_JWKS_URL``, with
``ECOCOMPLY_JWT_ISSUER`` and ``ECOCOMPLY_JWT_AUDIENCE`` checked, ``ECOCOMPLY_JWT_ALGORITHMS`` the
allow-list, ``ECOCOMPLY_JWT_*_CLAIM`` naming where the issuer puts roles, bureau and USCC). The
token header's ``alg`` chooses: HS256 → the shared secret (EcoComply's own tokens, issuer
``ecocomply``, also the services' calls to each other), an allowed asymmetric one → the JWKS key
its ``kid`` names, which must be of that algorithm's type. ``alg: none`` and anything else: 401.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from shared.private_files import write_once
from shared.problems import forbidden, not_found, out_of_scope, unauthorized
from shared.vocabulary import BUREAU_ROLES, GLOBAL_ROLES, Role

ROLES = tuple(Role)


class Principal(BaseModel):
    # Frozen: one verified token's principal is shared by the requests that carry it (TokenVerifier's cache).
    model_config = ConfigDict(frozen=True)

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


# Asymmetric algorithms an identity provider may sign with, and the JWK each needs: the key's type
# (and, for EC, its curve) must fit the token header's ``alg`` — a header cannot make an RSA public
# key serve as an HMAC secret (HS/RS confusion) or an EC key of one curve serve another.
ASYMMETRIC_ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None), "RS384": ("RSA", None), "RS512": ("RSA", None),
    "PS256": ("RSA", None), "PS384": ("RSA", None), "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"), "ES384": ("EC", "P-384"), "ES512": ("EC", "P-521"),
}
SHARED_SECRET_ALGORITHM = "HS256"
# The issuer of the tokens EcoComply signs itself (``mint_token``: ``ecocomply token``, service tokens).
OWN_ISSUER = "ecocomply"
# Roles only EcoComply's own shared-secret tokens carry: its components calling each other (global scope, no
# public rate limit). An identity provider's token that claims one is read without it (issue 25 S4).
OWN_ONLY_ROLES = frozenset({"service"})


@dataclass(frozen=True)
class ClaimMapping:
    """Where a token carries EcoComply's claims: dotted paths into the claims (``realm_access.roles``).
    Roles are a list or a space-separated string; with a JWKS, roles EcoComply does not know (an
    identity provider's own, e.g. ``offline_access``) are left out; in a shared-secret token every
    role must be known."""

    roles: str = "roles"
    bureau: str = "bureau"
    uscc: str = "uscc"
    name: str = "name"
    cert_no: str = "cert_no"

    @staticmethod
    def lookup(claims: dict[str, Any], path: str) -> Any:
        value: Any = claims
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value


class JwksKeys:
    """The issuer's public keys from its JWKS URL: fetched when first needed, kept ``cache_seconds``,
    and fetched again at once — at most every ``refetch_seconds`` — when a token names a ``kid`` the
    cache does not hold (the issuer rotated its keys). A failed fetch keeps the keys already held.

    Never on the event loop (issue 25 S5: a slow provider stalled every request, ``/healthz`` included): a
    fetch runs on this object's own thread, with the client's timeout. ``prepare`` (awaited by the request
    path before it verifies) waits for that thread without blocking the loop; a synchronous ``get`` called
    on the loop answers from the cache at once — an unknown ``kid`` is a 401 — and starts the fetch in the
    background for the next request."""

    def __init__(self, url: str, *, cache_seconds: float = 300.0, refetch_seconds: float = 30.0,
                 timeout: float = 5.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.cache_seconds = cache_seconds
        self.refetch_seconds = refetch_seconds
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=timeout)
        self._monotonic = monotonic
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._forced_at: float | None = None
        self._failed_at: float | None = None  # a failed fetch is not retried within refetch_seconds either
        self._lock = threading.Lock()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jwks")
        self._background: Future | None = None
        self.fetches = 0

    def _fetch(self) -> None:
        self.fetches += 1
        try:
            data = self._client.fetch_data()
        except jwt.PyJWKClientError:
            self._failed_at = self._monotonic()
            raise
        keys = data.get("keys")
        if not isinstance(keys, list):
            raise jwt.PyJWKClientError("the JWKS document has no 'keys' list")
        self._keys = {k["kid"]: k for k in keys
                      if isinstance(k, dict) and isinstance(k.get("kid"), str) and k.get("use") in ("sig", None)}
        self._fetched_at, self._failed_at = self._monotonic(), None

    def _stale(self) -> bool:
        """No keys yet, or held longer than ``cache_seconds`` (and no failed fetch within the cool-down)."""
        now = self._monotonic()
        if self._failed_at is not None and now - self._failed_at < self.refetch_seconds:
            return False
        return self._fetched_at is None or now - self._fetched_at >= self.cache_seconds

    def _due(self, kid: str) -> bool:
        """Whether ``get(kid)`` would ask the provider now."""
        now = self._monotonic()
        if self._failed_at is not None and now - self._failed_at < self.refetch_seconds:
            return False
        return self._stale() or (kid not in self._keys and
                                 (self._forced_at is None or now - self._forced_at >= self.refetch_seconds))

    def _get_blocking(self, kid: str) -> dict[str, Any] | None:
        with self._lock:
            now = self._monotonic()
            if self._failed_at is not None and now - self._failed_at < self.refetch_seconds:
                if not self._keys:
                    raise jwt.PyJWKClientError("the identity provider's keys could not be fetched; retrying shortly")
                return self._keys.get(kid)
            fetched = False
            if self._stale():
                try:
                    self._fetch()
                    fetched = True
                except jwt.PyJWKClientError:
                    if not self._keys:
                        raise
            if (kid not in self._keys and not fetched
                    and (self._forced_at is None or now - self._forced_at >= self.refetch_seconds)):
                self._forced_at = now
                self._fetch()
            return self._keys.get(kid)

    def _quietly(self, kid: str) -> None:
        with contextlib.suppress(jwt.PyJWKClientError):
            self._get_blocking(kid)

    async def prepare(self, kid: str) -> None:
        """Before a request's ``get`` on the event loop: when the keys are missing or expired, fetch them on the
        fetch thread (the loop serves other requests meanwhile). An unknown ``kid`` with fresh keys does not
        wait: ``get`` answers it from the cache and refetches in the background, at most once per cool-down."""
        if self._stale():
            await asyncio.wrap_future(self._thread.submit(self._quietly, kid))

    def get(self, kid: str) -> dict[str, Any] | None:
        if not _on_event_loop():
            return self._get_blocking(kid)
        if self._due(kid) and (self._background is None or self._background.done()):
            self._background = self._thread.submit(self._quietly, kid)
        if self._fetched_at is None:
            raise jwt.PyJWKClientError("the identity provider's keys are being fetched; try again shortly")
        return self._keys.get(kid)


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class TokenVerifier:
    """Verifies bearer tokens: HS256 with the shared ``secret`` (the embedded mode, and EcoComply's own
    service tokens), and — with ``jwks_url`` — RS256/ES256 (``algorithms``) from an OIDC issuer, its
    ``issuer`` and ``audience`` checked. Shared-secret tokens are EcoComply's own (issuer ``ecocomply``).
    Every token needs ``exp`` and ``sub``; the header's ``alg`` picks the mode and must be allowed for it."""

    def __init__(
        self, *, secret: str = "", jwks_url: str = "", issuer: str = "", audience: str = "",
        algorithms: Sequence[str] = ("RS256", "ES256"), claims: ClaimMapping | None = None,
        jwks: JwksKeys | None = None, leeway_seconds: float = 0,
    ) -> None:
        if not secret and not jwks_url and jwks is None:
            raise RuntimeError("a token verifier needs a secret or a JWKS URL")
        unknown = [a for a in algorithms if a not in ASYMMETRIC_ALGORITHMS]
        if unknown:
            raise RuntimeError(f"token algorithms {unknown} are not allowed with a JWKS; "
                               f"allowed: {', '.join(ASYMMETRIC_ALGORITHMS)}")
        if (jwks_url or jwks is not None) and not (issuer and audience):
            raise RuntimeError("a JWKS verifier checks the token's issuer and audience: set both "
                               "(ECOCOMPLY_JWT_ISSUER, ECOCOMPLY_JWT_AUDIENCE)")
        self.secret = secret
        self.issuer = issuer
        self.audience = audience
        self.algorithms = tuple(algorithms)
        self.claims = claims or ClaimMapping()
        self.leeway = leeway_seconds
        self._jwks = jwks if jwks is not None else (JwksKeys(jwks_url) if jwks_url else None)
        # token → (exp, principal): a client sends the same bearer token with many requests, and checking
        # its signature and claims each time was a measurable part of every request (issue 12). A hit is
        # still refused once ``exp`` (plus the leeway) has passed; only verified tokens are kept.
        self._verified: dict[str, tuple[float, Principal]] = {}

    @classmethod
    def from_settings(cls, settings: Any, *, secret: str | None = None) -> TokenVerifier:
        """The verifier a deployment's ``Settings`` describe (``secret`` overrides the settings' one,
        e.g. the embedded mode's generated secret)."""
        jwks = None
        if settings.jwt_jwks_url:
            jwks = JwksKeys(settings.jwt_jwks_url, cache_seconds=settings.jwt_jwks_cache_seconds,
                            refetch_seconds=settings.jwt_jwks_refetch_seconds)
        return cls(
            secret=settings.jwt_secret if secret is None else secret, jwks=jwks, issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            algorithms=[a.strip() for a in settings.jwt_algorithms.split(",") if a.strip()],
            claims=ClaimMapping(roles=settings.jwt_roles_claim, bureau=settings.jwt_bureau_claim,
                                uscc=settings.jwt_uscc_claim, name=settings.jwt_name_claim,
                                cert_no=settings.jwt_cert_no_claim),
        )

    def _issuer_key(self, token: str, alg: str) -> Any:
        if self._jwks is None or alg not in self.algorithms:
            allowed = ([SHARED_SECRET_ALGORITHM] if self.secret else []) + (list(self.algorithms) if self._jwks else [])
            raise unauthorized(f"token algorithm {alg!r} is not accepted; accepted: {', '.join(allowed)}")
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str) or not kid:
            raise unauthorized("token header names no signing key (kid)")
        try:
            jwk = self._jwks.get(kid)
        except jwt.PyJWKClientError as e:
            raise unauthorized(f"the identity provider's keys could not be fetched: {e}") from e
        if jwk is None:
            raise unauthorized(f"token signed with an unknown key {kid!r}")
        kty, crv = ASYMMETRIC_ALGORITHMS[alg]
        declared = jwk.get("alg")
        if jwk.get("kty") != kty or (crv and jwk.get("crv") != crv) or (declared and declared != alg):
            raise unauthorized(f"token algorithm {alg!r} does not fit key {kid!r} "
                               f"({jwk.get('kty')} {jwk.get('crv') or ''} {declared or ''})".replace("  ", " "))
        return jwt.PyJWK(jwk, algorithm=alg).key

    VERIFIED_CACHE_SIZE = 4096

    async def prepare(self, token: str) -> None:
        """Before ``verify`` on the event loop: fetch the identity provider's keys the token needs, off the loop."""
        if self._jwks is None or token in self._verified:
            return
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return  # ``verify`` names what is wrong with it
        kid = header.get("kid")
        if header.get("alg") in self.algorithms and isinstance(kid, str) and kid:
            await self._jwks.prepare(kid)

    def verify(self, token: str) -> Principal:
        hit = self._verified.get(token)
        if hit is not None:
            if time.time() < hit[0] + self.leeway:
                return hit[1]
            del self._verified[token]
            raise unauthorized("token expired")
        principal, exp = self._verify(token)
        if len(self._verified) >= self.VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (exp, principal)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            alg = jwt.get_unverified_header(token).get("alg")
            if alg == SHARED_SECRET_ALGORITHM and self.secret:
                key, issuer, audience, from_issuer = self.secret, OWN_ISSUER, None, False
            else:
                key, issuer, audience, from_issuer = (self._issuer_key(token, str(alg)), self.issuer,
                                                      self.audience or None, True)
            claims = jwt.decode(
                token, key, algorithms=[str(alg)], issuer=issuer, audience=audience, leeway=self.leeway,
                options={"require": ["exp", "sub"], "verify_aud": audience is not None},
            )
        except jwt.ExpiredSignatureError as e:
            raise unauthorized("token expired") from e
        except jwt.PyJWTError as e:
            raise unauthorized(f"invalid token: {e}") from e
        return self._principal(claims, from_issuer=from_issuer), float(claims["exp"])

    def _principal(self, claims: dict[str, Any], *, from_issuer: bool) -> Principal:
        m = self.claims if from_issuer else ClaimMapping()
        roles = ClaimMapping.lookup(claims, m.roles) or []
        if isinstance(roles, str):
            roles = roles.split()
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise unauthorized(f"token claim {m.roles!r} is not a list of roles")
        if from_issuer:  # the service role is EcoComply's own credential, never an identity provider's claim (S4)
            roles = [r for r in roles if r in ROLES and r not in OWN_ONLY_ROLES]
        elif not all(r in ROLES for r in roles):
            raise unauthorized(f"token carries unknown roles {roles!r}; known: {', '.join(ROLES)}")

        def text(path: str) -> str | None:
            value = ClaimMapping.lookup(claims, path)
            return None if value is None else str(value)

        return Principal(sub=str(claims["sub"]), name=text(m.name) or "", roles=roles, bureau=text(m.bureau),
                         uscc=text(m.uscc), cert_no=text(m.cert_no))


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
    issuer: str = OWN_ISSUER,
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
    return write_once(path, secrets.token_urlsafe(48))  # 0600 from the start (issue 25 S18)


_bearer = HTTPBearer(auto_error=False)
# The cookie the portal's sign-in sets (and the supervisors' dashboard reads): the token of a browser session.
SESSION_COOKIE = "ecocomply_token"


def bearer_token(request: Request, *, or_cookie: bool = False) -> str:
    """The request's bearer token ("" if none); with ``or_cookie``, the session cookie's when no header is sent."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE, "").strip() if or_cookie else ""


async def current_principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if creds is None or creds.scheme.lower() != "bearer":
        raise unauthorized("missing bearer token")
    verifier: TokenVerifier = request.app.state.runtime.verifier
    await verifier.prepare(creds.credentials)
    principal = verifier.verify(creds.credentials)
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str):
    """Dependency factory: the caller must hold one of ``roles`` (403 otherwise); the OpenAPI document names
    them in each operation that depends on it (``x-roles`` and the description, ``shared.openapi``)."""

    async def _check(user: CurrentUser) -> Principal:
        if not user.has(*roles):
            raise forbidden(f"this action needs one of the roles: {', '.join(roles)}", code="role_required")
        return user

    _check.roles = roles  # type: ignore[attr-defined]  # shared/openapi.py names them in the operation
    return Depends(_check)


def ensure_can_see(user: Principal, *, bureau: str | None, uscc: str | None, what: str) -> None:
    """A single object's read: 403 ``out_of_scope`` unless the caller may see an object of ``bureau``/``uscc``."""
    if not user.can_see(bureau=bureau, uscc=uscc):
        raise out_of_scope(f"{what} belongs to another bureau or enterprise")


def ensure_registered_for(user: Principal, *, bureau: str | None, uscc: str, what: str = "enterprise") -> None:
    """An object named by a key anyone can know (an enterprise's USCC is printed on its licence): 404, exactly
    as for a USCC that is not registered, unless the caller may see it — a 403 would tell a token holder which
    enterprises are registered with which bureau (issue 25 S17)."""
    if not user.can_see(bureau=bureau, uscc=uscc):
        raise not_found(what, uscc)


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

"""Real identity (issue 13): tokens of an OIDC issuer verified by its JWKS URL — served here by a
local HTTP server in a thread with keys made by ``cryptography`` — through the real composition.

RS256 and ES256 are accepted with the issuer's own claim layout (``realm_access.roles``,
``org.bureau``); a wrong issuer or audience, no ``exp``, an expired token, ``alg: none``, an HS256
token signed with the RSA public key (HS/RS confusion), an algorithm that does not fit the key, and a
key the issuer never published are all 401 problem+json. Rotation: a token with a new ``kid`` makes
the verifier fetch the JWKS again (once; further unknown kids within the cool-down do not refetch).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from services.testing.factories import BUREAU, OTHER_BUREAU, new_uscc
from services.testing.stack import Stack, build_stack
from shared.auth import JwksKeys, TokenVerifier, mint_token
from shared.problems import Problem

ISSUER = "http://127.0.0.1/realms/ecocomply-test"
AUDIENCE = "ecocomply-api"


class Issuer:
    """An identity provider's JWKS endpoint: a key set that can be rotated, and a count of fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, Any]] = {}  # kid -> (alg, private key)
        self.fetches = 0
        self.delay = 0.0  # a slow provider: seconds before each answer
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                issuer.fetches += 1
                time.sleep(issuer.delay)
                body = json.dumps(issuer.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/protocol/openid-connect/certs"

    def add(self, alg: str) -> str:
        kid = f"{alg.lower()}-{uuid.uuid4().hex[:8]}"
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if alg.startswith("RS") \
            else ec.generate_private_key(ec.SECP256R1())
        self.keys[kid] = (alg, key)
        return kid

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid, (alg, key) in self.keys.items():
            jwk = json.loads((RSAAlgorithm if alg.startswith("RS") else ECAlgorithm).to_jwk(key.public_key()))
            out.append({**jwk, "kid": kid, "use": "sig", "alg": alg})
        return {"keys": out}

    def public_pem(self, kid: str) -> bytes:
        return self.keys[kid][1].public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def token(self, kid: str, *, realm_roles: tuple[str, ...] = ("officer",), org_bureau: str = BUREAU,
              **override: Any) -> str:
        alg, key = self.keys[kid]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": "idp-officer-1", "iat": now, "exp": now + 600,
            "preferred_username": "王执法", "realm_access": {"roles": [*realm_roles, "offline_access"]},
            "org": {"bureau": org_bureau}, "bureau": None, "cert_no": "JS32059999",
        }
        claims.update(override)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: dict[str, Any]) -> str:
    return _b64(json.dumps(obj).encode())


@pytest.fixture
def issuer():
    i = Issuer()
    try:
        yield i
    finally:
        i.close()


@pytest.fixture
async def idp_stack(issuer, tmp_path) -> AsyncIterator[Stack]:
    s, cleanup = await build_stack(
        "sqlite-local", tmp_path, jwt_jwks_url=issuer.url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE,
        jwt_roles_claim="realm_access.roles", jwt_bureau_claim="org.bureau", jwt_name_claim="preferred_username",
    )
    try:
        await s.comp.start()
        yield s
    finally:
        await cleanup()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(stack: Stack, token: str, bureau: str):
    return await stack.client.post("/cases/v1/enterprises", headers=bearer(token), json={
        "uscc": new_uscc(), "name": "苏州某某环保科技有限公司", "bureau": bureau, "industry": "污水处理",
        "address": "苏州市吴江区"})


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_issuer_tokens_are_accepted_with_the_issuers_claim_layout(idp_stack, issuer, alg):
    kid = issuer.add(alg)
    token = issuer.token(kid)
    r = await register(idp_stack, token, BUREAU)
    assert r.status_code == 201, r.text
    # The bureau came from org.bureau: another bureau's enterprise is out of this officer's scope.
    r = await register(idp_stack, token, OTHER_BUREAU)
    assert r.status_code == 403, r.text
    # Roles came from realm_access.roles (the IdP's own "offline_access" is left out): no admin rights.
    r = await idp_stack.client.post("/cases/v1/officers", headers=bearer(token), json={
        "sub": "x", "name": "x", "bureau": BUREAU, "cert_no": "JS32050009"})
    assert r.status_code == 403 and r.json()["code"] == "role_required"
    # EcoComply's own HS256 tokens (the services' calls, `ecocomply token`) still work beside the JWKS.
    r = await register(idp_stack, idp_stack.token("officer-a", "officer", bureau=BUREAU), BUREAU)
    assert r.status_code == 201, r.text


async def test_refused_tokens_are_401_problems_naming_the_reason(idp_stack, issuer):
    rs, es = issuer.add("RS256"), issuer.add("ES256")
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 600, "realm_access": {"roles": ["admin"]}}
    unsigned = f"{_segment({'alg': 'none', 'typ': 'JWT', 'kid': rs})}.{_segment(claims)}."
    # HS/RS confusion: an HS256 token whose HMAC key is the issuer's published RSA public key.
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': rs})}.{_segment(claims)}"
    confused = signing_input + "." + _b64(hmac.new(issuer.public_pem(rs), signing_input.encode(), hashlib.sha256).digest())
    stranger = Issuer()  # a key the issuer never published, with a kid of the same shape
    try:
        skid = stranger.add("RS256")
        cases = {
            "wrong issuer": (issuer.token(rs, iss="https://evil.example/realms/x"), "issuer"),
            "wrong audience": (issuer.token(rs, aud="some-other-client"), "audience"),
            "no exp": (issuer.token(rs, exp=None), "exp"),
            "expired": (issuer.token(rs, iat=now - 7200, exp=now - 3600), "expired"),
            "alg none": (unsigned, "none"),
            "HS/RS confusion": (confused, "signature"),
            "RS256 header on an EC key": (_swap_alg(issuer.token(es), "RS256"), "does not fit"),
            "unknown key": (stranger.token(skid), "unknown key"),
            "garbage": ("not.a.token", "invalid token"),
        }
        for what, (token, reason) in cases.items():
            r = await idp_stack.client.get("/cases/v1/cases", headers=bearer(token))
            assert r.status_code == 401, (what, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json"), what
            body = r.json()
            assert body["code"] == "unauthorized" and reason in body["detail"].lower(), (what, body)
            assert r.headers["www-authenticate"] == "Bearer", what
    finally:
        stranger.close()


def _swap_alg(token: str, alg: str) -> str:
    head, rest = token.split(".", 1)
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return _segment({**header, "alg": alg}) + "." + rest


def test_a_rotated_key_is_fetched_once_and_unknown_kids_do_not_flood_the_issuer(issuer):
    t = [1000.0]
    verifier = TokenVerifier(
        jwks=JwksKeys(issuer.url, cache_seconds=300, refetch_seconds=30, monotonic=lambda: t[0]),
        issuer=ISSUER, audience=AUDIENCE, claims=None,
    )
    old = issuer.add("RS256")
    # The default claim layout (``roles``, ``bureau``) when no mapping is configured.
    p = verifier.verify(issuer.token(old, realm_access=None, roles=["officer"], bureau=BUREAU))
    assert (p.roles, p.bureau) == (["officer"], BUREAU)
    assert issuer.fetches == 1
    verifier.verify(issuer.token(old))
    assert issuer.fetches == 1  # cached
    # The issuer rotates: a new key appears, the old one goes. The first token with the new kid
    # fetches the set again at once — no waiting for the cache to expire.
    t[0] += 5
    new = issuer.add("ES256")
    del issuer.keys[old]
    assert verifier.verify(issuer.token(new)).sub == "idp-officer-1"
    assert issuer.fetches == 2
    # A made-up kid within the cool-down is refused without another fetch; after it, one fetch.
    forged = _segment({"alg": "ES256", "typ": "JWT", "kid": "made-up"}) + "." + issuer.token(new).split(".", 1)[1]
    for _ in range(5):
        with pytest.raises(Problem) as e:
            verifier.verify(forged)
        assert e.value.status == 401 and "unknown key 'made-up'" in e.value.detail
    assert issuer.fetches == 2
    t[0] += 31
    with pytest.raises(Problem):
        verifier.verify(forged)
    assert issuer.fetches == 3
    # The cache expires after cache_seconds: the next token fetches the set once more.
    t[0] += 301
    verifier.verify(issuer.token(new))
    assert issuer.fetches == 4


def test_a_jwks_verifier_needs_issuer_audience_and_asymmetric_algorithms():
    with pytest.raises(RuntimeError, match="issuer and audience"):
        TokenVerifier(jwks_url="http://127.0.0.1:9/jwks", issuer=ISSUER)
    with pytest.raises(RuntimeError, match="HS256"):
        TokenVerifier(jwks_url="http://127.0.0.1:9/jwks", issuer=ISSUER, audience=AUDIENCE, algorithms=["HS256"])


def test_shared_secret_tokens_need_exp_and_known_roles():
    secret = "s" * 40
    v = TokenVerifier(secret=secret)
    now = int(time.time())
    for claims, reason in (({"sub": "a", "iss": "ecocomply", "roles": ["officer"]}, "exp"),
                           ({"sub": "a", "iss": "ecocomply", "exp": now + 60, "roles": ["root"]}, "unknown roles"),
                           ({"sub": "a", "iss": "elsewhere", "exp": now + 60, "roles": []}, "iss")):
        with pytest.raises(Problem) as e:
            v.verify(jwt.encode(claims, secret, algorithm="HS256"))
        assert e.value.status == 401 and reason in e.value.detail, e.value.detail
    # Without a JWKS an RS256 token is refused by its algorithm, not looked up anywhere.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Problem) as e:
        v.verify(jwt.encode({"sub": "a", "exp": now + 60}, key, algorithm="RS256", headers={"kid": "k"}))
    assert "'RS256' is not accepted" in e.value.detail


def test_a_verified_token_is_reused_until_it_expires_and_then_refused():
    """The verifier keeps the principal of a token it checked (a client sends the same token with every
    request); a kept token is still refused once its ``exp`` has passed, and a tampered one is never kept."""
    secret = "s" * 40
    v = TokenVerifier(secret=secret)
    t0 = time.time()
    with time_machine.travel(t0, tick=False):
        token = mint_token(secret, sub="officer-1", roles=["officer"], bureau=BUREAU, ttl_seconds=60)
        first, again = v.verify(token), v.verify(token)
        assert again is first and first.bureau == BUREAU
        with pytest.raises(Problem) as e:
            v.verify(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
        assert e.value.status == 401
    with time_machine.travel(t0 + 61, tick=False), pytest.raises(Problem) as e:
        v.verify(token)
    assert e.value.status == 401 and "expired" in e.value.detail


# -- issue 25 S4, S5 ---------------------------------------------------------------------------------------------
async def test_an_identity_providers_service_claim_is_not_ecocomplys_service_role(idp_stack, issuer):
    kid = issuer.add("RS256")
    token = issuer.token(kid, realm_roles=("service", "officer"))
    r = await idp_stack.client.get("/cases/v1/cases", headers=bearer(token))
    assert r.status_code == 200  # an officer of its bureau …
    assert {c["bureau"] for c in r.json()["items"]} <= {BUREAU}
    r = await idp_stack.client.get("/cases/v1/cases", params={"bureau": OTHER_BUREAU}, headers=bearer(token))
    assert r.status_code == 403  # … not EcoComply's service role, whose scope is global
    only = issuer.token(kid, realm_roles=("service",))
    assert (await idp_stack.client.get("/cases/v1/cases", headers=bearer(only))).status_code == 403
    # the positive: EcoComply's own service credential keeps its role
    own = idp_stack.auth("service:portal", "service")
    assert (await idp_stack.client.get("/cases/v1/cases", params={"bureau": OTHER_BUREAU}, headers=own)).status_code == 200


async def test_a_slow_identity_provider_never_stalls_the_event_loop(idp_stack, issuer):
    import asyncio

    kid = issuer.add("ES256")
    issuer.delay = 1.5
    c = idp_stack.client

    async def loop_gaps(until: asyncio.Task) -> list[float]:
        """How late the event loop wakes a 50 ms sleeper while ``until`` runs (a stalled loop: a long gap)."""
        gaps = []
        while not until.done():
            t0 = time.perf_counter()
            await asyncio.sleep(0.05)
            gaps.append(time.perf_counter() - t0)
            assert (await c.get("/healthz")).status_code == 200  # the service answers meanwhile
        return gaps

    # The first token needs the keys: its request waits for the fetch, every other request goes on meanwhile.
    pending = asyncio.create_task(c.get("/cases/v1/cases", headers=bearer(issuer.token(kid))))
    gaps = await loop_gaps(pending)
    r = await pending
    assert r.status_code == 200, r.text  # the positive: the key was fetched and the token accepted
    assert len(gaps) >= 10 and max(gaps) < 0.5, gaps  # 1.5 s of fetching, the loop never held for it
    # A made-up kid after that: answered 401 from the cache (the refetch cool-down), at once.
    forged = _segment({"alg": "ES256", "typ": "JWT", "kid": "made-up"}) + "." + issuer.token(kid).split(".", 1)[1]
    fetches = issuer.fetches
    t0 = time.perf_counter()
    r = await c.get("/cases/v1/cases", headers=bearer(forged))
    assert r.status_code == 401 and time.perf_counter() - t0 < 0.5
    assert issuer.fetches <= fetches + 1

"""Signing in to the workspace by the bureau's identity provider: OpenID Connect authorization code flow with
PKCE (RFC 7636, S256), done by Authlib (its Starlette client: discovery from
``{issuer}/.well-known/openid-configuration``, the authorization URL with state, nonce and code challenge, the
token request with the code verifier, and the ID token's validation — signature by the provider's JWKS, ``iss``,
``aud``, ``exp``, ``nonce``, ``at_hash``). Settings ``ECOCOMPLY_OIDC_*`` (``shared.config.Settings``).

The flow's state, nonce and code verifier are kept in a short-lived HttpOnly cookie (path ``/workspace``,
SameSite=Lax so that the provider's redirect back carries it), signed with a key derived from the
deployment's token secret: the callback answers only the browser that started the flow, with the state it was
given. The person's roles come from the roles claim and only the workspace's (auditor, leader, admin) are kept:
anyone else — an officer who signs in at the provider — gets a Chinese 403 page and no session. Then the audit
service opens the session (``POST /audit/v1/workspace/sessions``, ``via`` oidc) and the session cookie is set.
Any error in the callback is a Chinese page and nobody is signed in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import warnings
from dataclasses import dataclass
from typing import Any

from authlib.deprecate import AuthlibDeprecationWarning
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.audit.workspace.sessions import WORKSPACE_ROLES
from services.workspace import session
from services.workspace.web import PageError
from shared.auth import ClaimMapping
from shared.config import Settings

with warnings.catch_warnings():
    # Authlib 1.9 prefers the httpx2 package and warns at import when it finds only httpx (EcoComply's pinned
    # HTTP client, which it still uses fully); the warning would greet every `make run`.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth

log = logging.getLogger("ecocomply.workspace.oidc")

FLOW_COOKIE = "ecocomply_ws_oidc"
FLOW_SECONDS = 600  # the person has ten minutes at the provider's page
CALLBACK = session.PATH + "/login/oidc/callback"
NO_WORKSPACE = "此账户无权使用监督审核工作台"


@dataclass
class OidcSignIn:
    """The configured identity provider (``app.state.oidc``)."""

    display_name: str
    client: Any  # authlib's StarletteOAuth2App
    redirect_url: str
    roles_claim: str
    bureau_claim: str
    name_claim: str


def from_settings(settings: Settings) -> OidcSignIn | None:
    """The provider when ``ECOCOMPLY_OIDC_ISSUER`` and ``_CLIENT_ID`` are set, else None (local accounts only)."""
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return None
    issuer = settings.oidc_issuer.rstrip("/")
    secret = settings.oidc_client_secret or None
    oauth = OAuth()
    client = oauth.register(
        "bureau", client_id=settings.oidc_client_id, client_secret=secret,
        server_metadata_url=issuer + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256", "timeout": 10,
                       "token_endpoint_auth_method": "client_secret_basic" if secret else "none"})
    return OidcSignIn(display_name=settings.oidc_display_name, client=client, redirect_url=settings.oidc_redirect_url,
                      roles_claim=settings.oidc_roles_claim, bureau_claim=settings.oidc_bureau_claim,
                      name_claim=settings.oidc_name_claim)


def _key(request: Request) -> bytes:
    return hashlib.sha256(b"ecocomply-workspace-oidc-flow\n" + request.app.state.http.secret.encode()).digest()


def _seal(request: Request, data: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    return body + "." + hmac.new(_key(request), body.encode(), hashlib.sha256).hexdigest()


def _unseal(request: Request, value: str) -> dict[str, Any] | None:
    body, _, mac = value.rpartition(".")
    if not body or not hmac.compare_digest(mac, hmac.new(_key(request), body.encode(), hashlib.sha256).hexdigest()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    if not isinstance(data, dict) or float(data.get("until", 0)) < _now(request):
        return None
    return data


def _now(request: Request) -> float:
    """Seconds since the epoch by the workspace's clock (``shared.clock``: tests fix it, nothing reads the system time)."""
    return request.app.state.clock.now().timestamp()


def _provider(request: Request) -> OidcSignIn:
    oidc = getattr(request.app.state, "oidc", None)
    if oidc is None:
        raise PageError(404, "页面不存在", "本系统未配置统一身份认证，请使用本地账户登录。")
    return oidc


def _redirect_url(request: Request, oidc: OidcSignIn) -> str:
    return oidc.redirect_url or str(request.url.replace(path=CALLBACK, query=""))


async def start(request: Request) -> Response:
    """``GET /workspace/login/oidc``: off to the provider, the flow's secrets in the short-lived cookie."""
    oidc = _provider(request)
    redirect_url = _redirect_url(request, oidc)
    try:
        rv = await oidc.client.create_authorization_url(redirect_url)
    except Exception:  # the provider does not answer its discovery document
        log.warning("workspace OIDC: could not reach the provider's discovery document", exc_info=True)
        raise PageError(503, "暂时无法登录", f"暂时无法连接{oidc.display_name}，请稍后再试，或使用本地账户登录。") from None
    flow = {"state": rv["state"], "nonce": rv["nonce"], "verifier": rv["code_verifier"], "redirect": redirect_url,
            "next": session.safe_next(request.query_params.get("next")), "until": _now(request) + FLOW_SECONDS}
    out = RedirectResponse(rv["url"], status_code=303)
    out.set_cookie(FLOW_COOKIE, _seal(request, flow), max_age=FLOW_SECONDS, httponly=True, samesite="lax",
                   path=session.PATH, secure=request.url.scheme == "https")
    return out


def _failed(message: str, status: int = 400) -> PageError:
    return PageError(status, "登录未完成", message + "请返回登录页重新登录。")


def _roles(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [str(r) for r in value] if isinstance(value, list) else []


async def callback(request: Request) -> Response:
    """``GET /workspace/login/oidc/callback``: the provider's answer checked, the person's session opened."""
    oidc = _provider(request)
    try:
        out = await _signed_in(request, oidc)
    except PageError as err:
        from services.workspace.app import error_page

        out = await error_page(request, err)
    out.delete_cookie(FLOW_COOKIE, path=session.PATH, httponly=True, samesite="lax",
                      secure=request.url.scheme == "https")
    return out


async def _signed_in(request: Request, oidc: OidcSignIn) -> Response:
    q = request.query_params
    flow = _unseal(request, request.cookies.get(FLOW_COOKIE, ""))
    if q.get("error"):
        raise _failed(f"{oidc.display_name}没有完成登录（{q.get('error')}）。")
    if flow is None:
        raise _failed("登录已超时，或不是从本系统的登录页发起的。")
    if not q.get("state") or not hmac.compare_digest(str(flow["state"]), q.get("state", "")) or not q.get("code"):
        raise _failed("登录请求与本浏览器发起的不一致（state 不符）。")
    try:
        token = await oidc.client.fetch_access_token(redirect_uri=flow["redirect"], code=q["code"],
                                                     code_verifier=flow["verifier"])
        claims = await oidc.client.parse_id_token(token, nonce=flow["nonce"])
    except Exception:
        log.warning("workspace OIDC: token exchange or ID token refused", exc_info=True)
        raise _failed(f"未能从{oidc.display_name}取得有效的身份凭证。", 502) from None
    if claims is None:
        raise _failed(f"{oidc.display_name}没有返回身份令牌（ID token）。", 502)
    roles = [r for r in _roles(ClaimMapping.lookup(claims, oidc.roles_claim)) if r in WORKSPACE_ROLES]
    if "leader" in roles and "auditor" in roles:  # the audited bureau's leader reads; never reviews its own flags
        roles.remove("auditor")
    bureau = ClaimMapping.lookup(claims, oidc.bureau_claim)
    bureau = str(bureau) if isinstance(bureau, str | int) and str(bureau) else None
    if not roles:
        raise PageError(403, NO_WORKSPACE, f"{NO_WORKSPACE}。工作台仅供监督审核人员、局领导和系统管理员使用；"
                                           "执法人员请使用办案系统。")
    if "leader" in roles and bureau is None:
        raise PageError(403, NO_WORKSPACE, f"{NO_WORKSPACE}：局领导账户缺少所在机关（{oidc.bureau_claim}），"
                                           "请联系身份认证管理员。")
    name = ClaimMapping.lookup(claims, oidc.name_claim) or claims.get("preferred_username") or claims["sub"]
    resp = await request.app.state.http.request("audit", "POST", "/workspace/sessions", json={
        "sub": str(claims["sub"])[:100], "name": str(name)[:100], "roles": roles, "bureau": bureau, "via": "oidc"})
    if resp.status_code != 201:
        raise _failed("暂时无法登录，请稍后再试。", 503)
    out = RedirectResponse(session.safe_next(flow.get("next")), status_code=303)
    session.set_cookie(out, request, resp.json()["session"])
    return out

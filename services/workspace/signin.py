"""Signing in and out of the workspace: the local-account form (the audit service checks the password, counts
failures and slows the next attempt after five in a minute) and logout. OpenID Connect sign-in is in
``services.workspace.oidc``. A failed sign-in says why in Chinese without telling which half was wrong."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from services.portal import session as portal_session
from services.workspace import session
from services.workspace.web import PageError, first, form_of, render
from shared.public import client_address

LOGIN_COOKIE = "ecocomply_ws_login"  # the sign-in form's double-submit value (login CSRF)
REASONS = {"expired": "登录已失效（长时间未操作或已到期），请重新登录。", "logged_out": "您已退出登录。"}
STALE_FORM = "表单已失效，请重新输入用户名和密码后登录。"


def _login_value(request: Request) -> str:
    sent = request.cookies.get(LOGIN_COOKIE, "")
    return sent if 20 <= len(sent) <= 64 else portal_session.login_value(request)


def login_page(request: Request, *, error: str | None = None, status: int = 200, username: str = "",
               retry_after: int | None = None, next_path: str | None = None) -> HTMLResponse:
    value = _login_value(request)
    nxt = session.safe_next(next_path or request.query_params.get("next"))
    oidc = getattr(request.app.state, "oidc", None)
    resp = render(request, "ws_login.html", title="登录", status=status, error=error, username=username,
                  reason=REASONS.get(request.query_params.get("reason", "")), next=nxt, login_csrf=value,
                  oidc=oidc.display_name if oidc else None)
    resp.set_cookie(LOGIN_COOKIE, value, httponly=True, samesite="strict", path=session.PATH,
                    secure=request.url.scheme == "https", max_age=3600)
    if retry_after:
        resp.headers["Retry-After"] = str(retry_after)
    return resp


async def login_form(request: Request) -> Response:
    if await session.current(request) is not None:
        return RedirectResponse(session.safe_next(request.query_params.get("next")), status_code=303)
    return login_page(request)


async def login(request: Request) -> Response:
    if portal_session.from_another_site(request):
        raise PageError(403, "无法登录", "登录表单须从本系统的登录页面提交。")
    form = await form_of(request)
    sent, cookie = first(form, "csrf"), request.cookies.get(LOGIN_COOKIE, "")
    username, password = first(form, "username").strip(), first(form, "password")
    nxt = first(form, "next")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        return login_page(request, error=STALE_FORM, status=403, username=username, next_path=nxt)
    if not username or not password or len(username) > 100 or len(password) > 200:
        return login_page(request, error="请输入用户名和密码。", status=422, username=username,
                          next_path=nxt)
    cfg = request.app.state.settings
    address = client_address(request, trust_forwarded_for=cfg.public_trust_forwarded_for,
                             trusted_proxies=cfg.public_trusted_proxies)
    resp = await request.app.state.http.request("audit", "POST", "/workspace/sign-in",
                                                json={"username": username, "password": password, "address": address})
    if resp.status_code == 429:
        retry = int(resp.headers.get("Retry-After", "60"))
        return login_page(request, status=429, username=username, retry_after=retry,
                          error=f"登录失败次数过多，请在{retry}秒后再试。", next_path=nxt)
    if resp.status_code != 201:
        detail = "用户名或密码不正确，或账户已停用。" if resp.status_code in (401, 403) else "暂时无法登录，请稍后再试。"
        return login_page(request, error=detail, status=401 if resp.status_code < 500 else 503, username=username,
                          next_path=nxt)
    out = RedirectResponse(session.safe_next(nxt), status_code=303)
    session.set_cookie(out, request, resp.json()["session"])
    out.delete_cookie(LOGIN_COOKIE, path=session.PATH)
    return out


async def logout(request: Request) -> Response:
    user = await session.current(request)
    if user is not None:
        form = await form_of(request)
        if portal_session.from_another_site(request) or not session.csrf_ok(user, first(form, "csrf")):
            raise PageError(403, "无法退出", "表单已失效，请刷新页面后重试。")
        await request.app.state.http.request("audit", "POST", "/workspace/sessions/end", json={"session": user.session})
    out = RedirectResponse(session.login_url(session.PATH + "/", "logged_out"), status_code=303)
    session.clear_cookie(out, request)
    return out

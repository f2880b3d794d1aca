"""The portal's error pages and refusals, without a running stack: services that do not answer, a token
that is not an enterprise's, a bad token, an unknown page, and ``ecocomply portal`` refusing to start
half-configured."""

from __future__ import annotations

import re

import httpx
import pytest

from services.cli import main
from services.portal.app import create_portal
from shared.auth import TokenVerifier, mint_token
from shared.config import SERVICES, Settings
from shared.http import ServiceClient

SECRET = "portal-test-secret-" + "y" * 24


@pytest.fixture
async def portal():
    # Every service "runs" on a closed port: each call fails at once (one attempt).
    http = ServiceClient({n: "http://127.0.0.1:9" for n in SERVICES}, secret=SECRET, caller="portal", attempts=1)
    app = create_portal(http, TokenVerifier(secret=SECRET), Settings(jwt_secret=SECRET))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal")
    yield client
    await client.aclose()
    await http.aclose()


def _html(r: httpx.Response) -> str:
    assert r.headers["content-type"].startswith("text/html"), r.headers["content-type"]
    return r.text


async def _login_value(portal: httpx.AsyncClient) -> str:
    """The sign-in form's hidden value (its cookie is kept by the client)."""
    r = await portal.get("/my/login")
    return re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)


async def sign_in(portal: httpx.AsyncClient, token: str, **headers: str) -> httpx.Response:
    return await portal.post("/my/login", data={"token": token, "csrf": await _login_value(portal)}, headers=headers)


async def test_error_pages_are_pages_in_chinese(portal):
    r = await portal.get("/")
    assert r.status_code == 503 and "服务暂时不可用" in _html(r) and 'href="/"' in r.text
    assert "<title>服务暂时不可用 · " in r.text and 'lang="zh-CN"' in r.text
    r = await portal.get("/no-such-page")
    assert r.status_code == 404 and "页面不存在" in _html(r)
    r = await portal.get("/items", params={"q": "废" * 51})
    assert r.status_code == 400 and "检索词过长" in _html(r)
    r = await portal.post("/self-check/report", data={"industry": ""})
    assert r.status_code == 422 and "请选择行业" in _html(r)
    r = await portal.get("/static/portal.css")
    assert r.status_code == 200 and "Noto Sans CJK SC" in r.text


async def test_the_enterprise_page_wants_an_enterprise_token(portal):
    r = await portal.get("/my")
    assert r.status_code == 401 and "企业登录" in _html(r)
    officer = mint_token(SECRET, sub="off", roles=["officer"], bureau="320509")
    r = await portal.get("/my", headers={"Authorization": f"Bearer {officer}"})
    assert r.status_code == 403 and "此页面供企业使用" in _html(r)
    r = await sign_in(portal, "not-a-token")
    assert r.status_code == 401 and "令牌无效或已过期" in _html(r) and "ecocomply_token" not in r.headers.get("set-cookie", "")
    enterprise = mint_token(SECRET, sub="ent", roles=["enterprise"], uscc="91320509000007919E")
    r = await sign_in(portal, enterprise)
    assert r.status_code == 303 and r.headers["location"] == "/my"
    cookie = r.headers["set-cookie"]
    assert "ecocomply_token=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    # Signed in (the client keeps the cookie), with every service down: the page still renders and
    # says what is missing.
    assert portal.cookies.get("ecocomply_token") == enterprise
    r = await portal.get("/my")
    assert r.status_code == 200 and "暂时无法获取" in _html(r) and "信用记录" in r.text
    # A form without the value derived from the token is refused (CSRF).
    r = await portal.post("/my/repair-applications", data={"record_id": "x", "commitment": "承诺"})
    assert r.status_code == 403 and "表单已失效" in _html(r)


def test_portal_command_refuses_to_start_half_configured(monkeypatch, capsys):
    import os

    for key in list(os.environ):
        if key.upper().startswith("ECOCOMPLY_"):
            monkeypatch.delenv(key)
    assert main(["portal"]) == 2
    err = capsys.readouterr().err
    assert "ECOCOMPLY_CHECKLIST_URL" in err and "ECOCOMPLY_JWT_SECRET" in err


# Issue 25 S13: login CSRF — another site's page posting its own enterprise's token to /my/login would sign the
# visitor in as that enterprise (what they then submit goes to the attacker's account); and sign-out by a foreign form.
async def test_signing_in_needs_the_form_this_site_served(portal):
    enterprise = mint_token(SECRET, sub="ent", roles=["enterprise"], uscc="91320509000007919E")
    r = await portal.post("/my/login", data={"token": enterprise})  # a bare cross-site form post: no value, no cookie
    assert r.status_code == 403 and "表单已失效" in _html(r) and "ecocomply_token" not in r.headers.get("set-cookie", "")
    value = await _login_value(portal)
    r = await portal.post("/my/login", data={"token": enterprise, "csrf": value}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "ecocomply_token" not in r.headers.get("set-cookie", "")
    r = await portal.post("/my/login", data={"token": enterprise, "csrf": value},
                          headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = await portal.post("/my/login", data={"token": enterprise, "csrf": "x" * 32})  # a value of its own making
    assert r.status_code == 403
    # the positive: this site's form, from this site
    r = await sign_in(portal, enterprise, Origin="http://portal")
    assert r.status_code == 303 and portal.cookies.get("ecocomply_token") == enterprise
    # sign-out: a foreign form (no value, or another origin) leaves the enterprise signed in
    r = await portal.post("/my/logout", data={})
    assert r.status_code == 403 and portal.cookies.get("ecocomply_token") == enterprise
    from services.portal.session import csrf_value
    r = await portal.post("/my/logout", data={"csrf": csrf_value(enterprise)}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and portal.cookies.get("ecocomply_token") == enterprise
    r = await portal.post("/my/logout", data={"csrf": csrf_value(enterprise)}, headers={"Origin": "http://portal"})
    assert r.status_code == 303 and portal.cookies.get("ecocomply_token") is None

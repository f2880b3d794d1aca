"""Signing in to the workspace by the bureau's identity provider (issue 26 point 1): OpenID Connect authorization
code + PKCE against a real provider the test starts on 127.0.0.1 (``services.testing.oidc_provider``: Authlib's
server-side grants, PKCE required). In Chromium: the login page's button, the provider's page, back in the
workspace with the person's name. An officer who signs in at the provider gets the Chinese 403 page and no
session; a tampered state, a refusal at the provider, a bad code and a callback without the flow's cookie are
each a Chinese page with nobody signed in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from services.testing.browser import served_chromium
from services.testing.oidc_provider import Person, Provider, serve
from services.testing.workspace import browser
from services.workspace import oidc
from services.workspace import session as ws_session
from shared.config import Settings

IDP = "苏州市政务服务统一身份认证"
PEOPLE = [
    Person("zhao.shenhe", "idp-pass-1", {"name": "赵审核", "roles": ["auditor"]}),
    Person("qian.leader", "idp-pass-2", {"name": "钱局长", "roles": "leader officer", "bureau": "320509"}),
    Person("sun.officer", "idp-pass-3", {"name": "孙执法", "roles": ["officer"], "bureau": "320509"}),
]


def configure(stack, provider: Provider) -> None:
    stack.comp.workspace.state.oidc = oidc.from_settings(Settings(
        oidc_issuer=provider.issuer, oidc_client_id="ecocomply-workspace", oidc_display_name=IDP))


async def at_provider(b: httpx.AsyncClient, username: str, password: str, *, deny: bool = False) -> str:
    """Start the flow in the workspace, sign in at the provider's page (real HTTP); the callback URL the
    provider sends the browser back to."""
    start = await b.get("/workspace/login/oidc", params={"next": "/workspace/?from=idp"})
    assert start.status_code == 303, start.text
    authorize = start.headers["location"]
    asked = parse_qs(urlsplit(authorize).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"] and asked["nonce"]
    async with httpx.AsyncClient() as idp:
        page = await idp.get(authorize)
        assert page.status_code == 200 and "测试身份认证服务" in page.text
        form = {"action": "deny"} if deny else {"username": username, "password": password}
        back = await idp.post(authorize, data=form)
    assert back.status_code == 302, back.text
    return back.headers["location"]


def session_cookie_set(r: httpx.Response) -> bool:
    return any(v.startswith(ws_session.COOKIE + "=") and "Max-Age=0" not in v
               for k, v in r.headers.multi_items() if k == "set-cookie")


async def test_signing_in_at_the_provider_in_chromium_lands_in_the_workspace_with_the_name(stack):
    with serve(PEOPLE) as provider:
        configure(stack, provider)
        async with served_chromium(stack) as (chromium, base):
            page = await chromium.new_page()
            await page.goto(base + "/workspace/?from=mail")
            assert "/workspace/login" in page.url
            button = page.locator("#oidc-login")
            assert await button.inner_text() == f"使用{IDP}登录"
            await button.click()
            await page.wait_for_url(provider.issuer + "/authorize**")
            await page.fill("#idp-username", "zhao.shenhe")
            await page.fill("#idp-password", "idp-pass-1")
            await page.click("#idp-login")
            await page.wait_for_url(base + "/workspace/?from=mail")
            assert await page.locator("#who").inner_text() == "赵审核（监督审核人员）"
            cookies = {c["name"]: c for c in await page.context.cookies()}
            assert cookies[ws_session.COOKIE]["httpOnly"] and cookies[ws_session.COOKIE]["sameSite"] == "Lax"
            assert oidc.FLOW_COOKIE not in cookies  # the flow's secrets are gone once it is done
        # PKCE was checked by the provider: the token request carried the verifier, no client secret
        assert len(provider.token_requests) == 1 and provider.token_requests[0]["code_verifier"]
        assert "client_secret" not in provider.token_requests[0]


async def test_a_leader_keeps_only_the_workspace_roles_and_an_officer_gets_the_chinese_403(stack):
    with serve(PEOPLE) as provider:
        configure(stack, provider)
        async with browser(stack) as b:
            back = await at_provider(b, "qian.leader", "idp-pass-2")
            done = await b.get(back)
            assert done.status_code == 303 and done.headers["location"] == "/workspace/?from=idp"
            home = await b.get("/workspace/")
            assert home.status_code == 200 and "钱局长（局领导" in home.text and "执法" not in home.text.split("<main")[0]
        async with browser(stack) as b:
            back = await at_provider(b, "sun.officer", "idp-pass-3")
            refused = await b.get(back)
            assert refused.status_code == 403 and "此账户无权使用监督审核工作台" in refused.text
            assert not session_cookie_set(refused)
            assert (await b.get("/workspace/")).status_code == 303  # nobody signed in


async def test_tampered_state_refusal_bad_code_and_missing_flow_sign_nobody_in(stack):
    with serve(PEOPLE) as provider:
        configure(stack, provider)
        async with browser(stack) as b:
            back = await at_provider(b, "zhao.shenhe", "idp-pass-1")
            state = parse_qs(urlsplit(back).query)["state"][0]
            tampered = await b.get(back.replace(f"state={state}", "state=" + "A" * len(state)))
            assert tampered.status_code == 400 and "state 不符" in tampered.text and "登录未完成" in tampered.text
            assert not session_cookie_set(tampered)
            assert (await b.get("/workspace/")).status_code == 303
            again = await b.get(back)  # the flow's cookie went with the refusal: the genuine answer is stale now
            assert again.status_code == 400 and "登录已超时" in again.text and not session_cookie_set(again)
        async with browser(stack) as b:
            back = await at_provider(b, "zhao.shenhe", "idp-pass-1", deny=True)
            denied = await b.get(back)
            assert denied.status_code == 400 and "没有完成登录（access_denied）" in denied.text
            assert not session_cookie_set(denied)
        async with browser(stack) as b:
            back = await at_provider(b, "zhao.shenhe", "idp-pass-1")
            code = parse_qs(urlsplit(back).query)["code"][0]
            bad = await b.get(back.replace(f"code={code}", "code=not-a-code"))
            assert bad.status_code == 502 and "未能从" in bad.text and not session_cookie_set(bad)
            assert (await b.get("/workspace/")).status_code == 303
        assert provider.token_requests  # the bad code did reach the provider (and was refused there)


async def test_without_a_provider_configured_the_button_is_absent_and_the_route_says_so(stack):
    async with browser(stack) as b:
        login = await b.get("/workspace/login")
        assert login.status_code == 200 and "oidc-login" not in login.text
        r = await b.get("/workspace/login/oidc")
        assert r.status_code == 404 and "未配置统一身份认证" in r.text

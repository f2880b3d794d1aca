"""Workspace sessions (issue 26): a page without a session sends the browser to the Chinese sign-in page
(never a raw 401); a live session shows the person by name; logout, idle time and the longest life end a
session; only EcoComply's own components may open or resolve one; an officer gets no session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.testing.workspace import open_session, signed_in
from services.workspace import session as ws_session

SERVICE = ("service:workspace", "service")


async def test_no_session_is_sent_to_the_chinese_sign_in_page(stack):
    r = await stack.client.get("/workspace/?from=mail")
    assert r.status_code == 303
    assert r.headers["location"] == "/workspace/login?next=%2Fworkspace%2F%3Ffrom%3Dmail"
    page = await stack.client.get(r.headers["location"])
    assert page.status_code == 200
    assert "登录监督审核工作台" in page.text and "用户名" in page.text and "密码" in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_a_live_session_shows_the_person_by_name_and_role(stack):
    headers = await signed_in(stack, "auditor-li", "auditor", name="李审核")
    r = await stack.client.get("/workspace/", headers=headers)
    assert r.status_code == 200
    assert "李审核（监督审核人员）" in r.text and "auditor-li" not in r.text


async def test_logout_ends_the_session_and_needs_the_form_value(stack):
    headers = await signed_in(stack, "auditor-li", "auditor", name="李审核")
    value = headers["Cookie"].split("=", 1)[1]
    refused = await stack.client.post("/workspace/logout", headers=headers, data={"csrf": "wrong"})
    assert refused.status_code == 403 and "表单已失效" in refused.text
    assert (await stack.client.get("/workspace/", headers=headers)).status_code == 200  # still signed in
    out = await stack.client.post("/workspace/logout", headers=headers, data={"csrf": ws_session.csrf_value(value)})
    assert out.status_code == 303 and "reason=logged_out" in out.headers["location"]
    again = await stack.client.get("/workspace/", headers=headers)
    assert again.status_code == 303 and "reason=expired" in again.headers["location"]


async def test_idle_time_and_longest_life_end_a_session(stack):
    clock = stack.runtimes["audit"].clock
    at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    clock.set(at, tick=False)

    def advance(by: timedelta) -> None:
        nonlocal at
        at += by
        clock.set(at, tick=False)

    headers = await signed_in(stack, "auditor-li", "auditor", name="李审核")
    advance(timedelta(minutes=29))
    assert (await stack.client.get("/workspace/", headers=headers)).status_code == 200  # 29 idle minutes: still on
    advance(timedelta(minutes=29))
    assert (await stack.client.get("/workspace/", headers=headers)).status_code == 200  # idle time restarted
    advance(timedelta(minutes=31))
    assert (await stack.client.get("/workspace/", headers=headers)).status_code == 303  # 31 idle minutes: ended
    headers = await signed_in(stack, "auditor-li", "auditor", name="李审核")
    for _ in range(20):  # active all day: the session still ends 10 hours after sign-in
        advance(timedelta(minutes=29))
        assert (await stack.client.get("/workspace/", headers=headers)).status_code == 200
    advance(timedelta(minutes=29))
    assert (await stack.client.get("/workspace/", headers=headers)).status_code == 303


async def test_only_components_open_sessions_and_officers_get_none(stack):
    body = {"sub": "x", "name": "某人", "roles": ["auditor"], "via": "local"}
    r = await stack.client.post("/audit/v1/workspace/sessions", headers=stack.auth("auditor-li", "auditor"), json=body)
    assert r.status_code == 403
    r = await stack.client.post("/audit/v1/workspace/sessions", headers=stack.auth(*SERVICE),
                                json={**body, "roles": ["officer"]})
    assert r.status_code == 403 and r.json()["code"] == "not_a_workspace_role"
    value = await open_session(stack, "auditor-li", "auditor", name="李审核")
    r = await stack.client.post("/audit/v1/workspace/sessions/resolve", headers=stack.auth("auditor-li", "auditor"),
                                json={"session": value})
    assert r.status_code == 403

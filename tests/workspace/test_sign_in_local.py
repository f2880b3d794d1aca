"""Signing in to the workspace with a local account (issue 26 point 1): through the real form (its CSRF value
double-submitted) to a page that shows the person's name; one Chinese message whatever half was wrong (and for
a disabled account); five failures within a minute slow the next attempt — even with the right password — until
the minute has passed (the audit service's clock moved, no sleeping); the ``ecocomply users`` command creates,
re-passwords (ending the sessions) and disables accounts in the same database the stack serves."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime, timedelta

from services import cli
from services.audit.workspace.cli import first_account_hint
from services.testing.workspace import add_account, browser, sign_in_form
from services.workspace import session as ws_session

PASSWORD = "chun-feng-2026-shenhe"
SAME_MESSAGE = "用户名或密码不正确，或账户已停用。"


def login_error(page) -> str:
    m = re.search(r'id="login-error">([^<]*)<', page.text)
    return m.group(1) if m else ""


def fix_audit_clock(stack, at: datetime):
    clock = stack.runtimes["audit"].clock
    clock.set(at, tick=False)
    return clock


async def test_signing_in_through_the_form_shows_the_person_by_name(stack):
    await add_account(stack, "auditor-li", "李审核", "auditor", password=PASSWORD)
    async with browser(stack) as b:
        out = await sign_in_form(b, "auditor-li", PASSWORD, next_path="/workspace/?from=mail")
        assert out.status_code == 303 and out.headers["location"] == "/workspace/?from=mail"
        cookie = next(v for k, v in out.headers.multi_items() if k == "set-cookie" and v.startswith(ws_session.COOKIE))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/workspace" in cookie
        home = await b.get("/workspace/")
        assert home.status_code == 200 and "李审核（监督审核人员）" in home.text
    async with browser(stack) as b:  # a form posted without the value its page set is refused, nobody signed in
        await b.get("/workspace/login")
        refused = await b.post("/workspace/login", data={"csrf": "x" * 32, "username": "auditor-li",
                                                         "password": PASSWORD})
        assert refused.status_code == 403 and "表单已失效" in login_error(refused)
        assert f"{ws_session.COOKIE}=" not in refused.headers.get("set-cookie", "")
        assert (await b.get("/workspace/")).status_code == 303


async def test_wrong_password_unknown_user_and_disabled_account_say_the_same(stack):
    await add_account(stack, "auditor-li", "李审核", "auditor", password=PASSWORD)
    await add_account(stack, "auditor-old", "老审核", "auditor", password=PASSWORD)
    rt = stack.runtimes["audit"]
    from services.audit.workspace import accounts

    async with rt.sessionmaker() as session, session.begin():
        await accounts.disable(session, "auditor-old", now=rt.clock.now())
    async with browser(stack) as b:
        wrong = await sign_in_form(b, "auditor-li", PASSWORD + "x")
        unknown = await sign_in_form(b, "auditor-nobody", PASSWORD)
        disabled = await sign_in_form(b, "auditor-old", PASSWORD)
        assert [r.status_code for r in (wrong, unknown, disabled)] == [401, 401, 401]
        assert login_error(wrong) == login_error(unknown) == login_error(disabled) == SAME_MESSAGE
        assert (await b.get("/workspace/")).status_code == 303  # nobody signed in
        right = await sign_in_form(b, "auditor-li", PASSWORD)
        assert right.status_code == 303
    # the audit endpoint answers alike too, to EcoComply's own components only
    body = {"username": "auditor-nobody", "password": PASSWORD, "address": "10.0.0.9"}
    r = await stack.client.post("/audit/v1/workspace/sign-in", headers=stack.auth("service:workspace", "service"),
                                json=body)
    assert r.status_code == 401 and r.json()["detail"] == SAME_MESSAGE and r.json()["code"] == "sign_in_failed"
    r = await stack.client.post("/audit/v1/workspace/sign-in", headers=stack.auth("auditor-li", "auditor"),
                                json={**body, "username": "auditor-li"})
    assert r.status_code == 403


async def test_five_failures_in_a_minute_slow_the_next_even_with_the_right_password(stack):
    at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    clock = fix_audit_clock(stack, at)
    await add_account(stack, "auditor-li", "李审核", "auditor", password=PASSWORD)
    await add_account(stack, "auditor-zhou", "周审核", "auditor", password=PASSWORD)
    async with browser(stack) as b:
        for i in range(5):
            clock.set(at + timedelta(seconds=5 * i), tick=False)
            assert (await sign_in_form(b, "auditor-li", f"wrong-{i}")).status_code == 401
        clock.set(at + timedelta(seconds=30), tick=False)
        slowed = await sign_in_form(b, "auditor-li", PASSWORD)
        assert slowed.status_code == 429 and slowed.headers["retry-after"] == "30"
        assert login_error(slowed) == "登录失败次数过多，请在30秒后再试。"
        assert (await b.get("/workspace/")).status_code == 303
        # the same address is slowed for another username too (the failures are counted under both)
        assert (await sign_in_form(b, "auditor-zhou", PASSWORD)).status_code == 429
        clock.set(at + timedelta(seconds=60), tick=False)  # the first failure is a minute old: four remain
        out = await sign_in_form(b, "auditor-li", PASSWORD)
        assert out.status_code == 303
        home = await b.get("/workspace/")
        assert home.status_code == 200 and "李审核" in home.text


async def test_concurrent_wrong_attempts_cannot_all_pass_the_count(stack):
    fix_audit_clock(stack, datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    await add_account(stack, "auditor-li", "李审核", "auditor", password=PASSWORD)
    service = stack.auth("service:workspace", "service")
    rs = await asyncio.gather(*(stack.client.post(
        "/audit/v1/workspace/sign-in", headers=service,
        json={"username": "auditor-li", "password": f"wrong-{i}", "address": f"10.0.0.{i}"}) for i in range(10)))
    assert sorted(r.status_code for r in rs) == [401] * 5 + [429] * 5, [r.text for r in rs]
    slowed = next(r for r in rs if r.status_code == 429)
    assert slowed.json()["code"] == "sign_in_slowed" and int(slowed.headers["retry-after"]) == 60


def _run_cli(argv: list[str], monkeypatch, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(argv)


async def test_users_command_adds_repasswords_and_disables(stack, tmp_path, monkeypatch, capsys):
    if stack.setup == "sqlite-local":
        where = ["--data-dir", str(tmp_path / "data")]
    else:  # distributed: the audit database by ECOCOMPLY_DATABASE_URL
        where = []
        monkeypatch.setenv("ECOCOMPLY_DATABASE_URL", stack.runtimes["audit"].settings.database_url)

    async def users(*argv: str, stdin: str = "") -> int:
        return await asyncio.to_thread(_run_cli, ["users", *argv, *where], monkeypatch, stdin)

    async def start_banner_hint() -> str:  # what `make run` prints about the first account (embedded only)
        return await asyncio.to_thread(first_account_hint, tmp_path / "data", "ecocomply")

    if stack.setup == "sqlite-local":
        assert "ecocomply users add --username admin --name 管理员姓名 --role admin" in await start_banner_hint()

    assert await users("add", "--username", "leader-wang", "--name", "王局长", "--role", "leader",
                       "--password-stdin", stdin=PASSWORD + "\n") == 1  # a leader needs a bureau
    assert "须用 --bureau" in capsys.readouterr().err
    assert await users("add", "--username", "officer-zhang", "--name", "张执法", "--role", "officer",
                       "--password-stdin", stdin=PASSWORD + "\n") == 1
    assert "不能是：officer" in capsys.readouterr().err
    assert await users("add", "--username", "leader-wang", "--name", "王局长", "--role", "leader", "--bureau",
                       "320509", "--password-stdin", stdin="short\n") == 1
    assert "密码至少12个字符" in capsys.readouterr().err
    assert await users("add", "--username", "leader-wang", "--name", "王局长", "--role", "leader", "--bureau",
                       "320509", "--password-stdin", stdin=PASSWORD + "\n") == 0
    assert "已创建账户 leader-wang" in capsys.readouterr().out
    if stack.setup == "sqlite-local":
        assert await start_banner_hint() == ""
    assert await users("list") == 0
    assert "leader-wang\t王局长\t局领导\t320509\t启用" in capsys.readouterr().out

    async with browser(stack) as first, browser(stack) as second:
        assert (await sign_in_form(first, "leader-wang", PASSWORD)).status_code == 303
        home = await first.get("/workspace/")
        assert home.status_code == 200 and "王局长（局领导" in home.text

        new_password = PASSWORD + "-new"
        assert await users("passwd", "leader-wang", "--password-stdin", stdin=new_password + "\n") == 0
        assert "结束了 1 个登录会话" in capsys.readouterr().out
        ended = await first.get("/workspace/")
        assert ended.status_code == 303 and "reason=expired" in ended.headers["location"]
        assert (await sign_in_form(second, "leader-wang", PASSWORD)).status_code == 401  # the old one: no more
        assert (await sign_in_form(second, "leader-wang", new_password)).status_code == 303

        assert await users("disable", "leader-wang") == 0
        assert "已停用，结束了 1 个登录会话" in capsys.readouterr().out
        assert (await second.get("/workspace/")).status_code == 303
        refused = await sign_in_form(second, "leader-wang", new_password)
        assert refused.status_code == 401 and login_error(refused) == SAME_MESSAGE
    assert await users("disable", "nobody") == 1
    assert "没有用户名为 nobody 的账户" in capsys.readouterr().err

"""一案双查 in a real headless Chromium (Debian's, driven by Playwright), on both setups: a damage claim runs from
线索筛查 to 修复效果评估 beside its penalty case (the steps driven through the API, as the officers' systems would),
the light penalty is decided, and the pages show it in Chinese — the supervisor's flag page in the workspace (the
matter, its steps by name, the case's timeline from the audit log) and the enterprise's own case page on /my.
Screenshots go to test-artifacts/ (docs/screenshots/damage-*.png are copies)."""

from __future__ import annotations

from pathlib import Path

from services.testing.browser import served_chromium
from services.testing.damage import CLAIM, step
from services.testing.factories import all_flags
from services.testing.workspace import sign_in_browser
from tests.audit.test_damage_rules import FINE, light_with_damage
from tests.cases.test_decision_gate import WHY, decided, driver, fine

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


async def test_a_claim_from_the_clue_to_the_restoration_assessment_beside_its_penalty_case(stack):
    d = await driver(stack)
    cid = await light_with_damage(d)
    for day, (action, body) in enumerate(CLAIM, start=2):  # one step a day (the stack's clock), 2026-06-02 on
        d.at(2026, 6, day, 9 + day % 5)
        await step(stack, d.off, cid, action, **body)
    case = await decided(d, cid, {**fine("lighter", FINE, WHY), "compensation_reduction": 20000.0})

    async def flagged():
        return next((f for f in await all_flags(stack) if f["case_id"] == cid), None)

    flag = await stack.wait_for(flagged, what="the light penalty's flag")
    assert [r["code"] for r in flag["rules"]] == ["exemption_or_light_penalty"]  # paid 180,000 ≥ reduced 20,000
    ARTIFACTS.mkdir(exist_ok=True)
    async with served_chromium(stack) as (browser, base):
        ctx = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        await sign_in_browser(ctx, base, stack, "auditor-li", "auditor", name="李审核")
        page = await ctx.new_page()
        await page.goto(f"{base}/workspace/flags/{flag['id']}")
        await page.wait_for_selector("#damage")
        summary = await page.text_content("#damage")
        assert "状态：修复效果评估通过" in summary and "已缴纳赔偿金：180,000.00元" in summary
        assert "赔偿协议数额：180,000.00元" in summary and "案件事实认定造成生态环境损害" in summary
        steps = await page.text_content("#damage-steps")
        for text in ("线索筛查（开启）", "启动索赔", "调查/鉴定评估", "签订赔偿协议", "司法确认", "修复效果评估：未通过",
                     "修复效果评估：通过", "生态环境损害赔偿协议 苏环赔协〔2026〕5号", "（北京时间）"):
            assert text in steps, text
        assert "officer-a" not in steps  # people by name
        await stack.wait_for(lambda: _timeline_has(page, base, flag["id"]), what="the damage steps in the timeline")
        await page.screenshot(path=str(ARTIFACTS / "damage-workspace-flag.png"), full_page=True)

        # The enterprise's own case page.
        await page.goto(f"{base}/my/login")
        await page.fill("#token", stack.token("ent-1", "enterprise", uscc=case["uscc"]))
        await page.click("#login-form button[type=submit]")
        await page.wait_for_url(f"{base}/my")
        await page.goto(f"{base}/my/cases/{cid}")
        await page.wait_for_selector("#damage")
        assert await page.text_content("#damage-status") == "修复效果评估通过"
        assert await page.text_content("#damage-paid") == "18万元"
        steps = await page.text_content("#damage-steps")
        for text in ("启动索赔", "磋商", "司法确认裁定书 （2026）苏0509民特12号", "修复效果评估：未通过", "（北京时间）"):
            assert text in steps, text
        await page.screenshot(path=str(ARTIFACTS / "damage-my-case.png"), full_page=True)
        await ctx.close()


async def _timeline_has(page, base: str, flag_id: str) -> bool:
    await page.goto(f"{base}/workspace/flags/{flag_id}")
    text = await page.text_content("main") or ""
    return "生态环境损害赔偿" in text and "事项状态：磋商 → 赔偿协议" in text and "协议赔偿数额：180,000.00元" in text

"""错案责任倒查 in a real headless Chromium (Debian's, driven by Playwright; issue 27 point 4): a supervisor opens
the trace from a flag reviewed as 发现问题, sees each person by name and role, records one responsibility finding,
is refused an excuse with a condition unchecked (the missing condition named), then records the 容错 excuse, and
the person's page shows 已免责 apart from 有责任. Screenshots go to test-artifacts/ (docs/screenshots/ copies)."""

from __future__ import annotations

from pathlib import Path

from services.testing.browser import served_chromium
from services.testing.workspace import sign_in_browser
from tests.audit.accountability_helpers import ALL_AFFIRMED, MUNICIPAL, register_people, wrong_case

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


async def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"workspace-{name}.png"), full_page=True)


async def test_a_supervisor_traces_a_wrong_case_to_its_people_by_clicking(stack):
    await register_people(stack)
    case = await wrong_case(stack)
    async with served_chromium(stack) as (browser, base):
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        await sign_in_browser(context, base, stack, "auditor-sz", "auditor", name="周监督", bureau=MUNICIPAL)
        page = await context.new_page()
        await page.goto(f"{base}/workspace/flags/{case['flag_id']}")
        await page.click("#trace-submit")
        await page.wait_for_selector("#done")
        people = await page.text_content("#people")
        for name in ("张执法", "李执法", "王法审", "局长0", "副局长1", "副局长2"):
            assert name in people
        assert "法制审核人" in people and "决定人（行政机关负责人）" in people
        await _shot(page, "trace")
        # One responsibility finding.
        await page.select_option("#f-person", "officer-a")
        await page.check("#finding-responsible")
        await page.fill("#f-kind", "直接责任")
        await page.select_option("#f-outcome", "admonishment")
        await page.fill("#f-reason", "承办人未调取该企业两年内的处罚记录即认定初次违法")
        await page.click("#finding-submit")
        await page.wait_for_selector("#findings")
        assert "诫勉" in await page.text_content("#findings")
        # An excuse with one condition unchecked is refused, naming it.
        await page.select_option("#x-person", "officer-a")
        for code, answer in ALL_AFFIRMED.items():
            if code != "no_private_gain":
                await page.check(f"#c-{code}")
            await page.fill(f"#e-{code}", answer["evidence"])
        await page.check("#relief-exempted")
        await page.fill("#x-reason", "试点中的偏差失误，本人勤勉尽责并及时纠错")
        await page.click("#excuse-submit")
        await page.wait_for_selector("#refusal")
        assert "未谋私利" in await page.text_content("#refusal")
        await _shot(page, "trace-refused")
        await page.check("#c-no_private_gain")  # the form kept what was typed
        await page.click("#excuse-submit")
        await page.wait_for_selector("#excuses")
        assert "已免责" in await page.text_content("#people")
        await _shot(page, "trace-excused")
        await page.click("#people >> text=张执法")
        await page.wait_for_selector("#counts")
        assert await page.text_content("#count-excused") == "1"
        assert await page.text_content("#count-responsible") == "0"
        assert "（北京时间）" in await page.text_content("#traces")
        await _shot(page, "person")
        await page.click("nav >> text=责任倒查")
        await page.wait_for_selector("#people")
        await _shot(page, "people")

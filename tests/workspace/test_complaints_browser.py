"""投诉举报 in a real headless Chromium (issue 27 point 2): a citizen files a complaint on the portal without an
account, keeps the tracking code and follows it; an auditor of another bureau (the municipal bureau's supervision
office) accepts it in the workspace, investigates, concludes it as partly substantiated on the case it names (the
case's flag gets the rule) and answers; the citizen then reads the answer by the code. The complained-about bureau's
leader sees that a complaint exists and its outcome, never its material or the complainant (《信访工作条例》第三十条第三款). Screenshots go to test-artifacts/ (copies in
docs/screenshots/complaint-*.png)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from services.testing.browser import served_chromium
from services.testing.factories import BUREAU, OTHER_BUREAU
from services.testing.workspace import sign_in_browser
from shared.bureaus import BUREAU_NAMES
from tests.workspace.test_pages import flagged

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MUNICIPAL = "320500"
SUMMARY = "2026年6月3日上午在我厂检查时，执法人员态度粗暴，大声呵斥员工，拒绝出示执法证件。"


async def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"complaint-{name}.png"), full_page=True)


async def test_a_citizen_files_and_follows_and_another_bureaus_auditor_answers(stack):
    case, = await flagged(stack)
    rt = stack.runtimes["audit"]
    now = rt.clock.now()
    rt.clock.set(now - timedelta(days=16))  # an older complaint, past its 15 days to be accepted
    r = await stack.client.post("/audit/v1/public/complaints", json={
        "bureau": OTHER_BUREAU, "category": "inaction", "summary": "举报企业夜间偷排废水，多次反映未见查处。",
        "anonymous": True, "idempotency_key": "older-complaint-0001"})
    assert r.status_code == 201, r.text
    rt.clock.set(now)
    async with served_chromium(stack) as (browser, base):
        citizen = await (await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")).new_page()
        await citizen.goto(f"{base}/complaints")
        await citizen.select_option("#bureau", BUREAU)
        await citizen.select_option("#category", "uncivil")
        await citizen.fill("#summary", "太短")
        await citizen.click("#submit-complaint")  # errors name the field, what was typed is kept
        errors = await citizen.text_content("#form-errors")
        assert "投诉内容" in errors and "联系方式" in errors
        await _shot(citizen, "form-errors")
        await citizen.fill("#summary", SUMMARY)
        await citizen.fill("#officer_name", "李某")
        await citizen.fill("#case_number", case.number)
        await citizen.check("#anonymous")
        await citizen.click("#submit-complaint")
        code = (await citizen.text_content("#tracking-code")).strip()
        assert code.startswith("TS-") and "只在本页显示这一次" in await citizen.text_content("#filed")
        await _shot(citizen, "filed")
        await citizen.goto(f"{base}/complaints/follow")
        await citizen.fill("#code", code)
        await citizen.click("#follow-form button")
        assert "已提交，等待受理" in await citizen.text_content("#status")

        # The municipal supervision office handles it.
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        await sign_in_browser(context, base, stack, "auditor-sz", "auditor", name="赵审核", bureau=MUNICIPAL)
        auditor = await context.new_page()
        await auditor.goto(f"{base}/workspace/complaints")
        assert await auditor.locator("#queue tbody tr").count() == 2
        overdue = auditor.locator("#queue tbody tr").first  # overdue first, highlighted
        assert "overdue" in await overdue.get_attribute("class") and "已超期" in await overdue.text_content()
        assert "苏州市常熟生态环境局" in await overdue.text_content()
        assert "已超期 1" in await auditor.text_content("#count-overdue")
        await _shot(auditor, "queue")
        await auditor.click("#queue tr:not(.overdue) a")
        assert "匿名投诉" in await auditor.text_content("#complainant")
        await auditor.click("#refuse-submit")  # no reason: refused on the page, nothing changed
        assert "不予受理的理由" in await auditor.text_content("#refusal")
        await auditor.fill("#accept-reason", "属于执法监督职责范围，予以受理")
        await auditor.click("#accept-submit")
        assert "已受理" in await auditor.text_content("#done")
        await auditor.click("#investigate-submit")
        await auditor.check("#finding-partly")
        await auditor.fill("#conclude-reason", "调取执法记录仪，执法人员言语不文明属实；未出示证件不属实。")
        await auditor.fill("#conclude-case", case.case_id)
        await auditor.click("#conclude-submit")
        assert "部分成立" in await auditor.text_content("#finding")
        assert await auditor.locator("#flag-link").count() == 1
        await auditor.fill("#answer-text", "经查，您反映的执法人员言语不文明问题属实，已批评教育并责令整改。")
        await auditor.click("#answer-submit")
        assert "已答复" in await auditor.text_content("#status")
        steps = await auditor.text_content("#steps")
        assert all(w in steps for w in ("投诉人 提交投诉", "赵审核 受理", "赵审核 办结", "赵审核 答复投诉人"))
        assert "auditor-sz" not in await auditor.text_content("main")
        await _shot(auditor, "answered")
        await auditor.click("#flag-link")
        assert "投诉举报查证属实" in await auditor.text_content("#rules")
        # the dashboard counts it under the complained-about bureau's name, and links to that bureau's queue
        await auditor.goto(f"{base}/workspace/dashboard")
        row = auditor.locator("#complaints-table tbody tr").first
        assert BUREAU_NAMES[BUREAU] in await row.text_content()
        await auditor.locator("#h-complaints").scroll_into_view_if_needed()
        await _shot(auditor, "dashboard")
        await row.locator("a").first.click()
        assert "/workspace/complaints?bureau=" in auditor.url

        # The complained-about bureau's leader: the outcome, not the material (第三十条第三款), no complainant, no forms.
        lctx = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        await sign_in_browser(lctx, base, stack, "leader-1", "leader", name="王局长", bureau=BUREAU)
        leader = await lctx.new_page()
        await leader.goto(f"{base}/workspace/complaints")
        await leader.click("#queue a")
        main = await leader.text_content("main")
        assert "部分成立" in main and await leader.locator("#complainant").count() == 0
        assert "对被投诉机关保密" in main
        assert await leader.locator("#actions").count() == 0
        await _shot(leader, "leader-view")

        # The citizen reads the answer by the code.
        await citizen.goto(f"{base}/complaints/follow")
        await citizen.fill("#code", code)
        await citizen.click("#follow-form button")
        assert "已答复" in await citizen.text_content("#status")
        assert "部分成立" in await citizen.text_content("#finding") and "责令整改" in await citizen.text_content("#answer")
        assert "第三十五条" in await citizen.text_content("#review-right")
        await _shot(citizen, "follow-answered")

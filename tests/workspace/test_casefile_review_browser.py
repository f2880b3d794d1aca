"""案卷评查 in a real headless Chromium: a supervisor creates a campaign for the year (the draw per bureau), assigns
a drawn file to a reviewer of another bureau (the page offers only those), the reviewer opens the scoring page —
items pre-filled from the case's own records with their evidence — confirms, marks a veto item not met with its
reason and submits; the file is 不合格, its flag is linked, the campaign's results and the dashboard show the bureau's 合格率.
Screenshots of each screen go to test-artifacts/ (docs/screenshots/casefile-*.png are copies)."""

from __future__ import annotations

from pathlib import Path

from services.testing.browser import served_chromium
from services.testing.decisions import Decisions
from services.testing.factories import BUREAU, OTHER_BUREAU, CaseDriver
from services.testing.workspace import add_account, sign_in_browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "评查口令-Strong-2026!"


async def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"casefile-{name}.png"), full_page=True)


async def test_a_campaign_end_to_end_in_the_browser(stack):
    real = await CaseDriver(stack).penalty_decided()
    decisions = Decisions(stack)
    for _ in range(2):
        _, event = await decisions.emit(bureau=OTHER_BUREAU, handlers=["officer-c", "officer-d"],
                                        decided_at=stack.runtimes["audit"].clock.now())
        await decisions.processed("audit", event.id)
    await add_account(stack, "auditor-zhang", "张督查", "auditor", password=PASSWORD)
    await add_account(stack, "auditor-cs", "常熟评查员", "auditor", password=PASSWORD, bureau=OTHER_BUREAU)
    await add_account(stack, "auditor-wj", "吴江评查员", "auditor", password=PASSWORD, bureau=BUREAU)
    today = stack.runtimes["audit"].clock.today()

    async def decided():
        r = await stack.client.post("/audit/v1/casefile-reviews/draws/preview", headers=stack.auth("a", "auditor"),
                                    json={"period_from": f"{today.year}-01-01", "period_to": today.isoformat()})
        return real["id"] in {f["case_id"] for f in r.json()["files"]}
    await stack.wait_for(decided, timeout=60, what="the audit to record the real decision")

    async with served_chromium(stack) as (browser, base):
        boss = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        await sign_in_browser(boss, base, stack, "auditor-zhang", "auditor", name="张督查")
        page = await boss.new_page()
        await page.goto(f"{base}/workspace/")
        await page.click("nav >> text=案卷评查")
        await page.wait_for_selector("#create-form")
        await page.fill("#title", f"{today.year}年度行政执法案卷评查")
        await page.fill("#ratio", "50")
        await page.fill("#minimum", "2")
        await page.fill("#seed", "评查种子-1")
        await page.click("#create-submit")
        await page.wait_for_selector("#done")
        assert "抽取种子“评查种子-1”" in await page.text_content("#summary")
        assert await page.locator(f"table.files[data-bureau='{BUREAU}'] tbody tr").count() == 1
        assert await page.locator(f"table.files[data-bureau='{OTHER_BUREAU}'] tbody tr").count() == 2
        row = page.locator("tr", has_text=real["number"])
        options = await row.locator("select option").all_text_contents()
        assert options == ["常熟评查员（苏州市常熟生态环境局）"] or all("常熟" in o for o in options), options
        await row.locator("button").click()
        await page.wait_for_selector("#done")
        assert "常熟评查员" in await page.locator("tr", has_text=real["number"]).text_content()
        await _shot(page, "campaign")
        await page.goto(f"{base}/workspace/casefile-reviews")
        await page.wait_for_selector("#campaigns")
        await _shot(page, "campaigns")

        reviewer = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        await sign_in_browser(reviewer, base, stack, "auditor-cs", "auditor", name="常熟评查员", bureau=OTHER_BUREAU)
        rpage = await reviewer.new_page()
        await rpage.goto(page.url.replace("/workspace/casefile-reviews", "/workspace/casefile-reviews"))
        await rpage.goto(f"{base}/workspace/casefile-reviews")
        await rpage.click(f"text={today.year}年度行政执法案卷评查")
        await rpage.click(f"text={real['number']}")
        await rpage.wait_for_selector("#score-form")
        assert "系统预填：符合" in await rpage.text_content("#item-P2")
        assert "法制审核记录" in await rpage.text_content("#item-P2")
        assert "系统预填：不符合" in await rpage.text_content("#item-P4")  # not served yet
        await _shot(rpage, "sheet")
        await rpage.check("#met-P4-1")  # overriding the pre-fill without a reason: refused, nothing saved
        for code in ("S1", "F1", "F2", "F3", "E1", "E2", "E3", "L1", "L2", "L3", "L4", "P1", "P3", "X1", "A1", "D3"):
            await rpage.check(f"#met-{code}-1")
        await rpage.click("#score-submit")
        await rpage.wait_for_selector("#refusal")
        assert "须说明理由" in await rpage.text_content("#refusal")
        await rpage.check("#met-P4-0")
        await rpage.fill("#reason-P4", "决定书尚未送达当事人")
        await rpage.check("#met-L2-0")
        await rpage.fill("#reason-L2", "罚款数额与违法情节明显不相称")
        await rpage.click("#score-submit")
        await rpage.wait_for_selector("#verdict")
        verdict = await rpage.text_content("#verdict")
        assert "不合格" in verdict and "94" in verdict and "L2" in verdict
        assert "北京时间" in verdict
        await _shot(rpage, "scored")
        async with rpage.expect_download() as download:
            await rpage.click("#bundle-link")
        assert (await download.value).suggested_filename.endswith(".zip")
        await rpage.click("#flag-link")
        await rpage.wait_for_selector("#rules")
        assert "案卷评查不合格" in await rpage.text_content("#rules")

        await page.goto(page.url.split("?")[0].rsplit("/workspace/casefile-reviews", 1)[0] + "/workspace/casefile-reviews")
        await page.click(f"text={today.year}年度行政执法案卷评查")
        await page.wait_for_selector("#results-bureaus")
        results = await page.text_content("#results-bureaus")
        assert "苏州市吴江生态环境局" in results and "0.0%" in results
        await _shot(page, "results")
        await page.click("nav >> text=统计看板")
        await page.wait_for_selector("#casefile-table")
        row = await page.locator("#casefile-table tr", has_text="苏州市吴江生态环境局").text_content()
        assert "0.0%" in row
        await page.locator("#h-casefile").scroll_into_view_if_needed()
        await _shot(page, "dashboard")

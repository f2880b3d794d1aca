"""The portal in a real headless Chromium (Debian's, driven by Playwright; RECIPES §3) on the embedded
stack: every page loads with its title and breadcrumbs, a 1- and a 2-character search show the items the
data says contain them, an item shows its legal basis and liability, the anonymous self-check produces a
report on the page and as a PDF and stores nothing, and an enterprise signed in sees only its own cases,
letters and credit records, answers an advice letter, submits a repair application (a refusal first, with
its rule) and keeps a self-check. Phone width, keyboard, local assets and CJK fonts are checked too;
screenshots go to test-artifacts/."""

from __future__ import annotations

import asyncio
import io
from datetime import date
from pathlib import Path

import pypdf
from playwright.async_api import Page
from portal_helpers import (
    credit_record,
    fix_credit_clock,
    pay_fine,
    penalised_case,
    published_with_letter_and_typical_case,
)
from sqlalchemy import func, select

from services.checklist.models import SelfCheck
from services.testing.browser import served_chromium
from services.testing.factories import BUREAU, officer
from shared.chinese_dates import cn_date

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PUBLIC = "/checklist/v1/public"
NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"
CJK_FONT = "() => document.fonts.check('16px \"Noto Sans CJK SC\"', '合规') || document.fonts.check('16px \"WenQuanYi Zen Hei\"', '合规')"



def _parts(item: dict) -> list[str]:
    parts = [item["title"], *item["common_violations"], *item["advice"]]
    for b in item["legal_basis"]:
        parts += [x for x in (b["law"], b["article"], b.get("clause"), b.get("text_excerpt")) if x]
    return [p.lower() for p in parts]


async def _shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"portal-{name}.png"), full_page=True)


async def _loads(page: Page, url: str, title: str, *, status: int = 200) -> None:
    r = await page.goto(url)
    assert r is not None and r.status == status, f"{url}: {r.status if r else None}"
    assert title in await page.title(), await page.title()
    assert await page.locator("nav[aria-label='面包屑']").count() <= 1
    assert await page.locator("h1").count() == 1


async def _self_check_count(stack) -> int:
    async with stack.runtimes["checklist"].sessionmaker() as s:
        return await s.scalar(select(func.count()).select_from(SelfCheck))


async def test_portal_pages_search_self_check_and_the_enterprise_page(sqlite_stack):
    stack = sqlite_stack
    c = stack.client
    ARTIFACTS.mkdir(exist_ok=True)
    # Data: two penalised enterprises, one decision published, an advice letter, a typical case.
    mine = await penalised_case(stack, name="苏州甲环保科技有限公司", summary="出水化学需氧量超标排放。")
    theirs = await penalised_case(stack, name="苏州乙化工有限公司", summary="废气超标排放。")
    await published_with_letter_and_typical_case(stack, mine)
    off = officer(stack, bureau=BUREAU)
    record = await credit_record(stack, mine["uscc"])
    await credit_record(stack, theirs["uscc"])
    await pay_fine(stack, mine)
    fix_credit_clock(stack, date.fromisoformat(record["repair_available_from"]))
    items = (await c.get(f"{PUBLIC}/guidance-items", params={"size": 100})).json()["items"]

    async with served_chromium(stack) as (browser, base):
        ctx = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                        accept_downloads=True)
        page = await ctx.new_page()
        requests: list[str] = []
        page.on("request", lambda req: requests.append(req.url))

        # Home: keyboard first — the skip link, then the search box; Enter searches (1 character).
        await _loads(page, f"{base}/", "首页")
        assert await page.evaluate(CJK_FONT), "a CJK font renders the page (no tofu)"
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent") == "跳到主要内容"
        for _ in range(20):
            await page.keyboard.press("Tab")
            if await page.evaluate("document.activeElement.id") == "q":
                break
        else:
            raise AssertionError("the search box is not reachable by keyboard")
        await _shot(page, "home")
        await page.keyboard.type("废")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/items?q=*")
        expected = {i["code"] for i in items if any("废" in p for p in _parts(i))}
        api = (await c.get(f"{PUBLIC}/guidance-items", params={"q": "废", "size": 20})).json()
        shown = await page.locator("[data-code]").evaluate_all("els => els.map(e => e.dataset.code)")
        assert shown == [i["code"] for i in api["items"]] and set(shown) <= expected
        assert f"找到 {len(expected)} 项" in await page.text_content("#result-count")
        assert await page.locator("#results mark").count() > 0

        # Two characters: every matching item on one page.
        await page.fill("#q", "噪声")
        await page.press("#q", "Enter")
        await page.wait_for_url("**/items?q=%E5%99%AA%E5%A3%B0*")
        expected = {i["code"] for i in items if any("噪声" in p for p in _parts(i))}
        shown = await page.locator("[data-code]").evaluate_all("els => els.map(e => e.dataset.code)")
        assert set(shown) == expected and expected, shown
        assert "检索“噪声”" in await page.title()
        await _shot(page, "search")

        # An item: violations, legal basis with article text, liability, risk level, advice.
        await page.click("#results li:first-child h2 a")
        await page.wait_for_selector("#basis")
        code = page.url.rsplit("/", 1)[1]
        item = next(i for i in items if i["code"] == code)
        assert await page.text_content("h1") == item["title"]
        assert item["common_violations"][0] in await page.text_content("#violations")
        excerpt = next(b["text_excerpt"] for b in item["legal_basis"] if b.get("text_excerpt"))
        assert excerpt in await page.text_content("#basis")
        assert "罚款幅度" in await page.text_content("#liability")
        assert item["advice"][0] in await page.text_content("#advice")
        assert await page.text_content("#risk-level") in ("高风险", "中风险", "低风险")
        await _loads(page, f"{base}/items/GI-WAT-001", "水污染物达标排放")
        assert "某污水处理厂出水超标案" in await page.text_content("#cases-title + ul")
        await _shot(page, "item")

        for url, title, name in (("/no-penalty", "免罚清单", "no-penalty"), ("/benchmarks", "裁量基准", "benchmarks"),
                                 ("/typical-cases", "典型案例", "typical-cases"),
                                 ("/decisions", "行政处罚决定公开", "decisions")):
            await _loads(page, base + url, title)
            await _shot(page, name)
        assert await page.locator("#decisions tbody tr").count() == 1
        assert "苏州乙化工有限公司" not in await page.content(), "only marked decisions are public"
        # The public list names the decision by its 决定书文号 (the bureau's registry), not the case number.
        await page.click(f"text={mine['decision']['document_number']}")
        await page.wait_for_selector("#decision")
        assert "罚款人民币150,000.00元" in await page.text_content("#decision")
        await _shot(page, "decision")

        # The anonymous self-check: report on the page and as PDF, nothing stored.
        await _loads(page, f"{base}/self-check", "企业环境合规自查")
        await page.select_option("#industry", "污水处理")
        await page.click("#industry-form button[type=submit]")
        await page.wait_for_selector("#questionnaire")
        await page.click("[data-all-no]")
        assert "已回答" in await page.text_content("[data-progress]")
        await page.check('input[name="a.GI-WAT-001:1"][value="yes"]')
        await _shot(page, "self-check")
        await page.click("#submit-self-check")
        await page.wait_for_selector("#score")
        assert await page.text_content("#risk-count") == "1"
        assert "水污染物达标排放" in await page.text_content("#risks")
        assert "未保存" in await page.content()
        await _shot(page, "self-check-report")
        async with page.expect_download() as dl:
            await page.click("#download-pdf")
        pdf = await asyncio.to_thread(Path(await (await dl.value).path()).read_bytes)
        text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        assert "企业环境合规自查报告" in text and "水污染物达标排放与重点污染物总量控制" in text
        assert await _self_check_count(stack) == 0, "an anonymous self-check stores nothing"

        # Errors: a clear page with the status, a title and a way back.
        await _loads(page, f"{base}/items/GI-NONE-999", "没有这个清单事项", status=404)
        assert await page.locator("a[href='/']").count() >= 1
        await _shot(page, "error")

        # The enterprise page: sign in with the enterprise's token.
        await _loads(page, f"{base}/my", "企业登录", status=401)
        await _shot(page, "my-login")
        await page.fill("#token", stack.token("ent-1", "enterprise", uscc=mine["uscc"]))
        await page.click("#login-form button[type=submit]")
        await page.wait_for_url(f"{base}/my")
        html = await page.content()
        assert mine["number"] in html and "苏州甲环保科技有限公司" in html
        assert theirs["number"] not in html and "苏州乙化工有限公司" not in html, "only its own records"
        assert await page.locator("#case-table tbody tr").count() == 1
        assert cn_date(record["publicity_max_until"]) in await page.text_content("#credit-table")

        # An advice letter answered.
        await page.fill("#advice textarea[name=content]", "已补全2026年6月运行台账。")
        await page.click("#advice form button[type=submit]")
        await page.wait_for_url("**/my?done=feedback*")
        assert "已补全2026年6月运行台账。" in await page.text_content("#advice")

        # A repair application: refused first (a document missing) with the rule, then submitted.
        await page.fill("[name=evidence_description] >> nth=0", "法定代表人身份证明书")
        await page.click("#submit-repair")
        await page.wait_for_selector("#repair-error")
        refusal = await page.text_content("#repair-error")
        assert "缴纳罚款的收据" in refusal and "fine_receipt" not in refusal and "依据" in refusal
        await page.fill("[name=evidence_description] >> nth=1", "罚款缴纳收据")
        await page.fill("[name=evidence_reference] >> nth=1", "非税收入票据 No.0001")
        await page.click("#submit-repair")
        await page.wait_for_url("**/my?done=repair*")
        assert await page.locator("#repair-done").count() == 1
        assert await page.text_content("#repairs [data-status]") == "已提交，待受理"
        apps = (await c.get("/credit/v1/repair-applications", headers=off)).json()["items"]
        assert [(a["record_id"], a["status"]) for a in apps] == [(record["id"], "submitted")]

        # A case and its deadlines; another enterprise's case is not there.
        await page.click(f"#case-table [data-case='{mine['number']}'] a")
        await page.wait_for_selector("#due-table")
        assert "办案期限" in await page.text_content("#due-table")
        await _shot(page, "my-case")
        await _loads(page, f"{base}/my/cases/{theirs['id']}", "没有这个案件", status=404)

        # Signed in, a self-check is kept in the enterprise's history.
        await page.goto(f"{base}/self-check?industry=%E6%B1%A1%E6%B0%B4%E5%A4%84%E7%90%86")
        await page.click("[data-all-no]")
        await page.click("#submit-self-check")
        await page.wait_for_selector("#score")
        assert "已保存" in await page.content() and await _self_check_count(stack) == 1
        await page.goto(f"{base}/my#self-checks")
        assert await page.locator("#self-check-table tbody tr").count() == 1
        await _shot(page, "my")

        # Phone width: nothing wider than the screen.
        phone = await browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
        p2 = await phone.new_page()
        for url in ("/", "/items?q=%E5%BA%9F", "/items/GI-AIR-001", "/self-check?industry=%E5%8C%96%E5%B7%A5",
                    "/decisions", "/benchmarks"):
            await p2.goto(base + url)
            assert await p2.evaluate(NO_OVERFLOW), f"{url} is wider than a phone"
        await p2.goto(f"{base}/")
        await p2.screenshot(path=str(ARTIFACTS / "portal-phone-home.png"), full_page=True)
        await p2.goto(f"{base}/items/GI-AIR-001")
        await p2.screenshot(path=str(ARTIFACTS / "portal-phone-item.png"), full_page=True)
        await phone.close()
        assert all(u.startswith(base) for u in requests), "everything is served locally (no CDN)"

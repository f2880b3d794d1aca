"""The workspace in a real headless Chromium (Debian's, driven by Playwright): an auditor works one flag from
assignment to outcome by clicking, the queue's filters and the dashboard's drill-down (a click on a chart's bar
opens the queue filtered to it), phone width without sideways scrolling, the keyboard reaching every action.
Screenshots of each screen go to test-artifacts/ (docs/screenshots/workspace-*.png are copies)."""

from __future__ import annotations

from pathlib import Path

from services.testing.browser import served_chromium
from services.testing.decisions import Decisions
from services.testing.factories import OTHER_BUREAU
from services.testing.workspace import sign_in_browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"


async def _flags(stack) -> list:
    decisions = Decisions(stack)
    out = []
    for bureau, t in (("320509", "no_penalty"), ("320509", "lighter"), (OTHER_BUREAU, "no_penalty")):
        handlers = ["officer-a", "officer-b"] if bureau == "320509" else ["officer-c", "officer-d"]
        payload, event = await decisions.emit(decision_type=t, bureau=bureau, handlers=handlers,
                                              fine_amount=None if t == "no_penalty" else 20_000.0,
                                              steps=["filed", "investigated", "legal_review", "notice"])
        await decisions.processed("audit", event.id)
        out.append(payload)
    return out


async def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"workspace-{name}.png"), full_page=True)


async def test_an_auditor_works_a_flag_by_clicking(stack):
    first, _, other = await _flags(stack)
    async with served_chromium(stack) as (browser, base):
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        await sign_in_browser(context, base, stack, "auditor-li", "auditor", name="李审核")
        page = await context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        await page.goto(f"{base}/workspace/flags")
        assert "没有符合条件的审核标记" in await page.text_content("main")  # mine by default: none yet
        await page.click("text=查看全部标记")
        await page.wait_for_selector("#queue")
        assert await page.locator("#queue tbody tr").count() == 3
        await _shot(page, "queue")
        # Filter by bureau through the form.
        await page.select_option("#f-bureau", OTHER_BUREAU)
        await page.click("#apply")
        await page.wait_for_url(f"**bureau={OTHER_BUREAU}**")
        assert await page.locator("#queue tbody tr").count() == 1
        assert other.number in await page.text_content("#queue")

        # One flag, from assignment to outcome.
        await page.goto(f"{base}/workspace/flags?assignee=all")
        await page.click(f"text={first.number}")
        await page.wait_for_selector("#assign-form")
        await page.fill("#assignee-input", "officer-a")  # a handler of the case: refused, nothing changes
        await page.click("#assign-submit")
        await page.wait_for_selector("#refusal")
        assert "参与过本案" in await page.text_content("#refusal")
        assert await page.text_content("#status") == "待审核"
        await _shot(page, "refused")
        await page.fill("#assignee-input", "auditor-li")
        await page.click("#assign-submit")
        await page.wait_for_selector("#done")
        assert await page.text_content("#assignee") == "李审核"
        await page.check("#outcome-issue_found")
        await page.fill("#reason", "未经集体讨论即作出从轻决定，责令整改")
        await page.click("#review-submit")
        await page.wait_for_selector("#outcome")
        assert "发现问题并责令纠正" in await page.text_content("#outcome")
        assert "作出审核结论" in await page.text_content("#history")
        assert "（北京时间）" in await page.text_content("#history")
        await _shot(page, "flag")
        assert all(u.startswith(base) for u in requests), "everything is served locally"

        # Keyboard: the skip link first, then the navigation; every action reachable by Tab.
        await page.goto(f"{base}/workspace/flags?assignee=all")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent") == "跳到主要内容"
        for _ in range(60):
            await page.keyboard.press("Tab")
            if await page.evaluate("document.activeElement.id") == "bulk-submit":
                break
        else:
            raise AssertionError("the bulk assignment's button is not reachable by the keyboard")
        outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"  # the focused control is visibly marked
        await context.close()


async def test_dashboard_drills_down_and_phone_width(stack):
    await _flags(stack)
    async with served_chromium(stack) as (browser, base):
        context = await browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
        await sign_in_browser(context, base, stack, "auditor-li", "auditor", name="李审核")
        page = await context.new_page()
        await page.goto(f"{base}/workspace/dashboard")
        await page.wait_for_function("window.__chartFinished >= 5", timeout=15000)
        assert await page.text_content("#open") == "3"
        await _shot(page, "dashboard")
        # A click on the other bureau's bar opens the queue filtered to that bureau.
        point = await page.evaluate("""() => {
            const c = window.__charts['chart-bureaus'];
            const names = c.getOption().xAxis[0].data;
            const i = names.indexOf('苏州市常熟生态环境局');
            const [x, y] = c.convertToPixel({seriesIndex: 0}, [i, 0.5]);
            const r = document.getElementById('chart-bureaus').getBoundingClientRect();
            return [r.left + x + window.scrollX, r.top + y + window.scrollY]; }""")
        await page.evaluate(f"window.scrollTo(0, {point[1]} - 300)")
        y = await page.evaluate(f"{point[1]} - window.scrollY")
        await page.mouse.click(point[0], y)
        await page.wait_for_url(f"**/workspace/flags?**bureau={OTHER_BUREAU}**")
        assert await page.locator("#queue tbody tr").count() == 1

        phone = await browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True)
        await sign_in_browser(phone, base, stack, "auditor-li", "auditor", name="李审核")
        p = await phone.new_page()
        for name, path in (("phone-queue", "/workspace/flags?assignee=all"), ("phone-dashboard", "/workspace/dashboard")):
            await p.goto(base + path)
            if "dashboard" in path:
                await p.wait_for_function("window.__chartFinished >= 5", timeout=15000)
            assert await p.evaluate(NO_OVERFLOW), f"{path} scrolls sideways at 360 px"
            await _shot(p, name)
        await p.goto(base + "/workspace/flags?assignee=all")
        await p.locator("#queue a").first.click()
        await p.wait_for_selector("#summary")
        assert await p.evaluate(NO_OVERFLOW), "a flag's page scrolls sideways at 360 px"
        await _shot(p, "phone-flag")
        await phone.close()
        await context.close()

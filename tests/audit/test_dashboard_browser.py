"""The auditors' dashboard in a real headless Chromium (Debian's, driven by Playwright; RECIPES §3):
the page loads with ECharts from the service's own static files, the charts paint with data, the
bureau filter changes them, the drill-down shows a case's timeline; a screenshot is kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from audit_helpers import at

from services.testing.browser import served_chromium
from services.testing.decisions import Decisions
from services.testing.factories import BUREAU, OTHER_BUREAU

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PAINTED = """(id) => { const c = document.querySelector('#' + id + ' canvas'); if (!c) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
SERIES = "(id) => window.__charts[id].getOption().series.map(s => s.data)"



async def test_dashboard_renders_filters_and_drills_down(sqlite_stack):
    stack = sqlite_stack
    decisions = Decisions(stack)
    plan = [("no_penalty", BUREAU, "2026-02-10"), ("lighter", BUREAU, "2026-02-20"), ("mitigated", BUREAU, "2026-03-03"),
            ("no_penalty", OTHER_BUREAU, "2026-03-10"), ("penalty", OTHER_BUREAU, "2026-03-11")]
    events = []
    for t, b, day in plan:
        p, e = await decisions.emit(decision_type=t, bureau=b, decided_at=at(day), decision_date=date.fromisoformat(day),
                                    fine_amount=None if t == "no_penalty" else 20_000.0,
                                    steps=["filed", "investigated"] if b == OTHER_BUREAU else
                                    ["filed", "investigated", "legal_review", "collective_discussion", "notice"])
        events.append((p, e))
    for _, e in events:
        await decisions.processed("audit", e.id)

    async with served_chromium(stack) as (browser, base):
        page = await browser.new_page(viewport={"width": 1280, "height": 1100})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        await page.set_extra_http_headers({"Authorization": f"Bearer {stack.token('auditor-1', 'auditor')}"})
        resp = await page.goto(f"{base}/audit/dashboard")
        assert resp is not None and resp.status == 200
        assert "免罚轻罚监督审核看板" in await page.title()
        await page.wait_for_function("window.__chartFinished >= 4", timeout=15000)
        for chart in ("chart-rules", "chart-bureaus", "chart-ageing", "chart-monthly"):
            assert await page.evaluate(PAINTED, chart) > 500, chart
        assert all(u.startswith(base) for u in requests), "everything is served locally (no CDN)"
        # Four exemptions/light penalties, and the other bureau's plain penalty without prior notice.
        assert await page.text_content("#open") == "5"
        rules_all = await page.evaluate(SERIES, "chart-rules")
        assert sum(rules_all[0]) == 4 + 2 + 1  # + its exemption's missing review and discussion
        monthly = await page.evaluate(SERIES, "chart-monthly")
        assert sorted(map(sum, monthly)) == [1, 3]
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "audit-dashboard.png"), full_page=True)

        # Filter: one bureau → the page is rendered again for it and the charts change.
        await page.select_option("#bureau", BUREAU)
        await page.wait_for_url(f"**/audit/dashboard?bureau={BUREAU}**")
        await page.wait_for_function("window.__chartFinished >= 4", timeout=15000)
        assert await page.evaluate(PAINTED, "chart-rules") > 500
        assert await page.evaluate(SERIES, "chart-rules") == [[3]]
        assert [sum(s) for s in await page.evaluate(SERIES, "chart-monthly")] == [3]
        assert await page.text_content("#open") == "3"
        await page.screenshot(path=str(ARTIFACTS / "audit-dashboard-filtered.png"), full_page=True)

        # Drill-down: a case's timeline from the log, its rules and review history.
        await page.click(f"text={events[0][0].number}")
        await page.wait_for_selector("#timeline")
        assert "作出决定" in await page.text_content("#timeline")
        assert "免罚轻罚监督审核" in await page.text_content("#rules")
        assert "生成审核标记" in await page.text_content("#history")

        anonymous = await browser.new_page()
        r = await anonymous.goto(f"{base}/audit/dashboard")
        assert r is not None and r.status == 401

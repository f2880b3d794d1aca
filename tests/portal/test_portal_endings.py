"""The enterprise's page (/my) after issue 23's endings: a case ended as 违法事实不能成立 and a decision revoked
by 行政复议 read in Chinese on /my and /my/cases/{id}; the revoked decision's credit record is shown as withdrawn
from publicity (never 公示中), and its publication is gone from the public decisions page. Over HTTP on both
setups; once in headless Chromium on the embedded stack, with screenshots in test-artifacts/ to look at."""

from __future__ import annotations

from pathlib import Path

from services.testing.browser import served_chromium
from services.testing.factories import CASES, CaseDriver, records_of

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


async def _ended_and_revoked(stack) -> tuple[str, dict, dict]:
    """One enterprise: a case ended as 违法事实不能成立 after legal review approved it, and a penalty decided,
    published and then revoked by 行政复议 (its credit record withdrawn)."""
    d = CaseDriver(stack)
    uscc = await d.enterprise(name="苏州丙环保科技有限公司")
    ended = (await d.file(uscc))["id"]
    await d.evidence(ended)
    await d.complete_investigation(ended)
    await d.review_ending(ended, "facts_not_established")
    ended_case = await d.end(ended, "facts_not_established", reason="现场监测数据无法证明超标排放")
    assert ended_case["state"] == "withdrawn"
    revoked = await d.penalty_decided(uscc)
    r = await d.c.post(f"{CASES}/cases/{revoked['id']}/publication", headers=d.lead, json={"reason": "具有一定社会影响"})
    assert r.status_code in (200, 201), r.text

    async def credited():
        return bool(await records_of(stack, uscc))

    await stack.wait_for(credited, timeout=60, what="the credit record")
    revoked_case = await d.change_decision(revoked["id"], "revoked", "reconsideration")
    assert revoked_case["decision_status"] == "revoked"

    async def withdrawn():
        return [x["status"] for x in await records_of(stack, uscc)] == ["withdrawn"]

    await stack.wait_for(withdrawn, timeout=60, what="the credit record withdrawn")
    return uscc, ended_case, revoked_case


async def test_my_page_shows_the_ending_and_the_revocation_in_chinese(stack):
    uscc, ended, revoked = await _ended_and_revoked(stack)
    me = {"Authorization": f"Bearer {stack.token('ent-1', 'enterprise', uscc=uscc)}"}
    r = await stack.client.get("/my", headers=me)
    assert r.status_code == 200, r.text
    html = r.text
    assert ended["number"] in html and revoked["number"] in html
    assert 'data-ending="facts_not_established"' in html and "违法事实不能成立，不予行政处罚" in html
    assert "已撤销立案" in html
    row = html[html.index(f'data-case="{revoked["number"]}"'):]
    assert "送达期限" not in row[:row.index("</tr>")], "a revoked decision is not waiting to be served"
    assert 'data-decision-status="revoked"' in html and "已依法撤销（不再执行，信用记录和公开信息已撤回）" in html
    credit = html[html.index('id="credit-table"'):]
    credit = credit[:credit.index("</table>")]
    assert "决定已被撤销（撤回公示）" in credit and "公示中" not in credit, credit

    r = await stack.client.get(f"/my/cases/{ended['id']}", headers=me)
    assert r.status_code == 200, r.text
    assert 'id="ending"' in r.text and "违法事实不能成立，不予行政处罚" in r.text
    assert "现场监测数据无法证明超标排放" in r.text
    r = await stack.client.get(f"/my/cases/{revoked['id']}", headers=me)
    assert r.status_code == 200, r.text
    assert "已依法撤销（不再执行，信用记录和公开信息已撤回）" in r.text
    assert revoked["due"]["service"]["done"], "no service deadline runs on a revoked decision (nor an overdue flag)"
    changes = r.text[r.text.index('id="decision-changes"'):]
    assert "行政复议：撤销" in changes and "苏府复决〔2026〕7号" in changes
    assert "决定的变更、撤销" in r.text and "change_decision" not in r.text

    r = await stack.client.get("/decisions")
    assert r.status_code == 200 and revoked["number"] not in r.text, "a revoked decision is not published"



async def test_my_page_after_an_ending_and_a_revocation_in_a_browser(sqlite_stack):
    """The same pages in headless Chromium: they load, read in Chinese (a CJK font renders them), and are kept
    as screenshots (test-artifacts/portal-my-ended*.png)."""
    stack = sqlite_stack
    uscc, ended, revoked = await _ended_and_revoked(stack)
    ARTIFACTS.mkdir(exist_ok=True)
    async with served_chromium(stack) as (browser, base):
        ctx = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = await ctx.new_page()
        await page.goto(f"{base}/my")
        await page.fill("#token", stack.token("ent-1", "enterprise", uscc=uscc))
        await page.click("#login-form button[type=submit]")
        await page.wait_for_url(f"{base}/my")
        row = await page.text_content(f"[data-case='{ended['number']}']")
        assert "违法事实不能成立" in row, row
        assert "决定已被撤销（撤回公示）" in await page.text_content("#credit-table")
        await page.screenshot(path=str(ARTIFACTS / "portal-my-ended.png"), full_page=True)
        for case, name in ((ended, "ended-case"), (revoked, "revoked-case")):
            r = await page.goto(f"{base}/my/cases/{case['id']}")
            assert r is not None and r.status == 200
            await page.screenshot(path=str(ARTIFACTS / f"portal-my-{name}.png"), full_page=True)
        assert "行政复议：撤销" in await page.text_content("#decision-changes")


def test_every_workflow_action_has_a_chinese_label():
    """The case's 办理过程 on /my/cases/{id} names each step in Chinese — the endings and changes too (the page
    showed ``change_decision`` before)."""
    from services.cases.workflow import ACTION_STATES
    from services.portal.labels import ACTION

    assert set(ACTION_STATES) <= set(ACTION), sorted(set(ACTION_STATES) - set(ACTION))

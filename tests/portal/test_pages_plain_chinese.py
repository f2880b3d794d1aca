"""Every page a citizen, an enterprise or a supervisor reads — the public portal, ``/my`` and the auditors'
dashboard — rendered WITH DATA on both setups, reads as plain Chinese (issue 24 item 5): no raw key
(``[a-z]+_[a-z_]+``), no versioned id (``@1``), no file path (``.md``), no ``NOT_FOUND``, no login id in the
visible text. Times show in Asia/Shanghai with the zone marked, a waived statement says so, an exemption's
compliance advice shows on ``/my``, the home page shows no "0 件" and the sign-in page no developer command."""

from __future__ import annotations

from plain_text import identifiers, visible_text
from portal_helpers import credit_record, fix_cases_clock, published_with_letter_and_typical_case

from services.testing.factories import CASES, CaseDriver

LOGINS = ("officer-a", "officer-b", "reviewer-1", "leader-1", "leader-2", "leader-3", "admin-1", "auditor-1", "ent-1")
PUBLIC = "/checklist/v1/public"


async def _data(stack) -> dict:
    c = stack.client
    fix_cases_clock(stack)
    driver = CaseDriver(stack)
    uscc = await driver.enterprise("苏州甲环保科技有限公司")
    exempt = await driver.decided_case("no_penalty", uscc)  # an exemption (first offence) with its advice
    mine = await driver.penalty_decided(uscc)  # decided 2026-06-15 10:00 Asia/Shanghai, the statement waived
    await published_with_letter_and_typical_case(stack, mine)
    await credit_record(stack, mine["uscc"])
    auditor = stack.auth("auditor-1", "auditor")

    async def flagged():
        r = await c.get("/audit/v1/flags", headers=auditor)
        return r.status_code == 200 and any(f.get("case_id") == exempt["id"] for f in r.json()["items"])

    await stack.wait_for(flagged, timeout=60, what="the exemption's audit flag")
    pub = (await c.get(f"{CASES}/public/decisions")).json()["items"][0]
    return {"mine": mine, "exempt": exempt, "publication": pub["id"]}


async def _pages(stack, data: dict) -> dict[str, str]:
    c = stack.client
    me = {"Authorization": f"Bearer {stack.token('ent-1', 'enterprise', uscc=data['mine']['uscc'])}"}
    auditor = stack.auth("auditor-1", "auditor")
    pages: dict[str, str] = {}
    for url in ("/", "/items", "/items?q=废", "/items/GI-WAT-001", "/no-penalty", "/benchmarks", "/typical-cases",
                "/decisions", f"/decisions/{data['publication']}", "/self-check", "/self-check?industry=污水处理"):
        r = await c.get(url)
        assert r.status_code == 200, (url, r.text)
        pages[url] = r.text
    r = await c.post("/self-check/report", content="industry=污水处理&a.GI-WAT-001:1=yes".encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    pages["/self-check/report"] = r.text
    r = await c.get("/my")
    assert r.status_code == 401
    pages["/my (sign-in)"] = r.text
    for url in ("/my", f"/my/cases/{data['mine']['id']}", f"/my/cases/{data['exempt']['id']}"):
        r = await c.get(url, headers=me)
        assert r.status_code == 200, (url, r.text)
        pages[url] = r.text
    for url in ("/audit/dashboard", f"/audit/dashboard/cases/{data['exempt']['id']}"):
        r = await c.get(url, headers=auditor)
        assert r.status_code == 200, (url, r.text)
        pages[url] = r.text
    return pages


async def test_every_page_reads_as_plain_chinese(stack):
    empty = visible_text((await stack.client.get("/")).text)
    assert " 0 件" not in empty and " 0 项" not in empty, "the home page omits a count of nothing"
    data = await _data(stack)
    pages = await _pages(stack, data)
    found = {url: hits for url, html in pages.items() if (hits := identifiers(html, LOGINS))}
    assert not found, found

    text = {url: visible_text(html) for url, html in pages.items()}
    assert "ecocomply token" not in text["/my (sign-in)"], "no developer command on the public sign-in page"
    assert " 0 件" not in text["/"] and "0 项" not in text["/"]
    mine, exempt = data["mine"], data["exempt"]
    # The timeline in Beijing time, marked; the decision was taken at 10:00 Asia/Shanghai (02:00 UTC).
    case_page = text[f"/my/cases/{mine['id']}"]
    assert "2026年6月15日 10:00（北京时间）" in case_page, case_page
    assert "放弃陈述、申辩" in case_page
    # The exemption's compliance advice is on /my, with its document.
    assert f"/my/cases/{exempt['id']}/documents/compliance_advice" in pages["/my"]
    # Names, not codes: the bureau's name wherever the page shows the bureau.
    assert "执法机构 苏州市吴江生态环境局" in text["/my"] and "执法机构 320509" not in text["/my"]
    assert "苏州市吴江生态环境局" in text[f"/decisions/{data['publication']}"]
    assert "（北京时间）" in text[f"/audit/dashboard/cases/{exempt['id']}"]

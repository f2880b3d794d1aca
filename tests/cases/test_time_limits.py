"""Time limits on fixed dates: filing within its limit from the clue, the limitation period, the
handling period with its extensions and suspensions, overdue cases in lists and the overdue event,
and deadlines that reach a year with no holiday schedule (provisional until the year is loaded)."""

from __future__ import annotations

from services.testing.factories import CASES, CaseDriver
from tests.cases.helpers import snapshot
from tests.cases.test_lifecycle import outbox

Y2027 = {"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
         "holidays": [{"date": "2027-01-01", "name": "元旦"}], "workdays": []}


async def test_filing_time_limit_and_limitation_period(stack):
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    uscc = await d.enterprise()
    d.at(2026, 3, 17)  # the 15th day after the clue of 2 March: still in time
    ok = await d.file(uscc, clue_received_on="2026-03-02")
    assert ok["due"]["filing"]["date"] == "2026-03-17" and ok["due"]["filing"]["verified"] is False
    d.at(2026, 3, 18)
    before = await snapshot(stack)
    late = await d.file(uscc, expect=422, clue_received_on="2026-03-02")
    assert late["code"] == "filing_time_limit" and late["errors"][0]["field"] == "filing_extension"
    assert "第十八条" in late["rule"]
    ext = {"approved_by": "局长王某", "reason": "案情需核查"}
    assert (await d.file(uscc, clue_received_on="2026-03-02", filing_extension=ext))["due"]["filing"]["date"] == "2026-04-01"
    d.at(2026, 4, 2)
    too_late = await d.file(uscc, expect=422, clue_received_on="2026-03-02", filing_extension=ext)
    assert too_late["errors"][0]["field"] == "clue_received_on"
    expired = await d.file(uscc, expect=422, occurred_on="2024-03-01", clue_received_on="2026-03-25")
    assert expired["code"] == "limitation_expired" and "第三十六条" in expired["detail"]
    assert "2026-03-01" in expired["detail"]
    # Continuing act: the period runs from its end; five years where 第三十六条 extends it.
    assert (await d.file(uscc, occurred_on="2023-01-01", ended_on="2024-06-01", clue_received_on="2026-03-25"))[
        "records"]["limitation"]["expires"] == "2026-06-01"
    five = await d.file(uscc, occurred_on="2022-01-01", clue_received_on="2026-03-25",
                        facts={"life_health_or_financial_safety_with_harm": True})
    assert five["records"]["limitation"]["years"] == 5
    after = await snapshot(stack)
    assert after["cases.cases"] == before["cases.cases"] + 3


async def test_handling_period_extensions_suspension_and_overdue(stack):
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    d.at(2026, 1, 5)
    cid = (await d.file(await d.enterprise()))["id"]
    other = (await d.file(await d.enterprise()))["id"]
    assert (await d.get(cid))["due"]["handling"]["date"] == "2026-04-05"
    bad = await d.c.post(f"{CASES}/cases/{cid}/extensions", headers=d.lead,
                         json={"kind": "collective_discussion", "approved_by": "局务会", "reason": "复杂"})
    assert bad.status_code == 409 and bad.json()["rule_code"] == "handling_extension_limit"
    assert bad.json()["verified"] is False and "第五十七条" in bad.json()["rule"]
    c = await d.post(cid, "extensions", d.lead, {"kind": "head_approval", "approved_by": "局长", "reason": "需检测"})
    assert c["due"]["handling"]["date"] == "2026-05-05"
    c = await d.post(cid, "extensions", d.lead, {"kind": "collective_discussion", "approved_by": "局务会", "reason": "特别复杂"})
    assert c["due"]["handling"]["date"] == "2026-06-04"
    third = await d.c.post(f"{CASES}/cases/{cid}/extensions", headers=d.lead,
                           json={"kind": "head_approval", "approved_by": "局长", "reason": "再延"})
    assert third.status_code == 409 and third.json()["rule_code"] == "handling_extension_limit"
    d.at(2026, 2, 1)
    c = await d.post(cid, "suspensions", d.lead, {"kind": "testing", "reason": "委托检测", "approved_by": "局长"})
    assert c["due"]["handling"]["suspended"] is True
    d.at(2026, 2, 11)
    c = await d.post(cid, "suspensions/end", d.off)
    assert c["due"]["handling"]["date"] == "2026-06-14" and c["due"]["handling"]["suspended"] is False

    d.at(2026, 6, 10)
    lst = (await d.c.get(f"{CASES}/cases", params={"overdue": "true"}, headers=d.off)).json()
    assert [i["id"] for i in lst["items"]] == [other]  # 2026-04-05 passed; cid runs to 2026-06-14
    assert lst["items"][0]["overdue"] is True and lst["items"][0]["next_due"] == "2026-04-05"
    case = await d.get(other)
    assert case["overdue"] and case["overdue_deadlines"] == ["handling"]
    assert await d.rt.run_job("overdue") == 1
    assert await d.rt.run_job("overdue") == 0  # once per case and deadline
    events = await outbox(stack, "ecocomply.case.overdue.v1")
    assert [(e["case_id"], e["deadline"], e["due_date"]) for e in events] == [(other, "handling", "2026-04-05")]
    # Auditors see it across bureaus.
    audit = (await d.c.get(f"{CASES}/cases", params={"overdue": "true"}, headers=d.s.auth("au", "auditor"))).json()
    assert audit["total"] == 1
    # No retroactive extension or suspension: the overdue case stays overdue, visible and flagged.
    for path, body in (("extensions", {"kind": "head_approval", "approved_by": "局长", "reason": "案情复杂"}),
                       ("suspensions", {"kind": "testing", "reason": "等待检测", "approved_by": "局长"})):
        r = await d.c.post(f"{CASES}/cases/{other}/{path}", headers=d.lead, json=body)
        assert r.status_code == 409 and r.json()["rule_code"] == "no_retroactive_extension", r.text
    assert (await d.get(other))["overdue"] is True


async def test_deadline_in_an_unloaded_year_is_provisional_until_the_year_is_loaded(stack):
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    d.at(2026, 12, 21)
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid)
    d.at(2026, 12, 28)
    n = await d.notify(cid)
    # Weekends only for 2027: 29, 30, 31 December, 1 and 4 January.
    assert n["due"]["statement"] | {"basis": ""} == n["due"]["statement"] | {
        "date": "2027-01-04", "provisional": True, "basis": ""}
    assert n["due"]["handling"]["provisional"] is False
    listed = (await d.c.get(f"{CASES}/cases", params={"provisional": "true"}, headers=d.off)).json()
    assert [i["id"] for i in listed["items"]] == [cid]
    assert (await d.c.get(f"{CASES}/calendar/2027", headers=d.off)).status_code == 404

    before = await snapshot(stack)
    for bad, field in (({**Y2027, "workdays": ["2027-01-04"]}, "workdays.0"),
                       ({**Y2027, "holidays": [{"date": "2026-10-01", "name": "国庆节"}]}, "holidays.0.date"),
                       ({**Y2027, "holidays": []}, "holidays")):
        r = await d.c.post(f"{CASES}/calendar", headers=d.admin, json=bad)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    assert (await d.c.post(f"{CASES}/calendar", headers=d.off, json=Y2027)).status_code == 403
    assert await snapshot(stack) == before

    r = await d.c.post(f"{CASES}/calendar", headers=d.admin, json=Y2027)
    assert r.status_code == 201 and r.json()["version"] == 1 and r.json()["recomputed_cases"] == 1
    after = await d.get(cid)
    assert after["due"]["statement"]["date"] == "2027-01-05" and after["due"]["statement"]["provisional"] is False
    assert (await d.c.get(f"{CASES}/cases", params={"provisional": "true"}, headers=d.off)).json()["total"] == 0
    # A corrected schedule is a new version; the seeded years stay as the library gave them.
    v2 = await d.c.post(f"{CASES}/calendar", headers=d.admin, json={
        **Y2027, "holidays": [{"date": "2027-01-01", "name": "元旦"}, {"date": "2027-01-04", "name": "元旦（补）"}]})
    assert v2.json()["version"] == 2
    assert (await d.get(cid))["due"]["statement"]["date"] == "2027-01-05"  # no longer provisional: not recomputed
    years = {y["year"]: y for y in (await d.c.get(f"{CASES}/calendar", headers=d.off)).json()}
    assert years[2027]["version"] == 2 and years[2025]["source"].startswith("chinesecalendar")
    assert "2025-10-01" in (await d.c.get(f"{CASES}/calendar/2025", headers=d.off)).json()["holidays"]


async def test_withdrawal_before_review_and_transfer(stack):
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    d.at(2026, 2, 2)
    a = (await d.file(await d.enterprise()))["id"]
    w = await d.end(a, "withdrawn", "违法事实不能成立")  # filed: the leader approves it (filed_withdrawal_by_leader)
    assert w["state"] == "withdrawn" and w["due"]["handling"]["done"] and w["allowed_actions"] == []
    b = (await d.file(await d.enterprise()))["id"]
    await d.evidence(b)
    await d.complete_investigation(b)
    await d.review(b)
    # The review approved a penalty, not this ending (第五十八条, our reading).
    r = await d.c.post(f"{CASES}/cases/{b}/withdraw", headers=d.lead, json={"reason": "x"})
    assert r.status_code == 409 and r.json()["rule_code"] == "ending_legal_review"
    t = await d.transfer(b, "苏州市公安局吴江分局", "涉嫌污染环境罪")
    assert t["state"] == "transferred" and t["records"]["transfer"]["to"] == "苏州市公安局吴江分局"
    assert t["ending"]["kind"] == "transferred" and t["due"]["handling"]["done"]
    c = (await d.penalty_decided())["id"]
    r = await d.c.post(f"{CASES}/cases/{c}/withdraw", headers=d.lead, json={"reason": "x"})
    assert r.status_code == 409 and r.json()["rule_code"] == "ending_before_decision"

"""Two holes the hypothesis machine (tests/cases/test_workflow_machine.py) found in the endings and changes of
issue 23, proved closed through the HTTP API on both setups: a legal review approving an ending no longer counts
once a re-investigation (复核) voided it (ending_legal_review), and a legal review approving the bureau's change of
its decision approves that one change, not every later one (change_after_decision). Negative and positive each;
a refusal writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from services.cases.models import Case, TimelineEntry
from services.testing.factories import CASES, CaseDriver


async def _counts(d: CaseDriver, case_id: str) -> tuple[int, str, object]:
    async with d.rt.engine.connect() as conn:
        n = (await conn.execute(select(func.count()).select_from(TimelineEntry)
                                .where(TimelineEntry.case_id == case_id))).scalar()
        state, records = (await conn.execute(select(Case.state, Case.records).where(Case.id == case_id))).one()
    return n, state, records


async def test_a_review_of_an_ending_voided_by_reinvestigation_no_longer_counts(stack):
    d = CaseDriver(stack)
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review_ending(cid, "facts_not_established")
    await d.reinvestigate(cid)  # 复核: the review, the discussion and the notice no longer count
    await d.evidence(cid, "补充监测报告", "复测出水COD达标")
    await d.complete_investigation(cid, {"first_offence": True})
    before = await _counts(d, cid)
    r = await d.end(cid, "facts_not_established", expect=409)
    assert r["rule_code"] == "ending_legal_review" and "第五十八条" in r["article"], r
    assert "withdraw" in r["allowed_actions"] and r["state"] == "investigated"
    assert await _counts(d, cid) == before  # nothing written
    await d.review_ending(cid, "facts_not_established")  # a new review approving the ending: lawful
    case = await d.end(cid, "facts_not_established")
    assert case["state"] == "withdrawn" and case["ending"]["kind"] == "facts_not_established"


async def test_a_review_approves_one_change_of_the_decision(stack):
    d = CaseDriver(stack)
    cid = (await d.penalty_decided())["id"]
    case = await d.change_decision(cid, "changed", "bureau", fine=120000.0)  # reviewed first by the driver
    assert case["decision_status"] == "changed"
    before = await _counts(d, cid)
    body = {"source": "bureau", "outcome": "changed", "fine_amount": 100000.0, "reason": "再次变更",
            "document": {"body": "苏州市吴江生态环境局", "number": "吴环变〔2026〕2号", "issued_on": "2026-03-05",
                         "reference": "决定书扫描件"}}
    r = await d.c.post(f"{CASES}/cases/{cid}/decision/change", headers=d.lead, json=body)
    assert r.status_code == 409, r.text
    assert r.json()["rule_code"] == "change_after_decision" and "proposes: none" in r.json()["detail"]
    assert await _counts(d, cid) == before  # nothing written
    case = await d.change_decision(cid, "changed", "bureau", fine=100000.0)  # its own review: lawful
    assert [c["fine_after"] for c in case["decision_changes"]] == [120000.0, 100000.0]
    assert case["decision_changes"][1]["legal_review_by"] == "reviewer-1"

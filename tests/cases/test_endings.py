"""Issue 23 item 2 — every way a case ends is an outcome the audit sees, through the HTTP API on both setups:
endings before a decision go through the gate (a leader who is not a handler, 第五十七条; legal review
approving the ending after the investigation, 第五十八条 as our reading), changes after a decision are
recorded with the body's document, a revocation propagates (第四十八条第二款), and the audit flags each
ending or reduction once — the reconciliation proves it."""

from __future__ import annotations

from sqlalchemy import func, select

from services.cases.models import Case, TimelineEntry
from services.testing.factories import CASES, CaseDriver, all_flags, records_of
from shared.clock import local_date


async def _counts(d: CaseDriver, case_id: str) -> tuple[int, str]:
    async with d.rt.engine.connect() as conn:
        n = (await conn.execute(select(func.count()).select_from(TimelineEntry)
                                .where(TimelineEntry.case_id == case_id))).scalar()
        state = (await conn.execute(select(Case.state).where(Case.id == case_id))).scalar()
    return n, state


async def _flag(stack, case_id: str, code: str) -> dict:
    async def flagged():
        return any(f["case_id"] == case_id and code in {r["code"] for r in f["rules"]} for f in await all_flags(stack))

    await stack.wait_for(flagged, timeout=60, what=f"the {code} flag of {case_id}")
    return {f["case_id"]: f for f in await all_flags(stack)}[case_id]


async def _investigated(d: CaseDriver) -> str:
    cid = (await d.file(await d.enterprise()))["id"]
    await d.investigate(cid)
    return cid


async def test_a_handler_alone_cannot_withdraw_an_investigated_case(stack):
    """Negative: 409 ending_decided_by_leader, nothing written; then without legal review of the ending:
    409 ending_legal_review; a leader who handles the case: refused too."""
    d = CaseDriver(stack)
    cid = await _investigated(d)
    before = await _counts(d, cid)
    r = await d.c.post(f"{CASES}/cases/{cid}/withdraw", headers=d.off,
                       json={"kind": "facts_not_established", "reason": "违法事实不能成立"})
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["rule_code"] == "ending_decided_by_leader" and "第五十七条" in body["article"]
    assert body["verified"] is False and "withdraw" in body["allowed_actions"]
    assert await _counts(d, cid) == before
    r = await d.c.post(f"{CASES}/cases/{cid}/withdraw", headers=d.lead,
                       json={"kind": "facts_not_established", "reason": "违法事实不能成立"})
    assert r.status_code == 409 and r.json()["rule_code"] == "ending_legal_review"
    assert await _counts(d, cid) == before
    # A review approving another ending does not carry this one.
    await d.review_ending(cid, "withdrawn")
    await d.end(cid, "facts_not_established", expect=409)
    handler_leader = stack.auth("officer-a", "leader", bureau=d.bureau)
    r = await d.c.post(f"{CASES}/cases/{cid}/withdraw", headers=handler_leader, json={"reason": "x"})
    assert r.status_code == 409 and r.json()["rule_code"] == "ending_decided_by_leader"
    # The transfer needs a leader too.
    r = await d.c.post(f"{CASES}/cases/{cid}/transfer", headers=d.off, json={"to": "公安机关", "reason": "涉嫌犯罪"})
    assert r.status_code == 409 and r.json()["rule_code"] == "ending_decided_by_leader"
    # Before the investigation: the leader's approval (our reading), no review.
    f = (await d.file(await d.enterprise()))["id"]
    r = await d.c.post(f"{CASES}/cases/{f}/withdraw", headers=d.off, json={"reason": "重复立案"})
    assert r.status_code == 409 and r.json()["rule_code"] == "filed_withdrawal_by_leader"
    r = await d.c.post(f"{CASES}/cases/{f}/withdraw", headers=d.lead,
                       json={"kind": "facts_not_established", "reason": "x"})
    assert r.status_code == 409 and r.json()["rule_code"] == "state_order"
    # Bad input names the field.
    r = await d.c.post(f"{CASES}/cases/{f}/withdraw", headers=d.lead, json={"kind": "dismissed", "reason": "x"})
    assert r.status_code == 422 and "kind" in r.text


async def test_leader_after_legal_review_ends_the_case_and_the_audit_flags_it_once(stack):
    """Positive: legal review approves 违法事实不能成立, the leader decides it → withdrawn, ended.v1, one flag
    (case_ended_without_penalty); termination and transfer likewise; the reconciliation finds no gap."""
    d = CaseDriver(stack)
    cid = await _investigated(d)
    await d.review_ending(cid, "facts_not_established")
    case = await d.end(cid, "facts_not_established", "监测数据系仪器故障，违法事实不能成立")
    assert case["state"] == "withdrawn" and case["allowed_actions"] == []
    assert case["ending"]["kind"] == "facts_not_established" and case["ending"]["by"] == "leader-1"
    assert case["ending"]["legal_review_by"] == "reviewer-1" and case["due"]["handling"]["done"]
    flag = await _flag(stack, cid, "case_ended_without_penalty")
    assert flag["decision_type"] == "not_established"
    assert "第五十七条" in flag["rules"][0]["detail"] and "reviewer-1" in flag["rules"][0]["detail"]

    t = await _investigated(d)
    await d.review_ending(t, "terminated")
    assert (await d.end(t, "terminated", "当事人已注销"))["state"] == "terminated"
    x = (await d.file(await d.enterprise()))["id"]
    assert (await d.transfer(x))["state"] == "transferred"
    w = (await d.file(await d.enterprise()))["id"]
    assert (await d.end(w, "withdrawn", "不属于本机关管辖"))["state"] == "withdrawn"
    for case_id in (t, x, w):
        await _flag(stack, case_id, "case_ended_without_penalty")
    flags = [f for f in await all_flags(stack) if f["case_id"] in (cid, t, x, w)]
    assert len(flags) == 4 and all(len(f["rules"]) == 1 for f in flags)

    day = local_date(case["ending"]["at"]).isoformat()
    listed = (await d.c.get(f"{CASES}/cases", params={"ended": "true", "from": day, "to": day},
                            headers=d.off)).json()
    assert {i["id"]: i["outcome"] for i in listed["items"]} == {
        cid: "facts_not_established", t: "terminated", x: "transferred", w: "withdrawn"}
    auditor = stack.auth("auditor-1", "auditor")
    r = await stack.client.get("/audit/v1/reconciliation", params={"from": day, "to": day}, headers=auditor)
    assert r.status_code == 200 and r.json()["missing"] == [], r.text


async def test_a_revocation_propagates_to_execution_credit_publication_and_the_audit(stack):
    """Negative: an officer records a revocation → 409 change_after_decision, nothing written; the bureau's
    own change without legal review → 409. Positive: the 复议 revocation is recorded with its document, the
    decision kept; service and payment refused (revocation_stops_execution); the publication answers 410;
    the credit record is withdrawn; one flag; /my says so."""
    d = CaseDriver(stack)
    decided = await d.penalty_decided()
    cid, uscc = decided["id"], decided["uscc"]
    r = await d.c.post(f"{CASES}/cases/{cid}/publication", headers=d.lead, json={"reason": "具有一定社会影响"})
    assert r.status_code in (200, 201), r.text
    pub_id = r.json()["id"]
    assert (await d.c.get(f"{CASES}/public/decisions/{pub_id}")).status_code == 200

    async def credited():
        return bool(await records_of(stack, uscc))

    await stack.wait_for(credited, timeout=60, what="the credit record")
    before = await _counts(d, cid)
    await d.change_decision(cid, "revoked", "reconsideration", headers=d.off, expect=409)
    await d.change_decision(cid, "revoked", "bureau", expect=409)  # no review approving it
    r = await d.c.post(f"{CASES}/cases/{cid}/decision/change", headers=d.lead, json={
        "source": "litigation", "outcome": "revoked", "reason": "x",
        "document": {"body": "法院", "number": "1", "issued_on": "2026-03-01"}})
    assert r.status_code == 422 and "document" in r.text
    assert await _counts(d, cid) == before

    case = await d.change_decision(cid, "revoked", "reconsideration")
    assert case["decision_status"] == "revoked" and case["decision"]["type"] == "penalty"
    assert case["decision"]["fine_amount"] == 150000.0  # the original is kept
    change = case["decision_changes"][0]
    assert change["document"]["number"] == "苏府复决〔2026〕7号" and change["revoked"] and change["publication_withdrawn"]
    for path in ("service", "execution"):
        body = {"amount": 150000.0} if path == "execution" else None
        r = await d.c.post(f"{CASES}/cases/{cid}/{path}", headers=d.off, json=body)
        assert r.status_code == 409, r.text
        assert r.json()["rule_code"] in ("revocation_stops_execution", "state_order")
    r = await d.c.post(f"{CASES}/cases/{cid}/service", headers=d.off)
    assert r.json()["rule_code"] == "revocation_stops_execution" and "第四十八条第二款" in r.json()["article"]
    r = await d.c.get(f"{CASES}/public/decisions/{pub_id}")
    assert r.status_code == 410 and "撤销" in r.json()["detail"]
    await d.change_decision(cid, "changed", "litigation", fine=1.0, expect=409)  # nothing left to change

    async def withdrawn():
        return [x["status"] for x in await records_of(stack, uscc)] == ["withdrawn"]

    await stack.wait_for(withdrawn, timeout=60, what="the credit record withdrawn")
    flag = await _flag(stack, cid, "decision_revoked_or_reduced")
    assert flag["decision_type"] == "penalty" and "苏府复决〔2026〕7号" in flag["rules"][0]["detail"]
    assert (await d.post(cid, "close", d.off))["state"] == "closed"  # nothing to collect


async def test_the_bureau_reduces_its_own_decision_after_legal_review(stack):
    """Positive: 自行纠错 — legal review approves the change, the leader records the lower fine; the fine due
    follows, the decision is kept, the audit flags the reduction; an upheld outcome flags nothing more."""
    d = CaseDriver(stack)
    cid = (await d.penalty_decided())["id"]
    await d.change_decision(cid, "upheld", "reconsideration")
    case = await d.change_decision(cid, "changed", "bureau", fine=100000.0)
    assert case["decision_status"] == "changed" and case["execution"]["fine_due"] == 100000.0
    assert case["decision"]["fine_amount"] == 150000.0 and len(case["decision_changes"]) == 2
    assert case["decision_changes"][1]["legal_review_by"] == "reviewer-1" and case["decision_changes"][1]["reduces"]
    flag = await _flag(stack, cid, "decision_revoked_or_reduced")
    assert [r["code"] for r in flag["rules"]] == ["decision_revoked_or_reduced"]
    served = await d.post(cid, "service", d.off)
    assert served["case"]["state"] == "served"

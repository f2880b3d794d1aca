"""The review workflow (assign, SLA and ageing, outcome, history, independence) and interference records."""

from __future__ import annotations

from datetime import UTC, datetime

from audit_helpers import all_flags, at, audit_caught_up, auditor, consumed, emit, flag_of, table_counts
from sqlalchemy import select

from services.audit.models import CaseContext
from services.testing.factories import BUREAU, OTHER_BUREAU, CaseDriver, new_uscc
from shared import contracts as c

PROBLEM = "application/problem+json"


async def test_assign_sla_ageing_review_and_history(stack, decisions):
    case_id = "c0ffee00-0000-4000-8000-000000000001"
    # The legal reviewer of the case is recorded before the decision: they may not audit it either.
    lr = await emit(stack, c.CaseLegalReviewed(case_id=case_id, number="苏吴环罚〔2026〕77号", bureau=BUREAU,
                                               opinion="approve", reviewer="reviewer-7", reviewed_at=at("2026-06-10")))
    await consumed(stack, lr)
    _, e = await decisions.emit(case_id=case_id, decision_type="lighter")
    await decisions.processed("audit", e.id)
    flag = await flag_of(stack, case_id)
    assert flag["due_at"] is not None and flag["sla_breached"] is False and flag["ageing_days"] == 0
    cl = stack.client
    base = f"/audit/v1/flags/{flag['id']}"

    r = await cl.post(f"{base}/assign", json={"assignee": "reviewer-7"}, headers=auditor(stack, "chief"))
    assert r.status_code == 403 and r.json()["code"] == "reviewer_involved" and "三（十）" in r.json()["rule"]
    r = await cl.post(f"{base}/assign", json={"assignee": ""}, headers=auditor(stack, "chief"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "assignee"
    r = await cl.post(f"{base}/assign", json={"assignee": "auditor-2"}, headers=stack.auth("o", "officer", bureau=BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "role_required"
    r = await cl.post(f"{base}/assign", json={"assignee": "auditor-2"}, headers=auditor(stack, "chief"))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["assignee"]) == ("in_review", "auditor-2")
    assert [f["id"] for f in await all_flags(stack, assignee="auditor-2")] == [flag["id"]]

    # Only the assignee reviews it.
    body = {"outcome": "issue_found", "notes": "从轻理由不充分，建议重新集体讨论"}
    r = await cl.post(f"{base}/review", json=body, headers=auditor(stack, "auditor-3"))
    assert r.status_code == 403 and r.json()["code"] == "not_assignee"
    r = await cl.post(f"{base}/review", json=body, headers=auditor(stack, "auditor-2"))
    assert r.status_code == 200 and r.json()["status"] == "issue_found" and r.json()["review_notes"] == body["notes"]

    hist = (await cl.get(f"{base}/history", headers=auditor(stack))).json()
    assert [(h["action"], h["status_to"]) for h in hist] == [
        ("raised", "open"), ("assigned", "in_review"), ("reviewed", "issue_found")]
    assert hist[1]["actor"] == "chief" and hist[2]["actor"] == "auditor-2" and hist[2]["detail"] == body["notes"]
    r = await cl.post(f"{base}/assign", json={"assignee": "auditor-4"}, headers=auditor(stack, "chief"))
    assert r.status_code == 409 and r.json()["state"] == "issue_found"

    # An interference recorded after the review adds its rule and a history entry; the finding stands
    # (issue 25 S3: the audited bureau cannot undo a review).
    rec = {"case_id": case_id, "number": flag["number"], "bureau": BUREAU, "person": "某副局长",
           "position": "副局长", "manner": "电话要求经办人从轻处理", "occurred_on": "2026-06-12"}
    r = await cl.post("/audit/v1/interference-records", json=rec, headers=stack.auth("officer-a", "officer", bureau=BUREAU))
    assert r.status_code == 201, r.text
    again = await flag_of(stack, case_id)
    assert again["status"] == "issue_found" and again["rules"][-1]["code"] == "recorded_interference"
    hist = (await cl.get(f"{base}/history", headers=auditor(stack))).json()
    assert hist[-1]["action"] == "rule_added" and hist[-1]["status_from"] == hist[-1]["status_to"] == "issue_found"


async def test_sla_breach_shows_in_ageing(stack, decisions):
    _, e = await decisions.emit(decision_type="no_penalty", fine_amount=None)
    await decisions.processed("audit", e.id)
    rt = stack.runtimes["audit"]
    from sqlalchemy import update

    from services.audit.models import Flag

    async with rt.engine.begin() as conn:  # a flag raised 40 days ago with a 15-day SLA
        await conn.execute(update(Flag).values(created_at=datetime(2026, 1, 1, tzinfo=UTC),
                                               due_at=datetime(2026, 1, 16, tzinfo=UTC)))
    [flag] = await all_flags(stack)
    assert flag["sla_breached"] is True and flag["ageing_days"] > 30
    stats = (await stack.client.get("/audit/v1/stats", headers=auditor(stack))).json()
    assert stats["flags_by_status"] == {"open": 1}


async def test_interference_record_raises_a_flag_and_bad_input_writes_nothing(stack):
    c_ = stack.client
    off = stack.auth("officer-a", "officer", bureau=BUREAU)
    # A record needs a case the audit knows (issue 25 S9): this one from its filing.
    filed = await emit(stack, c.CaseFiled(case_id="case-interf-1", number="苏吴环罚〔2026〕88号", uscc=new_uscc(),
                                          bureau=BUREAU, violations=["water.exceed"], handlers=["officer-a", "officer-b"],
                                          filed_by="officer-a", filed_at=at("2026-05-01")))
    await consumed(stack, filed)
    rec = {"case_id": "case-interf-1", "number": "苏吴环罚〔2026〕88号", "uscc": "", "bureau": BUREAU,
           "person": "某科长", "position": "执法科科长", "manner": "要求撤销立案", "occurred_on": "2026-05-02"}
    tables = ("flags", "interference_records", "log_entries", "outbox")
    await audit_caught_up(stack)
    before = await table_counts(stack, *tables)
    for bad, field in (({**rec, "occurred_on": "2026-13-40"}, "occurred_on"), ({**rec, "person": ""}, "person"),
                       ({**rec, "extra": 1}, "extra")):
        r = await c_.post("/audit/v1/interference-records", json=bad, headers=off)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
        assert r.json()["errors"][0]["field"] == field
    r = await c_.post("/audit/v1/interference-records", json={**rec, "bureau": OTHER_BUREAU}, headers=off)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "bureau" and BUREAU in r.json()["detail"]
    r = await c_.post("/audit/v1/interference-records", json=rec, headers=stack.auth("x", "officer", bureau=OTHER_BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = await c_.post("/audit/v1/interference-records", json=rec, headers=stack.auth("e", "enterprise", uscc="x"))
    assert r.status_code == 403
    assert await table_counts(stack, *tables) == before

    r = await c_.post("/audit/v1/interference-records", json=rec, headers=off)
    assert r.status_code == 201 and r.json()["recorded_by"] == "officer-a"
    flag = await flag_of(stack, "case-interf-1")
    assert flag["decision_type"] == "undecided" and [x["code"] for x in flag["rules"]] == ["recorded_interference"]
    assert "执法科科长" in flag["rules"][0]["detail"] and "（二十二）" in flag["rules"][0]["detail"]
    # A second record on the same case: still one flag, both records in its rule.
    r = await c_.post("/audit/v1/interference-records", json={**rec, "person": "某主任", "manner": "打招呼"}, headers=off)
    assert r.status_code == 201
    flags = await all_flags(stack)
    assert len(flags) == 1 and "某主任" in flags[0]["rules"][0]["detail"] and "某科长" in flags[0]["rules"][0]["detail"]
    after = await table_counts(stack, *tables)
    assert after["interference_records"] == before["interference_records"] + 2
    assert after["log_entries"] == before["log_entries"] + 2  # both records are in the tamper-evident log


async def test_interference_record_is_scoped_by_the_case_not_by_the_body(stack, decisions):
    """An officer of bureau B cannot write into bureau A's case by naming its own bureau in the body: once
    the audit knows the case (its flag, its decision), the case's bureau is the one checked — 403, nothing
    written, A's flag not reopened nor named. An auditor naming the wrong bureau is told the right one (422)."""
    case_id = "c0ffee00-0000-4000-8000-00000000000b"
    _, e = await decisions.emit(case_id=case_id, decision_type="no_penalty", fine_amount=None)
    await decisions.processed("audit", e.id)
    flag = await flag_of(stack, case_id)
    rec = {"case_id": case_id, "number": flag["number"], "uscc": flag["uscc"], "bureau": OTHER_BUREAU,
           "person": "某副局长", "position": "副局长", "manner": "电话要求从轻处理", "occurred_on": "2026-06-12"}
    tables = ("flags", "flag_history", "interference_records", "log_entries", "outbox")
    await audit_caught_up(stack)
    before = await table_counts(stack, *tables)
    other = stack.auth("officer-x", "officer", bureau=OTHER_BUREAU)
    r = await stack.client.post("/audit/v1/interference-records", json=rec, headers=other)
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM, r.text
    assert r.json()["code"] == "out_of_scope" and flag["id"] not in r.text
    r = await stack.client.post("/audit/v1/interference-records", json=rec, headers=auditor(stack))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "bureau" and BUREAU in r.json()["detail"]
    assert await table_counts(stack, *tables) == before
    assert (await flag_of(stack, case_id))["rules"] == flag["rules"]

    r = await stack.client.post("/audit/v1/interference-records", json={**rec, "bureau": BUREAU},
                                headers=stack.auth("officer-a", "officer", bureau=BUREAU))
    assert r.status_code == 201 and r.json()["flag_id"] == flag["id"]


async def test_interference_record_on_a_case_known_only_from_its_filing_is_scoped_by_its_bureau(stack):
    """Before any decision or flag, the audit knows a case's bureau from ``case.filed``: an officer of
    bureau B naming its own bureau in the body is refused (403), nothing written."""
    drv = CaseDriver(stack)
    case = await drv.file(await drv.enterprise())
    audit = stack.runtimes["audit"]

    async def filed_seen():
        async with audit.sessionmaker() as s:
            return await s.scalar(select(CaseContext.bureau).where(CaseContext.case_id == case["id"]))

    assert await stack.wait_for(filed_seen, what="the audit to consume case.filed") == BUREAU
    rec = {"case_id": case["id"], "number": case["number"], "uscc": case["uscc"], "bureau": OTHER_BUREAU,
           "person": "某副局长", "position": "副局长", "manner": "电话要求从轻处理", "occurred_on": "2026-06-12"}
    tables = ("flags", "flag_history", "interference_records", "log_entries", "outbox")
    await audit_caught_up(stack)
    before = await table_counts(stack, *tables)
    r = await stack.client.post("/audit/v1/interference-records", json=rec,
                                headers=stack.auth("officer-x", "officer", bureau=OTHER_BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope", r.text
    assert await table_counts(stack, *tables) == before
    r = await stack.client.post("/audit/v1/interference-records", json={**rec, "bureau": BUREAU},
                                headers=stack.auth("officer-a", "officer", bureau=BUREAU))
    assert r.status_code == 201, r.text

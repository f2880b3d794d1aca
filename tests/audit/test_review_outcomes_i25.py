"""Issue 25, review outcomes belong to the reviewers (S3, S9, S10): an interference record adds a rule and
an entry to a flag's history and never reopens or erases a review; a record needs a case the audit knows,
and takes the case's bureau and enterprise; separation of duties compares subjects case-insensitively."""

from __future__ import annotations

import csv
import io
import uuid

from audit_helpers import all_flags, at, audit_caught_up, auditor, consumed, emit, flag_of, table_counts

from services.audit.config import AuditSettings
from services.audit.flags.rules import Decision, History, decider_handled_case
from services.testing.factories import BUREAU, OTHER_BUREAU, new_uscc
from shared import contracts as c

PROBLEM = "application/problem+json"
RECORDS = "/audit/v1/interference-records"
TABLES = ("flags", "flag_rules", "flag_history", "interference_records", "log_entries", "outbox")


async def log_entries_of(stack, case_id: str) -> int:
    from sqlalchemy import func, select

    from services.audit.models import LogEntry

    async with stack.runtimes["audit"].sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(LogEntry).where(LogEntry.case_id == case_id)))


def of_case(flag: dict, **over) -> dict:
    """A record naming the case as the audit knows it (number, enterprise, bureau)."""
    return record(flag["case_id"], number=flag["number"], uscc=flag["uscc"], bureau=flag["bureau"], **over)


def record(case_id: str, **over) -> dict:
    return {"case_id": case_id, "person": "某副局长", "position": "副局长", "manner": "电话要求经办人从轻处理",
            "occurred_on": "2026-06-12", **over}


async def annual(stack) -> dict[str, dict[str, str]]:
    r = await stack.client.get("/audit/v1/reports/annual", params={"year": 2026}, headers=auditor(stack))
    assert r.status_code == 200, r.text
    return {row["执法机构（代码）"]: row for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}


async def reviewed_flag(stack, decisions, outcome: str, **decided) -> dict:
    _, e = await decisions.emit(decision_type="lighter", fine_amount=20_000.0, **decided)
    await decisions.processed("audit", e.id)
    [flag] = [f for f in await all_flags(stack) if f["case_id"] == _.case_id]
    base = f"/audit/v1/flags/{flag['id']}"
    r = await stack.client.post(f"{base}/assign", json={"assignee": "auditor-2"}, headers=auditor(stack, "chief"))
    assert r.status_code == 200, r.text
    r = await stack.client.post(f"{base}/review", json={"outcome": outcome, "notes": "从轻理由不充分"},
                                headers=auditor(stack, "auditor-2"))
    assert r.status_code == 200 and r.json()["status"] == outcome, r.text
    return r.json()


# -- S3 ----------------------------------------------------------------------------------------------
async def test_s3_interference_record_never_reopens_or_erases_a_review(stack, decisions):
    """S3: an officer of the audited bureau records an interference on a flag reviewed ``issue_found``
    (and on one reviewed ``cleared``): the rule and a history entry are added, the review stays —
    status, reviewer, notes; the flag stays in ``?status=issue_found``; the annual report's 审核发现问题
    and 审核无问题 are unchanged."""
    found = await reviewed_flag(stack, decisions, "issue_found")
    cleared = await reviewed_flag(stack, decisions, "cleared")
    report_before = await annual(stack)
    assert (report_before[BUREAU]["审核发现问题"], report_before[BUREAU]["审核无问题"]) == ("1", "1")
    officer = stack.auth("officer-a", "officer", bureau=BUREAU)
    for flag in (found, cleared):
        r = await stack.client.post(RECORDS, json=of_case(flag), headers=officer)
        assert r.status_code == 201, r.text
        after = await flag_of(stack, flag["case_id"])
        assert after["status"] == flag["status"]
        assert (after["reviewed_by"], after["review_notes"], after["reviewed_at"], after["assignee"]) == (
            flag["reviewed_by"], flag["review_notes"], flag["reviewed_at"], flag["assignee"])
        assert [x["code"] for x in after["rules"]] == [*(x["code"] for x in flag["rules"]), "recorded_interference"]
        hist = (await stack.client.get(f"/audit/v1/flags/{flag['id']}/history", headers=auditor(stack))).json()
        assert [h["action"] for h in hist] == ["raised", "assigned", "reviewed", "rule_added"]
        assert (hist[-1]["actor"], hist[-1]["status_from"], hist[-1]["status_to"]) == (
            "officer-a", flag["status"], flag["status"])
        assert "recorded_interference" in hist[-1]["detail"]
    assert [f["id"] for f in await all_flags(stack, status="issue_found")] == [found["id"]]
    assert [f["id"] for f in await all_flags(stack, status="cleared")] == [cleared["id"]]
    assert await annual(stack) == report_before
    # A second record adds its detail to the rule, still without touching the review.
    r = await stack.client.post(RECORDS, json=of_case(found, person="某主任", manner="打招呼"), headers=officer)
    assert r.status_code == 201
    again = await flag_of(stack, found["case_id"])
    assert again["status"] == "issue_found" and "某主任" in again["rules"][-1]["detail"]


async def test_s3_interference_on_an_open_flag_adds_its_rule(stack, decisions):
    """Beside S3: on a flag not yet reviewed the record adds the rule (and stays open, to be reviewed)."""
    _, e = await decisions.emit(decision_type="no_penalty", fine_amount=None)
    await decisions.processed("audit", e.id)
    flag = await flag_of(stack, _.case_id)
    r = await stack.client.post(RECORDS, json=of_case(flag), headers=stack.auth("officer-a", "officer", bureau=BUREAU))
    assert r.status_code == 201, r.text
    after = await flag_of(stack, _.case_id)
    assert after["status"] == "open" and after["rules"][-1]["code"] == "recorded_interference"
    hist = (await stack.client.get(f"/audit/v1/flags/{flag['id']}/history", headers=auditor(stack))).json()
    assert [h["action"] for h in hist] == ["raised", "rule_added"]


async def test_s3_a_later_risk_never_erases_an_issue_found(stack, decisions):
    """A finding (``issue_found``) stays counted when a later event adds a risk (a relapse found by the
    bureau's follow-up); a ``cleared`` flag is looked at again (reopened) — the history keeps both."""
    found = await reviewed_flag(stack, decisions, "issue_found")
    cleared = await reviewed_flag(stack, decisions, "cleared")
    for flag in (found, cleared):
        e = await emit(stack, c.CaseRelapseFound(case_id=flag["case_id"], number=flag["number"], uscc=flag["uscc"],
                                                 bureau=BUREAU, found_at=at("2026-07-01"), detail="复查发现再次超标排放"))
        await consumed(stack, e)
    after = await flag_of(stack, found["case_id"])
    assert (after["status"], after["reviewed_by"], after["review_notes"]) == (
        "issue_found", found["reviewed_by"], found["review_notes"])
    assert after["rules"][-1]["code"] == "relapse_found"
    hist = (await stack.client.get(f"/audit/v1/flags/{found['id']}/history", headers=auditor(stack))).json()
    [entry] = [h for h in hist if h["detail"] == "relapse_found"]  # dated by the event (found_at)
    assert (entry["action"], entry["status_from"], entry["status_to"]) == ("rule_added", "issue_found", "issue_found")
    assert (await flag_of(stack, cleared["case_id"]))["status"] == "open"
    hist = (await stack.client.get(f"/audit/v1/flags/{cleared['id']}/history", headers=auditor(stack))).json()
    [entry] = [h for h in hist if h["detail"] == "relapse_found"]
    assert (entry["action"], entry["status_from"], entry["status_to"]) == ("reopened", "cleared", "open")
    assert (await annual(stack))[BUREAU]["审核发现问题"] == "1"


# -- S9 ----------------------------------------------------------------------------------------------
async def test_s9_interference_on_an_unknown_case_is_refused_and_stores_nothing(stack, decisions):
    """S9: a record on a case id the audit never heard of (naming another bureau's enterprise): 422
    problem+json naming ``case_id`` in Chinese, nothing stored, nothing in the annual report."""
    _, e = await decisions.emit(bureau=OTHER_BUREAU, decision_type="penalty")  # another bureau's enterprise
    await decisions.processed("audit", e.id)
    report_before = await annual(stack)
    # the log grows with the bus (the decision's credit record arrives after it): what a refused record would
    # write is checked by the case's own entries below, the tables the record writes by their counts
    written = tuple(t for t in TABLES if t != "log_entries")
    await audit_caught_up(stack)
    before = await table_counts(stack, *written)
    fake = str(uuid.uuid4())
    for who in (stack.auth("officer-a", "officer", bureau=BUREAU), auditor(stack), stack.auth("root", "admin")):
        for body in (record(fake, number="苏吴环罚〔2026〕999号", uscc=_.uscc, bureau=BUREAU),
                     record(fake, number="苏吴环罚〔2026〕999号", uscc=_.uscc, bureau=OTHER_BUREAU), record(fake)):
            r = await stack.client.post(RECORDS, json=body, headers=who)
            assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
            assert r.json()["errors"][0]["field"] == "case_id" and r.json()["code"] == "unknown_case"
            assert "案件" in r.json()["detail"] and fake in r.json()["detail"]
    assert await table_counts(stack, *written) == before
    assert await log_entries_of(stack, fake) == 0
    assert await annual(stack) == report_before
    assert fake not in {f["case_id"] for f in await all_flags(stack)}


async def test_s9_record_takes_the_bureau_and_enterprise_of_the_case(stack):
    """Beside S9: on a case the audit knows only from its filing, the record and its flag carry the case's
    number, bureau and enterprise; a body naming another enterprise or number is told the case's (422,
    nothing stored); a body naming none of them is taken."""
    case_id, uscc = str(uuid.uuid4()), new_uscc()
    filed = await emit(stack, c.CaseFiled(case_id=case_id, number="苏吴环立〔2026〕31号", uscc=uscc, bureau=BUREAU,
                                          violations=["water.exceed"], handlers=["officer-a", "officer-b"],
                                          filed_by="officer-a", filed_at=at("2026-05-01")))
    await consumed(stack, filed)
    officer = stack.auth("officer-c", "officer", bureau=BUREAU)
    await audit_caught_up(stack)
    before = await table_counts(stack, *TABLES)
    for bad, field in ((record(case_id, uscc=new_uscc()), "uscc"), (record(case_id, number="苏吴环立〔2026〕1号"), "number"),
                       (record(case_id, bureau=BUREAU, uscc=new_uscc()), "uscc")):
        r = await stack.client.post(RECORDS, json=bad, headers=auditor(stack))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    r = await stack.client.post(RECORDS, json=record(case_id, bureau=OTHER_BUREAU),
                                headers=stack.auth("officer-x", "officer", bureau=OTHER_BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    assert await table_counts(stack, *TABLES) == before

    r = await stack.client.post(RECORDS, json=record(case_id), headers=officer)
    assert r.status_code == 201, r.text
    assert (r.json()["number"], r.json()["bureau"]) == ("苏吴环立〔2026〕31号", BUREAU)
    flag = await flag_of(stack, case_id)
    assert (flag["number"], flag["uscc"], flag["bureau"]) == ("苏吴环立〔2026〕31号", uscc, BUREAU)
    r = await stack.client.post(RECORDS, json=record(case_id, number="苏吴环立〔2026〕31号", uscc=uscc, bureau=BUREAU),
                                headers=officer)
    assert r.status_code == 201, r.text


# -- S10 ---------------------------------------------------------------------------------------------
def test_s10_same_subject_is_case_insensitive():
    from shared.subjects import same_subject, subject_key

    assert same_subject("OFF-A1", "off-a1") and same_subject("Leader-1", "leader-1")
    assert same_subject("Straße", "STRASSE")  # casefold, not lower
    assert not same_subject("off-a1", "off-a2") and not same_subject("", "off-a1") and not same_subject(None, None)
    assert subject_key("OFF-A1") == subject_key("off-a1")


def test_s10_decider_handled_case_compares_subjects_case_insensitively():
    d = Decision(decision_type="lighter", decided_by="LEADER-1", case_handlers=("leader-1", "officer-b"))
    assert decider_handled_case(d, History(), AuditSettings()) is not None
    other = Decision(decision_type="lighter", decided_by="leader-2", case_handlers=("leader-1", "officer-b"))
    assert decider_handled_case(other, History(), AuditSettings()) is None


async def test_s10_a_handler_in_other_case_may_not_review_or_be_assigned(stack, decisions):
    """S10: the case was handled by ``off-a1`` and decided by ``leader-1``: ``OFF-A1`` and ``Leader-1`` are
    the same people — admin may not assign them, and ``OFF-A1`` may not review (403 ``reviewer_involved``).
    Beside it: another auditor is assigned, and reviews under a differently cased subject."""
    _, e = await decisions.emit(decision_type="lighter", fine_amount=20_000.0, handlers=["off-a1", "officer-b"],
                                decided_by="leader-1")
    await decisions.processed("audit", e.id)
    flag = await flag_of(stack, _.case_id)
    base = f"/audit/v1/flags/{flag['id']}"
    admin = stack.auth("root", "admin")
    for sub in ("OFF-A1", "Leader-1", " off-a1", "Officer-B"):
        r = await stack.client.post(f"{base}/assign", json={"assignee": sub}, headers=admin)
        assert r.status_code == 403 and r.json()["code"] == "reviewer_involved", (sub, r.text)
    body = {"outcome": "cleared", "notes": "无问题"}
    r = await stack.client.post(f"{base}/review", json=body, headers=auditor(stack, "OFF-A1"))
    assert r.status_code == 403 and r.json()["code"] == "reviewer_involved", r.text
    assert (await flag_of(stack, _.case_id))["status"] == "open"

    r = await stack.client.post(f"{base}/assign", json={"assignee": "auditor-2"}, headers=admin)
    assert r.status_code == 200, r.text
    r = await stack.client.post(f"{base}/review", json=body, headers=auditor(stack, "Auditor-2"))
    assert r.status_code == 200 and r.json()["status"] == "cleared", r.text

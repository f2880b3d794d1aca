"""Bad input gets a clear problem+json error naming the field or the rule, and changes nothing."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from services.testing.factories import CASES, OTHER_BUREAU, CaseDriver, new_uscc, officer


async def _counts(stack) -> dict[str, int]:
    out = {}
    for name, rt in stack.runtimes.items():
        async with rt.engine.connect() as conn:
            for table in rt.spec.metadata.sorted_tables:
                out[f"{name}.{table.name}"] = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
    return out


async def snapshot(stack) -> dict[str, int]:
    """Row counts of every table of every service once the bus has gone quiet (earlier events are
    still being consumed asynchronously, e.g. into the audit log): the database as a client could tell."""
    last = await _counts(stack)
    for _ in range(100):
        await asyncio.sleep(0.3)
        now = await _counts(stack)
        if now == last:
            return now
        last = now
    raise AssertionError("the databases never settled")


# What a refusal of the decision gate writes on purpose (issue 26 item 4), in a transaction of its own after the
# request's rolled back: its record and event (cases), and the event's consumption — inboxes, webhook logs, the
# audit log and the audit's count. Nothing else: the case, its timeline, its documents, flags and credit stay.
def refusal_trail(key: str) -> bool:
    service, table = key.split(".", 1)
    return (key in ("cases.gate_refusals", "cases.outbox", "audit.refused_attempts")
            or table in ("inbox", "webhook_event_log") or (service == "audit" and table.startswith("log_")))


def assert_only_refusals_written(before: dict[str, int], after: dict[str, int], refusals: int) -> None:
    assert {k: (before[k], v) for k, v in after.items() if v != before[k] and not refusal_trail(k)} == {}
    assert after["cases.gate_refusals"] == before["cases.gate_refusals"] + refusals
    assert after["audit.refused_attempts"] == before["audit.refused_attempts"] + refusals


def assert_problem(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if code:
        assert body["code"] == code, body
    return body


async def test_invalid_uscc_is_refused_and_nothing_is_written(stack):
    d = CaseDriver(stack)
    before = await snapshot(stack)
    r = await stack.client.post(f"{CASES}/enterprises", headers=d.off, json={
        "uscc": "91330100716105852G", "name": "某公司", "bureau": d.bureau, "industry": "化工"})
    body = assert_problem(r, 422, "invalid_uscc")
    assert body["errors"][0]["field"] == "uscc" and "check character" in body["detail"]
    assert await snapshot(stack) == before


async def test_case_bad_inputs_name_the_field_and_write_nothing(stack):
    d = CaseDriver(stack)
    uscc = await d.enterprise()
    good = {"uscc": uscc, "bureau": d.bureau, "source": "举报", "summary": "夜间偷排",
            "violations": [{"code": "GI-WAT-001"}], "handlers": ["officer-a", "officer-b"], "facts": {}}
    before = await snapshot(stack)

    r = await stack.client.post(f"{CASES}/cases", headers=d.off, json={**good, "handlers": ["officer-a"]})
    body = assert_problem(r, 422, "too_few_handlers")
    assert body["errors"][0]["field"] == "handlers" and "第四十二条" in body["detail"]

    r = await stack.client.post(f"{CASES}/cases", headers=d.off, json={**good, "handlers": ["x", "x"]})
    assert_problem(r, 422, "too_few_handlers")

    missing = {k: v for k, v in good.items() if k not in ("summary", "violations")}
    body = assert_problem(await stack.client.post(f"{CASES}/cases", headers=d.off, json=missing), 422,
                          "validation_error")
    assert {e["field"] for e in body["errors"]} == {"summary", "violations"}

    body = assert_problem(await stack.client.post(f"{CASES}/cases", headers=d.off,
                                                  json={**good, "handlers": "officer-a,officer-b"}), 422)
    assert body["errors"][0]["field"] == "handlers"

    body = assert_problem(await stack.client.post(f"{CASES}/cases", headers=d.off,
                                                  json={**good, "violations": [{"code": "GI-NOPE-999"}]}), 422,
                          "unknown_violation")
    assert body["errors"][0]["field"] == "violations.0.code"

    body = assert_problem(await stack.client.post(f"{CASES}/cases", headers=d.off,
                                                  json={**good, "uscc": new_uscc()}), 422, "unknown_enterprise")

    r = await stack.client.post(f"{CASES}/cases", headers=d.off, content=b"{not json",
                                )
    assert_problem(r, 422)
    assert await snapshot(stack) == before


async def test_decision_before_legal_review_is_refused_with_the_rule_and_changes_nothing(stack):
    d = CaseDriver(stack)
    case = await d.file(await d.enterprise())
    await d.investigate(case["id"])
    before = await snapshot(stack)
    case_before = (await stack.client.get(f"{CASES}/cases/{case['id']}", headers=d.off)).json()

    r = await stack.client.post(f"{CASES}/cases/{case['id']}/decision", headers=d.lead,
                                json={"type": "penalty", "fine_amount": 100000})
    body = assert_problem(r, 409, "illegal_transition")
    assert body["state"] == "investigated" and body["action"] == "decide"
    assert "第五十八条" in body["rule"] or "第五十四条" in body["rule"]
    assert "legal_review" in body["allowed_actions"] and "decide" not in body["allowed_actions"]

    await d.review(case["id"], proposed_type="no_penalty")
    r = await stack.client.post(f"{CASES}/cases/{case['id']}/decision", headers=d.lead,
                                json={"type": "no_penalty", "basis": {"no_penalty_item": "NP-EX-002"}})
    body = assert_problem(r, 409, "illegal_transition")
    assert body["rule_code"] == "collective_discussion_for_exemption" and "集体讨论" in body["rule"]

    after = await snapshot(stack)
    # Only the legal review in between wrote (its timeline entry and event); the refusals wrote their own
    # records and events only (issue 26 item 4), nothing of the case.
    assert after["cases.outbox"] == before["cases.outbox"] + 1 + 2
    assert after["cases.gate_refusals"] == before["cases.gate_refusals"] + 2
    assert after["cases.case_timeline"] == before["cases.case_timeline"] + 1
    now = (await stack.client.get(f"{CASES}/cases/{case['id']}", headers=d.off)).json()
    assert now["state"] == "reviewed" and now["decision"] is None
    assert now["steps"] == [*case_before["steps"], "legal_review"]


async def test_handler_cannot_review_own_case_and_exemption_needs_met_conditions(stack):
    d = CaseDriver(stack)
    case = await d.file(await d.enterprise())
    await d.investigate(case["id"], {"first_offence": True, "single_factor_exceeded": False})
    r = await stack.client.post(f"{CASES}/cases/{case['id']}/legal-review",
                                headers=stack.auth("officer-a", "legal_reviewer", bureau=d.bureau),
                                json={"opinion": "approve", "notes": ""})
    body = assert_problem(r, 409, "illegal_transition")
    assert body["rule_code"] == "reviewer_not_handler"
    await d.review(case["id"], proposed_type="no_penalty")
    await d.discuss(case["id"])
    before = await snapshot(stack)
    r = await stack.client.post(f"{CASES}/cases/{case['id']}/decision", headers=d.lead,
                                json={"type": "no_penalty", "basis": {"no_penalty_item": "NP-EX-002"}})
    body = assert_problem(r, 409, "illegal_transition")
    assert body["rule_code"] == "no_penalty_conditions_met"
    assert "single_factor_exceeded" in body["detail"] and "exceedance_within_10pct" in body["detail"]
    assert_only_refusals_written(before, await snapshot(stack), 1)


async def test_auth_401_403_and_bureau_scope(stack):
    d = CaseDriver(stack)
    case = await d.file(await d.enterprise())
    r = await stack.client.get(f"{CASES}/cases/{case['id']}")
    assert_problem(r, 401, "unauthorized")
    r = await stack.client.get(f"{CASES}/cases/{case['id']}", headers={"Authorization": "Bearer forged.token.x"})
    assert_problem(r, 401, "unauthorized")
    r = await stack.client.post(f"{CASES}/cases", headers=stack.auth("e1", "enterprise", uscc=case["uscc"]),
                                json={})
    assert_problem(r, 403, "role_required")
    r = await stack.client.get(f"{CASES}/cases/{case['id']}", headers=officer(stack, "o9", bureau=OTHER_BUREAU))
    assert_problem(r, 403, "out_of_scope")
    listing = (await stack.client.get(f"{CASES}/cases", headers=officer(stack, "o9", bureau=OTHER_BUREAU))).json()
    assert listing["total"] == 0
    own = await stack.client.get(f"{CASES}/cases/{case['id']}",
                                 headers=stack.auth("e1", "enterprise", uscc=case["uscc"]))
    assert own.status_code == 200 and own.json()["number"] == case["number"]
    other = await stack.client.get(f"{CASES}/cases/{case['id']}",
                                   headers=stack.auth("e2", "enterprise", uscc=new_uscc()))
    assert_problem(other, 403, "out_of_scope")

"""Credit records from decided cases, over the real outbox → bus → consumer path, on both setups."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from credit_testkit import emit_legacy_decided
from sqlalchemy import select

from services.testing.factories import BUREAU, OTHER_BUREAU, CaseDriver, new_uscc

AUDITOR = ("auditor-1", "auditor")
RECORD_CREATED = "ecocomply.credit.record_created.v1"


async def records(stack, uscc: str, headers=None) -> list[dict]:
    r = await stack.client.get(
        f"/credit/v1/enterprises/{uscc}/records", headers=headers or stack.auth(*AUDITOR)
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_each_penalty_type_creates_one_record_and_an_exemption_none(stack, decisions):
    uscc = new_uscc()
    emitted = {
        t: await decisions.emit(
            uscc=uscc, decision_type=t, fine_amount=None if t == "no_penalty" else 50_000.0
        )
        for t in ("penalty", "heavier", "lighter", "mitigated", "no_penalty")
    }
    for _, event in emitted.values():
        await decisions.processed("credit", event.id)

    recs = {r["case_id"]: r for r in await records(stack, uscc)}
    assert set(recs) == {p.case_id for t, (p, _) in emitted.items() if t != "no_penalty"}
    for t, (p, _) in emitted.items():
        if t == "no_penalty":
            continue
        r = recs[p.case_id]
        assert (r["decision_type"], r["uscc"], r["bureau"], r["case_number"]) == (t, uscc, BUREAU, p.number)
        # 2026-06-15 (China time) → Order 36; a 50,000 yuan fine is 一般: 3 months to 1 year.
        assert (r["severity"], r["published"], r["status"]) == ("general", True, "published")
        assert r["rule_set"] == "ndrc-order-36-2025"
        assert (r["publicity_from"], r["publicity_min_until"], r["publicity_max_until"]) == (
            "2026-06-15",
            "2026-09-15",
            "2027-06-15",
        )
        assert r["repair_available_from"] == "2026-09-16"
        assert "ndrc-order-36-2025/general_penalty" in r["criterion"]
        assert any(s["verified"] is False for s in r["sources"])

    # One record_created event per record, written by the credit service's own outbox.
    created = [json.loads(e)["data"] for e in await decisions.outbox_events("credit", RECORD_CREATED)]
    assert sorted(d["case_id"] for d in created) == sorted(recs)
    assert {d["record_id"] for d in created} == {r["id"] for r in recs.values()}

    r = await stack.client.get(
        f"/credit/v1/notices/{emitted['no_penalty'][0].case_id}", headers=stack.auth(*AUDITOR)
    )
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_found"


async def test_same_event_three_times_and_a_replay_make_one_record(stack, decisions):
    payload, event = await decisions.emit(decision_type="penalty")
    await decisions.processed("credit", event.id)
    duplicates = decisions.consumed("credit", "duplicate")
    await decisions.redeliver(event, times=3)
    # A replay: the same decision as a new event (new id), e.g. re-sent by an operator.
    _, replay = await decisions.emit(**payload.model_dump())
    await decisions.processed("credit", replay.id)  # same key as the copies: consumed after them
    assert decisions.consumed("credit", "duplicate") >= duplicates + 3, (
        "the inbox must absorb all three copies"
    )

    recs = await records(stack, payload.uscc)
    assert [r["case_id"] for r in recs] == [payload.case_id]
    created = [
        json.loads(e)["data"]["case_id"] for e in await decisions.outbox_events("credit", RECORD_CREATED)
    ]
    assert created == [payload.case_id]


async def test_rule_set_follows_the_decision_date_in_china_time(stack, decisions):
    uscc = new_uscc()
    # 2026-03-31T15:59Z is 23:59 on 31 March in China: Order 58 (3 months to 3 years).
    old, e1 = await decisions.emit(uscc=uscc, decided_at=datetime(2026, 3, 31, 15, 59, tzinfo=UTC))
    # 2026-03-31T16:00Z is 00:00 on 1 April in China: Order 36 (3 months to 1 year).
    new, e2 = await decisions.emit(uscc=uscc, decided_at=datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
    # An explicit decision date wins over the timestamp; 30 Nov + 3 months clamps to 28 Feb.
    clamp, e3 = await decisions.emit(uscc=uscc, decision_date=date(2026, 11, 30))
    # An older event without ``procedure``, within 第五十一条's summary-procedure scope: minor, not published.
    minor, e4 = await emit_legacy_decided(decisions, uscc=uscc, fine_amount=3000.0)
    # The same amount decided in the general procedure, as a current event states it: general.
    stated, e5 = await decisions.emit(uscc=uscc, fine_amount=3000.0, procedure="general")
    for e in (e1, e2, e3, e4, e5):
        await decisions.processed("credit", e.id)

    recs = {r["case_id"]: r for r in await records(stack, uscc)}
    assert (
        recs[old.case_id]["rule_set"],
        recs[old.case_id]["publicity_from"],
        recs[old.case_id]["publicity_max_until"],
    ) == ("ndrc-order-58-2023", "2026-03-31", "2029-03-31")
    assert (
        recs[new.case_id]["rule_set"],
        recs[new.case_id]["publicity_from"],
        recs[new.case_id]["publicity_max_until"],
    ) == ("ndrc-order-36-2025", "2026-04-01", "2027-04-01")
    assert (recs[clamp.case_id]["publicity_min_until"], recs[clamp.case_id]["publicity_max_until"]) == (
        "2027-02-28",
        "2027-11-30",
    )
    m = recs[minor.case_id]
    assert (m["severity"], m["published"], m["status"], m["publicity_min_until"]) == (
        "minor",
        False,
        "not_published",
        None,
    )
    assert "第五十一条" in m["criterion"] and m["procedure"] is None
    assert (recs[stated.case_id]["severity"], recs[stated.case_id]["procedure"]) == ("general", "general")


async def test_record_scope_and_problems(stack, decisions):
    p, e = await decisions.emit(decision_type="penalty")
    await decisions.processed("credit", e.id)
    c = stack.client
    path = f"/credit/v1/enterprises/{p.uscc}/records"

    r = await c.get(path)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "unauthorized" and r.headers["www-authenticate"] == "Bearer"

    other = stack.auth("ent-2", "enterprise", uscc=new_uscc())
    r = await c.get(path, headers=other)
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    own = stack.auth("ent-1", "enterprise", uscc=p.uscc)
    [rec] = await records(stack, p.uscc, own)

    # Bureau roles see their bureau's records only.
    assert len(await records(stack, p.uscc, stack.auth("off", "officer", bureau=BUREAU))) == 1
    assert await records(stack, p.uscc, stack.auth("off", "officer", bureau=OTHER_BUREAU)) == []
    r = await c.get(
        f"/credit/v1/records/{rec['id']}", headers=stack.auth("off", "officer", bureau=OTHER_BUREAU)
    )
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = await c.get(f"/credit/v1/records/{rec['id']}", headers=other)
    assert r.status_code == 403
    r = await c.get(f"/credit/v1/records/{rec['id']}", headers=own)
    assert r.status_code == 200 and r.json() == rec

    r = await c.get("/credit/v1/records/no-such-record", headers=own)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = await c.get("/credit/v1/enterprises/91320509MA1XXXXXX0/records", headers=stack.auth(*AUDITOR))
    assert r.status_code == 422 and r.json()["code"] == "invalid_uscc"
    assert r.json()["errors"][0]["field"] == "uscc"

    r = await c.get(f"/credit/v1/notices/{p.case_id}", headers=other)
    assert r.status_code == 403
    r = await c.get(f"/credit/v1/notices/{p.case_id}", headers=own)
    assert r.status_code == 200, r.text
    n = r.json()
    assert (n["record_id"], n["case_number"]) == (rec["id"], p.number)
    assert n["credit_record_notice"]["title"] == "环保信用失信记录告知书"
    assert n["credit_record_notice"]["publicity_max_until"] == rec["publicity_max_until"]
    assert n["credit_repair_guidance"]["title"] == "信用修复指引"
    assert n["credit_repair_guidance"]["repair_available_from"] == rec["repair_available_from"]
    assert "信用中国" in n["credit_repair_guidance"]["text"]


async def test_penalty_decided_over_http_gets_a_record_and_a_notice(stack):
    d = CaseDriver(stack)
    case = await d.decided_case("penalty")

    async def record():
        return await records(stack, case["uscc"])

    [rec] = await stack.wait_for(record, what="the credit record of an HTTP-decided penalty")
    assert (
        rec["case_id"] == case["id"]
        and rec["severity"] == "general"
        and rec["rule_set"] == "ndrc-order-36-2025"
    )
    r = await stack.client.get(f"/credit/v1/notices/{case['id']}", headers=stack.auth(*AUDITOR))
    assert r.status_code == 200 and r.json()["credit_record_notice"]["severity"] == "general"


async def test_decision_before_any_known_rule_set_is_dead_lettered_not_guessed(stack, decisions):
    """No credit rule in the data covers 2022 (Order 58 starts 2023-05-01): refuse loudly (DLQ)."""
    p, e = await decisions.emit(decision_type="penalty", decision_date=date(2022, 12, 1))
    rt = stack.runtimes["credit"]
    dl = rt.tables.dead_letters

    async def dead_lettered():
        async with rt.engine.connect() as conn:
            return (await conn.execute(select(dl.c.error).where(dl.c.event_id == e.id))).scalar()

    error = await stack.wait_for(dead_lettered, what="the dead letter")
    assert "no credit rule set in force on 2022-12-01" in error
    assert await records(stack, p.uscc) == []

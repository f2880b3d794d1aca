"""Publicity expiry as an idempotent scheduled job, and replaying every case event twice, on both setups."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

from credit_testkit import outbox_types
from sqlalchemy import select

from services.credit.jobs import expire_publicity
from services.credit.models import CaseFacts, CreditRecord
from services.testing.factories import new_uscc
from shared.contracts import CaseFinePaid, CaseRectificationAssessed, CaseServed

EXPIRED = "ecocomply.credit.publicity_expired.v1"


async def test_expiry_job_expires_after_the_last_day_once_even_when_run_concurrently(
    stack, decisions, fixed_clock
):
    uscc = new_uscc()
    # Order 58: 2023-06-01 → at most until 2026-06-01; Order 36 general: 2026-06-15 → until 2027-06-15.
    old, e1 = await decisions.emit(uscc=uscc, decision_date=date(2023, 6, 1))
    new, e2 = await decisions.emit(uscc=uscc, decision_date=date(2026, 6, 15))
    minor, e3 = await decisions.emit(
        uscc=uscc, decision_date=date(2023, 6, 1), procedure="summary", fine_amount=500.0
    )
    for e in (e1, e2, e3):
        await decisions.processed("credit", e.id)
    rt = stack.runtimes["credit"]

    assert await expire_publicity(rt, today=date(2026, 6, 1)) == 0, "the last day is still within the period"
    runs = await asyncio.gather(*[expire_publicity(rt, today=date(2026, 6, 2)) for _ in range(3)])
    assert sum(runs) == 1
    assert await expire_publicity(rt, today=date(2026, 6, 2)) == 0
    assert (await outbox_types(stack)).count(EXPIRED) == 1

    async with rt.sessionmaker() as s:
        rows = {
            r.case_id: r
            for r in (await s.scalars(select(CreditRecord).where(CreditRecord.uscc == uscc))).all()
        }
    assert (rows[old.case_id].status, rows[old.case_id].ended_on, rows[old.case_id].ended_by) == (
        "expired",
        date(2026, 6, 2),
        "publicity_expiry",
    )
    assert rows[new.case_id].status == "published"
    assert rows[minor.case_id].status == "not_published", "an unpublished record never 'expires'"

    # The scheduled job itself, on a fixed day (Asia/Shanghai): 2027-06-16 00:30 is still 15 June in UTC.
    fixed_clock.at(datetime(2027, 6, 15, 16, 30, tzinfo=UTC))
    assert await rt.run_job("publicity-expiry") == 1
    assert await rt.run_job("publicity-expiry") == 0
    o = rt.tables.outbox
    async with rt.engine.connect() as conn:
        data = [
            json.loads(x)["data"]
            for x in (await conn.execute(select(o.c.envelope).where(o.c.type == EXPIRED))).scalars()
        ]
    assert sorted((d["case_id"], d["expired_on"]) for d in data) == sorted(
        [(old.case_id, "2026-06-02"), (new.case_id, "2027-06-16")]
    )
    assert all("最长公示期届满后" in d["rule"] or "自动停止公示" in d["rule"] for d in data)


async def snapshot(stack) -> tuple[list, list]:
    rt = stack.runtimes["credit"]
    async with rt.sessionmaker() as s:
        recs = (await s.scalars(select(CreditRecord).order_by(CreditRecord.case_id))).all()
        facts = (await s.scalars(select(CaseFacts).order_by(CaseFacts.case_id))).all()
        cols = [c.key for c in CreditRecord.__table__.columns if c.key != "source_event_id"]
        return (
            [{k: getattr(r, k) for k in cols} for r in recs],
            [{c.key: getattr(f, c.key) for c in CaseFacts.__table__.columns} for f in facts],
        )


async def test_replaying_all_case_events_twice_yields_the_same_records(stack, decisions, case_events):
    uscc = new_uscc()
    decided = []
    for t, kw in [
        ("penalty", {}),
        ("heavier", {"penalty_kinds": ["fine", "revoke_permit"]}),
        ("lighter", {"procedure": "summary", "fine_amount": 1000.0}),
        ("mitigated", {}),
        ("no_penalty", {"fine_amount": None}),
        ("penalty", {"decision_date": date(2025, 12, 1)}),
    ]:
        p, e = await decisions.emit(uscc=uscc, decision_type=t, **kw)
        await decisions.processed("credit", e.id)
        decided.append(p)
    first = decided[0]
    others = [
        CaseFinePaid(
            case_id=first.case_id,
            number=first.number,
            uscc=uscc,
            bureau=first.bureau,
            amount=50_000.0,
            paid_at=datetime(2026, 7, 1, tzinfo=UTC),
        ),
        CaseRectificationAssessed(
            case_id=first.case_id,
            number=first.number,
            uscc=uscc,
            bureau=first.bureau,
            passed=False,
            assessed_by="o",
            assessed_at=datetime(2026, 5, 1, tzinfo=UTC),
        ),
        CaseRectificationAssessed(
            case_id=first.case_id,
            number=first.number,
            uscc=uscc,
            bureau=first.bureau,
            passed=True,
            assessed_by="o",
            assessed_at=datetime(2026, 5, 20, tzinfo=UTC),
        ),
        CaseServed(
            case_id=first.case_id,
            number=first.number,
            uscc=uscc,
            bureau=first.bureau,
            decision_type="penalty",
            documents=["decision", "credit_record_notice", "credit_repair_guidance"],
            served_at=datetime(2026, 6, 16, tzinfo=UTC),
        ),
    ]
    for ev in others:
        await case_events.emit(ev, subject=first.case_id)
    before = await snapshot(stack)
    assert len(before[0]) == 5 and len(before[1]) == 1  # five penalties, no record for the exemption
    assert before[1][0]["rectification_passed"] is True  # the later assessment wins

    for _ in range(2):  # every event again, as new events (an operator's replay), in reverse order too
        for p in decided:
            _, e = await decisions.emit(**p.model_dump())
            await decisions.processed("credit", e.id)
        for ev in reversed(others):
            await case_events.emit(ev, subject=first.case_id)
    assert await snapshot(stack) == before
    assert (await outbox_types(stack)).count("ecocomply.credit.record_created.v1") == 5

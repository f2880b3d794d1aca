"""Crash safety of outbox → bus → idempotent consumer, on both setups.

Faults are injected at the exact points a crash can happen: the relay dying after the decision's
transaction committed but before it published (and after publishing but before marking), the
same event delivered three times, and the audit consumer failing after its transaction committed
but before the bus learned of it. Every decided exemption must still end as exactly one flag.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter

from prometheus_client import REGISTRY
from sqlalchemy import func, select

from services.testing.factories import CaseDriver, all_flags
from shared.bus.base import Message


async def flags_by_case(stack, expected: int) -> Counter:
    async def enough():
        flags = await all_flags(stack)
        return flags if len(flags) >= expected else None

    await stack.wait_for(enough, timeout=60, what=f"{expected} flags")
    await asyncio.sleep(0.5)  # let any duplicate that was going to arrive arrive
    return Counter(f["case_id"] for f in await all_flags(stack))


async def outbox_unpublished(rt) -> int:
    o = rt.tables.outbox
    async with rt.engine.connect() as conn:
        return (await conn.execute(select(func.count()).where(o.c.published_at.is_(None)))).scalar_one()


async def test_relay_killed_between_commit_and_publish_loses_nothing(stack):
    cases_rt = stack.runtimes["cases"]
    died = asyncio.Event()

    async def crash_before_publish(point, ids):
        if point == "before_publish":
            died.set()
            raise asyncio.CancelledError("relay process killed after commit, before publish")

    cases_rt.relay.fault_hook = crash_before_publish
    d = CaseDriver(stack)
    ids = [(await d.decided_case(t))["id"] for t in ("no_penalty", "lighter", "mitigated", "penalty")]
    await asyncio.wait_for(died.wait(), 10)
    assert not cases_rt.relay.running, "the relay should be dead"
    assert await outbox_unpublished(cases_rt) > 0, "committed events wait in the outbox"
    assert await all_flags(stack) == []

    cases_rt.relay.fault_hook = None
    cases_rt.relay.start()  # the restarted process's relay
    per_case = await flags_by_case(stack, 3)
    assert set(per_case) == set(ids[:3]) and max(per_case.values()) == 1
    assert await outbox_unpublished(cases_rt) == 0


async def test_relay_killed_after_publish_before_marking_is_deduplicated(stack):
    cases_rt = stack.runtimes["cases"]
    crashed = []

    async def crash_after_publish(point, batch):
        decided = [i for i, t in batch if t == "ecocomply.case.decided.v1"]
        if point == "after_publish" and decided and not crashed:
            crashed.append(decided)
            raise asyncio.CancelledError("relay killed after the broker acked, before marking published")

    cases_rt.relay.fault_hook = crash_after_publish
    d = CaseDriver(stack)
    # The first batch holding a decision is published, then the relay dies before marking it: the
    # restarted relay publishes it again and the consumers must recognise the duplicate.
    ids = [(await d.decided_case("no_penalty"))["id"] for _ in range(3)]
    for _ in range(200):
        if crashed:
            break
        await asyncio.sleep(0.05)
    assert crashed, "the fault was not reached"
    cases_rt.relay.fault_hook = None
    cases_rt.relay.start()
    per_case = await flags_by_case(stack, 3)
    assert set(per_case) == set(ids) and max(per_case.values()) == 1


async def test_same_event_delivered_three_times_gives_one_flag(stack, decisions):
    d = CaseDriver(stack)
    case = await d.decided_case("lighter")
    await flags_by_case(stack, 1)
    cases_rt = stack.runtimes["cases"]
    o = cases_rt.tables.outbox
    async with cases_rt.engine.connect() as conn:
        event_id = (await conn.execute(select(o.c.event_id).where(o.c.type == "ecocomply.case.decided.v1"))).scalar_one()
    before = decisions.consumed("audit", "duplicate")
    for _ in range(3):
        await decisions.redeliver(event_id, 1)

    async def three_duplicates_seen():
        return decisions.consumed("audit", "duplicate") >= before + 3

    await stack.wait_for(three_duplicates_seen, what="3 duplicates seen")
    per_case = Counter(f["case_id"] for f in await all_flags(stack))
    assert per_case == Counter({case["id"]: 1})


async def test_consumer_failing_after_commit_is_redelivered_and_flags_once(stack, decisions):
    audit_rt = stack.runtimes["audit"]
    consumer = audit_rt.consumers[0]
    failures: list[str] = []

    async def fail_once_after_commit(point, event):
        if event.type == "ecocomply.case.decided.v1" and len(failures) < 2 and event.id not in failures:
            failures.append(event.id)
            raise RuntimeError("consumer crashed after its transaction committed, before acknowledging")

    consumer.fault_hook = fail_once_after_commit
    before_dup = decisions.consumed("audit", "duplicate")
    d = CaseDriver(stack)
    ids = [(await d.decided_case(t))["id"] for t in ("no_penalty", "mitigated", "no_penalty")]
    per_case = await flags_by_case(stack, 3)
    assert set(per_case) == set(ids) and max(per_case.values()) == 1
    assert len(failures) == 2
    # Each failed acknowledgement came back as a redelivery that the inbox recognised.
    assert decisions.consumed("audit", "duplicate") >= before_dup + 2
    async with audit_rt.engine.connect() as conn:
        dl = (await conn.execute(select(func.count()).select_from(audit_rt.tables.dead_letters))).scalar_one()
    assert dl == 0


async def test_unknown_major_version_goes_to_the_dead_letter_queue_loudly(stack):
    audit_rt = stack.runtimes["audit"]
    prefix = audit_rt.settings.topic_prefix
    before = REGISTRY.get_sample_value(
        "ecocomply_dlq_events_total", {"service": "audit", "consumer": "audit.case-events"}) or 0.0
    event_id = str(uuid.uuid4())
    envelope = {"specversion": "1.0", "id": event_id, "source": "/ecocomply/cases",
                "type": "ecocomply.case.decided.v9", "subject": "c1", "time": "2026-11-22T08:00:00Z",
                "data": {"case_id": "c1", "decision_type": "no_penalty"}}
    await stack.comp.bus.publish([Message(f"{prefix}.case-events", "c1", json.dumps(envelope).encode())])

    async def dead_lettered():
        async with audit_rt.engine.connect() as conn:
            rows = (await conn.execute(select(audit_rt.tables.dead_letters))).all()
        return rows or None

    rows = await stack.wait_for(dead_lettered, what="a dead letter")
    assert rows[0].event_id == event_id and "unsupported version" in rows[0].error
    assert (REGISTRY.get_sample_value(
        "ecocomply_dlq_events_total", {"service": "audit", "consumer": "audit.case-events"}) or 0) == before + 1
    assert await all_flags(stack) == []


async def test_one_poison_event_in_a_batch_does_not_hold_back_the_others(stack, decisions):
    """Three decisions committed together reach the credit consumer as one batch; the middle one has
    no credit rule set (2022) and is dead-lettered, the other two still get their records."""
    from datetime import date

    from services.testing.factories import records_of

    cases_rt = stack.runtimes["cases"]
    payloads = [
        decisions.payload(decision_type="penalty"),
        decisions.payload(decision_type="penalty", decision_date=date(2022, 12, 1)),
        decisions.payload(decision_type="penalty"),
    ]
    async with cases_rt.sessionmaker() as s, s.begin():
        events = [await cases_rt.emit(s, p, subject=p.case_id) for p in payloads]
    credit_rt = stack.runtimes["credit"]

    async def settled():
        async with credit_rt.engine.connect() as conn:
            dead = (await conn.execute(select(credit_rt.tables.dead_letters.c.event_id))).scalars().all()
        got = [len(await records_of(stack, p.uscc)) for p in payloads]
        return (dead, got) if dead and sum(got) == 2 else None

    dead, got = await stack.wait_for(settled, what="two records and one dead letter")
    assert dead == [events[1].id] and got == [1, 0, 1]

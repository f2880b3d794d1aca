"""Exactly one flag per case, carrying every rule it triggered, whatever the order of the events,
their redelivery or delay (over the real outbox → relay → bus → consumer path, both setups)."""

from __future__ import annotations

import random
import uuid
from datetime import date

from audit_helpers import all_flags, at, consumed, emit

from services.testing.factories import BUREAU, new_uscc
from shared import contracts as c

STEPS = ["filed", "investigated", "legal_review", "collective_discussion", "notice"]


async def test_shuffled_duplicated_and_delayed_events_give_one_flag_per_case_with_every_rule(stack, decisions):
    rng = random.Random(20260615)
    uscc = new_uscc()
    ids = {k: str(uuid.uuid4()) for k in ("early", "late", "overdue", "plain", "low", "light")}

    def decided(key, day, decision_type="no_penalty", **kw):
        return decisions.payload(case_id=ids[key], uscc=kw.pop("uscc", uscc), decision_type=decision_type,
                                 decided_at=at(day), decision_date=date.fromisoformat(day),
                                 fine_amount=kw.pop("fine_amount", None), violations=["GI-WAT-001"], **kw)

    facts = c.CaseInvestigationCompleted(case_id=ids["late"], number="苏吴环罚〔2026〕901号", bureau=BUREAU,
                                         facts={"first_offence": True}, completed_by="officer-a",
                                         completed_at=at("2026-06-01"))
    overdue = c.CaseOverdue(case_id=ids["overdue"], number="苏吴环罚〔2026〕903号", uscc=new_uscc(), bureau=BUREAU,
                            deadline="handling", due_date=date(2026, 6, 1), detected_at=at("2026-06-02"))
    relapse = c.CaseRelapseFound(case_id=ids["early"], number="苏吴环罚〔2026〕900号", uscc=uscc, bureau=BUREAU,
                                 found_at=at("2026-07-01"), detail="复查发现出水化学需氧量再次超标")
    batch = [
        decided("late", "2026-06-20", steps=STEPS),  # a "first offence" — but see "early"
        decided("overdue", "2026-06-05", decision_type="lighter", fine_amount=30_000.0, uscc=overdue.uscc,
                steps=STEPS),
        decided("plain", "2026-06-06", decision_type="penalty", fine_amount=50_000.0, uscc=new_uscc(), steps=STEPS),
        decided("low", "2026-06-07", decision_type="penalty", fine_amount=5_000.0, uscc=new_uscc(), steps=STEPS,
                discretion=c.DiscretionRange(fine_min=20_000.0, fine_max=100_000.0)),
        decided("light", "2026-06-08", decision_type="mitigated", fine_amount=10_000.0, uscc=new_uscc(),
                steps=["filed", "investigated", "notice"]),
        overdue,
    ]
    rng.shuffle(batch)
    # One case's own events keep their order (same key); across cases anything goes.
    events = [await emit(stack, facts)] + [await emit(stack, p) for p in batch]
    # The earlier exemption of the same enterprise is delayed: it arrives after the later one, and the
    # relapse found in its follow-up after that.
    for e in events:
        await consumed(stack, e)
    delayed = await emit(stack, decided("early", "2026-03-02", steps=STEPS))
    await consumed(stack, delayed)
    late_relapse = await emit(stack, relapse)
    await consumed(stack, late_relapse)
    # Every event again (a redelivering broker), and the decision replayed under a new event id.
    for e in [*events, delayed]:
        await decisions.redeliver(e, times=2)
    replay = await emit(stack, decided("late", "2026-06-20", steps=STEPS))
    await consumed(stack, replay)

    flags = await all_flags(stack)
    by_case = {f["case_id"]: f for f in flags}
    assert len(flags) == len(by_case) == 5, [f["case_id"] for f in flags]
    assert ids["plain"] not in by_case  # a lawful plain penalty raises nothing

    def rules_of(key):
        return [r["code"] for r in by_case[ids[key]]["rules"]]

    assert rules_of("late") == ["exemption_or_light_penalty", "repeated_exemption"]
    late_rule = by_case[ids["late"]]["rules"][1]
    assert late_rule["severity"] == "high" and "2026-03-02" in late_rule["detail"] and "初次违法" in late_rule["detail"]
    assert rules_of("early") == ["exemption_or_light_penalty", "relapse_found"]
    assert sorted(rules_of("overdue")) == ["case_overdue", "exemption_or_light_penalty"]
    assert by_case[ids["overdue"]]["decision_type"] == "lighter"  # the decision filled the overdue flag in
    assert rules_of("low") == ["fine_below_range_without_reason"]
    assert rules_of("light") == ["exemption_or_light_penalty", "missing_legal_review", "missing_collective_discussion"]

    # One flag_raised event per flag, and the log holds every consumed event exactly once.
    raised = await decisions.outbox_events("audit", "ecocomply.audit.flag_raised.v1")
    assert len(raised) == 5
    # (the credit service's four penalty records arrive on the credit topic and are logged too).
    async def verified():
        r = await stack.client.get("/audit/v1/log/verify", headers=stack.auth("auditor-1", "auditor"))
        assert r.status_code == 200 and r.json()["ok"] is True, r.text
        return r.json() if r.json()["length"] >= len(events) + 3 + 4 else None

    result = await stack.wait_for(verified, timeout=60, what="the credit records in the log")
    assert result["length"] == len(events) + 3 + 4


async def test_a_batch_of_case_events_leaves_what_the_same_events_one_at_a_time_leave(stack, decisions):
    """The audit takes a bus batch in one call (issue 12: the log entries, then the batch's case contexts
    created and locked in two statements, then each event): the people and facts the rules read, the
    flags and the log equal those of the same events handled one at a time — including a context event
    that arrives after its case's decision in the same batch, and a decision with no context at all."""
    from sqlalchemy import select

    from services.audit.models import CaseContext, DecidedCase, Flag, LogEntry
    from shared.bus.base import Message
    from shared.events import new_event
    from shared.outbox import envelope_json

    consumer = next(k for k in stack.runtimes["audit"].consumers if k.name == "audit.case-events")
    day = at("2026-06-10")

    def story() -> tuple[list, list[str]]:
        a, b, k = (str(uuid.uuid4()) for _ in range(3))
        uscc = new_uscc()
        common = dict(number="苏吴环罚〔2026〕950号", bureau=BUREAU)
        payloads = [
            c.CaseFiled(case_id=a, uscc=uscc, violations=["GI-WAT-001"], handlers=["officer-a", "officer-b"],
                        filed_by="officer-a", filed_at=day, **common),
            c.CaseInvestigationCompleted(case_id=a, facts={"first_offence": True, "harm_minor": True},
                                         completed_by="officer-b", completed_at=day, **common),
            c.CaseLegalReviewed(case_id=a, opinion="approve", reviewer="reviewer-1", reviewed_at=day, **common),
            decisions.payload(case_id=a, uscc=uscc, decision_type="no_penalty", fine_amount=None,
                              decided_at=day, decision_date=day.date(), violations=["GI-WAT-001"], steps=STEPS),
            c.CaseFiled(case_id=b, uscc=uscc, violations=["GI-WAT-001"], handlers=["officer-c"], filed_by="officer-c",
                        filed_at=day, **common),
            decisions.payload(case_id=b, uscc=uscc, decision_type="lighter", fine_amount=30_000.0, decided_at=at("2026-06-11"),
                              decision_date=date(2026, 6, 11), violations=["GI-WAT-001"], steps=STEPS),
            c.CaseOpinionRecorded(case_id=b, opinion_from="司法局", recorded_by="officer-d", recorded_at=day, **common),
            decisions.payload(case_id=k, decision_type="mitigated", fine_amount=10_000.0, decided_at=day,
                              decision_date=day.date(), violations=["GI-WAT-002"], steps=["filed", "investigated", "notice"]),
            c.CaseLegalReviewed(case_id=k, opinion="approve", reviewer="reviewer-2", reviewed_at=day, **common),
        ]
        return payloads, [a, b, k]

    def messages(payloads) -> list[Message]:
        out = []
        for p in payloads:
            e = new_event(p, source="/ecocomply/cases", subject=p.case_id, time=day)
            out.append(Message(topic="ecocomply.case-events", key=p.case_id, value=envelope_json(e).encode(),
                               headers=[("ce_id", e.id.encode()), ("ce_type", e.type.encode())]))
        return out

    together, ids_together = story()
    alone, ids_alone = story()
    await consumer.process(messages(together))
    for m in messages(alone):
        await consumer.process([m])

    async def state(ids: list[str]) -> list:
        async with stack.runtimes["audit"].sessionmaker() as s:
            out = []
            for case_id in ids:
                ctx = await s.get(CaseContext, case_id)
                decided = await s.get(DecidedCase, case_id)
                flag = await s.scalar(select(Flag).where(Flag.case_id == case_id))
                log = (await s.scalars(select(LogEntry.type).where(LogEntry.case_id == case_id)
                                       .order_by(LogEntry.idx))).all()
                out.append((
                    ctx and (ctx.facts, ctx.people, ctx.bureau), decided.people, decided.facts_key,
                    flag and ([r.code for r in flag.rules], flag.involved, flag.decision_type), log,
                ))
            return out

    got, expected = await state(ids_together), await state(ids_alone)
    assert got == expected
    a, b, k = got
    assert a[1] == ["officer-a", "officer-b", "leader-1", "reviewer-1"] and a[0][0]["first_offence"] is True
    assert "officer-d" not in b[1]  # an opinion recorded after the decision is not read back into it
    assert k[0] == ({}, ["reviewer-2"], None) and "reviewer-2" not in k[1]
    assert len(a[4]) == 4 and len(k[4]) == 2

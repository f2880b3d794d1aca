"""The credit consumer takes a bus batch set-based (issue 28): a fixed number of statements whatever the
batch's length, leaving exactly what handling its events one at a time leaves — records, withdrawals,
obligations' facts, and the ``credit.record_created`` events (their order and request ids) — on both setups."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine.interfaces import CacheStats

from services.credit.models import CaseFacts, CreditRecord
from shared.bus.base import Message
from shared.contracts import (
    CaseDecided,
    CaseDecisionChanged,
    CaseFinePaid,
    CaseRectificationAssessed,
    CaseServed,
    DecisionDocument,
)
from shared.events import CloudEvent, EventPayload, new_event, topic_for
from shared.observability import reset_request_id, set_request_id
from shared.outbox import envelope_json
from shared.testing.statements import compiled_anew, statements

T0 = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


class Events:
    def __init__(self, decisions) -> None:
        self.decisions = decisions

    def wrap(self, payload: EventPayload, at: datetime = T0) -> tuple[CloudEvent, EventPayload]:
        token = set_request_id(f"req-{uuid.uuid4().hex[:8]}")  # each source event its own request
        try:
            return new_event(payload, source="/ecocomply/cases", subject=payload.case_id, time=at), payload
        finally:
            reset_request_id(token)

    def decided(self, case_id: str, **overrides: Any) -> tuple[CloudEvent, EventPayload]:
        return self.wrap(self.decisions.payload(case_id=case_id, **overrides))

    def revoked(self, case_id: str, *, day: date, revoked: bool = True) -> tuple[CloudEvent, EventPayload]:
        return self.wrap(CaseDecisionChanged(
            case_id=case_id, number="苏吴环罚〔2026〕1号", uscc="91320509MA1XXXXX0X", bureau="320509",
            source="reconsideration", outcome="revoked" if revoked else "upheld", decision_type="penalty",
            revoked=revoked, reason="复议撤销", decided_by="leader-1",
            document=DecisionDocument(body="苏州市人民政府", number="苏府复〔2026〕1号", issued_on=day),
            changed_at=datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)))

    def facts(self, case_id: str, uscc: str, *, hours: int) -> list[tuple[CloudEvent, EventPayload]]:
        at = T0 + timedelta(hours=hours)
        common = dict(case_id=case_id, number="苏吴环罚〔2026〕2号", uscc=uscc, bureau="320509")
        return [
            self.wrap(CaseFinePaid(**common, amount=1000.0 + hours, paid_at=at)),
            self.wrap(CaseRectificationAssessed(**common, passed=hours % 2 == 0, assessed_by="officer-a",
                                                assessed_at=at)),
            self.wrap(CaseServed(**common, decision_type="penalty", documents=[f"决定书-{hours}"], served_at=at)),
        ]

    def mixed(self, n: int, existing: list[str]) -> list[tuple[CloudEvent, EventPayload]]:
        """``n`` events of every kind the consumer handles, with the orders that matter: a decision twice, a
        revocation after and before its decision, of a case with an earlier record, of a case with none,
        facts older and newer than earlier ones of the same case."""
        out: list[tuple[CloudEvent, EventPayload]] = []
        for i in range(n):
            case, other = str(uuid.uuid4()), str(uuid.uuid4())
            kind = i % 10
            if kind == 0:
                out += [self.decided(case), self.decided(case, decision_type="lighter"), self.revoked(case, day=date(2026, 7, 1))]
            elif kind == 1:
                out += [self.revoked(other, day=date(2026, 7, 2)), self.decided(other)]
            elif kind == 2:
                out += [self.revoked(existing[i % len(existing)], day=date(2026, 7, 3 + i % 5)),
                        self.decided(existing[i % len(existing)])]
            elif kind == 3:
                out += [self.decided(case, decision_type="no_penalty", fine_amount=None), self.revoked(case, day=date(2026, 7, 4))]
            elif kind == 4:
                out += [self.decided(case, fine_amount=5_000.0 * i), self.revoked(case, day=date(2026, 7, 5), revoked=False)]
            else:
                subject = existing[i % len(existing)] if kind == 5 else case
                out += self.facts(subject, "91320509MA1XXXXX0X", hours=20 - i % 7) + self.facts(subject, "X", hours=i % 9)
        return out[:n]


def consumer_of(stack):
    rt = stack.runtimes["credit"]
    rt.clock.set(T0 + timedelta(days=1), tick=False)  # one "now" for the records and events of both runs
    return rt, next(c for c in rt.consumers if c.name == "credit.case-events")


def _named(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, dict):
        return {k: _named(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_named(v, names) for v in value]
    return value


async def snapshot(session, rt, outbox_after: int) -> dict[str, Any]:
    records = [dict(r._mapping) for r in (await session.execute(
        select(CreditRecord.__table__).order_by(CreditRecord.case_id))).all()]
    names = {r["id"]: f"record-of-{r['case_id']}" for r in records}
    o = rt.tables.outbox
    outbox = []
    for row in (await session.execute(select(o).where(o.c.seq > outbox_after).order_by(o.c.seq))).all():
        envelope = json.loads(row.envelope)
        outbox.append(_named({"topic": row.topic, "key": row.key, "type": row.type, "data": envelope["data"],
                              "subject": envelope.get("subject"), "requestid": envelope.get("requestid")}, names))
    facts = [dict(r._mapping) for r in (await session.execute(
        select(CaseFacts.__table__).order_by(CaseFacts.case_id))).all()]
    return {"records": [_named(r, names) for r in records], "outbox": outbox, "facts": facts}


async def last_seq(session, rt) -> int:
    o = rt.tables.outbox
    return int((await session.scalar(select(o.c.seq).order_by(o.c.seq.desc()).limit(1))) or 0)


async def test_a_batch_leaves_what_its_events_one_at_a_time_leave(stack, decisions):
    rt, consumer = consumer_of(stack)
    handler = consumer.handlers["ecocomply.case.decided.v1"]
    ev = Events(decisions)
    existing = [str(uuid.uuid4()) for _ in range(3)]
    async with rt.sessionmaker() as s, s.begin():  # earlier records and facts, committed
        for case_id in existing:
            await handler(s, *ev.decided(case_id, decided_at=T0 - timedelta(days=30)))
            for e, p in ev.facts(case_id, "91320509MA1XXXXX0X", hours=10):
                await handler(s, e, p)
    batch = ev.mixed(60, existing)
    assert {type(p) for _, p in batch} == {CaseDecided, CaseDecisionChanged, CaseFinePaid, CaseRectificationAssessed,
                                           CaseServed}

    async def run(apply) -> dict[str, Any]:
        async with rt.sessionmaker() as s:
            await s.begin()
            after = await last_seq(s, rt)
            await apply(s)
            result = await snapshot(s, rt, after)
            await s.rollback()
            return result

    async def one_at_a_time(s) -> None:
        for e, p in batch:
            token = set_request_id(e.requestid)  # as the consumer calls a lone handler
            try:
                await handler(s, e, p)
            finally:
                reset_request_id(token)

    single = await run(one_at_a_time)
    together = await run(lambda s: handler.many(s, batch))
    for part in single:
        assert len(together[part]) == len(single[part]), part
        for a, b in zip(together[part], single[part], strict=True):
            assert a == b, (part, {k: (a[k], b.get(k)) for k in a if a[k] != b.get(k)})
    assert len(single["outbox"]) >= 5 and any(r["status"] == "withdrawn" for r in single["records"])
    assert sum(r["status"] == "withdrawn" for r in single["records"]) >= 4
    assert all(o["requestid"] and o["requestid"].startswith("req-") for o in single["outbox"])


def message(e: CloudEvent) -> Message:
    return Message(topic=topic_for(e.type), key=e.subject or "",
                   value=envelope_json(e).encode(),
                   headers=[("ce_id", e.id.encode()), ("ce_type", e.type.encode())])


async def test_a_batch_of_fifty_takes_the_statements_of_one(stack, decisions):
    """Through the real consumer (its inbox check and insert included): a batch of 50 decisions is as many
    statements as a batch of one, and a mixed batch of 50 as many as one event of each kind; after a first
    batch every statement comes from the compiled cache."""
    rt, consumer = consumer_of(stack)
    ev = Events(decisions)
    existing = [str(uuid.uuid4())]
    await consumer.process([message(ev.decided(existing[0])[0])])

    async def count(events: list[tuple[CloudEvent, EventPayload]]) -> list[tuple[str, CacheStats]]:
        with statements(rt.engine) as seen:
            await consumer.process([message(e) for e, _ in events])
        return seen

    for n in (1, 3):  # warm the compiled cache (a statement run with several rows is compiled apart from with one)
        await count([ev.decided(str(uuid.uuid4())) for _ in range(n)])
    one = await count([ev.decided(str(uuid.uuid4()))])
    fifty = await count([ev.decided(str(uuid.uuid4())) for _ in range(50)])
    assert 5 <= len(one) == len(fifty) <= 6, (one, fifty)

    def one_of_each() -> list[tuple[CloudEvent, EventPayload]]:
        return ([ev.decided(str(uuid.uuid4())), ev.revoked(existing[0], day=date(2026, 7, 1))]
                + ev.facts(str(uuid.uuid4()), "91320509MA1XXXXX0X", hours=1))

    await count(one_of_each())
    await count(ev.mixed(50, existing))  # a statement run with several rows is compiled apart from with one
    few = await count(one_of_each())
    many = await count(ev.mixed(50, existing))
    assert 9 <= len(few) == len(many) <= 11, ([s[:40] for s, _ in few], [s[:40] for s, _ in many])
    assert compiled_anew(one + fifty + few + many) == []

"""Drive ``ecocomply.case.decided.v1`` through the real path: the cases service's outbox → its relay →
the bus → the credit and audit consumers — for tests that need decisions of exact shapes (dates,
amounts, steps) that the HTTP workflow would not produce on demand."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from prometheus_client import REGISTRY
from sqlalchemy import select

from services.testing.factories import BUREAU, new_uscc
from shared.bus.base import Message
from shared.contracts import CaseDecided
from shared.events import CloudEvent

ALL_STEPS = ["filed", "investigated", "legal_review", "collective_discussion", "notice"]
_numbers = itertools.count(1)


class Decisions:
    def __init__(self, stack) -> None:
        self.stack = stack
        self.cases = stack.runtimes["cases"]

    def payload(self, **overrides: Any) -> CaseDecided:
        fields: dict[str, Any] = dict(
            case_id=str(uuid.uuid4()),
            number=f"苏吴环罚〔2026〕{next(_numbers)}号",
            uscc=new_uscc(),
            bureau=BUREAU,
            decision_type="penalty",
            fine_amount=50_000.0,
            basis={"law_article": "《中华人民共和国水污染防治法》第八十三条"},
            steps=list(ALL_STEPS),
            handlers=["officer-a", "officer-b"],
            decided_by="leader-1",
            decided_at=datetime(2026, 6, 15, 2, 0, tzinfo=UTC),
        )
        fields.update(overrides)
        return CaseDecided(**fields)

    async def emit(self, **overrides: Any) -> tuple[CaseDecided, CloudEvent]:
        """Write one decided event into the cases service's outbox, as its decision use case does."""
        payload = self.payload(**overrides)
        async with self.cases.sessionmaker() as s, s.begin():
            event = await self.cases.emit(s, payload, subject=payload.case_id)
        return payload, event

    async def processed(self, service: str, event_id: str) -> None:
        """Wait until ``service``'s case-events consumer has committed ``event_id`` (its inbox row)."""
        rt = self.stack.runtimes[service]
        inbox = rt.tables.inbox

        async def seen():
            async with rt.engine.connect() as conn:
                return (
                    await conn.execute(
                        select(inbox.c.outcome).where(
                            inbox.c.event_id == event_id, inbox.c.consumer == f"{service}.case-events"
                        )
                    )
                ).scalar()

        outcome = await self.stack.wait_for(seen, what=f"{service} to consume {event_id}")
        assert outcome == "handled", outcome

    async def redeliver(self, event: CloudEvent | str, times: int) -> None:
        """Publish the very same envelope bytes again, as a broker redelivery would."""
        event_id = event if isinstance(event, str) else event.id
        o = self.cases.tables.outbox
        async with self.cases.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(o.c.topic, o.c.key, o.c.type, o.c.envelope).where(o.c.event_id == event_id)
                )
            ).one()
        msg = Message(
            topic=row.topic,
            key=row.key,
            value=row.envelope.encode(),
            headers=[
                ("ce_id", event_id.encode()),
                ("ce_type", row.type.encode()),
                ("content-type", b"application/cloudevents+json"),
            ],
        )
        await self.stack.comp.bus.publish([msg] * times)

    def consumed(self, service: str, result: str) -> float:
        """The ``case-events`` consumer's count of events by result (handled, duplicate, …)."""
        labels = {"service": service, "consumer": f"{service}.case-events", "result": result}
        return REGISTRY.get_sample_value("ecocomply_events_consumed_total", labels) or 0.0

    async def outbox_events(self, service: str, type_: str) -> list[str]:
        rt = self.stack.runtimes[service]
        o = rt.tables.outbox
        async with rt.engine.connect() as conn:
            return list((await conn.execute(select(o.c.envelope).where(o.c.type == type_))).scalars())

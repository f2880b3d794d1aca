"""Event adapters: case events → the credit service's use cases (the same service layer HTTP uses).
They run inside the consumer's inbox-guarded transaction and never commit.

One handler takes every case event credit consumes, and its ``many`` (``shared.consumer``) a whole run of
them in a fixed number of statements whatever the run's length (issue 28): the decisions and decision
changes (``records.service.apply_decisions``), and the obligations' facts (``case_facts.record_facts``),
each in the events' order. The two never read each other's rows, so applying one group after the other
leaves what one call per event leaves."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit import case_facts
from services.credit.records.service import apply_decisions
from shared.contracts import (
    CaseDecided,
    CaseDecisionChanged,
    CaseFinePaid,
    CaseRectificationAssessed,
    CaseServed,
)
from shared.events import CloudEvent, EventPayload
from shared.service import Runtime

EXPECTED: dict[str, type] = {
    "ecocomply.case.decision_changed.v1": CaseDecisionChanged,
    "ecocomply.case.decided.v1": CaseDecided,
    "ecocomply.case.fine_paid.v1": CaseFinePaid,
    "ecocomply.case.rectification_assessed.v1": CaseRectificationAssessed,
    "ecocomply.case.served.v1": CaseServed,
}


def _expect(event: CloudEvent, payload: EventPayload) -> None:
    cls = EXPECTED[event.type]
    if not isinstance(payload, cls):
        raise TypeError(f"{event.type} parsed as {type(payload).__name__}, expected {cls.__name__}")


async def on_case_events(
    runtime: Runtime, session: AsyncSession, items: Sequence[tuple[CloudEvent, EventPayload]]
) -> None:
    decisions, facts = [], []
    for event, payload in items:
        _expect(event, payload)
        if isinstance(payload, CaseDecided | CaseDecisionChanged):
            decisions.append((event, payload))
        else:
            facts.append(payload)
    await apply_decisions(session, decisions, emit_many=runtime.emit_many, now=runtime.clock.now())
    await case_facts.record_facts(session, facts)  # type: ignore[arg-type]


async def on_case_event(runtime: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload) -> None:
    await on_case_events(runtime, session, [(event, payload)])


on_case_event.many = on_case_events  # type: ignore[attr-defined]

HANDLERS = {event_type: on_case_event for event_type in EXPECTED}

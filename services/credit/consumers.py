"""Event adapters: case events → the credit service's use cases (the same service layer HTTP uses).
Each runs inside the consumer's inbox-guarded transaction and never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit import case_facts
from services.credit.records.service import record_decision, withdraw_for_revocation
from shared.contracts import (
    CaseDecided,
    CaseDecisionChanged,
    CaseFinePaid,
    CaseRectificationAssessed,
    CaseServed,
)
from shared.events import CloudEvent, EventPayload
from shared.service import Runtime


def _expect(event: CloudEvent, payload: EventPayload, cls: type) -> None:
    if not isinstance(payload, cls):
        raise TypeError(f"{event.type} parsed as {type(payload).__name__}, expected {cls.__name__}")


async def on_case_decided(
    runtime: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload
) -> None:
    _expect(event, payload, CaseDecided)
    await record_decision(
        session, decided=payload, emit=runtime.emit, source_event_id=event.id, now=runtime.clock.now()  # type: ignore[arg-type]
    )


async def on_fine_paid(
    runtime: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload
) -> None:
    _expect(event, payload, CaseFinePaid)
    await case_facts.record_fine_paid(session, payload)  # type: ignore[arg-type]


async def on_rectification_assessed(
    runtime: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload
) -> None:
    _expect(event, payload, CaseRectificationAssessed)
    await case_facts.record_rectification(session, payload)  # type: ignore[arg-type]


async def on_served(
    runtime: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload
) -> None:
    _expect(event, payload, CaseServed)
    await case_facts.record_served(session, payload)  # type: ignore[arg-type]


async def on_decision_changed(
    runtime: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload
) -> None:
    _expect(event, payload, CaseDecisionChanged)
    if payload.revoked:  # type: ignore[attr-defined]
        await withdraw_for_revocation(session, payload, now=runtime.clock.now())  # type: ignore[arg-type]


HANDLERS = {
    "ecocomply.case.decision_changed.v1": on_decision_changed,
    "ecocomply.case.decided.v1": on_case_decided,
    "ecocomply.case.fine_paid.v1": on_fine_paid,
    "ecocomply.case.rectification_assessed.v1": on_rectification_assessed,
    "ecocomply.case.served.v1": on_served,
}

"""Event adapters: a decided case → the audit service's use case."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.service import raise_flag
from shared.contracts import CaseDecided
from shared.events import CloudEvent, EventPayload
from shared.service import Runtime


async def on_case_decided(
    runtime: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload
) -> None:
    """Runs inside the consumer's inbox-guarded transaction; never commits."""
    if not isinstance(payload, CaseDecided):
        raise TypeError(f"{event.type} parsed as {type(payload).__name__}, expected CaseDecided")
    await raise_flag(session, decided=payload, emit=runtime.emit, source_event_id=event.id)

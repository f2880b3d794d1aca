"""Event adapters: every case and credit event is appended to the tamper-evident log; the ones the
rules read also update the audit's record (decisions, case context) and the case's flag.

Each runs inside the consumer's inbox-guarded transaction and never commits.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.config import audit_settings
from services.audit.flags import rules, service
from services.audit.log import ledger
from shared import contracts as c
from shared.events import REGISTRY, CloudEvent, EventPayload
from shared.service import Runtime


async def _on_payload(runtime: Runtime, session: AsyncSession, event: CloudEvent, p: EventPayload) -> None:
    cfg = audit_settings(runtime)
    if isinstance(p, c.CaseDecided):
        await service.record_decision(session, decided=p, emit=runtime.emit, source_event_id=event.id, cfg=cfg,
                                      now=runtime.clock.now())
    elif isinstance(p, c.CaseFiled):
        await service.remember_context(session, p.case_id, people=[*p.handlers, p.filed_by], bureau=p.bureau)
    elif isinstance(p, c.CaseInvestigationCompleted):
        await service.remember_context(session, p.case_id, facts=dict(p.facts), people=[p.completed_by])
    elif isinstance(p, c.CaseLegalReviewed):
        await service.remember_context(session, p.case_id, people=[p.reviewer])
    elif isinstance(p, c.CaseCollectiveDiscussed):
        await service.remember_context(session, p.case_id, people=[*p.participants, p.recorded_by])
    elif isinstance(p, c.CaseOpinionRecorded):
        await service.remember_context(session, p.case_id, people=[p.recorded_by])
    elif isinstance(p, c.CaseOverdue):
        await service.upsert_flag(
            session, ref=service.CaseRef(p.case_id, p.number, p.uscc, p.bureau),
            hits=[rules.case_overdue(p.deadline, p.due_date)], emit=runtime.emit, source_event_id=event.id,
            sla_days=cfg.review_sla_days, now=p.detected_at)
    elif isinstance(p, c.CaseRelapseFound):
        await service.upsert_flag(
            session, ref=service.CaseRef(p.case_id, p.number, p.uscc, p.bureau),
            hits=[rules.relapse_found(p.found_at, p.detail)], emit=runtime.emit, source_event_id=event.id,
            sla_days=cfg.review_sla_days, now=p.found_at)


async def on_event(runtime: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload) -> None:
    """Log the event, then apply it."""
    await ledger.append_event(session, event, now=runtime.clock.now())
    await _on_payload(runtime, session, event, payload)


def handlers_for(aggregate: str) -> dict:
    """A handler for every registered event type of ``aggregate`` (``case`` or ``credit``)."""
    return {t: on_event for t in REGISTRY if t.startswith(f"ecocomply.{aggregate}.")}

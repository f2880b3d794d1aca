"""Event adapters: every case and credit event is appended to the tamper-evident log; the ones the
rules read also update the audit's record (decisions, case context) and the case's flag.

Each runs inside the consumer's inbox-guarded transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.config import audit_settings
from services.audit.flags import batch, refusals, rules, service
from services.audit.log import ledger
from shared import contracts as c
from shared.clock import local_date
from shared.events import REGISTRY, CloudEvent, EventPayload
from shared.observability import reset_request_id, set_request_id
from shared.service import Runtime

# The flag's decision_type for a case that ended without a decision (the column holds 20 characters).
ENDED_TYPE = {"withdrawn": "withdrawn", "facts_not_established": "not_established", "terminated": "terminated",
              "transferred": "transferred"}


def context_of(p: EventPayload) -> dict | None:
    """What a case event before the decision adds to the case's context (people, facts, bureau, number,
    enterprise), or None."""
    if isinstance(p, c.CaseFiled):
        return {"people": [*p.handlers, p.filed_by], "bureau": p.bureau, "number": p.number, "uscc": p.uscc}
    if isinstance(p, c.CaseInvestigationCompleted):
        return {"facts": dict(p.facts), "people": [p.completed_by]}
    if isinstance(p, c.CaseLegalReviewed):
        return {"people": [p.reviewer]}
    if isinstance(p, c.CaseCollectiveDiscussed):
        return {"people": [*p.participants, p.recorded_by]}
    if isinstance(p, c.CaseOpinionRecorded):
        return {"people": [p.recorded_by]}
    return None


async def _on_payload(runtime: Runtime, session: AsyncSession, event: CloudEvent, p: EventPayload,
                      contexts: dict | None = None) -> None:
    cfg = audit_settings(runtime)
    if isinstance(p, c.CaseDecided):
        await service.record_decision(session, decided=p, emit=runtime.emit, source_event_id=event.id, cfg=cfg,
                                      now=runtime.clock.now())
    elif (update := context_of(p)) is not None:
        await service.remember_context(session, p.case_id, ctx=(contexts or {}).get(p.case_id), **update)
    elif isinstance(p, c.CaseOverdue):
        await service.upsert_flag(
            session, ref=service.CaseRef(p.case_id, p.number, p.uscc, p.bureau),
            hits=[rules.case_overdue(p.deadline, p.due_date)], emit=runtime.emit, source_event_id=event.id,
            sla_days=cfg.review_sla_days, now=p.detected_at)
    elif isinstance(p, c.CaseEnded):
        # One flag per case (upsert_flag): a re-delivery adds nothing; the flag carries the ending's state.
        flag = await service.upsert_flag(
            session, ref=service.CaseRef(p.case_id, p.number, p.uscc, p.bureau),
            hits=[rules.case_ended_without_penalty(p.kind, p.reason, p.decided_by, p.legal_review_by,
                                                   local_date(p.ended_at), p.transferred_to)],
            emit=runtime.emit, source_event_id=event.id, handlers=list(p.handlers), sla_days=cfg.review_sla_days,
            now=p.ended_at)
        if flag is not None and flag.decision_type == service.UNDECIDED:
            flag.decision_type = ENDED_TYPE[p.kind]
            flag.decided_by, flag.decided_at, flag.steps = p.decided_by, p.ended_at, list(p.steps)
    elif isinstance(p, c.CaseDecisionChanged):
        if p.reduces:
            doc = f"{p.document.body} {p.document.number}（{p.document.issued_on.isoformat()}）"
            flag = await service.upsert_flag(
                session, ref=service.CaseRef(p.case_id, p.number, p.uscc, p.bureau),
                hits=[rules.decision_revoked_or_reduced(
                    p.source, p.outcome, p.fine_before, p.fine_after, doc, local_date(p.changed_at),
                    dropped_kinds=sorted(set(p.kinds_before or ()) - set(p.kinds_after or ())) if not p.revoked else ())],
                emit=runtime.emit, source_event_id=event.id, sla_days=cfg.review_sla_days, now=p.changed_at)
            if flag is not None and flag.decision_type == service.UNDECIDED:
                flag.decision_type, flag.fine_amount = p.decision_type, p.fine_before
    elif isinstance(p, c.CaseGateRefused):
        await refusals.record_refusal(session, p, event_id=event.id, emit=runtime.emit, cfg=cfg)
    elif isinstance(p, c.CaseRelapseFound):
        await service.upsert_flag(
            session, ref=service.CaseRef(p.case_id, p.number, p.uscc, p.bureau),
            hits=[rules.relapse_found(p.found_at, p.detail)], emit=runtime.emit, source_event_id=event.id,
            sla_days=cfg.review_sla_days, now=p.found_at)


async def on_event(runtime: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload) -> None:
    """Log the event, then apply it."""
    await ledger.append_event(session, event, now=runtime.clock.now())
    await _on_payload(runtime, session, event, payload)


async def on_events(runtime: Runtime, session: AsyncSession, items: Sequence[tuple[CloudEvent, EventPayload]]) -> None:
    """A batch as ``on_event`` one by one would leave it: the log entries in the events' order (nothing
    the events apply reads the log; written in three statements at commit, ``ledger._write_pending``);
    the contexts the batch touches created and locked in two statements for the whole batch (issue 12),
    the decided cases' contexts read in the same statement; each run of consecutive decided events
    recorded set-based in a fixed number of statements (``flags.batch``, issue 28), else event by event.
    A context created here for a case whose decision comes earlier in the batch is empty, which the
    decision reads as it reads a missing one."""
    for event, _ in items:
        await ledger.append_event(session, event, now=runtime.clock.now())
    contexts = await service.case_contexts(session, [p.case_id for _, p in items if context_of(p) is not None],
                                           read_also=[p.case_id for _, p in items if isinstance(p, c.CaseDecided)])
    run: list[tuple[CloudEvent, c.CaseDecided]] = []
    for event, payload in items:
        if isinstance(payload, c.CaseDecided):
            run.append((event, payload))
            continue
        await _record_run(runtime, session, run, contexts)
        run = []
        await _one(runtime, session, event, payload, contexts)
    await _record_run(runtime, session, run, contexts)


async def _one(runtime: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload,
               contexts: dict) -> None:
    token = set_request_id(event.requestid)  # a flag raised here carries its decision's request id
    try:
        await _on_payload(runtime, session, event, payload, contexts)
    finally:
        reset_request_id(token)


async def _record_run(runtime: Runtime, session: AsyncSession, run: list[tuple[CloudEvent, c.CaseDecided]],
                      contexts: dict) -> None:
    """Consecutive decided events: set-based when ``flags.batch`` can keep the one-by-one answer, else one by one."""
    if not run:
        return
    if await batch.record_decisions(
            session, run, contexts=contexts, source=runtime.source, tables=runtime.tables,
            topic_prefix=runtime.settings.topic_prefix, now=runtime.clock.now(), cfg=audit_settings(runtime)):
        return
    for event, payload in run:
        await _one(runtime, session, event, payload, contexts)


on_event.many = on_events  # type: ignore[attr-defined]  (shared.consumer: a run of events in one call)


def handlers_for(aggregate: str) -> dict:
    """A handler for every registered event type of ``aggregate`` (``case`` or ``credit``)."""
    return {t: on_event for t in REGISTRY if t.startswith(f"ecocomply.{aggregate}.")}

"""What the decision gate refused (``ecocomply.case.gate_refused.v1``, issue 26 item 4): each refused attempt
is kept (``RefusedAttempt``; the event itself is in the log, so it shows in the case's timeline), and an
officer whose refused exemption or light-penalty attempts reach the local threshold within the local window
gets the case of the attempt that reaches it flagged (``repeated_refused_exemption_attempts``; 试点方案
三（十）). Runs in the consumer's inbox-guarded transaction: a redelivery is a no-op, and never commits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.config import AuditSettings
from services.audit.flags import rules
from services.audit.flags.service import CaseRef, Emit, upsert_flag
from services.audit.models import CaseContext, Flag, RefusedAttempt
from shared.clock import local_date
from shared.contracts import CaseGateRefused
from shared.db import dialect_insert, lock_key
from shared.subjects import subject_key
from shared.vocabulary import FLAGGED_DECISIONS


def is_exemption_attempt(p: CaseGateRefused) -> bool:
    """A refused decision of exemption (不予行政处罚) or light penalty (从轻、减轻): what 三（十） supervises."""
    return p.action == "decide" and p.decision_type in FLAGGED_DECISIONS


async def record_refusal(session: AsyncSession, p: CaseGateRefused, *, event_id: str, emit: Emit,
                         cfg: AuditSettings) -> Flag | None:
    """Keep the refused attempt; flag its case when the officer's refused exemption attempts within the window
    reach the threshold. The officer's attempts are counted under a lock of their own (one transaction at a
    time per officer), so two refusals arriving together cannot both miss the threshold."""
    exemption = is_exemption_attempt(p)
    actor = subject_key(p.attempted_by)  # one person whatever the case of their login id (issue 25 S10)
    if exemption:
        await lock_key(session, f"refused-exemptions:{actor}")
    stored = await session.execute(dialect_insert(session, RefusedAttempt).values(
        id=p.refusal_id, event_id=event_id, case_id=p.case_id, number=p.number, uscc=p.uscc, bureau=p.bureau,
        actor=actor, at=p.attempted_at, action=p.action, decision_type=p.decision_type,
        exemption=exemption, rule_code=p.rule_code, detail=p.detail[:4000],
    ).on_conflict_do_nothing(index_elements=["id"]))
    if not exemption or stored.rowcount == 0:
        return None
    since = p.attempted_at - timedelta(days=cfg.refused_exemption_window_days)
    count = await session.scalar(select(func.count()).select_from(RefusedAttempt).where(
        RefusedAttempt.actor == actor, RefusedAttempt.exemption.is_(True),
        RefusedAttempt.at > since, RefusedAttempt.at <= p.attempted_at)) or 0
    if count < cfg.refused_exemption_threshold:
        return None
    hit = rules.repeated_refused_exemption_attempts(
        p.attempted_by, count, cfg.refused_exemption_threshold, cfg.refused_exemption_window_days,
        local_date(p.attempted_at), p.rule_code)
    flag = await upsert_flag(session, ref=CaseRef(p.case_id, p.number, p.uscc, p.bureau), hits=[hit], emit=emit,
                             source_event_id=event_id, handlers=list(p.handlers), sla_days=cfg.review_sla_days,
                             now=p.attempted_at)
    if flag is not None:  # the officer flagged, and everyone on record in the case, may not review it
        context = await session.get(CaseContext, p.case_id)
        flag.involved = rules.people(flag.involved or [], [*((context.people or []) if context else []), p.attempted_by])
    return flag

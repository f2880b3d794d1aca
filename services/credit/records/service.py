"""Credit use cases: record a penalty decision (one transaction with its outbox event) and the reads.

Nothing here commits: the consumer's (or request's) transaction is the unit of work.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit.models import CreditRecord
from services.credit.records.rules import (
    DecisionFacts,
    cited,
    classify,
    current_status,
    repair_available_from,
)
from services.credit.records.schemas import CreditRecordRead, SourceRead
from shared.auth import Scope
from shared.clock import local_date
from shared.contracts import CaseDecided, CaseDecisionChanged, CreditRecordCreated
from shared.events import EventPayload
from shared.vocabulary import PENALTIES

log = logging.getLogger("ecocomply.credit")

Emit = Callable[..., Awaitable[object]]  # runtime.emit(session, payload, subject=...)


def decision_date_of(decided: CaseDecided) -> date:
    return decided.decision_date or local_date(decided.decided_at)


async def record_decision(
    session: AsyncSession,
    *,
    decided: CaseDecided,
    emit: Emit,
    source_event_id: str,
    now: datetime,
) -> CreditRecord | None:
    """Create the case's credit record if the decision imposes a penalty; None for an exemption or
    when the case already has one (a replayed or redelivered decision)."""
    if decided.decision_type not in PENALTIES:
        return None
    existing = await session.scalar(select(CreditRecord.id).where(CreditRecord.case_id == decided.case_id))
    if existing is not None:
        log.info(
            "credit: case %s already has record %s; event %s ignored",
            decided.case_id,
            existing,
            source_event_id,
        )
        return None
    facts = DecisionFacts.from_decided(decided, decision_date=decision_date_of(decided))
    c = classify(facts)
    # Stored as published even when the maximum period has already run (an old decision received late):
    # reads show it expired at once, and the expiry job records that with its event.
    status = "published" if c.published else "not_published"
    record = CreditRecord(
        id=str(uuid.uuid4()),
        case_id=decided.case_id,
        case_number=decided.number,
        uscc=decided.uscc,
        bureau=decided.bureau,
        decision_type=decided.decision_type,
        fine_amount=decided.fine_amount,
        decision_date=c.publicity_from,
        severity=c.severity,
        published=c.published,
        criterion_code=c.criterion_code,
        criterion=c.criterion,
        sources=[cited(s) for s in c.sources],
        rule_set=c.rule_set.code,
        publicity_from=c.publicity_from,
        publicity_min_until=c.publicity_min_until,
        publicity_max_until=c.publicity_max_until,
        status=status,
        source_event_id=source_event_id,
        created_at=now,
        procedure=facts.procedure,
        penalty_kinds=sorted(facts.penalty_kinds),
        violations=list(decided.violations),
        handlers=list(decided.handlers) or None,
    )
    session.add(record)
    await session.flush()  # the unique case_id is checked here, before the event is written
    payload: EventPayload = CreditRecordCreated(
        record_id=record.id,
        case_id=record.case_id,
        uscc=record.uscc,
        severity=c.severity,
        published=c.published,
        criterion=c.criterion,
        publicity_from=c.publicity_from,
        publicity_min_until=c.publicity_min_until,
        publicity_max_until=c.publicity_max_until,
    )
    await emit(session, payload, subject=record.id)
    return record


# -- reads ------------------------------------------------------------------------------------------
async def get_record(session: AsyncSession, record_id: str) -> CreditRecord | None:
    return await session.get(CreditRecord, record_id)


async def get_record_for_case(session: AsyncSession, case_id: str) -> CreditRecord | None:
    return await session.scalar(select(CreditRecord).where(CreditRecord.case_id == case_id))


async def list_records(session: AsyncSession, scope: Scope) -> Sequence[CreditRecord]:
    """The records of ``scope.uscc`` (limited to ``scope.bureau`` when set)."""
    query = select(CreditRecord).where(CreditRecord.uscc == scope.uscc, *scope.where(CreditRecord.bureau))
    return (await session.scalars(query.order_by(CreditRecord.decision_date.desc(), CreditRecord.id))).all()


def to_read(record: CreditRecord, *, today: date) -> CreditRecordRead:
    return CreditRecordRead(
        id=record.id,
        case_id=record.case_id,
        case_number=record.case_number,
        uscc=record.uscc,
        bureau=record.bureau,
        decision_type=record.decision_type,
        fine_amount=record.fine_amount,
        decision_date=record.decision_date,
        severity=record.severity,  # type: ignore[arg-type]
        published=record.published,
        criterion=record.criterion,
        criterion_code=record.criterion_code,
        sources=[SourceRead(**s) for s in record.sources],
        rule_set=record.rule_set,
        publicity_from=record.publicity_from,
        publicity_min_until=record.publicity_min_until,
        publicity_max_until=record.publicity_max_until,
        repair_available_from=repair_available_from(record.publicity_min_until) if record.published else None,
        status=current_status(  # type: ignore[arg-type]
            stored=record.status,
            published=record.published,
            max_until=record.publicity_max_until,
            today=today,
        ),
        created_at=record.created_at,
        procedure=record.procedure,
        penalty_kinds=record.penalty_kinds or [],
        violations=record.violations or [],
        ended_on=record.ended_on,
        ended_by=record.ended_by,
    )


async def withdraw_for_revocation(session: AsyncSession, changed: CaseDecisionChanged, *, now: datetime) -> None:
    """第四十八条第二款: the penalty decision was revoked or confirmed illegal — its credit record leaves
    publicity (status ``withdrawn``, ended by the change). Idempotent; no record (an exemption): nothing."""
    record = await get_record_for_case(session, changed.case_id)
    if record is None or record.status == "withdrawn":
        return
    record.status = "withdrawn"
    record.ended_on = local_date(changed.changed_at)
    record.ended_by = f"decision_{changed.outcome}"[:60]

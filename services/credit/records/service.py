"""Credit use cases: record a penalty decision (one transaction with its outbox event) and the reads.

Nothing here commits: the consumer's (or request's) transaction is the unit of work.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
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
from shared.events import CloudEvent, EventPayload
from shared.outbox import Emission
from shared.vocabulary import PENALTIES

log = logging.getLogger("ecocomply.credit")

EmitMany = Callable[[AsyncSession, Sequence[Emission]], Awaitable[object]]  # runtime.emit_many


def decision_date_of(decided: CaseDecided) -> date:
    return decided.decision_date or local_date(decided.decided_at)


_RECORDS = CreditRecord.__table__
# Built once (issue 28): the records of some cases, a record's INSERT (executemany) and the withdrawal of a case's
# record unless already withdrawn (executemany, in the events' order).
_EXISTING = select(_RECORDS.c.case_id, _RECORDS.c.id).where(
    _RECORDS.c.case_id.in_(bindparam("case_ids", expanding=True)))
_INSERT = insert(_RECORDS)
_WITHDRAW = (
    update(_RECORDS)
    .where(_RECORDS.c.case_id == bindparam("b_case_id"), _RECORDS.c.status != "withdrawn")
    .values(status="withdrawn", ended_on=bindparam("b_ended_on"), ended_by=bindparam("b_ended_by"))
)

Change = CaseDecided | CaseDecisionChanged


async def apply_decisions(
    session: AsyncSession,
    items: Sequence[tuple[CloudEvent, Change]],
    *,
    emit_many: EmitMany,
    now: datetime,
) -> None:
    """Decisions and decision changes, in the events' order, as one call per event would leave them, in at most
    four statements whatever their number (the cases' existing records, the new records, their
    ``credit.record_created`` events, the withdrawals of existing records).

    A penalty decision creates the case's credit record unless the case has one (a replayed or redelivered
    decision, or an earlier one in the same run); an exemption creates none. A change that revokes the
    decision (第四十八条第二款: revoked or confirmed illegal) withdraws the case's record from publicity
    (status ``withdrawn``, ended by the change) unless withdrawn already; no record: nothing."""
    wanted = [(e, p) for e, p in items
              if (p.decision_type in PENALTIES if isinstance(p, CaseDecided) else p.revoked)]
    if not wanted:
        return
    existing = dict((await session.execute(_EXISTING, {"case_ids": list({p.case_id for _, p in wanted})})).all())
    created: dict[str, dict[str, Any]] = {}  # case id → its new record's row
    emissions: list[Emission] = []
    withdrawals: list[dict[str, Any]] = []
    for event, p in wanted:
        if isinstance(p, CaseDecided):
            known = existing.get(p.case_id) or (created[p.case_id]["id"] if p.case_id in created else None)
            if known is not None:
                log.info("credit: case %s already has record %s; event %s ignored", p.case_id, known, event.id)
                continue
            row, payload = new_record(p, source_event_id=event.id, now=now)
            created[p.case_id] = row
            emissions.append(Emission(payload, row["id"], event.requestid))
        else:
            ended_on, ended_by = local_date(p.changed_at), f"decision_{p.outcome}"[:60]
            if (row := created.get(p.case_id)) is not None:
                if row["status"] != "withdrawn":
                    row.update(status="withdrawn", ended_on=ended_on, ended_by=ended_by)
            elif p.case_id in existing:
                withdrawals.append({"b_case_id": p.case_id, "b_ended_on": ended_on, "b_ended_by": ended_by})
    if created:  # the unique case_id is checked here, before the events are written
        await session.execute(_INSERT, list(created.values()))
        await emit_many(session, emissions)
    if withdrawals:
        await session.execute(_WITHDRAW, withdrawals)


def new_record(decided: CaseDecided, *, source_event_id: str, now: datetime) -> tuple[dict[str, Any], EventPayload]:
    """The credit record a penalty decision creates (a row of ``credit_records``) and its event."""
    facts = DecisionFacts.from_decided(decided, decision_date=decision_date_of(decided))
    c = classify(facts)
    # Stored as published even when the maximum period has already run (an old decision received late):
    # reads show it expired at once, and the expiry job records that with its event.
    row: dict[str, Any] = dict(
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
        status="published" if c.published else "not_published",
        source_event_id=source_event_id,
        created_at=now,
        procedure=facts.procedure,
        penalty_kinds=sorted(facts.penalty_kinds),
        violations=list(decided.violations),
        ended_on=None,
        ended_by=None,
        handlers=list(decided.handlers) or None,
    )
    payload = CreditRecordCreated(
        record_id=row["id"],
        case_id=decided.case_id,
        uscc=decided.uscc,
        severity=c.severity,
        published=c.published,
        criterion=c.criterion,
        publicity_from=c.publicity_from,
        publicity_min_until=c.publicity_min_until,
        publicity_max_until=c.publicity_max_until,
    )
    return row, payload


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

"""Audit use cases: raise a flag for a decided case (one transaction with its outbox event), list and
read flags, record a review. Nothing here commits."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.models import Flag, FlagRule
from services.audit.rules import CaseFacts, evaluate
from services.audit.schemas import FlagRead, RuleHitRead
from shared.contracts import AuditFlagRaised, CaseDecided
from shared.problems import Problem, conflict

log = logging.getLogger("ecocomply.audit")

Emit = Callable[..., Awaitable[object]]  # runtime.emit(session, payload, subject=...)

REVIEWABLE = ("open", "in_review")
REVIEW_ONCE_RULE = "a flag is reviewed once; its outcome is final (open a new review issue to revisit it)"


async def raise_flag(
    session: AsyncSession,
    *,
    decided: CaseDecided,
    emit: Emit,
    source_event_id: str,
    now: datetime | None = None,
) -> Flag | None:
    """Flag an exemption or light penalty; None for other decisions or when the case is already flagged."""
    hits = evaluate(CaseFacts.from_event(decided))
    if not hits:
        return None
    existing = await session.scalar(select(Flag.id).where(Flag.case_id == decided.case_id))
    if existing is not None:
        log.info(
            "audit: case %s already flagged (%s); event %s ignored",
            decided.case_id,
            existing,
            source_event_id,
        )
        return None
    now = now or datetime.now(UTC)
    flag = Flag(
        id=str(uuid.uuid4()),
        case_id=decided.case_id,
        number=decided.number,
        uscc=decided.uscc,
        bureau=decided.bureau,
        decision_type=decided.decision_type,
        fine_amount=decided.fine_amount,
        basis=dict(decided.basis),
        steps=list(decided.steps),
        handlers=list(decided.handlers),
        decided_by=decided.decided_by,
        decided_at=decided.decided_at,
        status="open",
        source_event_id=source_event_id,
        created_at=now,
        rules=[
            FlagRule(code=h.code, position=i, severity=h.severity, detail=h.detail)
            for i, h in enumerate(hits)
        ],
    )
    session.add(flag)
    await session.flush()  # the unique case_id is checked here, before the event is written
    await emit(
        session,
        AuditFlagRaised(
            flag_id=flag.id,
            case_id=flag.case_id,
            number=flag.number,
            uscc=flag.uscc,
            bureau=flag.bureau,
            decision_type=flag.decision_type,
            rules=[h.as_dict() for h in hits],
            raised_at=now,
        ),
        subject=flag.id,
    )
    return flag


@dataclass(frozen=True)
class FlagFilter:
    status: str | None = None
    decision_type: str | None = None
    bureau: str | None = None
    rule: str | None = None


async def list_flags(session: AsyncSession, f: FlagFilter, *, page: int, size: int) -> tuple[list[Flag], int]:
    conditions = []
    if f.status:
        conditions.append(Flag.status == f.status)
    if f.decision_type:
        conditions.append(Flag.decision_type == f.decision_type)
    if f.bureau:
        conditions.append(Flag.bureau == f.bureau)
    if f.rule:
        conditions.append(Flag.rules.any(FlagRule.code == f.rule))
    total = await session.scalar(select(func.count()).select_from(Flag).where(*conditions)) or 0
    rows = await session.scalars(
        select(Flag)
        .where(*conditions)
        .order_by(Flag.created_at.desc(), Flag.id)
        .offset((page - 1) * size)
        .limit(size)
    )
    return list(rows), total


async def get_flag(session: AsyncSession, flag_id: str) -> Flag | None:
    return await session.get(Flag, flag_id)


def is_involved(flag: Flag, sub: str) -> bool:
    """A case's handlers and its decider may not review its flag (no one audits their own case)."""
    return sub in flag.handlers or sub == flag.decided_by


async def review_flag(
    session: AsyncSession, flag: Flag, *, reviewer: str, outcome: str, notes: str, now: datetime | None = None
) -> Flag:
    if is_involved(flag, reviewer):
        raise Problem(
            403,
            "reviewer_involved",
            f"{reviewer} handled or decided case {flag.number} and may not review its flag",
        )
    now = now or datetime.now(UTC)
    # Conditional update: of two concurrent reviews exactly one wins; the other sees a final status.
    result = await session.execute(
        update(Flag)
        .where(Flag.id == flag.id, Flag.status.in_(REVIEWABLE))
        .values(status=outcome, reviewed_by=reviewer, reviewed_at=now, review_notes=notes)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await session.refresh(flag)
        raise conflict(
            "illegal_transition",
            f"flag {flag.id} was already reviewed ({flag.status} by {flag.reviewed_by})",
            state=flag.status,
            action="review",
            rule=REVIEW_ONCE_RULE,
            allowed_actions=[],
        )
    await session.refresh(flag)
    return flag


def to_read(flag: Flag) -> FlagRead:
    return FlagRead(
        id=flag.id,
        case_id=flag.case_id,
        number=flag.number,
        uscc=flag.uscc,
        bureau=flag.bureau,
        decision_type=flag.decision_type,
        fine_amount=flag.fine_amount,
        rules=[RuleHitRead(code=r.code, severity=r.severity, detail=r.detail) for r in flag.rules],
        handlers=list(flag.handlers),
        decided_by=flag.decided_by,
        decided_at=flag.decided_at,
        status=flag.status,  # type: ignore[arg-type]
        created_at=flag.created_at,
        reviewed_by=flag.reviewed_by,
        reviewed_at=flag.reviewed_at,
        review_notes=flag.review_notes,
    )

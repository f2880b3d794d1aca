"""The review workflow (监督审核): assign a flag to an auditor, an SLA due date and ageing, the outcome
``cleared`` / ``issue_found`` with notes, history kept. No one reviews a case they took part in.
Each use case logs its act and emits its event in the caller's transaction (never begins or commits)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.flags.service import FINAL, Emit, add_history
from services.audit.log import ledger
from services.audit.models import Flag, FlagHistory
from shared.contracts import AuditFlagAssigned, AuditFlagReviewed
from shared.law import PILOT
from shared.problems import Problem, conflict, forbidden
from shared.subjects import among, same_subject

REVIEWABLE = ("open", "in_review")
REVIEW_ONCE_RULE = (
    "a flag is reviewed once; a finding (issue_found) is final, a clearing (cleared) stands until a new "
    "integrity risk the system detects on the case reopens it — an interference record never does"
)
INDEPENDENCE_RULE = (
    f"{PILOT.split('（', 1)[0]}三（十）：加强对免罚、轻罚案件的监督审核——"
    "审核人不得是本案经办人、决定人、法制审核人或集体讨论参加人"
)


def is_involved(flag: Flag, sub: str) -> bool:
    """A case's handlers, decider and everyone recorded as taking part may not audit it (subjects compared
    as one person whatever their case, ``shared.auth.among``)."""
    return among(sub, [*(flag.handlers or []), flag.decided_by, *(flag.involved or [])])


def _refuse_involved(flag: Flag, sub: str) -> None:
    if is_involved(flag, sub):
        raise forbidden(f"{sub} took part in case {flag.number} and may not review its flag", "reviewer_involved",
                        rule=INDEPENDENCE_RULE)


def _final_conflict(flag: Flag, action: str) -> Problem:
    return conflict(
        "illegal_transition", f"flag {flag.id} was already reviewed ({flag.status} by {flag.reviewed_by})",
        state=flag.status, action=action, rule=REVIEW_ONCE_RULE, allowed_actions=[],
    )


async def assign(session: AsyncSession, flag: Flag, *, assignee: str, by: str, emit: Emit, now: datetime) -> Flag:
    """Assign the review to an auditor (not anyone who took part in the case); the SLA runs from the flag."""
    _refuse_involved(flag, assignee)
    if flag.status in FINAL:
        raise _final_conflict(flag, "assign")
    before = flag.status
    flag.assignee = assignee
    flag.assigned_at = now
    flag.status = "in_review"
    await session.flush()
    add_history(session, flag, actor=by, action="assigned", status_from=before,
                detail=f"分派给 {assignee}，审核期限 {flag.due_at.isoformat() if flag.due_at else '—'}", now=now)
    await ledger.append_act(session, type_="audit.flag_assigned", case_id=flag.case_id, now=now,
                            data={"flag_id": flag.id, "assignee": assignee, "assigned_by": by})
    await emit(session, AuditFlagAssigned(
        flag_id=flag.id, case_id=flag.case_id, bureau=flag.bureau, assignee=assignee, assigned_by=by,
        due_at=flag.due_at, assigned_at=flag.assigned_at), subject=flag.case_id)
    return flag


async def review(
    session: AsyncSession, flag: Flag, *, reviewer: str, outcome: str, notes: str, emit: Emit, now: datetime
) -> Flag:
    """Record the supervision review's outcome (not by anyone who took part in the case)."""
    _refuse_involved(flag, reviewer)
    if flag.assignee and not same_subject(flag.assignee, reviewer) and flag.status in REVIEWABLE:
        raise forbidden(f"flag {flag.id} is assigned to {flag.assignee}", "not_assignee", assignee=flag.assignee)
    before = flag.status
    # Conditional update: of two concurrent reviews exactly one wins; the other sees a final status.
    result = await session.execute(
        update(Flag).where(Flag.id == flag.id, Flag.status.in_(REVIEWABLE))
        .values(status=outcome, reviewed_by=reviewer, reviewed_at=now, review_notes=notes,
                assignee=flag.assignee or reviewer, assigned_at=flag.assigned_at or now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await session.refresh(flag)
        raise _final_conflict(flag, "review")
    await session.refresh(flag)
    add_history(session, flag, actor=reviewer, action="reviewed", status_from=before, detail=notes, now=now)
    await ledger.append_act(session, type_="audit.flag_reviewed", case_id=flag.case_id, now=now,
                            data={"flag_id": flag.id, "outcome": outcome, "reviewed_by": reviewer, "notes": notes})
    await emit(session, AuditFlagReviewed(
        flag_id=flag.id, case_id=flag.case_id, number=flag.number, bureau=flag.bureau,
        outcome=outcome, reviewed_by=reviewer, reviewed_at=flag.reviewed_at,
    ), subject=flag.case_id)
    return flag


async def history(session: AsyncSession, flag_id: str) -> list[FlagHistory]:
    return list(await session.scalars(
        select(FlagHistory).where(FlagHistory.flag_id == flag_id).order_by(FlagHistory.at, FlagHistory.id)))


def ageing_days(flag: Flag, now: datetime) -> int:
    created = flag.created_at if flag.created_at.tzinfo else flag.created_at.replace(tzinfo=UTC)
    end = flag.reviewed_at or now
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    return max(0, (end - created).days)


def sla_breached(flag: Flag, now: datetime) -> bool:
    if flag.due_at is None:
        return False
    due = flag.due_at if flag.due_at.tzinfo else flag.due_at.replace(tzinfo=UTC)
    end = flag.reviewed_at or now
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    return end > due

"""Audit HTTP API (mounted under ``/v1``): flags, their assignment, review and history; interference records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.audit.flags import review, rules, service
from services.audit.flags.schemas import (
    FlagAssign,
    FlagHistoryRead,
    FlagList,
    FlagRead,
    FlagReview,
    FlagStatus,
    InterferenceCreate,
    InterferenceRead,
    RuleHitRead,
)
from services.audit.models import Flag
from shared import pagination
from shared.auth import Principal, ensure_can_see, require_roles, scope_of
from shared.problems import not_found
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import DecisionType, Role

router = APIRouter(tags=["audit"])

_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}

# Supervision auditors and administrators see every bureau's flags; a bureau leader only their bureau's.
FlagReader = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN, Role.LEADER)]
Auditor = Annotated[Principal, require_roles(Role.AUDITOR)]
Assigner = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN)]
# Anyone working a case may record an interference in it (记录制度 covers all enforcement staff).
Recorder = Annotated[Principal, require_roles(Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.AUDITOR, Role.ADMIN)]


def to_read(flag: Flag, now: datetime) -> FlagRead:
    return FlagRead(
        id=flag.id, case_id=flag.case_id, number=flag.number, uscc=flag.uscc, bureau=flag.bureau,
        decision_type=flag.decision_type, fine_amount=flag.fine_amount,
        rules=[RuleHitRead(code=r.code, severity=r.severity, detail=r.detail) for r in flag.rules],
        handlers=list(flag.handlers), decided_by=flag.decided_by, decided_at=flag.decided_at,
        status=flag.status,  # type: ignore[arg-type]
        created_at=flag.created_at, assignee=flag.assignee, assigned_at=flag.assigned_at, due_at=flag.due_at,
        ageing_days=review.ageing_days(flag, now), sla_breached=review.sla_breached(flag, now),
        reviewed_by=flag.reviewed_by, reviewed_at=flag.reviewed_at, review_notes=flag.review_notes,
    )


async def _flag(session, flag_id: str) -> Flag:
    flag = await service.get_flag(session, flag_id)
    if flag is None:
        raise not_found("flag", flag_id)
    return flag


@router.get("/flags", response_model=FlagList, responses=PROBLEMS)
async def list_flags(
    user: FlagReader,
    session: DbSession,
    rt: RuntimeDep,
    status: FlagStatus | None = None,
    decision_type: Annotated[str | None, Query(pattern=f"^({'|'.join([*DecisionType, 'undecided'])})$")] = None,
    bureau: str | None = None,
    rule: Annotated[str | None, Query(max_length=60, description="a rule code, e.g. missing_legal_review")] = None,
    assignee: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=pagination.MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description=pagination.CURSOR_DESCRIPTION)] = None,
) -> FlagList:
    """Newest first. Page with ``cursor`` (each answer's ``next``) while flags keep arriving: no flag is
    shown twice or skipped; ``page`` (offset) only for a list that is not changing."""
    f = service.FlagFilter(status=status, decision_type=decision_type,
                           bureau=scope_of(user, bureau=bureau, what="flags").bureau, rule=rule, assignee=assignee)
    flags, total, nxt = await service.list_flags(session, f, page=page, size=size, cursor=cursor)
    now = rt.clock.now()
    return FlagList(items=[to_read(x, now) for x in flags], total=total, page=page, size=size, next=nxt)


@router.get("/rules", responses=PROBLEMS)
async def list_rules(user: FlagReader) -> list[dict[str, str]]:
    """The integrity-risk rules this service applies, with the source each rests on."""
    return [{"code": code, "doc": (getattr(rules, code).__doc__ or "").strip().splitlines()[0]}
            for code in rules.RULE_CODES]


@router.get("/flags/{flag_id}", response_model=FlagRead, responses=PROBLEMS)
async def get_flag(flag_id: str, user: FlagReader, session: DbSession, rt: RuntimeDep) -> FlagRead:
    flag = await _flag(session, flag_id)
    ensure_can_see(user, bureau=flag.bureau, uscc=None, what="this flag")
    return to_read(flag, rt.clock.now())


@router.get("/flags/{flag_id}/history", response_model=list[FlagHistoryRead], responses=PROBLEMS)
async def flag_history(flag_id: str, user: FlagReader, session: DbSession) -> list[FlagHistoryRead]:
    flag = await _flag(session, flag_id)
    ensure_can_see(user, bureau=flag.bureau, uscc=None, what="this flag")
    return [FlagHistoryRead(at=h.at, actor=h.actor, action=h.action, status_from=h.status_from,
                            status_to=h.status_to, detail=h.detail) for h in await review.history(session, flag_id)]


@router.post("/flags/{flag_id}/assign", response_model=FlagRead, responses={**PROBLEMS, 409: _PROBLEM})
async def assign_flag(flag_id: str, body: FlagAssign, user: Assigner, rt: RuntimeDep, session: DbSession) -> FlagRead:
    """Assign the review to an auditor (not anyone who took part in the case); the SLA runs from the flag."""
    now = rt.clock.now()
    flag = await review.assign(session, await _flag(session, flag_id), assignee=body.assignee, by=user.sub,
                               emit=rt.emit, now=now)
    return to_read(flag, now)


@router.post("/flags/{flag_id}/review", response_model=FlagRead, responses={**PROBLEMS, 409: _PROBLEM})
async def review_flag(flag_id: str, body: FlagReview, user: Auditor, rt: RuntimeDep, session: DbSession) -> FlagRead:
    """Record the supervision review's outcome (role ``auditor``; not anyone who took part in the case)."""
    now = rt.clock.now()
    flag = await review.review(session, await _flag(session, flag_id), reviewer=user.sub, outcome=body.outcome,
                               notes=body.notes, emit=rt.emit, now=now)
    return to_read(flag, now)


@router.post("/interference-records", status_code=201, response_model=InterferenceRead,
             responses={**PROBLEMS, 409: _PROBLEM})
async def record_interference(body: InterferenceCreate, user: Recorder, rt: RuntimeDep,
                              session: DbSession) -> InterferenceRead:
    """领导干部干预插手案件记录 — record an interference in a case the audit knows (422 ``unknown_case``
    otherwise); the record takes the case's number, enterprise and bureau, and the case's flag gets rule
    ``recorded_interference`` (added to its history; a review already made stands)."""
    case = await service.case_of_record(session, user, body)
    rec, flag = await service.record_interference(session, body, case, by=user.sub, emit=rt.emit, now=rt.clock.now())
    return InterferenceRead(id=rec.id, case_id=rec.case_id, number=rec.number, bureau=rec.bureau, person=rec.person,
                            position=rec.position, manner=rec.manner, occurred_on=rec.occurred_on,
                            recorded_by=rec.recorded_by, recorded_at=rec.recorded_at, flag_id=flag.id)

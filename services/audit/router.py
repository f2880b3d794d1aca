"""Audit HTTP API (mounted under ``/v1``): flags, their assignment, review and history; interference records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.exc import IntegrityError

from services.audit import ledger, review, rules, service
from services.audit.models import Flag, InterferenceRecord
from services.audit.schemas import (
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
from shared.auth import GLOBAL_ROLES, Principal, ensure_can_see, require_roles
from shared.contracts import AuditFlagAssigned, AuditFlagReviewed, AuditInterferenceRecorded
from shared.problems import Problem, conflict, not_found
from shared.service import LegacySession, RuntimeDep

router = APIRouter(tags=["audit"])

_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}

# Supervision auditors and administrators see every bureau's flags; a bureau leader only their bureau's.
FlagReader = Annotated[Principal, require_roles("auditor", "admin", "leader")]
Auditor = Annotated[Principal, require_roles("auditor")]
Assigner = Annotated[Principal, require_roles("auditor", "admin")]
# Anyone working a case may record an interference in it (记录制度 covers all enforcement staff).
Recorder = Annotated[Principal, require_roles("officer", "legal_reviewer", "leader", "auditor", "admin")]


def bureau_scope(user: Principal, requested: str | None) -> str | None:
    if user.has(*GLOBAL_ROLES):
        return requested
    if not user.bureau:
        raise Problem(403, "out_of_scope", "a bureau role without a bureau claim sees no flags")
    if requested is not None and requested != user.bureau:
        raise Problem(403, "out_of_scope", f"flags of bureau {requested} are outside your bureau {user.bureau}")
    return user.bureau


def to_read(flag: Flag, now: datetime | None = None) -> FlagRead:
    now = now or datetime.now(UTC)
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
    session: LegacySession,
    status: FlagStatus | None = None,
    decision_type: Annotated[str | None, Query(pattern="^(penalty|no_penalty|lighter|mitigated|heavier|undecided)$")] = None,
    bureau: str | None = None,
    rule: Annotated[str | None, Query(max_length=60, description="a rule code, e.g. missing_legal_review")] = None,
    assignee: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> FlagList:
    f = service.FlagFilter(status=status, decision_type=decision_type, bureau=bureau_scope(user, bureau),
                           rule=rule, assignee=assignee)
    flags, total = await service.list_flags(session, f, page=page, size=size)
    return FlagList(items=[to_read(x) for x in flags], total=total, page=page, size=size)


@router.get("/rules", responses=PROBLEMS)
async def list_rules(user: FlagReader) -> list[dict[str, str]]:
    """The integrity-risk rules this service applies, with the source each rests on."""
    return [{"code": code, "doc": (getattr(rules, code).__doc__ or "").strip().splitlines()[0]}
            for code in rules.RULE_CODES]


@router.get("/flags/{flag_id}", response_model=FlagRead, responses=PROBLEMS)
async def get_flag(flag_id: str, user: FlagReader, session: LegacySession) -> FlagRead:
    flag = await _flag(session, flag_id)
    ensure_can_see(user, bureau=flag.bureau, uscc=None, what="this flag")
    return to_read(flag)


@router.get("/flags/{flag_id}/history", response_model=list[FlagHistoryRead], responses=PROBLEMS)
async def flag_history(flag_id: str, user: FlagReader, session: LegacySession) -> list[FlagHistoryRead]:
    flag = await _flag(session, flag_id)
    ensure_can_see(user, bureau=flag.bureau, uscc=None, what="this flag")
    return [FlagHistoryRead(at=h.at, actor=h.actor, action=h.action, status_from=h.status_from,
                            status_to=h.status_to, detail=h.detail) for h in await review.history(session, flag_id)]


@router.post("/flags/{flag_id}/assign", response_model=FlagRead, responses={**PROBLEMS, 409: _PROBLEM})
async def assign_flag(flag_id: str, body: FlagAssign, user: Assigner, rt: RuntimeDep, session: LegacySession) -> FlagRead:
    """Assign the review to an auditor (not anyone who took part in the case); the SLA runs from the flag."""
    async with session.begin():
        flag = await review.assign(session, await _flag(session, flag_id), assignee=body.assignee, by=user.sub)
        await rt.emit(session, AuditFlagAssigned(
            flag_id=flag.id, case_id=flag.case_id, bureau=flag.bureau, assignee=body.assignee, assigned_by=user.sub,
            due_at=flag.due_at, assigned_at=flag.assigned_at), subject=flag.case_id)
        return to_read(flag)


@router.post("/flags/{flag_id}/review", response_model=FlagRead, responses={**PROBLEMS, 409: _PROBLEM})
async def review_flag(flag_id: str, body: FlagReview, user: Auditor, rt: RuntimeDep, session: LegacySession) -> FlagRead:
    """Record the supervision review's outcome (role ``auditor``; not anyone who took part in the case)."""
    async with session.begin():
        flag = await review.review(session, await _flag(session, flag_id), reviewer=user.sub,
                                   outcome=body.outcome, notes=body.notes)
        await rt.emit(session, AuditFlagReviewed(
            flag_id=flag.id, case_id=flag.case_id, number=flag.number, bureau=flag.bureau,
            outcome=body.outcome, reviewed_by=user.sub, reviewed_at=flag.reviewed_at,
        ), subject=flag.case_id)
        return to_read(flag)


@router.post("/interference-records", status_code=201, response_model=InterferenceRead,
             responses={**PROBLEMS, 409: _PROBLEM})
async def record_interference(body: InterferenceCreate, user: Recorder, rt: RuntimeDep,
                              session: LegacySession) -> InterferenceRead:
    """领导干部干预插手案件记录 — record an interference; the case's flag gets rule ``recorded_interference``."""
    if not user.has(*GLOBAL_ROLES) and user.bureau != body.bureau:
        raise Problem(403, "out_of_scope", f"cases of bureau {body.bureau} are outside your bureau {user.bureau}")
    now = datetime.now(UTC)
    rec = InterferenceRecord(id=str(uuid.uuid4()), recorded_by=user.sub, recorded_at=now, **body.model_dump())
    try:
        async with session.begin():
            session.add(rec)
            flag = await service.upsert_flag(
                session, ref=service.CaseRef(body.case_id, body.number, body.uscc, body.bureau),
                hits=[rules.recorded_interference(body.person, body.position, body.occurred_on, body.manner)],
                emit=rt.emit, source_event_id=rec.id, actor=user.sub, now=now)
            assert flag is not None
            await ledger.append_act(session, type_="audit.interference_recorded", case_id=body.case_id, now=now,
                                    data={"record_id": rec.id, "recorded_by": user.sub, **body.model_dump(mode="json")})
            await rt.emit(session, AuditInterferenceRecorded(
                record_id=rec.id, case_id=body.case_id, number=body.number, bureau=body.bureau, person=body.person,
                position=body.position, occurred_on=body.occurred_on, recorded_by=user.sub, recorded_at=now,
            ), subject=body.case_id)
            flag_id = flag.id
    except IntegrityError as e:  # the case's flag was raised concurrently: nothing was written, retry
        raise conflict("concurrent_update", "the case's flag changed at the same moment; retry") from e
    return InterferenceRead(id=rec.id, case_id=rec.case_id, number=rec.number, bureau=rec.bureau, person=rec.person,
                            position=rec.position, manner=rec.manner, occurred_on=rec.occurred_on,
                            recorded_by=rec.recorded_by, recorded_at=now, flag_id=flag_id)

"""Audit HTTP API (mounted under ``/v1``): supervision flags and their review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.audit import service
from services.audit.schemas import FlagList, FlagRead, FlagReview, FlagStatus
from shared.auth import GLOBAL_ROLES, Principal, ensure_can_see, require_roles
from shared.contracts import AuditFlagReviewed, DecisionType
from shared.problems import Problem, not_found
from shared.service import DbSession, RuntimeDep

router = APIRouter(tags=["audit"])

_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}

# Supervision auditors and administrators see every bureau's flags; a bureau leader only their bureau's.
FlagReader = Annotated[Principal, require_roles("auditor", "admin", "leader")]
Auditor = Annotated[Principal, require_roles("auditor")]


def _bureau_scope(user: Principal, requested: str | None) -> str | None:
    if user.has(*GLOBAL_ROLES):
        return requested
    if not user.bureau:
        raise Problem(403, "out_of_scope", "a bureau role without a bureau claim sees no flags")
    if requested is not None and requested != user.bureau:
        raise Problem(
            403, "out_of_scope", f"flags of bureau {requested} are outside your bureau {user.bureau}"
        )
    return user.bureau


@router.get("/flags", response_model=FlagList, responses=PROBLEMS)
async def list_flags(
    user: FlagReader,
    session: DbSession,
    status: FlagStatus | None = None,
    decision_type: DecisionType | None = None,
    bureau: str | None = None,
    rule: Annotated[
        str | None, Query(max_length=60, description="a rule code, e.g. missing_legal_review")
    ] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> FlagList:
    f = service.FlagFilter(
        status=status, decision_type=decision_type, bureau=_bureau_scope(user, bureau), rule=rule
    )
    flags, total = await service.list_flags(session, f, page=page, size=size)
    return FlagList(items=[service.to_read(x) for x in flags], total=total, page=page, size=size)


@router.get("/flags/{flag_id}", response_model=FlagRead, responses=PROBLEMS)
async def get_flag(flag_id: str, user: FlagReader, session: DbSession) -> FlagRead:
    flag = await service.get_flag(session, flag_id)
    if flag is None:
        raise not_found("flag", flag_id)
    ensure_can_see(user, bureau=flag.bureau, uscc=None, what="this flag")
    return service.to_read(flag)


@router.post("/flags/{flag_id}/review", response_model=FlagRead, responses={**PROBLEMS, 409: _PROBLEM})
async def review_flag(
    flag_id: str, body: FlagReview, user: Auditor, rt: RuntimeDep, session: DbSession
) -> FlagRead:
    """Record the supervision review's outcome (role ``auditor``; not a handler or the decider of the case)."""
    async with session.begin():
        flag = await service.get_flag(session, flag_id)
        if flag is None:
            raise not_found("flag", flag_id)
        flag = await service.review_flag(
            session, flag, reviewer=user.sub, outcome=body.outcome, notes=body.notes
        )
        await rt.emit(session, AuditFlagReviewed(
            flag_id=flag.id, case_id=flag.case_id, number=flag.number, bureau=flag.bureau,
            outcome=body.outcome, reviewed_by=user.sub, reviewed_at=flag.reviewed_at,
        ), subject=flag.case_id)
        return service.to_read(flag)

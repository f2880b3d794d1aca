"""HTTP API for the positive list (正面清单), Jiangsu credit grades as received, the enterprise credit
profile other services read, and an enterprise's own view of its credit matters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.credit.positive import service
from services.credit.positive.schemas import (
    CreditGradeView,
    CreditProfile,
    GradeImport,
    GradeImportResult,
    PositiveList,
    PositiveListCreate,
    PositiveListEntryRead,
    PositiveListRemove,
)
from shared.auth import CurrentUser, require_roles
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import Role

router = APIRouter(tags=["positive list and grades"])
_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {c: _PROBLEM for c in (401, 403, 404, 409, 422)}
Uscc = Annotated[str, Path(description="统一社会信用代码")]


@router.get("/positive-list", response_model=PositiveList, responses=PROBLEMS)
async def list_positive(
    user: CurrentUser,
    session: DbSession,
    rt: RuntimeDep,
    uscc: str | None = None,
    in_force: Annotated[bool | None, Query(description="only memberships in force today (or not)")] = None,
):
    items = await service.list_entries(session, uscc=uscc, in_force=in_force, today=rt.clock.today())
    return PositiveList(items=items, total=len(items))


@router.post(
    "/positive-list",
    status_code=201,
    response_model=PositiveListEntryRead,
    responses=PROBLEMS,
    dependencies=[require_roles(Role.ADMIN)],
)
async def add_positive(body: PositiveListCreate, user: CurrentUser, session: DbSession, rt: RuntimeDep):
    return await service.add_entry(rt, session, user, body)


@router.post(
    "/positive-list/{entry_id}/remove",
    response_model=PositiveListEntryRead,
    responses=PROBLEMS,
    dependencies=[require_roles(Role.ADMIN)],
)
async def remove_positive(
    entry_id: str, body: PositiveListRemove, user: CurrentUser, session: DbSession, rt: RuntimeDep
):
    return await service.remove_entry(rt, session, user, entry_id, body.reason)


@router.post(
    "/credit-grades/import",
    response_model=GradeImportResult,
    responses=PROBLEMS,
    dependencies=[require_roles(Role.PLATFORM, Role.ADMIN)],
)
async def import_grades(body: GradeImport, user: CurrentUser, session: DbSession, rt: RuntimeDep):
    """Grades as received from 江苏省企事业环保信用管理系统 (idempotent per enterprise and rating date)."""
    return await service.import_grades(session, user, body, now=rt.clock.now())


@router.get("/enterprises/{uscc}/credit-grade", response_model=CreditGradeView, responses=PROBLEMS)
async def credit_grade(uscc: Uscc, user: CurrentUser, session: DbSession):
    uscc = service._uscc(uscc, "uscc")
    service.ensure_can_read_enterprise(user, uscc)
    return await service.grade_view(session, uscc)


@router.get("/enterprises/{uscc}/credit-profile", response_model=CreditProfile, responses=PROBLEMS)
async def credit_profile(uscc: Uscc, user: CurrentUser, session: DbSession, rt: RuntimeDep):
    """Positive-list membership and the inspection frequency it implies, the grade as received, record counts."""
    uscc = service._uscc(uscc, "uscc")
    service.ensure_can_read_enterprise(user, uscc)
    return await service.profile(session, uscc, today=rt.clock.today())


@router.get("/my/credit", responses=PROBLEMS)
async def my_credit(user: CurrentUser, session: DbSession, rt: RuntimeDep) -> dict[str, Any]:
    """An enterprise's own credit records, the notices served with them, its repair applications and profile."""
    return await service.my_credit(session, user, today=rt.clock.today())

"""HTTP API for the positive list (正面清单), Jiangsu credit grades as received, the enterprise credit
profile other services read, and an enterprise's own view of its credit matters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.credit import clock, repair_service
from services.credit import positive_list as service
from services.credit import service as records
from services.credit.listing_schemas import (
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
from shared.problems import forbidden
from shared.service import LegacySession, RuntimeDep

router = APIRouter(tags=["positive list and grades"])
_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {c: _PROBLEM for c in (401, 403, 404, 409, 422)}
Uscc = Annotated[str, Path(description="统一社会信用代码")]


@router.get("/positive-list", response_model=PositiveList, responses=PROBLEMS)
async def list_positive(
    user: CurrentUser,
    session: LegacySession,
    uscc: str | None = None,
    in_force: Annotated[bool | None, Query(description="only memberships in force today (or not)")] = None,
):
    items = await service.list_entries(session, uscc=uscc, in_force=in_force)
    return PositiveList(items=items, total=len(items))


@router.post(
    "/positive-list",
    status_code=201,
    response_model=PositiveListEntryRead,
    responses=PROBLEMS,
    dependencies=[require_roles("admin")],
)
async def add_positive(body: PositiveListCreate, user: CurrentUser, session: LegacySession, rt: RuntimeDep):
    return await service.add_entry(rt, session, user, body)


@router.post(
    "/positive-list/{entry_id}/remove",
    response_model=PositiveListEntryRead,
    responses=PROBLEMS,
    dependencies=[require_roles("admin")],
)
async def remove_positive(
    entry_id: str, body: PositiveListRemove, user: CurrentUser, session: LegacySession, rt: RuntimeDep
):
    return await service.remove_entry(rt, session, user, entry_id, body.reason)


@router.post(
    "/credit-grades/import",
    response_model=GradeImportResult,
    responses=PROBLEMS,
    dependencies=[require_roles("platform", "admin")],
)
async def import_grades(body: GradeImport, user: CurrentUser, session: LegacySession):
    """Grades as received from 江苏省企事业环保信用管理系统 (idempotent per enterprise and rating date)."""
    return await service.import_grades(session, user, body)


@router.get("/enterprises/{uscc}/credit-grade", response_model=CreditGradeView, responses=PROBLEMS)
async def credit_grade(uscc: Uscc, user: CurrentUser, session: LegacySession):
    uscc = service._uscc(uscc, "uscc")
    service.ensure_can_read_enterprise(user, uscc)
    return await service.grade_view(session, uscc)


@router.get("/enterprises/{uscc}/credit-profile", response_model=CreditProfile, responses=PROBLEMS)
async def credit_profile(uscc: Uscc, user: CurrentUser, session: LegacySession):
    """Positive-list membership and the inspection frequency it implies, the grade as received, record counts."""
    uscc = service._uscc(uscc, "uscc")
    service.ensure_can_read_enterprise(user, uscc)
    return await service.profile(session, uscc)


@router.get("/my/credit", responses=PROBLEMS)
async def my_credit(user: CurrentUser, session: LegacySession) -> dict[str, Any]:
    """An enterprise's own credit records, the notices served with them, its repair applications and profile."""
    if not user.has("enterprise") or not user.uscc:
        raise forbidden("this view is for an enterprise token (with its uscc)", code="role_required")
    today = clock.today()
    recs = [
        records.to_read(r, today=today)
        for r in await records.list_records(session, uscc=user.uscc, bureau=None)
    ]
    apps, _ = await repair_service.list_applications(
        session, user, status=None, uscc=None, record_id=None, overdue=None
    )
    return {
        "uscc": user.uscc,
        "records": [r.model_dump(mode="json") for r in recs],
        "notices": [
            {"case_id": r.case_id, "record_id": r.id, "url": f"/credit/v1/notices/{r.case_id}"} for r in recs
        ],
        "repair_applications": [a.model_dump(mode="json") for a in apps],
        "profile": (await service.profile(session, user.uscc)).model_dump(mode="json"),
    }

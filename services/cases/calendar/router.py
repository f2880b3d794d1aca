"""HTTP of the holiday calendar (节假日安排): the years on record, one year, an admin loading a year."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from services.cases.calendar import service
from services.cases.case.schemas import CalendarYearCreate, CalendarYearRead
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep

router = APIRouter()

Admin = Annotated[Principal, require_roles("admin")]
Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform", "service")]


@router.get("/calendar", tags=["calendar"])
async def calendar_years(user: Reader, session: DbSession) -> list[dict[str, Any]]:
    """The years with a holiday schedule (latest version each). Working days (第八十五条) in other years
    are counted on weekends only and marked provisional."""
    return await service.years(session)


@router.get("/calendar/{year}", response_model=CalendarYearRead, tags=["calendar"])
async def calendar_year(year: int, user: Reader, session: DbSession):
    return await service.get_year(session, year)


@router.post("/calendar", status_code=201, response_model=CalendarYearRead, tags=["calendar"])
async def load_calendar_year(body: CalendarYearCreate, user: Admin, rt: RuntimeDep, session: DbSession):
    """Load a year's 节假日安排 (a new version); provisional due dates are recomputed."""
    return await service.load_year(rt, session, body.model_dump(mode="json"), loaded_by=user.sub)

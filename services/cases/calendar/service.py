"""Use cases of the holiday calendar: seed from the library, an admin loads a year (a new version), the
provisional due dates that depended on that year are recomputed in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.calendar import store as calendar_store
from services.cases.case.schemas import CalendarYearRead
from services.cases.case.service import refresh_due
from services.cases.models import Case, HolidaySchedule
from services.cases.workdays import ScheduleError
from shared.problems import invalid, not_found
from shared.service import Runtime


def _read(row: HolidaySchedule, recomputed: int | None = None) -> CalendarYearRead:
    return CalendarYearRead(year=row.year, version=row.version, source=row.source, holidays=row.holidays,
                            workdays=row.workdays, loaded_by=row.loaded_by, loaded_at=row.loaded_at,
                            recomputed_cases=recomputed)


async def seed(rt: Runtime) -> None:
    async with rt.sessionmaker() as session, session.begin():
        await calendar_store.seed_from_library(session, at=rt.clock.now())


async def load_year(rt: Runtime, session: AsyncSession, data: dict[str, Any], *, loaded_by: str) -> CalendarYearRead:
    try:
        ys = calendar_store.parse_schedule(data)
    except ScheduleError as e:
        raise invalid(e.field, str(e), code="invalid_schedule") from e
    at = rt.clock.now()
    today = rt.clock.today()
    version = await calendar_store.add_year(session, ys, loaded_by=loaded_by, at=at)
    cal = await calendar_store.load_calendar(session)
    cases = (await session.scalars(
        select(Case).where(Case.due_provisional.is_(True)).with_for_update())).all()
    for case in cases:
        refresh_due(case, cal, today)
    row = await session.get(HolidaySchedule, (ys.year, version))
    return _read(row, recomputed=len(cases))


async def get_year(session: AsyncSession, year: int) -> CalendarYearRead:
    version = await calendar_store.latest_version(session, year)
    row = await session.get(HolidaySchedule, (year, version)) if version else None
    if row is None:
        raise not_found("holiday schedule", year)
    return _read(row)


async def years(session: AsyncSession) -> list[dict[str, Any]]:
    rows = (await session.execute(select(HolidaySchedule.year, HolidaySchedule.version, HolidaySchedule.source,
                                         HolidaySchedule.loaded_at).order_by(HolidaySchedule.year,
                                                                            HolidaySchedule.version))).all()
    latest: dict[int, dict[str, Any]] = {}
    for y, v, src, at in rows:
        latest[y] = {"year": y, "version": v, "source": src, "loaded_at": at}
    return list(latest.values())

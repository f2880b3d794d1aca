"""节假日安排 as data: the stored yearly schedules (versioned), seeded from ``chinesecalendar``, loaded by
an admin (API and ``ecocomply cases calendar load``); loading a year recomputes the provisional due
dates that depended on it. Repository functions never commit."""

from __future__ import annotations

import weakref
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.models import HolidaySchedule
from services.cases.workdays import Calendar, ScheduleError, YearSchedule, library_years, validate_year
from shared.db import lock_key

# Process-local cache of the latest schedules, per engine; reused while (count, last load) match.
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def load_calendar(session: AsyncSession) -> Calendar:
    marker_row = (await session.execute(select(func.count(), func.max(HolidaySchedule.loaded_at)))).one()
    marker = (int(marker_row[0]), marker_row[1])
    key = session.bind
    hit = _cache.get(key)
    if hit is not None and hit[0] == marker:
        return hit[1]
    rows = (await session.scalars(select(HolidaySchedule).order_by(HolidaySchedule.year, HolidaySchedule.version))).all()
    years: dict[int, YearSchedule] = {}
    for r in rows:  # later versions replace earlier ones
        years[r.year] = YearSchedule(
            year=r.year, holidays={date.fromisoformat(k): v for k, v in r.holidays.items()},
            workdays=frozenset(date.fromisoformat(d) for d in r.workdays), version=r.version, source=r.source,
        )
    cal = Calendar(years)
    _cache[key] = (marker, cal)
    return cal


async def latest_version(session: AsyncSession, year: int) -> int:
    return int(await session.scalar(select(func.max(HolidaySchedule.version)).where(HolidaySchedule.year == year)) or 0)


async def add_year(session: AsyncSession, ys: YearSchedule, *, loaded_by: str, at: datetime) -> int:
    """Store a new version of ``ys.year`` (never overwrites an earlier version). Returns the version."""
    # Concurrent loads of one year wait for each other here, so each takes the next version number
    # (unique (year, version)) instead of failing on the one another load just took.
    await lock_key(session, f"holiday_schedule:{ys.year}")
    version = await latest_version(session, ys.year) + 1
    session.add(HolidaySchedule(
        year=ys.year, version=version, holidays={d.isoformat(): n for d, n in sorted(ys.holidays.items())},
        workdays=sorted(d.isoformat() for d in ys.workdays), source=ys.source, loaded_by=loaded_by, loaded_at=at,
    ))
    await session.flush()
    return version


async def seed_from_library(session: AsyncSession, *, at: datetime) -> int:
    """Years the library knows and the table does not yet hold (idempotent). Returns how many were added."""
    have = set((await session.scalars(select(HolidaySchedule.year).distinct())).all())
    added = 0
    for year, ys in library_years().items():
        if year not in have:
            await add_year(session, ys, loaded_by="seed:chinesecalendar", at=at)
            added += 1
    return added


def parse_schedule(data: dict[str, Any]) -> YearSchedule:
    """A year's schedule as an admin supplies it (API body or CLI file):
    ``{year, source, holidays: [{date, name}], workdays: [date]}``. Raises ``ScheduleError`` naming the field."""
    try:
        year = int(data["year"])
    except (KeyError, TypeError, ValueError) as e:
        raise ScheduleError("year", "year is required (an integer)") from e
    holidays: dict[date, str] = {}
    for i, h in enumerate(data.get("holidays") or []):
        try:
            d = date.fromisoformat(str(h["date"]))
        except (KeyError, TypeError, ValueError) as e:
            raise ScheduleError(f"holidays.{i}.date", "not an ISO date (YYYY-MM-DD)") from e
        if d in holidays:
            raise ScheduleError(f"holidays.{i}.date", f"{d.isoformat()} is listed twice")
        holidays[d] = str(h.get("name") or "").strip()
    workdays = []
    for i, w in enumerate(data.get("workdays") or []):
        try:
            workdays.append(date.fromisoformat(str(w)))
        except ValueError as e:
            raise ScheduleError(f"workdays.{i}", "not an ISO date (YYYY-MM-DD)") from e
    source = str(data.get("source") or "").strip()
    if not source:
        raise ScheduleError("source", "name the source of the schedule (e.g. 国务院办公厅关于某年部分节假日安排的通知)")
    ys = validate_year(year, holidays, workdays)
    return YearSchedule(year=ys.year, holidays=ys.holidays, workdays=ys.workdays, source=source[:300])

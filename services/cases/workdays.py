"""工作日 — working-day arithmetic over the State Council's holiday schedule, held as data.

《中华人民共和国行政处罚法》第八十五条: 本法中"二日""三日""五日""七日"的规定是指工作日，不含法定节假日。
Working days therefore need each year's 法定节假日 and 调休 (weekend days made working days). The
schedule is data: seeded from the ``chinesecalendar`` library (2004–2026 only) and loaded by an admin
for later years. A period that reaches a year with no schedule is counted on weekends only and
marked ``provisional``; it is recomputed when that year is loaded. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

ARTICLE_85 = "《中华人民共和国行政处罚法》第八十五条：本法中“二日”“三日”“五日”“七日”的规定是指工作日，不含法定节假日"
# The periods of the law that 第八十五条 turns into working days.
WORKING_DAY_PERIODS = frozenset({2, 3, 5, 7})


@dataclass(frozen=True)
class YearSchedule:
    """One year's holidays (with their names) and adjusted working days (调休上班的周末)."""

    year: int
    holidays: Mapping[date, str]
    workdays: frozenset[date] = frozenset()
    version: int = 1
    source: str = ""


@dataclass(frozen=True)
class Calendar:
    years: Mapping[int, YearSchedule] = field(default_factory=dict)

    def known(self, year: int) -> bool:
        return year in self.years

    def is_workday(self, d: date) -> tuple[bool, bool]:
        """(working day?, provisional?) — provisional when the year has no schedule (weekends only)."""
        ys = self.years.get(d.year)
        if ys is None:
            return d.weekday() < 5, True
        if d in ys.workdays:
            return True, False
        if d in ys.holidays:
            return False, False
        return d.weekday() < 5, False


@dataclass(frozen=True)
class Period:
    """A computed due date: ``provisional`` when a day in the count fell in a year with no schedule."""

    due: date
    provisional: bool
    working_days: bool


def add_working_days(start: date, n: int, cal: Calendar) -> Period:
    """The n-th working day after ``start`` (``start`` itself not counted: 期间开始之日不计算在内)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    d, count, provisional = start, 0, False
    while count < n:
        d += timedelta(days=1)
        work, prov = cal.is_workday(d)
        provisional = provisional or prov
        if work:
            count += 1
    return Period(d, provisional, True)


def add_days(start: date, n: int) -> Period:
    """Calendar days (periods of the law not listed in 第八十五条, e.g. 十五日, 九十日)."""
    return Period(start + timedelta(days=n), False, False)


class ScheduleError(ValueError):
    def __init__(self, field_: str, message: str) -> None:
        super().__init__(message)
        self.field = field_


def validate_year(year: int, holidays: Mapping[date, str], workdays: Iterable[date]) -> YearSchedule:
    """Check a year's schedule before it is stored: every date in that year, no day both a holiday
    and an adjusted working day, adjusted working days fall on weekends, and at least one holiday."""
    if not 2000 <= year <= 2100:
        raise ScheduleError("year", f"year {year} is outside 2000–2100")
    if not holidays:
        raise ScheduleError("holidays", "a year's schedule lists its 法定节假日; none were given")
    wd = frozenset(workdays)
    for i, d in enumerate(sorted(holidays)):
        if d.year != year:
            raise ScheduleError(f"holidays.{i}.date", f"{d.isoformat()} is not in {year}")
        if not str(holidays[d]).strip():
            raise ScheduleError(f"holidays.{i}.name", f"holiday {d.isoformat()} has no name")
    for i, d in enumerate(sorted(wd)):
        if d.year != year:
            raise ScheduleError(f"workdays.{i}", f"{d.isoformat()} is not in {year}")
        if d in holidays:
            raise ScheduleError(f"workdays.{i}", f"{d.isoformat()} is listed both as a holiday and as a working day")
        if d.weekday() < 5:
            raise ScheduleError(f"workdays.{i}", f"{d.isoformat()} is a weekday; 调休 working days are weekend days")
    return YearSchedule(year=year, holidays=dict(holidays), workdays=wd)


def library_years() -> dict[int, YearSchedule]:
    """The schedules the ``chinesecalendar`` library knows (its bundled 2004–2026 data)."""
    import chinese_calendar
    from chinese_calendar import constants

    version = getattr(chinese_calendar, "__version__", "") or _dist_version()
    by_year: dict[int, dict[date, str]] = {}
    work: dict[int, set[date]] = {}
    for d, name in constants.holidays.items():
        by_year.setdefault(d.year, {})[d] = str(name)
    for d in constants.workdays:
        work.setdefault(d.year, set()).add(d)
    src = f"chinesecalendar {version}（国务院办公厅节假日安排）"
    return {
        y: YearSchedule(year=y, holidays=h, workdays=frozenset(work.get(y, set())), version=1, source=src)
        for y, h in sorted(by_year.items())
    }


def _dist_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"

"""The one clock: instants are UTC, dates are Asia/Shanghai dates.

Chinese law counts periods in China Standard Time dates (UTC+8, no daylight saving), and every API
period (``from``/``to``) is such a date. So an instant becomes a date only through ``local_date`` —
never ``isoformat()[:10]`` or ``.date()`` of a UTC timestamp, which is the previous day from 16:00 to
24:00 UTC — and a date becomes a half-open range of instants only through ``day_start``.

Time itself comes from a ``Clock``: each runtime carries one (``Runtime.clock``), everything that needs the
current instant asks it (``rt.clock.now()``), and a test or benchmark fixes it with ``rt.clock.set(at)``.
Nothing else in the project reads the system time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    """The time a runtime sees: the real time, unless a test or benchmark fixed it (``set``)."""

    def __init__(self, at: datetime | None = None) -> None:
        self._fixed: datetime | None = None
        self.set(at)

    def set(self, at: datetime | None) -> None:
        """Fix the time; ``None``: real time again. A naive ``at`` is Asia/Shanghai."""
        self._fixed = None if at is None else (at if at.tzinfo else at.replace(tzinfo=TZ)).astimezone(UTC)

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        return self._fixed if self._fixed is not None else datetime.now(UTC)

    def today(self) -> date:
        """Today's Asia/Shanghai date."""
        return local_date(self.now())


def as_utc(at: datetime) -> datetime:
    """An aware UTC instant; a naive datetime is taken as UTC (how the databases hand them back)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def local_date(at: datetime | str) -> date:
    """The Asia/Shanghai date of an instant (a datetime or an ISO 8601 timestamp string)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return as_utc(at).astimezone(TZ).date()


# What every API period parameter says of its calendar (OpenAPI descriptions of ``from``/``to``).
PERIOD_FROM = ("first day of the period, inclusive: an Asia/Shanghai calendar date (UTC+8, the date Chinese law "
               "counts in — a decision at 2026-12-31T23:30Z is dated 2027-01-01)")
PERIOD_TO = "last day of the period, inclusive: an Asia/Shanghai calendar date (UTC+8)"



def day_start(d: date) -> datetime:
    """The first instant (UTC) of the Asia/Shanghai date ``d``; a period ``[from, to]`` of dates is the
    instants ``day_start(from) <= t < day_start(to + 1 day)``."""
    return datetime.combine(d, time.min, TZ).astimezone(UTC)


def day_end(d: date) -> datetime:
    """The first instant (UTC) after the Asia/Shanghai date ``d``."""
    return day_start(d + timedelta(days=1))

"""The credit service's clock: dates in Chinese law are China Standard Time dates (UTC+8, no daylight
saving). Every "today" in the service comes from here, so tests can fix the date
(``monkeypatch.setattr(clock, "now", ...)``) instead of depending on the day they run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    return datetime.now(UTC)


def china_date(at: datetime) -> date:
    return at.astimezone(CHINA_TZ).date()


def today() -> date:
    """Today in Asia/Shanghai."""
    return china_date(now())

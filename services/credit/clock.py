"""The credit service's clock: dates in Chinese law are China Standard Time dates (``shared/clock.py``).
Every "today" in the service comes from here, so tests can fix the date
(``monkeypatch.setattr(clock, "now", ...)``) instead of depending on the day they run."""

from __future__ import annotations

from datetime import date, datetime

from shared import clock as _clock

CHINA_TZ = _clock.TZ


_SYSTEM = _clock.Clock()  # TRANSITION: replaced by the credit runtime's clock


def now() -> datetime:
    return _SYSTEM.now()


def china_date(at: datetime) -> date:
    return _clock.local_date(at)


def today() -> date:
    """Today in Asia/Shanghai."""
    return china_date(now())

"""The cases service's clock: real time, or a fixed time a test sets (time limits are tested on fixed
dates, never on today)."""

from __future__ import annotations

import weakref
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
_fixed: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def set_now(rt, at: datetime | None) -> None:
    """Fix the time ``rt``'s use cases see (``None``: real time again). For tests and benchmarks."""
    if at is None:
        _fixed.pop(rt, None)
    else:
        _fixed[rt] = at if at.tzinfo else at.replace(tzinfo=TZ)


def now(rt=None) -> datetime:
    at = _fixed.get(rt) if rt is not None else None
    return at if at is not None else datetime.now(UTC)


def local_date(dt: datetime) -> date:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(TZ).date()


def today(rt=None) -> date:
    return local_date(now(rt))

"""Dates and times as a person in China reads them: "2026年12月7日", and an instant in Beijing time with the
zone marked — "2026年12月7日 09:18（北京时间）" (Asia/Shanghai, ``shared.clock.TZ``; the services store UTC)."""

from __future__ import annotations

from datetime import date, datetime

from shared.clock import TZ, as_utc

ZONE_MARK = "（北京时间）"


def cn_date(value: date | datetime | str | None) -> str:
    """A date in Chinese form; an instant's Asia/Shanghai date; '—' for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value.strip() else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = as_utc(value).astimezone(TZ).date()
    return f"{value.year}年{value.month}月{value.day}日"


def beijing_time(value: datetime | str | None) -> str:
    """An instant (aware, or naive UTC as the databases hand them back) in Beijing time, marked."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    local = as_utc(value).astimezone(TZ)
    return f"{cn_date(local.date())} {local:%H:%M}{ZONE_MARK}"

"""投诉举报 figures for the annual report and the dashboard (工作要点（二十一）): received, accepted, overdue now and
substantiated per bureau — counts only, never who complained."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.complaints import service

COLUMNS = [("complaints_received", "收到投诉举报"), ("complaints_accepted", "投诉举报受理"),
           ("complaints_overdue", "投诉举报超过办理期限"), ("complaints_substantiated", "投诉举报查证属实（成立或部分成立）")]
KEYS = {"complaints_received": "received", "complaints_accepted": "accepted", "complaints_overdue": "overdue",
        "complaints_substantiated": "substantiated"}


async def add_to_annual(session: AsyncSession, rows: list[dict[str, Any]], year: int, bureau: str | None,
                        now: datetime) -> list[dict[str, Any]]:
    """The annual report's rows with the year's complaint figures per bureau (received in the year, Asia/Shanghai;
    overdue as of ``now``); a bureau with complaints and no decisions gets a row of its own, the 合计 row the sums."""
    counts = (await service.stats(session, service.ComplaintFilter(
        now=now, bureau=bureau, received_from=date(year, 1, 1), received_to=date(year, 12, 31))))["by_bureau"]
    total = rows.pop() if rows and rows[-1]["bureau"] == "合计" else None
    # counts only: a rate (案卷评查合格率, a text such as "93.3%") is not summed, and is "—" where nothing was reviewed
    zero = {k: (0 if isinstance(v, int | float) else "—") for k, v in (rows[0] if rows else {}).items()
            if k not in ("year", "bureau")}
    known = {r["bureau"] for r in rows}
    rows += [{"year": year, "bureau": b, **zero} for b in sorted(counts) if b not in known]
    for r in rows:
        for col, key in KEYS.items():
            r[col] = counts.get(r["bureau"], {}).get(key, 0)
    if total is not None or rows:
        total = total or {"year": year, "bureau": "合计", **zero}
        for k in (k for k, v in zero.items() if v == 0):
            total[k] = round(sum(r[k] for r in rows), 2) if k == "fines_total" else sum(r[k] for r in rows)
        for col in KEYS:
            total[col] = sum(r[col] for r in rows)
        rows.append(total)
    return rows

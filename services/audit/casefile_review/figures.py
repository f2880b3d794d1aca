"""案卷评查's figures for the statistics, the dashboard and the annual report: files reviewed and 合格率 per bureau,
counted by the day a file was scored (Asia/Shanghai)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.casefile_review.models import ReviewFile
from shared import clock


async def pass_rates(session: AsyncSession, *, period_from: date | None, period_to: date | None,
                     bureau: str | None) -> dict[str, dict]:
    """bureau → {reviewed, passed, failed, pass_rate} of the files scored in the period."""
    q = select(ReviewFile.bureau, ReviewFile.passed, func.count()).where(ReviewFile.status == "scored")
    if period_from:
        q = q.where(ReviewFile.scored_at >= clock.day_start(period_from))
    if period_to:
        q = q.where(ReviewFile.scored_at < clock.day_end(period_to))
    if bureau:
        q = q.where(ReviewFile.bureau == bureau)
    acc: dict[str, dict] = defaultdict(lambda: {"reviewed": 0, "passed": 0, "failed": 0})
    for b, passed, n in (await session.execute(q.group_by(ReviewFile.bureau, ReviewFile.passed))).all():
        acc[b]["reviewed"] += n
        acc[b]["passed" if passed else "failed"] += n
    return {b: {**v, "pass_rate": round(v["passed"] / v["reviewed"], 4) if v["reviewed"] else None}
            for b, v in sorted(acc.items())}

"""赔偿义务人两年内再次违法 — the exception to 显著轻微 (环法规〔2025〕6号 as its secondary summaries report it, ``verified:
false``) read from the enterprise's own cases: its other cases decided, and not revoked, within the two years before
this case was filed. Which earlier decisions count (any decision that found a violation — a penalty or an exemption
— and was not revoked; the window ending at this case's filing) is our reading, labelled on the rule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.case.records import CaseRecords
from services.cases.damage.workflow import REPEAT_WINDOW_YEARS
from services.cases.models import Case


def years_before(at: datetime, years: int) -> datetime:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return at.replace(year=at.year - years)
    except ValueError:
        return at.replace(year=at.year - years, day=28)


async def earlier_violations(session: AsyncSession, case: Case) -> tuple[str, ...]:
    """The numbers of the enterprise's other cases decided within the two years before ``case`` was filed."""
    since = years_before(case.filed_at, REPEAT_WINDOW_YEARS)
    rows = (await session.execute(
        select(Case.number, Case.records).where(
            Case.uscc == case.uscc, Case.id != case.id, Case.decision_type.is_not(None), Case.decided_at >= since,
            Case.decided_at < case.filed_at).order_by(Case.decided_at).limit(50))).all()
    return tuple(number for number, records in rows
                 if CaseRecords.model_validate(records or {}).decision_status() != "revoked")

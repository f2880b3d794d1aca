"""Opening the damage matter with its case (一案双查, 工作要点（十三）): a case whose facts record ecological damage
(``ecological_damage: true`` — 《生态环境损害赔偿管理规定》第四条: 违反国家规定造成生态环境损害的，依法追究生态环境损害
赔偿责任) gets one matter in 线索筛查, in the transaction that recorded the facts; an officer may open one for a case
whose facts do not (yet) say so. One row per case (unique ``case_id``, INSERT … ON CONFLICT DO NOTHING): a repeated
or concurrent opening finds the one there, and only the insert that wrote it emits ``damage_opened``.

Imported by the case use cases (filing, every workflow action), so it knows only the tables and the contracts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.damage.models import DamageMatter
from services.cases.damage.workflow import Status
from services.cases.models import Case
from shared import contracts
from shared.db import dialect_insert

DAMAGE_FACT = "ecological_damage"


def facts_record_damage(case: Case) -> bool:
    return (case.facts or {}).get(DAMAGE_FACT) is True


async def open_matter(rt, session: AsyncSession, case: Case, *, at: datetime, by: str, trigger: str,
                      note: str = "") -> bool:
    """The case's matter, created unless it exists; True when this call created it (and emitted the event)."""
    matter_id = str(uuid.uuid4())
    stmt = dialect_insert(session, DamageMatter).values(
        id=matter_id, case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau,
        status=Status.SCREENING.value, trigger=trigger, opened_by=by, opened_at=at, paid_total=0.0,
        steps=[{"action": "open", "status_from": None, "status_to": Status.SCREENING.value, "recorded_by": by,
                "recorded_at": at.isoformat(),
                "note": note or "案件事实认定造成生态环境损害，开启损害赔偿线索筛查"}],
        updated_at=at, row_version=1,
    ).on_conflict_do_nothing(index_elements=["case_id"]).returning(DamageMatter.id)
    created = (await session.execute(stmt)).scalar_one_or_none()
    if created is None:
        return False
    await rt.emit(session, contracts.CaseDamageOpened(
        matter_id=matter_id, case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau,
        trigger=trigger, opened_by=by, opened_at=at), subject=case.id)
    return True


async def open_if_damage(rt, session: AsyncSession, case: Case, *, at: datetime, by: str) -> None:
    """Called after the case's facts were written: open the matter when they record ecological damage."""
    if facts_record_damage(case):
        await open_matter(rt, session, case, at=at, by=by, trigger="facts")


async def matter_of(session: AsyncSession, case_id: str) -> DamageMatter | None:
    return await session.scalar(select(DamageMatter).where(DamageMatter.case_id == case_id))


async def at_decision(session: AsyncSession, case: Case) -> contracts.DamageAtDecision:
    """The matter as it stands when the case is decided (carried on ``case.decided``, read by the audit rules)."""
    m = await matter_of(session, case.id)
    return contracts.DamageAtDecision(
        facts_record_damage=facts_record_damage(case), matter_id=m.id if m else None, status=m.status if m else None,
        ground=m.ground if m else None, paid_total=float(m.paid_total or 0.0) if m else 0.0)

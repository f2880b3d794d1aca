"""Scheduled jobs: publicity expiry (最长公示期届满后自动停止公示) and overdue repair applications.

Both are idempotent and safe on several replicas at once: a row changes only through an UPDATE
guarded by its current state (expiry) or under a row lock that other runs skip (overdue), and the
event is written in the same transaction as the change — so each record expires, and each missed
deadline is reported, exactly once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from services.credit.models import CreditRecord, RepairApplication
from services.credit.records.rules import ORDER_36_PERIODS, ORDER_58_PERIODS
from services.credit.repair import rules as repair
from shared.contracts import CreditPublicityExpired, CreditRepairOverdue
from shared.service import PeriodicJob, Runtime

BATCH = 200
EXPIRY_RULE = {
    "ndrc-order-36-2025": ORDER_36_PERIODS.cite(),
    "ndrc-order-58-2023": ORDER_58_PERIODS.cite(),
}


async def expire_publicity(rt: Runtime, *, today: date | None = None) -> int:
    """Mark every published record whose maximum period ended before ``today`` (Asia/Shanghai) as
    expired and emit ``credit.publicity_expired.v1`` for it. Returns how many this run expired."""
    today = today or rt.clock.today()
    expired = 0
    while True:
        async with rt.sessionmaker() as session, session.begin():
            due = (
                await session.execute(
                    select(
                        CreditRecord.id,
                        CreditRecord.case_id,
                        CreditRecord.uscc,
                        CreditRecord.bureau,
                        CreditRecord.publicity_max_until,
                        CreditRecord.rule_set,
                    )
                    .where(CreditRecord.status == "published", CreditRecord.publicity_max_until < today)
                    .order_by(CreditRecord.publicity_max_until, CreditRecord.id)
                    .limit(BATCH)
                )
            ).all()
            done = 0
            for row in due:
                changed = await session.execute(
                    update(CreditRecord)
                    .where(CreditRecord.id == row.id, CreditRecord.status == "published")
                    .values(status="expired", ended_on=today, ended_by="publicity_expiry")
                )
                if changed.rowcount != 1:  # another run expired it first
                    continue
                done += 1
                await rt.emit(
                    session,
                    CreditPublicityExpired(
                        record_id=row.id,
                        case_id=row.case_id,
                        uscc=row.uscc,
                        bureau=row.bureau,
                        publicity_max_until=row.publicity_max_until,
                        expired_on=today,
                        rule=EXPIRY_RULE.get(row.rule_set, ORDER_36_PERIODS.cite()),
                    ),
                    subject=row.id,
                )
        expired += done
        if len(due) < BATCH:
            return expired


async def report_overdue_repairs(rt: Runtime, *, today: date | None = None) -> int:
    """Emit ``credit.repair_overdue.v1`` once per open application and missed deadline."""
    today = today or rt.clock.today()
    reported = 0
    async with rt.sessionmaker() as session, session.begin():
        apps = (
            await session.scalars(
                select(RepairApplication)
                .where(RepairApplication.status.in_(sorted(repair.OPEN_STATES)))
                .order_by(RepairApplication.submitted_at)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for app in apps:
            new = [
                d
                for d in repair.overdue_deadlines(
                    status=app.status, accept_due=app.accept_due, decide_due=app.decide_due, today=today
                )
                if d not in app.overdue_reported
            ]
            for deadline in new:
                due = app.accept_due if deadline == "accept" else app.decide_due
                await rt.emit(
                    session,
                    CreditRepairOverdue(
                        application_id=app.id,
                        record_id=app.record_id,
                        uscc=app.uscc,
                        bureau=app.bureau,
                        deadline=deadline,
                        due_date=due,
                        detected_on=today,  # type: ignore[arg-type]
                    ),
                    subject=app.record_id,
                )
                reported += 1
            if new:
                app.overdue_reported = [*app.overdue_reported, *new]
    return reported


async def _expire(rt: Runtime) -> int:
    return await expire_publicity(rt)


async def _overdue(rt: Runtime) -> int:
    return await report_overdue_repairs(rt)


JOBS = [
    PeriodicJob(name="publicity-expiry", every_seconds=3600, run=_expire),
    PeriodicJob(name="repair-overdue", every_seconds=3600, run=_overdue),
]

"""正面清单 (positive list) and Jiangsu enterprise environmental credit grades — use cases and the cited
rules they follow. Nothing here begins or commits: the request is the unit of work.

* Positive list: 《苏州市生态环境领域涉企行政合规指导工作试点方案》三（四）: 对主动开展合规管理且成效明显的企业，
  优先纳入正面清单。在……减少现场执法检查频次……等方面给予支持 — so effective compliance management is a
  reason, and membership marks the enterprise for reduced inspection frequency (how much lower is not in
  the data: the inspecting bureau's local setting). Membership is adjusted over time (苏环党组字〔2023〕90号
  （十二）完善正面清单动态调整机制): entries have a period and can be removed with a reason.
* Grades (绿/蓝/黄/红/黑): the grading criteria were NOT obtained; grades are stored as received from the
  provincial system and never computed or changed by credit records here.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit.models import CreditGrade, CreditRecord, PositiveListEntry, RepairApplication
from services.credit.positive.schemas import (
    CreditGradeView,
    CreditProfile,
    GradeImport,
    GradeImportResult,
    GradeRead,
    PositiveListCreate,
    PositiveListEntryRead,
)
from services.credit.records import service as records
from services.credit.records.rules import source
from services.credit.records.schemas import SourceRead
from services.credit.repair import service as repairs
from shared.auth import BUREAU_ROLES, GLOBAL_ROLES, Principal, Scope, ensure_can_see
from shared.contracts import CreditPositiveListChanged
from shared.db import lock_key
from shared.law import PILOT
from shared.problems import conflict, forbidden, invalid, not_found
from shared.service import Runtime
from shared.uscc import USCCError, validate
from shared.vocabulary import Role

PILOT_PLAN = source(
    "pilot_positive_list",
    f"{PILOT}三（四）：对主动开展合规管理且成效明显的企业，"
    "优先纳入正面清单。在评选绿色发展领军企业、减少现场执法检查频次、环保贷、项目审批等方面给予支持",
    "seeds/000_1d20550705d95898.txt",
    True,
)
DYNAMIC_ADJUSTMENT = source(
    "positive_list_dynamic_adjustment",
    "苏环党组字〔2023〕90号（十二）：进一步优化执法方式，完善正面清单动态调整机制",
    "seeds/001_a54fc38786dad5a9.txt",
    True,
)
INSPECTION_FREQUENCY = source(
    "positive_list_inspection_frequency",
    PILOT_PLAN.cite(),
    PILOT_PLAN.url,
    True,
    "membership lowers on-site inspection frequency; the reduction itself is not in the data (local setting)",
)
REASON_LABELS = {
    "effective_compliance_management": "主动开展合规管理且成效明显",
    "other": "其他理由（见说明）",
}

JIANGSU_GRADES = source(
    "jiangsu_grades",
    "江苏省企事业环保信用管理系统：根据企业环境行为信息产生的计分，由优到劣分为5个信用颜色等级（绿色等级、蓝色等级、黄色等级、红色等级、黑色等级）",
    "https://m.163.com/news/article/J2LS725I0530QRMB.html",
    False,
    "人民日报客户端 repost; the scoring criteria were not obtained",
)
GRADE_LABELS = {
    "green": "绿色等级",
    "blue": "蓝色等级",
    "yellow": "黄色等级",
    "red": "红色等级",
    "black": "黑色等级",
}
GRADE_STATEMENT = (
    "江苏省企事业环保信用评价的计分标准未取得：本系统只保存省级系统下发的信用颜色等级，不计算、不推算等级，"
    "也不按本系统的信用记录调整等级。"
)
RECORD_EFFECT = "数据中没有规定信用记录如何影响信用颜色等级的条文，故不显示任何影响（未取得评价标准）。"


def _uscc(value: str, field: str) -> str:
    try:
        return validate(value)
    except USCCError as e:
        raise invalid(field, str(e), code="invalid_uscc") from e


# -- positive list ----------------------------------------------------------------------------------
def entry_read(e: PositiveListEntry, *, today: date) -> PositiveListEntryRead:
    in_force = e.status == "active" and e.valid_from <= today <= e.valid_until
    return PositiveListEntryRead(
        id=e.id,
        uscc=e.uscc,
        enterprise_name=e.enterprise_name,
        bureau=e.bureau,
        reason_code=e.reason_code,  # type: ignore[arg-type]
        reason_label=REASON_LABELS[e.reason_code],
        reason=e.reason,
        basis=SourceRead.of(PILOT_PLAN if e.reason_code == "effective_compliance_management" else DYNAMIC_ADJUSTMENT),
        valid_from=e.valid_from,
        valid_until=e.valid_until,
        status=e.status,  # type: ignore[arg-type]
        in_force=in_force,
        inspection_frequency="reduced" if in_force else "normal",
        inspection_frequency_basis=SourceRead.of(INSPECTION_FREQUENCY),
        added_by=e.added_by,
        added_at=e.added_at,
        removed_by=e.removed_by,
        removed_at=e.removed_at,
        removal_reason=e.removal_reason,
    )


def _changed(e: PositiveListEntry, action: str, by: str, at: datetime) -> CreditPositiveListChanged:
    return CreditPositiveListChanged(
        entry_id=e.id,
        uscc=e.uscc,
        action=action,
        reason_code=e.reason_code,  # type: ignore[arg-type]
        valid_from=e.valid_from,
        valid_until=e.valid_until,
        inspection_frequency="reduced" if action == "added" else "normal",
        changed_by=by,
        changed_at=at,
    )


async def add_entry(
    rt: Runtime, session: AsyncSession, user: Principal, body: PositiveListCreate
) -> PositiveListEntryRead:
    uscc = _uscc(body.uscc, "uscc")
    if body.valid_until < body.valid_from:
        raise invalid(
            "valid_until",
            f"纳入期限止日 {body.valid_until} 早于起日 {body.valid_from}",
            code="invalid_period",
        )
    await lock_key(session, f"positive_list:{uscc}")  # two concurrent adds: the second sees the first
    overlapping = await session.scalar(
        select(PositiveListEntry.id).where(
            PositiveListEntry.uscc == uscc,
            PositiveListEntry.status == "active",
            PositiveListEntry.valid_from <= body.valid_until,
            PositiveListEntry.valid_until >= body.valid_from,
        )
    )
    if overlapping:
        raise conflict(
            "positive_list_duplicate",
            f"{uscc} 在该期间已在正面清单内（{overlapping}）；调整请先移出（{DYNAMIC_ADJUSTMENT.cite()}）",
            entry_id=overlapping,
            rule=DYNAMIC_ADJUSTMENT.cite(),
        )
    e = PositiveListEntry(
        id=str(uuid.uuid4()),
        uscc=uscc,
        enterprise_name=body.enterprise_name,
        bureau=body.bureau,
        reason_code=body.reason_code,
        reason=body.reason,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        status="active",
        added_by=user.sub,
        added_at=rt.clock.now(),
    )
    session.add(e)
    await session.flush()
    await rt.emit(session, _changed(e, "added", user.sub, e.added_at), subject=uscc)
    return entry_read(e, today=rt.clock.today())


async def remove_entry(
    rt: Runtime, session: AsyncSession, user: Principal, entry_id: str, reason: str
) -> PositiveListEntryRead:
    e = await session.scalar(
        select(PositiveListEntry).where(PositiveListEntry.id == entry_id).with_for_update()
    )
    if e is None:
        raise not_found("positive list entry", entry_id)
    if e.status != "active":
        raise conflict(
            "illegal_transition",
            "该正面清单条目已移出",
            state=e.status,
            action="remove",
            rule=DYNAMIC_ADJUSTMENT.cite(),
            allowed_actions=[],
        )
    e.status, e.removed_by, e.removed_at, e.removal_reason = "removed", user.sub, rt.clock.now(), reason
    await rt.emit(session, _changed(e, "removed", user.sub, e.removed_at), subject=e.uscc)
    return entry_read(e, today=rt.clock.today())


async def list_entries(
    session: AsyncSession, *, uscc: str | None, in_force: bool | None, today: date
) -> list[PositiveListEntryRead]:
    q = select(PositiveListEntry)
    if uscc:
        q = q.where(PositiveListEntry.uscc == _uscc(uscc, "uscc"))
    items = [
        entry_read(e, today=today)
        for e in (await session.scalars(q.order_by(PositiveListEntry.added_at))).all()
    ]
    return [i for i in items if in_force is None or i.in_force is in_force]


# -- Jiangsu credit grades --------------------------------------------------------------------------
async def import_grades(
    session: AsyncSession, user: Principal, body: GradeImport, *, now: datetime
) -> GradeImportResult:
    usccs = [_uscc(g.uscc, f"grades.{i}.uscc") for i, g in enumerate(body.grades)]
    seen: dict[tuple[str, date], int] = {}
    for i, (uscc, g) in enumerate(zip(usccs, body.grades, strict=True)):
        if g.valid_until is not None and g.valid_until < g.rated_on:
            raise invalid(f"grades.{i}.valid_until", "有效期止日早于评价日期", code="invalid_period")
        if (uscc, g.rated_on) in seen:
            raise invalid(
                f"grades.{i}",
                f"与第{seen[(uscc, g.rated_on)]}项重复（同一企业同一评价日期）",
                code="duplicate_grade",
            )
        seen[(uscc, g.rated_on)] = i

    async def attempt() -> GradeImportResult:
        created = updated = unchanged = 0
        # A savepoint: a lost race undoes this attempt only, not the request's unit of work.
        async with session.begin_nested():
            existing = {
                (r.uscc, r.rated_on): r
                for r in (
                    await session.scalars(select(CreditGrade).where(CreditGrade.uscc.in_(set(usccs))))
                ).all()
            }
            for uscc, g in zip(usccs, body.grades, strict=True):
                row = existing.get((uscc, g.rated_on))
                values = {
                    "grade": g.grade,
                    "valid_until": g.valid_until,
                    "source_system": body.source_system,
                    "source_reference": body.source_reference,
                }
                if row is None:
                    session.add(
                        CreditGrade(
                            id=str(uuid.uuid4()),
                            uscc=uscc,
                            rated_on=g.rated_on,
                            received_by=user.sub,
                            received_at=now,
                            **values,
                        )
                    )
                    created += 1
                elif (row.grade, row.valid_until) != (g.grade, g.valid_until):
                    for k, v in values.items():
                        setattr(row, k, v)
                    row.received_by, row.received_at = user.sub, now
                    updated += 1
                else:
                    unchanged += 1
        return GradeImportResult(created=created, updated=updated, unchanged=unchanged)

    # Two imports of the same (uscc, rated_on) at once: the later INSERT fails on the unique key and its
    # savepoint is rolled back; run it again, now seeing the other import's rows (never a 500).
    for tries in range(3):
        try:
            return await attempt()
        except IntegrityError:
            if tries == 2:
                raise
    raise AssertionError("unreachable")


def grade_read(g: CreditGrade) -> GradeRead:
    return GradeRead(
        uscc=g.uscc,
        grade=g.grade,
        grade_label=GRADE_LABELS[g.grade],
        rated_on=g.rated_on,  # type: ignore[arg-type]
        valid_until=g.valid_until,
        source_system=g.source_system,
        source_reference=g.source_reference,
        received_at=g.received_at,
    )


async def grade_view(session: AsyncSession, uscc: str) -> CreditGradeView:
    rows = (
        await session.scalars(
            select(CreditGrade).where(CreditGrade.uscc == uscc).order_by(CreditGrade.rated_on.desc())
        )
    ).all()
    history = [grade_read(g) for g in rows]
    return CreditGradeView(
        uscc=uscc,
        current=history[0] if history else None,
        history=history,
        statement=GRADE_STATEMENT,
        source=SourceRead.of(JIANGSU_GRADES),
        record_effect=RECORD_EFFECT,
    )


# -- the profile other services read ----------------------------------------------------------------
async def profile(session: AsyncSession, uscc: str, *, today: date) -> CreditProfile:
    entries = [
        entry_read(e, today=today)
        for e in (
            await session.scalars(
                select(PositiveListEntry)
                .where(PositiveListEntry.uscc == uscc)
                .order_by(PositiveListEntry.valid_from.desc())
            )
        ).all()
    ]
    current = next((e for e in entries if e.in_force), None)
    counts = dict(
        (
            await session.execute(
                select(CreditRecord.status, func.count())
                .where(CreditRecord.uscc == uscc)
                .group_by(CreditRecord.status)
            )
        ).all()
    )
    open_apps = await session.scalar(
        select(func.count())
        .select_from(RepairApplication)
        .where(RepairApplication.uscc == uscc, RepairApplication.open_key.is_not(None))
    )
    grades = await grade_view(session, uscc)
    return CreditProfile(
        uscc=uscc,
        on_positive_list=current is not None,
        positive_list_entry=current,
        inspection_frequency="reduced" if current else "normal",
        inspection_frequency_basis=SourceRead.of(INSPECTION_FREQUENCY),
        grade=grades.current,
        records={s: int(counts.get(s, 0)) for s in ("published", "not_published", "repaired", "expired")},
        open_repair_applications=int(open_apps or 0),
    )


def ensure_can_read_enterprise(user: Principal, uscc: str) -> None:
    """An enterprise's credit profile and grade: every bureau reads them (they set its inspection
    frequency), so do the global roles (services included); an enterprise reads only its own."""
    if user.has(*GLOBAL_ROLES, *BUREAU_ROLES):
        return
    ensure_can_see(user, bureau=None, uscc=uscc, what="this enterprise's credit information")


# -- an enterprise's own view -----------------------------------------------------------------------
async def my_credit(session: AsyncSession, user: Principal, *, today: date) -> dict[str, Any]:
    """An enterprise's own credit records, the notices served with them, its repair applications and profile."""
    if not user.has(Role.ENTERPRISE) or not user.uscc:
        raise forbidden("this view is for an enterprise token (with its uscc)", code="role_required")
    recs = [records.to_read(r, today=today) for r in await records.list_records(session, Scope(uscc=user.uscc))]
    apps, _ = await repairs.list_applications(
        session, user, status=None, uscc=None, record_id=None, overdue=None, today=today
    )
    return {
        "uscc": user.uscc,
        "records": [r.model_dump(mode="json") for r in recs],
        "notices": [
            {"case_id": r.case_id, "record_id": r.id, "url": f"/credit/v1/notices/{r.case_id}"} for r in recs
        ],
        "repair_applications": [a.model_dump(mode="json") for a in apps],
        "profile": (await profile(session, user.uscc, today=today)).model_dump(mode="json"),
    }

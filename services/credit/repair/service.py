"""Repair application use cases: submit, accept, approve, reject — one transaction each, with their
events; a refusal raises before anything is written. Approval ends the record's publicity
(令第36号第三条 终止公示) and emits ``credit.repaired.v1``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit.case_facts import get_facts, read_case
from services.credit.config import RepairSettings
from services.credit.models import CreditRecord, RepairApplication
from services.credit.records.rules import rule_set_on
from services.credit.repair import rules as repair
from services.credit.repair.rules import LOCAL_REAPPLICATION, LOCAL_TIME_LIMITS
from services.credit.repair.schemas import (
    RepairApplicationCreate,
    RepairApplicationRead,
    RequiredDocumentRead,
)
from shared.auth import BUREAU_ROLES, Principal, ensure_can_see, scope_of
from shared.clock import local_date
from shared.contracts import (
    CreditRepairApplicationDecided,
    CreditRepairApplicationSubmitted,
    CreditRepaired,
)
from shared.problems import Problem, conflict, forbidden, invalid, not_found, out_of_scope
from shared.rules import Refusal
from shared.service import Runtime
from shared.vocabulary import Role

DECIDER_ROLES = (Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.ADMIN)


def refusal_problem(r: Refusal) -> Problem:
    """Credit's answer to a refusal, as it has always been: the citation in the detail and ``rule`` /
    ``rule_verified`` fields; a 409 — or a 422 naming the ``field`` when the refusal is about what the
    request left out (a missing commitment, document, reason)."""
    extra = dict(r.extra)
    field = extra.pop("field", None)
    detail, cite = f"{r.detail}（依据：{r.rule.cite()}）", r.rule.cite()
    if field is not None:
        return invalid(field, detail, code=r.code, rule=cite, rule_verified=r.rule.verified, **extra)
    return conflict(r.code, detail, rule=cite, rule_verified=r.rule.verified, **extra)


def _settings() -> RepairSettings:
    return RepairSettings()


async def _obligations(
    rt: Runtime, session: AsyncSession, record: CreditRecord
) -> list[repair.ObligationCheck]:
    case = await read_case(rt, record.case_id)
    facts = await get_facts(session, record.case_id)
    return repair.obligation_checks(
        fine_amount=record.fine_amount,
        case_read=case,
        fine_paid_event=bool(facts and facts.fine_paid_at),
        rectification_event=facts.rectification_passed if facts else None,
    )


def _entry(actor: str, action: str, at: datetime, **detail: Any) -> dict[str, Any]:
    return {"at": at.isoformat(), "actor": actor, "action": action, "detail": detail}


# -- submit -----------------------------------------------------------------------------------------
def _check_body(
    record: CreditRecord, body: RepairApplicationCreate, previous: RepairApplication | None
) -> None:
    if not body.commitment:
        raise Refusal(repair.COMMITMENT_RULE, "缺少信用承诺书（commitment）", code="commitment_missing", field="commitment")
    missing = repair.missing_documents(record.fine_amount, (e.kind for e in body.evidence))
    if missing:
        raise Refusal(
            missing[0].source,
            "缺少申请材料：" + "；".join(f"{d.kind}（{d.text}）" for d in missing),
            code="repair_documents_missing",
            field="evidence",
            missing=[d.kind for d in missing],
        )
    if previous is not None and previous.status == "rejected" and not body.reapplication_note:
        raise Refusal(
            LOCAL_REAPPLICATION,
            f"前次申请 {previous.id} 已被驳回（理由：{previous.decision_reason}），重新申请须说明补正情况（reapplication_note）",
            code="reapplication_note_missing",
            field="reapplication_note",
            previous_application_id=previous.id,
        )


async def submit(
    rt: Runtime, session: AsyncSession, user: Principal, body: RepairApplicationCreate
) -> RepairApplicationRead:
    if not user.has(Role.ENTERPRISE):
        raise forbidden("信用修复由信用主体（企业）本人申请（令第36号第三条）", code="role_required")
    settings = _settings()
    record = await session.get(CreditRecord, body.record_id)
    if record is None:
        raise not_found("credit record", body.record_id)
    if user.uscc != record.uscc:
        raise forbidden(
            f"该信用记录属于其他信用主体；{repair.ORDER_36_ART_3.cite()}",
            "not_own_record",
            rule=repair.ORDER_36_ART_3.cite(),
        )
    previous = await session.scalar(
        select(RepairApplication)
        .where(RepairApplication.record_id == record.id)
        .order_by(RepairApplication.attempt.desc())
        .limit(1)
    )
    at = rt.clock.now()
    today = local_date(at)
    try:
        _check_body(record, body, previous)
        repair.check_can_apply(
            status=record.status,
            published=record.published,
            min_until=record.publicity_min_until,
            today=today,
        )
        if previous is not None and previous.status in repair.OPEN_STATES:
            raise Refusal(
                LOCAL_REAPPLICATION,
                f"该记录已有办理中的修复申请 {previous.id}（{previous.status}）",
                code="repair_application_open",
                application_id=previous.id,
            )
        checks = await _obligations(rt, session, record)
        if repair.unmet(checks):
            raise repair.obligations_refusal(checks)
    except Refusal as r:
        raise refusal_problem(r) from r
    app = RepairApplication(
        id=str(uuid.uuid4()),
        record_id=record.id,
        case_id=record.case_id,
        uscc=record.uscc,
        bureau=record.bureau,
        status="submitted",
        open_key=record.id,
        attempt=(previous.attempt + 1) if previous else 1,
        previous_application_id=previous.id if previous else None,
        reapplication_note=body.reapplication_note or None,
        commitment=body.commitment,
        evidence=[e.model_dump() for e in body.evidence],
        rule_set=rule_set_on(today).code,
        checks=[c.as_dict() for c in checks],
        applicant=user.sub,
        submitted_at=at,
        accept_due=repair.accept_due(today, settings),
        late=[],
        overdue_reported=[],
        timeline=[_entry(user.sub, "submit", at, checks=[c.key for c in checks if c.required])],
    )
    session.add(app)
    try:
        await session.flush()  # the unique open_key: one open application per record, however many race
    except IntegrityError as e:
        raise conflict(
            "repair_application_open",
            f"该记录已有办理中的修复申请（依据：{LOCAL_REAPPLICATION.cite()}）",
            rule=LOCAL_REAPPLICATION.cite(),
        ) from e
    await rt.emit(
        session,
        CreditRepairApplicationSubmitted(
            application_id=app.id,
            record_id=record.id,
            case_id=record.case_id,
            uscc=record.uscc,
            bureau=record.bureau,
            attempt=app.attempt,
            accept_due=app.accept_due,
            submitted_at=at,
        ),
        subject=record.id,
    )
    return to_read(app, today=today, fine_amount=record.fine_amount)


# -- accept / approve / reject ----------------------------------------------------------------------
def _ensure_decider(user: Principal, app: RepairApplication) -> None:
    if not user.has(*DECIDER_ROLES):
        raise forbidden(
            f"this action needs one of the roles: {', '.join(DECIDER_ROLES)}", code="role_required"
        )
    if not user.has(Role.ADMIN) and not (user.has(*BUREAU_ROLES) and user.bureau == app.bureau):
        raise out_of_scope("this repair application belongs to another bureau")


async def _handlers(rt: Runtime, record: CreditRecord) -> list[str]:
    """The case's handlers: as its decided event named them, or — for a record made before the event's
    handlers were kept — as the cases service reads the case. Unknown is refused: no one can tell then
    whether the person deciding handled the case."""
    if record.handlers:
        return list(record.handlers)
    case = await read_case(rt, record.case_id)
    handlers = case.get("handlers") if case else None
    if not handlers:
        raise Refusal(
            repair.INTERNAL_CONTROL,
            "无法核实本案执法人员（办案系统未提供），不能确认办理人不是本案执法人员",
            code="repair_case_handlers_unknown",
        )
    return list(handlers)


async def act(
    rt: Runtime, session: AsyncSession, user: Principal, app_id: str, action: str, reason: str | None
) -> RepairApplicationRead:
    settings = _settings()
    app = await session.scalar(
        select(RepairApplication).where(RepairApplication.id == app_id).with_for_update()
    )
    if app is None:
        raise not_found("repair application", app_id)
    _ensure_decider(user, app)
    record = await session.scalar(
        select(CreditRecord).where(CreditRecord.id == app.record_id).with_for_update()
    )
    at = rt.clock.now()
    today = local_date(at)
    try:
        repair.check_transition(app.status, action)
        repair.check_separation(action, user.sub, handlers=await _handlers(rt, record),
                                accepted_by=app.accepted_by)
        if action == "reject" and not reason:
            raise Refusal(
                LOCAL_REAPPLICATION, "驳回须说明理由，供申请人补正后重新申请", code="reason_required", field="reason"
            )
        checks = await _obligations(rt, session, record) if action == "approve" else None
        if checks is not None and repair.unmet(checks):
            raise repair.obligations_refusal(checks)
    except Refusal as r:
        raise refusal_problem(r) from r
    missed = repair.overdue_deadlines(
        status=app.status, accept_due=app.accept_due, decide_due=app.decide_due, today=today
    )
    app.late = sorted({*app.late, *missed})
    detail: dict[str, Any] = {"reason": reason} if reason else {}
    if action == "accept":
        app.status, app.accepted_at, app.accepted_by = "accepted", at, user.sub
        app.decide_due = repair.decide_due(today, settings)
    else:
        app.status = "approved" if action == "approve" else "rejected"
        app.open_key, app.decided_at, app.decided_by, app.decision_reason = None, at, user.sub, reason
    if checks is not None:
        app.checks = [c.as_dict() for c in checks]
        detail["checks"] = [c.key for c in checks if c.required]
    app.timeline = [*app.timeline, _entry(user.sub, action, at, **detail)]
    await rt.emit(
        session,
        CreditRepairApplicationDecided(
            application_id=app.id,
            record_id=app.record_id,
            case_id=app.case_id,
            uscc=app.uscc,
            bureau=app.bureau,
            action=action,
            reason=reason,
            late=bool(missed),
            decided_by=user.sub,
            decided_at=at,  # type: ignore[arg-type]
        ),
        subject=app.record_id,
    )
    if action == "approve":
        previous_status = record.status
        record.status, record.ended_on, record.ended_by = "repaired", today, app.id
        await rt.emit(
            session,
            CreditRepaired(
                record_id=record.id,
                case_id=record.case_id,
                uscc=record.uscc,
                bureau=record.bureau,
                application_id=app.id,
                previous_status=previous_status,
                repaired_on=today,
                approved_by=user.sub,
                approved_at=at,
                rule=repair.ENDS_PUBLICITY_RULE.cite(),
            ),
            subject=record.id,
        )
    await session.flush()
    return to_read(app, today=today, fine_amount=record.fine_amount)


# -- reads ------------------------------------------------------------------------------------------
async def get(session: AsyncSession, user: Principal, app_id: str, *, today: date) -> RepairApplicationRead:
    app = await session.get(RepairApplication, app_id)
    if app is None:
        raise not_found("repair application", app_id)
    ensure_can_see(user, bureau=app.bureau, uscc=app.uscc, what="this repair application")
    record = await session.get(CreditRecord, app.record_id)
    return to_read(app, today=today, fine_amount=record.fine_amount if record else None)


async def list_applications(
    session: AsyncSession,
    user: Principal,
    *,
    status: str | None,
    uscc: str | None,
    record_id: str | None,
    overdue: bool | None,
    today: date,
) -> tuple[list[RepairApplicationRead], int]:
    # The caller's own limits (an enterprise asking for another enterprise's applications has none).
    scope = scope_of(user, what="repair applications")
    bureau, own = scope.bureau, scope.uscc
    q = select(RepairApplication, CreditRecord.fine_amount).join(
        CreditRecord, CreditRecord.id == RepairApplication.record_id
    )
    for col, val in (
        (RepairApplication.bureau, bureau),
        (RepairApplication.uscc, own or uscc),
        (RepairApplication.status, status),
        (RepairApplication.record_id, record_id),
    ):
        if val is not None:
            q = q.where(col == val)
    if own and uscc and uscc != own:
        return [], 0
    rows: Sequence[Any] = (await session.execute(q.order_by(RepairApplication.submitted_at.desc()))).all()
    items = [to_read(app, today=today, fine_amount=fine) for app, fine in rows]
    if overdue is not None:
        items = [i for i in items if i.is_overdue is overdue]
    return items, len(items)


def to_read(app: RepairApplication, *, today: date, fine_amount: float | None) -> RepairApplicationRead:
    overdue = repair.overdue_deadlines(
        status=app.status, accept_due=app.accept_due, decide_due=app.decide_due, today=today
    )
    settings = _settings()
    return RepairApplicationRead(
        id=app.id,
        record_id=app.record_id,
        case_id=app.case_id,
        uscc=app.uscc,
        bureau=app.bureau,
        status=app.status,  # type: ignore[arg-type]
        attempt=app.attempt,
        previous_application_id=app.previous_application_id,
        reapplication_note=app.reapplication_note,
        commitment=app.commitment,
        evidence=app.evidence,
        required_documents=[
            RequiredDocumentRead(kind=d.kind, text=d.text, cite=d.source.cite(), verified=d.source.verified)
            for d in repair.required_documents(fine_amount)
        ],
        rule_set=app.rule_set,
        checks=app.checks,
        applicant=app.applicant,
        submitted_at=app.submitted_at,
        accept_due=app.accept_due,
        accepted_at=app.accepted_at,
        accepted_by=app.accepted_by,
        decide_due=app.decide_due,
        decided_at=app.decided_at,
        decided_by=app.decided_by,
        decision_reason=app.decision_reason,
        late=app.late,
        overdue=overdue,
        is_overdue=bool(overdue),
        time_limits={
            "accept_days": settings.accept_days,
            "decide_days": settings.decide_days,
            "unit": "calendar_days",
            "local_setting": True,
            "basis": LOCAL_TIME_LIMITS.cite(),
        },
        allowed_actions=repair.allowed_actions(app.status),
        reapplication=(
            {
                "allowed": True,
                "how": "补正后重新提交申请，并在 reapplication_note 中说明针对驳回理由的补正情况",
                "rule": LOCAL_REAPPLICATION.cite(),
                "local_setting": True,
            }
            if app.status == "rejected"
            else None
        ),
        timeline=app.timeline,
    )

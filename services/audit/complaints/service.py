"""投诉举报 use cases: file (public or enterprise), follow by tracking code, the handling office's steps, reads
and counts. Nothing here begins or commits: the request's unit of work owns the transaction, so the complaint,
its step, the audit-log act and the event (outbox) are written together or not at all."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.complaints import workflow as wf
from services.audit.complaints.models import Complaint, ComplaintStep
from services.audit.complaints.schemas import ComplaintCreate
from services.audit.config import AuditSettings
from services.audit.flags import rules
from services.audit.flags.service import known_case, upsert_flag
from services.audit.log import ledger
from shared import clock
from shared.contracts import AuditComplaintFiled, AuditComplaintHandled
from shared.problems import Problem, conflict, forbidden, invalid, not_found, refused
from shared.rules import Refusal

Emit = Callable[..., Awaitable[object]]
COMPLAINANT = "complainant"  # the actor of a filing step: never the complainant's name or account
CODE_PREFIX = "TS-"


def new_code() -> str:
    """查询码: 96 random bits (``secrets``), URL-safe — unguessable, shown once, only its hash kept."""
    return CODE_PREFIX + secrets.token_urlsafe(12)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def reference(c: Complaint) -> str:
    """投诉编号 — what a person quotes (the id's first eight characters); not a key to follow it by."""
    return c.id[:8].upper()


def problem(r: Refusal) -> Problem:
    """A handling refusal as the API answers it: the complained-about bureau's own people 403, the rest 409."""
    if r.code in ("complaint_handler_own_bureau", "complaint_not_handling_office"):
        return forbidden(r.detail, r.code, rule=r.rule.cite())
    if r.code == "illegal_transition":
        return conflict(r.code, r.detail, rule=r.rule.cite(), **dict(r.extra))
    return refused(r)


def _step(session: AsyncSession, c: Complaint, *, actor: str, action: str, status_from: str | None,
          detail: str, now: datetime) -> None:
    session.add(ComplaintStep(complaint_id=c.id, at=now, actor=actor, action=action, status_from=status_from,
                              status_to=c.status, detail=detail))


def _public_fields(c: Complaint) -> dict[str, Any]:
    """What the audit log and events may carry: never the complainant's identity."""
    return {"complaint_id": c.id, "reference": reference(c), "bureau": c.bureau, "category": c.category,
            "channel": c.channel, "anonymous": c.anonymous, "case_number": c.case_number, "status": c.status}


# -- filing ----------------------------------------------------------------------------------------
async def file(session: AsyncSession, body: ComplaintCreate, *, channel: str, uscc: str | None,
               settings: AuditSettings, emit: Emit, now: datetime) -> tuple[Complaint, str | None]:
    """File a complaint: returns it and its tracking code (None when the same form was filed before — its
    ``idempotency_key`` names the earlier complaint, whose code was shown then and is not kept)."""
    key = f"{channel}:{uscc or ''}:{body.idempotency_key}"
    earlier = await session.scalar(select(Complaint).where(Complaint.idempotency_key == key))
    if earlier is not None:
        return earlier, None
    code = new_code()
    named = not body.anonymous
    c = Complaint(
        id=str(uuid.uuid4()), code_hash=code_hash(code), idempotency_key=key, channel=channel, bureau=body.bureau,
        category=body.category.value, officer_name=(body.officer_name or "").strip() or None,
        case_number=(body.case_number or "").strip() or None, case_id=None, occurred_on=body.occurred_on,
        summary=body.summary, anonymous=body.anonymous,
        complainant_name=(body.complainant_name or "").strip() or None if named else None,
        complainant_contact=(body.complainant_contact or "").strip() or None if named else None,
        complainant_uscc=uscc, status=wf.Status.SUBMITTED.value, received_at=now,
        due_at=wf.due(now, settings.complaint_accept_days), extended=False,
    )
    try:
        session.add(c)
        await session.flush()  # the unique idempotency key is checked here, before anything else is written
    except IntegrityError as e:  # the same form filed at the same moment: the other submission holds it
        raise conflict("duplicate_submission", "同一投诉表单正在提交，请勿重复提交；稍后可凭查询码查看") from e
    _step(session, c, actor=COMPLAINANT, action="filed", status_from=None,
          detail=f"{wf.CATEGORY_CN[wf.Category(c.category)]}；依据 {wf.CATEGORY_SOURCE[wf.Category(c.category)]}", now=now)
    await ledger.append_act(session, type_="audit.complaint_filed", case_id=None, now=now,
                            data={**_public_fields(c), "received_at": now.isoformat()})
    await emit(session, AuditComplaintFiled(complaint_id=c.id, bureau=c.bureau, category=c.category,
                                            channel=channel, case_number=c.case_number,  # type: ignore[arg-type]
                                            received_at=now, due_at=c.due_at), subject=c.id)
    return c, code


async def by_code(session: AsyncSession, code: str) -> Complaint | None:
    return await session.scalar(select(Complaint).where(Complaint.code_hash == code_hash(code)))


# -- handling ------------------------------------------------------------------------------------------
async def locked(session: AsyncSession, complaint_id: str) -> Complaint:
    c = await session.scalar(select(Complaint).where(Complaint.id == complaint_id).with_for_update())
    if c is None:
        raise not_found("complaint", complaint_id)
    return c


async def act(session: AsyncSession, c: Complaint, action: wf.Action, *, actor: str, actor_bureau: str | None,
              settings: AuditSettings, emit: Emit, now: datetime, reason: str | None = None,
              approver: str | None = None, finding: str | None = None, case_id: str | None = None) -> Complaint:
    """One handling step by the handling office (never the complained-about bureau's people): the transition
    table decides; the step, the audit-log act and ``audit.complaint_handled.v1`` are written with it."""
    try:
        wf.refuse_own_bureau(c.bureau, actor_bureau, wf.ACTION_CN[action])
        wf.refuse_not_handling_office(actor_bureau, settings.complaint_handling_bureau, wf.ACTION_CN[action])
        before = c.status
        to = wf.next_status(c.status, action)
        if action == wf.Action.EXTEND:
            wf.check_extension(extended=c.extended, approver=approver or "", actor=actor)
    except Refusal as r:
        raise problem(r) from r
    detail = reason or ""
    if action == wf.Action.ACCEPT:
        c.handler, c.accepted_at = actor, now
        c.due_at = wf.due(now, settings.complaint_conclude_days)
    elif action == wf.Action.REFUSE:
        c.refusal_reason, c.closed_at, c.due_at = reason, now, None
    elif action == wf.Action.INVESTIGATE:
        c.handler = c.handler or actor
    elif action == wf.Action.EXTEND:
        c.extended, c.extension_approver, c.extension_reason = True, approver, reason
        c.due_at = wf.due(clock.as_utc(c.due_at or now), settings.complaint_extension_days)
        detail = f"批准人：{approver}；理由：{reason}；延长{settings.complaint_extension_days}日"
    elif action == wf.Action.CONCLUDE:
        if case_id:
            ref = await known_case(session, case_id)
            if ref is None:
                raise invalid("case_id", f"审计服务没有案件 {case_id} 的记录：请填写办案系统中已有案件的编号",
                              code="unknown_case", rule=wf.PROCEDURE_RULE.cite())
            if ref.bureau != c.bureau:
                raise invalid("case_id", f"案件 {ref.number} 不属于被投诉机关，不能关联", code="wrong_bureau",
                              rule=wf.PROCEDURE_RULE.cite())
            c.case_id = case_id
        c.finding, c.findings, c.concluded_at = finding, reason, now
        detail = f"{wf.FINDING_CN[wf.Finding(finding)]}：{reason}"
    elif action == wf.Action.ANSWER:
        c.answer, c.answered_at, c.closed_at, c.due_at = reason, now, now, None
    c.status = to.value
    if action == wf.Action.CONCLUDE and c.case_id and finding in wf.UPHELD:
        ref = await known_case(session, c.case_id)
        assert ref is not None
        flag = await upsert_flag(
            session, ref=ref, emit=emit, source_event_id=c.id, actor=actor, now=now,
            hits=[rules.substantiated_complaint(reference(c), wf.CATEGORY_CN[wf.Category(c.category)],
                                                wf.FINDING_CN[wf.Finding(finding)], reason or "")])
        c.flag_id = flag.id if flag else None
    _step(session, c, actor=actor, action=action.value, status_from=before, detail=detail, now=now)
    # A handled act names the case once one is linked, so the case's timeline shows it — to the complained-about
    # bureau's leader too (a flagged case of their bureau). 《信访工作条例》第三十条第三款: it carries nothing of the
    # complaint's material or of who complained — no channel, anonymity or case number as given, and no text written
    # to the complainant (the refusal, the answer: kept in ``complaint_steps``, read by the handling office).
    await ledger.append_act(session, type_="audit.complaint_handled", case_id=c.case_id, now=now, data={
        "complaint_id": c.id, "reference": reference(c), "bureau": c.bureau, "category": c.category,
        "status": c.status, "action": action.value, "actor": actor, "status_from": before,
        "detail": wf.WITHHELD if action.value in wf.WITHHELD_STEPS else detail,
        "finding": c.finding, "flag_id": c.flag_id})
    await emit(session, AuditComplaintHandled(
        complaint_id=c.id, bureau=c.bureau, category=c.category, action=action.value,  # type: ignore[arg-type]
        status=c.status, actor=actor, at=now, due_at=c.due_at, finding=c.finding, case_id=c.case_id,
        flag_id=c.flag_id), subject=c.id)
    await session.flush()
    return c


async def steps(session: AsyncSession, complaint_id: str) -> list[ComplaintStep]:
    return list(await session.scalars(select(ComplaintStep).where(ComplaintStep.complaint_id == complaint_id)
                                      .order_by(ComplaintStep.id)))


# -- reads -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComplaintFilter:
    now: datetime
    status: str | None = None
    bureau: str | None = None
    category: str | None = None
    overdue: bool = False
    complainant_uscc: str | None = None
    received_from: date | None = None
    received_to: date | None = None


def _overdue(now: datetime):
    return and_(Complaint.status.in_([s.value for s in wf.PENDING]), Complaint.due_at < now)


def conditions_of(f: ComplaintFilter) -> list:
    out = []
    if f.status:
        out.append(Complaint.status == f.status)
    if f.bureau:
        out.append(Complaint.bureau == f.bureau)
    if f.category:
        out.append(Complaint.category == f.category)
    if f.complainant_uscc:
        out.append(Complaint.complainant_uscc == f.complainant_uscc)
    if f.received_from:
        out.append(Complaint.received_at >= clock.day_start(f.received_from))
    if f.received_to:
        out.append(Complaint.received_at < clock.day_end(f.received_to))
    if f.overdue:
        out.append(_overdue(f.now))
    return out


async def listed(session: AsyncSession, f: ComplaintFilter, *, page: int, size: int) -> tuple[list[Complaint], int, int]:
    """A page (overdue first, then the earliest due), the filter's total and how many of them are overdue."""
    cond = conditions_of(f)
    total = await session.scalar(select(func.count()).select_from(Complaint).where(*cond)) or 0
    overdue = await session.scalar(select(func.count()).select_from(Complaint).where(*cond, _overdue(f.now))) or 0
    rows = list(await session.scalars(
        select(Complaint).where(*cond)
        .order_by(or_(Complaint.due_at.is_(None), Complaint.due_at >= f.now), Complaint.due_at, Complaint.received_at,
                  Complaint.id)
        .offset((page - 1) * size).limit(size)))
    return rows, int(total), int(overdue)


async def stats(session: AsyncSession, f: ComplaintFilter) -> dict[str, Any]:
    """投诉举报 counts for the dashboard and the annual report: received, accepted (ever), refused, overdue now,
    substantiated (成立 or 部分成立) — in all, per bureau and per category."""
    cond = conditions_of(f)
    accepted = Complaint.accepted_at.is_not(None)
    upheld = Complaint.finding.in_([x.value for x in wf.UPHELD])
    cols = [func.count(), _n(accepted), _n(Complaint.status == "refused"), _n(_overdue(f.now)), _n(upheld)]
    names = ("received", "accepted", "refused", "overdue", "substantiated")

    def row(values) -> dict[str, int]:
        return {n: int(v or 0) for n, v in zip(names, values, strict=True)}

    total = row((await session.execute(select(*cols).where(*cond))).one())
    by_bureau = {r[0]: row(r[1:]) for r in await session.execute(
        select(Complaint.bureau, *cols).where(*cond).group_by(Complaint.bureau).order_by(Complaint.bureau))}
    by_category = {r[0]: row(r[1:]) for r in await session.execute(
        select(Complaint.category, *cols).where(*cond).group_by(Complaint.category).order_by(Complaint.category))}
    return {**total, "by_bureau": by_bureau, "by_category": by_category}


def _n(condition):
    return func.sum(case((condition, 1), else_=0))

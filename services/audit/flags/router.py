"""Audit HTTP API (mounted under ``/v1``): flags, their assignment, review and history; interference records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from services.audit.config import audit_settings
from services.audit.flags import attachments, export, review, rules, service
from services.audit.flags.schemas import (
    AttachmentRead,
    BulkAssigned,
    FlagAssign,
    FlagBulkAssign,
    FlagCounts,
    FlagHistoryRead,
    FlagList,
    FlagRead,
    FlagReopen,
    FlagReview,
    FlagStatus,
    InterferenceCreate,
    InterferenceRead,
    RuleHitRead,
)
from services.audit.models import Flag
from shared import fields, pagination
from shared.auth import Principal, ensure_can_see, require_roles, scope_of
from shared.clock import PERIOD_FROM, PERIOD_TO, local_date
from shared.problems import invalid, not_found
from shared.registry import bureau_names, officer_names
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import DecisionType, Role

router = APIRouter(tags=["audit"])

_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}
WRITE_PROBLEMS = {**PROBLEMS, 409: _PROBLEM}

# Supervision auditors and administrators see every bureau's flags; a bureau leader only their bureau's.
FlagReader = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN, Role.LEADER)]
Auditor = Annotated[Principal, require_roles(Role.AUDITOR)]
Assigner = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN)]
# Anyone working a case may record an interference in it (记录制度 covers all enforcement staff).
Recorder = Annotated[Principal, require_roles(Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.AUDITOR, Role.ADMIN)]


def to_read(flag: Flag, now: datetime) -> FlagRead:
    return FlagRead(
        id=flag.id, case_id=flag.case_id, number=flag.number, uscc=flag.uscc, bureau=flag.bureau,
        decision_type=flag.decision_type, fine_amount=flag.fine_amount,
        rules=[RuleHitRead(code=r.code, severity=r.severity, detail=r.detail) for r in flag.rules],
        handlers=list(flag.handlers), decided_by=flag.decided_by, decided_at=flag.decided_at,
        status=flag.status,  # type: ignore[arg-type]
        created_at=flag.created_at, assignee=flag.assignee, assigned_at=flag.assigned_at, due_at=flag.due_at,
        ageing_days=review.ageing_days(flag, now), sla_breached=review.sla_breached(flag, now),
        reviewed_by=flag.reviewed_by, reviewed_at=flag.reviewed_at, review_notes=flag.review_notes,
        outcome=flag.outcome, review_started_at=flag.review_started_at,  # type: ignore[arg-type]
    )


async def to_detail(session, flag: Flag, now: datetime) -> FlagRead:
    """A single flag's answer: the flag with its attachments listed (not their bytes)."""
    out = to_read(flag, now)
    out.attachments = [AttachmentRead(**a._mapping) for a in await attachments.listed(session, flag.id)]
    return out


async def _flag(session, flag_id: str) -> Flag:
    flag = await service.get_flag(session, flag_id)
    if flag is None:
        raise not_found("flag", flag_id)
    return flag


Sla = Annotated[Literal["due", "overdue"] | None, Query(description=(
    "due: not reviewed and due within ECOCOMPLY_AUDIT_SLA_DUE_SOON_DAYS days (a local setting); "
    "overdue: not reviewed and past its due date"))]
CreatedFrom = Annotated[fields.Day | None, Query(alias="from", description=f"flags raised from this day; {PERIOD_FROM}")]
CreatedTo = Annotated[fields.Day | None, Query(alias="to", description=f"flags raised up to this day; {PERIOD_TO}")]
Assignee = Annotated[str | None, Query(max_length=100, description="an auditor's sub, or `me` for the caller")]
DecisionTypeQ = Annotated[str | None, Query(pattern=f"^({'|'.join([*DecisionType, 'undecided'])})$")]
RuleQ = Annotated[str | None, Query(max_length=60, description="a rule code, e.g. missing_legal_review")]


def _filter(user: Principal, rt, *, status, decision_type, bureau, rule, assignee, sla, created_from: date | None,
            created_to: date | None) -> service.FlagFilter:
    if created_from and created_to and created_to < created_from:
        raise invalid("to", "the period ends before it starts (to < from)")
    return service.FlagFilter(
        status=status, decision_type=decision_type, bureau=scope_of(user, bureau=bureau, what="flags").bureau,
        rule=rule, assignee=user.sub if assignee == "me" else assignee, sla=sla, created_from=created_from,
        created_to=created_to, now=rt.clock.now(), due_soon_days=audit_settings(rt).sla_due_soon_days)


@router.get("/flags", response_model=FlagList, responses=PROBLEMS)
async def list_flags(
    user: FlagReader,
    session: DbSession,
    rt: RuntimeDep,
    status: FlagStatus | None = None,
    decision_type: DecisionTypeQ = None,
    bureau: Annotated[str | None, Query(max_length=40)] = None,
    rule: RuleQ = None,
    assignee: Assignee = None,
    sla: Sla = None,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
    page: Annotated[int, Query(ge=1, le=pagination.MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description=pagination.CURSOR_DESCRIPTION)] = None,
) -> FlagList:
    """Newest first. Page with ``cursor`` (each answer's ``next``) while flags keep arriving: no flag is
    shown twice or skipped; ``page`` (offset) only for a list that is not changing. ``counts``: the same
    filter without ``status``, per status and overdue (the queue's tabs)."""
    f = _filter(user, rt, status=status, decision_type=decision_type, bureau=bureau, rule=rule, assignee=assignee,
                sla=sla, created_from=created_from, created_to=created_to)
    flags, total, nxt = await service.list_flags(session, f, page=page, size=size, cursor=cursor)
    now = rt.clock.now()
    return FlagList(items=[to_read(x, now) for x in flags], total=total, page=page, size=size, next=nxt,
                    counts=FlagCounts(**await service.counts(session, f)))


@router.get("/flags/export", response_class=Response, responses={**PROBLEMS, 200: {
    "content": {m.split(";")[0]: {} for m in export.MEDIA_TYPES.values()},
    "description": "the filtered queue as CSV or XLSX (Chinese headers, Beijing time)"}})
async def export_flags(
    user: FlagReader,
    session: DbSession,
    rt: RuntimeDep,
    format: Literal["csv", "xlsx"] = "csv",
    status: FlagStatus | None = None,
    decision_type: DecisionTypeQ = None,
    bureau: Annotated[str | None, Query(max_length=40)] = None,
    rule: RuleQ = None,
    assignee: Assignee = None,
    sla: Sla = None,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
) -> Response:
    """The queue under the list's filter as a file (at most ``export.LIMIT`` flags: a larger one is a 422
    asking for a narrower filter); cells beginning with = + - @ are neutralised."""
    f = _filter(user, rt, status=status, decision_type=decision_type, bureau=bureau, rule=rule, assignee=assignee,
                sla=sla, created_from=created_from, created_to=created_to)
    flags, total, _ = await service.list_flags(session, f, page=1, size=export.LIMIT)
    if total > export.LIMIT:
        raise invalid("from", f"共 {total} 个标记，超过单次导出上限 {export.LIMIT}：请缩小日期范围或增加筛选条件",
                      code="export_too_large", limit=export.LIMIT)
    now = rt.clock.now()
    bureaus, people = await bureau_names(rt.http), await officer_names(rt.http)
    rows = [export.row(x, bureaus=bureaus, people=people, now=now) for x in flags]
    body = export.to_xlsx(rows) if format == "xlsx" else export.to_csv(rows)
    name = f"ecocomply-flags-{local_date(now):%Y%m%d}.{format}"
    return Response(body, media_type=export.MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/flags/bulk-assign", response_model=BulkAssigned, responses=WRITE_PROBLEMS)
async def bulk_assign(body: FlagBulkAssign, user: Assigner, rt: RuntimeDep, session: DbSession) -> BulkAssigned:
    """Assign up to 100 flags to one auditor, all or nothing: if any cannot be assigned (unknown, out of
    scope, already reviewed, the assignee took part in its case) nothing changes and the 409
    ``bulk_assign_refused`` names each refused flag (``refused: [{flag_id, code, detail, rule}]``)."""
    now = rt.clock.now()
    flags = await review.bulk_assign(session, body.flag_ids, assignee=body.assignee, by=user.sub,
                                     can_see=lambda b: user.can_see(bureau=b, uscc=None), emit=rt.emit, now=now,
                                     own_bureau=user.bureau)
    return BulkAssigned(items=[to_read(x, now) for x in flags])


@router.get("/rules", responses=PROBLEMS)
async def list_rules(user: FlagReader) -> list[dict[str, str]]:
    """The integrity-risk rules this service applies, with the source each rests on."""
    return [{"code": code, "doc": (getattr(rules, code).__doc__ or "").strip().splitlines()[0]}
            for code in rules.RULE_CODES]


@router.get("/flags/{flag_id}", response_model=FlagRead, responses=PROBLEMS)
async def get_flag(flag_id: str, user: FlagReader, session: DbSession, rt: RuntimeDep) -> FlagRead:
    flag = await _flag(session, flag_id)
    ensure_can_see(user, bureau=flag.bureau, uscc=None, what="this flag")
    return await to_detail(session, flag, rt.clock.now())


@router.get("/flags/{flag_id}/history", response_model=list[FlagHistoryRead], responses=PROBLEMS)
async def flag_history(flag_id: str, user: FlagReader, session: DbSession) -> list[FlagHistoryRead]:
    flag = await _flag(session, flag_id)
    ensure_can_see(user, bureau=flag.bureau, uscc=None, what="this flag")
    return [FlagHistoryRead(at=h.at, actor=h.actor, action=h.action, status_from=h.status_from,
                            status_to=h.status_to, detail=h.detail) for h in await review.history(session, flag_id)]


@router.post("/flags/{flag_id}/assign", response_model=FlagRead, responses=WRITE_PROBLEMS)
async def assign_flag(flag_id: str, body: FlagAssign, user: Assigner, rt: RuntimeDep, session: DbSession) -> FlagRead:
    """Assign the review to an auditor (role ``auditor`` or ``admin``; the assignee not anyone who took part
    in the case: 403 ``reviewer_involved``); the SLA runs from the flag. The assignee's role is not known
    here (tokens carry it, no register of auditors exists): a non-auditor assignee can never start or
    review it, both needing the ``auditor`` role."""
    now = rt.clock.now()
    flag = await _flag(session, flag_id)
    review.refuse_own_bureau(flag, user.bureau, "分派")
    flag = await review.assign(session, flag, assignee=body.assignee, by=user.sub,
                               emit=rt.emit, now=now)
    return await to_detail(session, flag, now)


@router.post("/flags/{flag_id}/start", response_model=FlagRead, responses=WRITE_PROBLEMS)
async def start_review(flag_id: str, user: Auditor, rt: RuntimeDep, session: DbSession) -> FlagRead:
    """开始审核 (role ``auditor``): the assignee (403 ``not_assignee`` for anyone else), or an auditor taking an
    unassigned flag, which assigns it to them; not anyone who took part in the case (403
    ``reviewer_involved``); 409 ``illegal_transition`` if reviewed or already started."""
    now = rt.clock.now()
    flag = await _flag(session, flag_id)
    review.refuse_own_bureau(flag, user.bureau, "开始审核")
    flag = await review.start(session, flag, by=user.sub, emit=rt.emit, now=now)
    return await to_detail(session, flag, now)


@router.post("/flags/{flag_id}/review", response_model=FlagRead, responses=WRITE_PROBLEMS)
async def review_flag(flag_id: str, body: FlagReview, user: Auditor, rt: RuntimeDep, session: DbSession) -> FlagRead:
    """Record the supervision review's outcome with its reason (role ``auditor``; not anyone who took part in
    the case): ``cleared`` 无问题, ``issue_found`` 发现问题并责令纠正, ``referred`` 移送纪检监察."""
    now = rt.clock.now()
    flag = await _flag(session, flag_id)
    review.refuse_own_bureau(flag, user.bureau, "作出审核结论")
    flag = await review.review(session, flag, reviewer=user.sub, outcome=body.outcome,
                               notes=body.notes, emit=rt.emit, now=now)
    return await to_detail(session, flag, now)


@router.post("/flags/{flag_id}/reopen", response_model=FlagRead, responses=WRITE_PROBLEMS)
async def reopen_flag(flag_id: str, body: FlagReopen, user: Auditor, rt: RuntimeDep, session: DbSession) -> FlagRead:
    """重新审核 (role ``auditor`` only — never the audited bureau's leader or officers; not anyone who took
    part in the case): a reviewed flag goes back to ``open`` for a later review, with a new SLA. The earlier
    outcome stays in ``outcome``, the history and the annual report until that review records another."""
    now = rt.clock.now()
    flag = await _flag(session, flag_id)
    review.refuse_own_bureau(flag, user.bureau, "重新开启")
    flag = await review.reopen(session, flag, by=user.sub, reason=body.reason,
                               emit=rt.emit, now=now, sla_days=audit_settings(rt).review_sla_days)
    return await to_detail(session, flag, now)


@router.post("/flags/{flag_id}/attachments", status_code=201, response_model=AttachmentRead,
             responses={**WRITE_PROBLEMS, 413: _PROBLEM}, max_body_size=6 * 1024 * 1024)
async def add_attachment(flag_id: str, user: Auditor, rt: RuntimeDep, session: DbSession,
                         file: Annotated[UploadFile, File(description="PDF, image or office file, at most 5 MB",
                                                          json_schema_extra={"format": "binary"})],
                         ) -> AttachmentRead:
    """审核附件 (multipart ``file``; role ``auditor``, not anyone who took part in the case): PDF, PNG, JPEG,
    GIF, WebP, Word, Excel or PowerPoint recognised by content (422 ``unsupported_attachment``, or
    ``attachment_type_mismatch`` when the name's extension says otherwise), at most 5 MB (413); stored
    with its SHA-256, a history entry, a ledger act and an event."""
    flag = await _flag(session, flag_id)
    limit = audit_settings(rt).attachment_max_bytes
    data = await file.read(limit + 1)
    att = await attachments.attach(session, flag, data=data, filename=file.filename, by=user.sub, limit=limit,
                                   emit=rt.emit, now=rt.clock.now())
    return AttachmentRead(id=att.id, filename=att.filename, media_type=att.media_type, size=att.size,
                          sha256=att.sha256, uploaded_by=att.uploaded_by, uploaded_at=att.uploaded_at)


@router.get("/flags/{flag_id}/attachments", response_model=list[AttachmentRead], responses=PROBLEMS)
async def list_attachments(flag_id: str, user: FlagReader, session: DbSession) -> list[AttachmentRead]:
    flag = await _flag(session, flag_id)
    ensure_can_see(user, bureau=flag.bureau, uscc=None, what="this flag")
    return [AttachmentRead(**a._mapping) for a in await attachments.listed(session, flag_id)]


@router.get("/flags/{flag_id}/attachments/{attachment_id}", response_class=Response, responses={**PROBLEMS, 200: {
    "content": {t: {} for t in attachments.TYPES}, "description": "the attachment's bytes, as a download"}})
async def get_attachment(flag_id: str, attachment_id: str, user: FlagReader, session: DbSession) -> Response:
    flag = await _flag(session, flag_id)
    ensure_can_see(user, bureau=flag.bureau, uscc=None, what="this flag")
    att = await attachments.one(session, flag_id, attachment_id)
    if att is None:
        raise not_found("attachment", attachment_id)
    return Response(att.content, media_type=att.media_type, headers={
        "Content-Disposition": attachments.content_disposition(att.filename), "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox", "X-Checksum-SHA256": att.sha256})


@router.post("/interference-records", status_code=201, response_model=InterferenceRead,
             responses={**PROBLEMS, 409: _PROBLEM})
async def record_interference(body: InterferenceCreate, user: Recorder, rt: RuntimeDep,
                              session: DbSession) -> InterferenceRead:
    """领导干部干预插手案件记录 — record an interference in a case the audit knows (422 ``unknown_case``
    otherwise); the record takes the case's number, enterprise and bureau, and the case's flag gets rule
    ``recorded_interference`` (added to its history; a review already made stands)."""
    case = await service.case_of_record(session, user, body)
    rec, flag = await service.record_interference(session, body, case, by=user.sub, emit=rt.emit, now=rt.clock.now())
    return InterferenceRead(id=rec.id, case_id=rec.case_id, number=rec.number, bureau=rec.bureau, person=rec.person,
                            position=rec.position, manner=rec.manner, occurred_on=rec.occurred_on,
                            recorded_by=rec.recorded_by, recorded_at=rec.recorded_at, flag_id=flag.id)

"""投诉举报 HTTP API (under ``/audit/v1``): filing without an account (``/public/complaints``) or by an enterprise
(``/complaints``), following by tracking code, and the handling office's queue, steps and counts.

Who sees whom: the complainant (``complainant``) is shown to the handling office — auditors and administrators
not of the complained-about bureau — and to the complaining enterprise itself; never to the complained-about
bureau's people, who read neither the complaint's material (《信访工作条例》第三十条第三款: its leader reads that a
complaint exists, its progress and conclusion; its officers nothing)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.audit.complaints import service
from services.audit.complaints import workflow as wf
from services.audit.complaints.models import Complaint
from services.audit.complaints.schemas import (
    ComplainantRead,
    ComplaintAccept,
    ComplaintAnswer,
    ComplaintConclude,
    ComplaintCreate,
    ComplaintExtend,
    ComplaintFiled,
    ComplaintList,
    ComplaintRead,
    ComplaintRefuse,
    ComplaintStats,
    FollowQuery,
    PublicComplaint,
    StepRead,
)
from services.audit.config import audit_settings
from shared import fields
from shared.auth import Principal, require_roles, scope_of
from shared.clock import PERIOD_FROM, PERIOD_TO
from shared.problems import invalid, not_found
from shared.public import (
    PUBLIC_RESPONSES,
    PUBLIC_TAG,
    RateLimiter,
    client_address,
    is_own_component,
    public_read,
)
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import Role

router = APIRouter(tags=["complaints"])

_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}
WRITE_PROBLEMS = {**PROBLEMS, 409: _PROBLEM}

Reader = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN, Role.LEADER, Role.ENTERPRISE)]
Counter = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN, Role.LEADER)]
Handler = Annotated[Principal, require_roles(Role.AUDITOR)]
Enterprise = Annotated[Principal, require_roles(Role.ENTERPRISE)]


def sees_complainant(user: Principal, c: Complaint, handling_bureau: str) -> bool:
    """The handling office (auditor, admin of the handling bureau or of none, never of the complained-about
    bureau), or the complaining enterprise."""
    if user.has(Role.AUDITOR, Role.ADMIN) and wf.may_handle(user.bureau, c.bureau, handling_bureau):
        return True
    return user.has(Role.ENTERPRISE) and user.uscc is not None and user.uscc == c.complainant_uscc


def complained_about(user: Principal, c: Complaint) -> bool:
    """A person of the complained-about bureau (its leader, auditor, administrator), not the complaining enterprise."""
    return user.bureau is not None and user.bureau == c.bureau and not (
        user.has(Role.ENTERPRISE) and user.uscc is not None and user.uscc == c.complainant_uscc)


def withhold(out: ComplaintRead) -> None:
    """《信访工作条例》第三十条第三款: the complained-about bureau reads that a complaint about it exists, its category,
    progress and the handling office's conclusion — never the complaint's material (what was written, the officer
    named, the case and date given), the refusal or the answer written to the complainant, nor who complained."""
    out.summary, out.officer_name, out.case_number, out.occurred_on = wf.WITHHELD, None, None, None
    out.refusal_reason, out.answer, out.withheld = None, None, True
    for s in out.steps:
        if s.action in wf.WITHHELD_STEPS:
            s.detail = wf.WITHHELD


def to_read(c: Complaint, user: Principal, rt, steps=None) -> ComplaintRead:
    now = rt.clock.now()
    out = ComplaintRead(
        id=c.id, reference=service.reference(c), bureau=c.bureau, category=c.category,  # type: ignore[arg-type]
        summary=c.summary, officer_name=c.officer_name, case_number=c.case_number, case_id=c.case_id,
        occurred_on=c.occurred_on, status=c.status, received_at=c.received_at,  # type: ignore[arg-type]
        due_at=c.due_at, overdue=wf.overdue(c.status, c.due_at and service.clock.as_utc(c.due_at), now),
        handler=c.handler, accepted_at=c.accepted_at, refusal_reason=c.refusal_reason, extended=c.extended,
        extension_approver=c.extension_approver, extension_reason=c.extension_reason,
        finding=c.finding, findings=c.findings, concluded_at=c.concluded_at,  # type: ignore[arg-type]
        answer=c.answer, answered_at=c.answered_at, flag_id=c.flag_id,
        allowed_actions=wf.allowed(c.status) if user.has(Role.AUDITOR) and wf.may_handle(
            user.bureau, c.bureau, audit_settings(rt).complaint_handling_bureau) else [],
        steps=[StepRead(at=s.at, actor=s.actor, action=s.action, status_from=s.status_from, status_to=s.status_to,
                        detail=s.detail) for s in steps or []],
    )
    if complained_about(user, c):
        withhold(out)
    if sees_complainant(user, c, audit_settings(rt).complaint_handling_bureau):
        out.complainant = ComplainantRead(channel=c.channel, anonymous=c.anonymous,  # type: ignore[arg-type]
                                          name=c.complainant_name, contact=c.complainant_contact,
                                          uscc=c.complainant_uscc)
    return out


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    limiter = getattr(state, "complaint_limiter", None)
    if limiter is None:
        limiter = state.complaint_limiter = RateLimiter(state.runtime.settings.public_complaint_rate_limit)
    return limiter


async def _filed(body: ComplaintCreate, response: Response, session, rt, *, channel: str,
                 uscc: str | None) -> ComplaintFiled:
    c, code = await service.file(session, body, channel=channel, uscc=uscc, settings=audit_settings(rt),
                                 emit=rt.emit, now=rt.clock.now())
    if code is None:
        response.status_code = 200
    return ComplaintFiled(id=c.id, reference=service.reference(c), code=code, repeated=code is None, status=c.status,
                          received_at=c.received_at, due_at=c.due_at)


@router.post("/public/complaints", status_code=201, response_model=ComplaintFiled, tags=[PUBLIC_TAG],
             responses={**WRITE_PROBLEMS, **PUBLIC_RESPONSES})
async def file_public_complaint(body: ComplaintCreate, request: Request, response: Response, session: DbSession,
                                rt: RuntimeDep) -> ComplaintFiled:
    """投诉举报 without an account (工作要点（二十一）：畅通投诉举报渠道). Answers the tracking code (查询码) once — only
    its hash is kept. The same ``idempotency_key`` files once (a repeat answers 200, ``code: null``). Filings per
    client address: ``ECOCOMPLY_PUBLIC_COMPLAINT_RATE_LIMIT`` (the portal, an EcoComply component, limits its own
    visitors by their address with the same setting)."""
    await public_read(request)
    if not is_own_component(request, rt.verifier):
        _limiter(request).check(client_address(request, trust_forwarded_for=rt.settings.public_trust_forwarded_for,
                                               trusted_proxies=rt.settings.public_trusted_proxies))
    return await _filed(body, response, session, rt, channel="public", uscc=None)


@router.post("/public/complaints/follow", response_model=PublicComplaint, tags=[PUBLIC_TAG],
             responses={**PROBLEMS, **PUBLIC_RESPONSES})
async def follow_complaint(body: FollowQuery, request: Request, session: DbSession, rt: RuntimeDep) -> PublicComplaint:
    """凭查询码查看办理进度和答复 (no account). A code that matches nothing is a 404 (nothing else is said)."""
    await public_read(request)
    c = await service.by_code(session, body.code)
    if c is None:
        raise not_found("complaint", "（查询码无对应投诉，请核对后重新输入）")
    now = rt.clock.now()
    return PublicComplaint(
        reference=service.reference(c), bureau=c.bureau, category=c.category, status=c.status,  # type: ignore[arg-type]
        received_at=c.received_at, due_at=c.due_at,
        overdue=wf.overdue(c.status, c.due_at and service.clock.as_utc(c.due_at), now),
        refusal_reason=c.refusal_reason, extended=c.extended, extension_reason=c.extension_reason,
        finding=c.finding if c.status == wf.Status.ANSWERED else None,  # type: ignore[arg-type]
        answer=c.answer, answered_at=c.answered_at,
        review_right=wf.REVIEW_RIGHT if c.status == wf.Status.ANSWERED else None)


@router.get("/public/complaints/rules", tags=[PUBLIC_TAG], responses=PUBLIC_RESPONSES)
async def complaint_rules(request: Request, rt: RuntimeDep) -> dict:
    """The categories with their source, and the periods in force with the source of each default (local settings)."""
    await public_read(request)
    cfg = audit_settings(rt)
    values = {"ECOCOMPLY_AUDIT_COMPLAINT_ACCEPT_DAYS": cfg.complaint_accept_days,
              "ECOCOMPLY_AUDIT_COMPLAINT_CONCLUDE_DAYS": cfg.complaint_conclude_days,
              "ECOCOMPLY_AUDIT_COMPLAINT_EXTENSION_DAYS": cfg.complaint_extension_days}
    return {
        "categories": [{"code": c.value, "name": wf.CATEGORY_CN[c], "source": wf.CATEGORY_SOURCE[c]} for c in wf.Category],
        "periods": [{"setting": p.setting, "meaning": p.meaning, "days": values[p.setting], "default": p.default,
                     "unit": "日", "ceiling": p.ceiling, "source": p.source, "verified": p.verified} for p in wf.PERIOD_SOURCES],
    }


@router.post("/complaints", status_code=201, response_model=ComplaintFiled, responses=WRITE_PROBLEMS)
async def file_enterprise_complaint(body: ComplaintCreate, user: Enterprise, response: Response, session: DbSession,
                                    rt: RuntimeDep) -> ComplaintFiled:
    """投诉举报 by a signed-in enterprise (``/my``): as the public filing, the complainant being the token's
    enterprise (shown to the handling office only; never to the complained-about bureau)."""
    if not user.uscc:
        raise invalid("uscc", "企业身份令牌须含统一社会信用代码", code="uscc_required")
    return await _filed(body, response, session, rt, channel="enterprise", uscc=user.uscc)


@router.get("/complaints", response_model=ComplaintList, responses=PROBLEMS)
async def list_complaints(
    user: Reader, session: DbSession, rt: RuntimeDep,
    status: wf.Status | None = None,
    bureau: Annotated[str | None, Query(max_length=40)] = None,
    category: wf.Category | None = None,
    overdue: Annotated[bool, Query(description="only those past their running period (受理 or 办结)")] = False,
    received_from: Annotated[fields.Day | None, Query(alias="from", description=PERIOD_FROM)] = None,
    received_to: Annotated[fields.Day | None, Query(alias="to", description=PERIOD_TO)] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ComplaintList:
    """The queue, overdue first. Auditors and administrators: every bureau's; a bureau leader: their bureau's,
    without the complainant; an enterprise: the complaints it filed."""
    scope = scope_of(user, bureau=bureau, what="complaints")
    f = service.ComplaintFilter(now=rt.clock.now(), status=status, bureau=scope.bureau, category=category,
                                overdue=overdue, complainant_uscc=scope.uscc, received_from=received_from,
                                received_to=received_to)
    rows, total, late = await service.listed(session, f, page=page, size=size)
    return ComplaintList(items=[to_read(c, user, rt) for c in rows], total=total, overdue=late)


@router.get("/complaints/stats", response_model=ComplaintStats, responses=PROBLEMS)
async def complaint_stats(
    user: Counter, session: DbSession, rt: RuntimeDep,
    bureau: Annotated[str | None, Query(max_length=40)] = None,
    received_from: Annotated[fields.Day | None, Query(alias="from", description=PERIOD_FROM)] = None,
    received_to: Annotated[fields.Day | None, Query(alias="to", description=PERIOD_TO)] = None,
) -> ComplaintStats:
    """投诉举报 counts (received, accepted, refused, overdue now, substantiated) in all, per bureau and category."""
    scope = scope_of(user, bureau=bureau, what="complaints")
    f = service.ComplaintFilter(now=rt.clock.now(), bureau=scope.bureau, received_from=received_from,
                                received_to=received_to)
    return ComplaintStats(**await service.stats(session, f))


async def _visible(session, user: Principal, complaint_id: str) -> Complaint:
    c = await session.get(Complaint, complaint_id)
    if c is None or not (user.has(Role.AUDITOR, Role.ADMIN)
                         or (user.has(Role.LEADER) and user.bureau == c.bureau)
                         or (user.has(Role.ENTERPRISE) and user.uscc and user.uscc == c.complainant_uscc)):
        raise not_found("complaint", complaint_id)  # another bureau's or enterprise's looks the same as none
    return c


@router.get("/complaints/{complaint_id}", response_model=ComplaintRead, responses=PROBLEMS)
async def get_complaint(complaint_id: str, user: Reader, session: DbSession,
                        rt: RuntimeDep) -> ComplaintRead:
    c = await _visible(session, user, complaint_id)
    return to_read(c, user, rt, await service.steps(session, c.id))


async def _act(complaint_id: str, action: wf.Action, user: Principal, session, rt, **kw) -> ComplaintRead:
    c = await service.locked(session, complaint_id)
    c = await service.act(session, c, action, actor=user.sub, actor_bureau=user.bureau, settings=audit_settings(rt),
                          emit=rt.emit, now=rt.clock.now(), **kw)
    return to_read(c, user, rt, await service.steps(session, c.id))


@router.post("/complaints/{complaint_id}/accept", response_model=ComplaintRead, responses=WRITE_PROBLEMS)
async def accept(complaint_id: str, body: ComplaintAccept, user: Handler, session: DbSession,
                 rt: RuntimeDep) -> ComplaintRead:
    """受理 (role ``auditor``, not of the complained-about bureau: 403 ``complaint_handler_own_bureau``): the
    conclude period (``ECOCOMPLY_AUDIT_COMPLAINT_CONCLUDE_DAYS``) runs from now."""
    return await _act(complaint_id, wf.Action.ACCEPT, user, session, rt, reason=body.reason)


@router.post("/complaints/{complaint_id}/refuse", response_model=ComplaintRead, responses=WRITE_PROBLEMS)
async def refuse(complaint_id: str, body: ComplaintRefuse, user: Handler, session: DbSession,
                 rt: RuntimeDep) -> ComplaintRead:
    """不予受理 with its reason (required; the complainant reads it by code)."""
    return await _act(complaint_id, wf.Action.REFUSE, user, session, rt, reason=body.reason)


@router.post("/complaints/{complaint_id}/investigate", response_model=ComplaintRead, responses=WRITE_PROBLEMS)
async def investigate(complaint_id: str, user: Handler, session: DbSession, rt: RuntimeDep) -> ComplaintRead:
    """开始调查 (an accepted complaint)."""
    return await _act(complaint_id, wf.Action.INVESTIGATE, user, session, rt)


@router.post("/complaints/{complaint_id}/extend", response_model=ComplaintRead, responses=WRITE_PROBLEMS)
async def extend(complaint_id: str, body: ComplaintExtend, user: Handler, session: DbSession,
                 rt: RuntimeDep) -> ComplaintRead:
    """延长办理期限 once by ``ECOCOMPLY_AUDIT_COMPLAINT_EXTENSION_DAYS``, with an approver (not the caller) and a reason
    (409 ``complaint_already_extended`` / ``complaint_extension_self_approved``)."""
    return await _act(complaint_id, wf.Action.EXTEND, user, session, rt, reason=body.reason, approver=body.approver)


@router.post("/complaints/{complaint_id}/conclude", response_model=ComplaintRead, responses=WRITE_PROBLEMS)
async def conclude(complaint_id: str, body: ComplaintConclude, user: Handler, session: DbSession,
                   rt: RuntimeDep) -> ComplaintRead:
    """办结: 成立 / 部分成立 / 不成立 with the findings; ``case_id`` links the case complained about (a case of the
    complained-about bureau the audit knows). A substantiated complaint on a case raises (or adds to) the case's
    flag with rule ``substantiated_complaint`` (工作要点（二十一）), which then goes through the flag review."""
    return await _act(complaint_id, wf.Action.CONCLUDE, user, session, rt, reason=body.findings,
                      finding=body.finding.value, case_id=body.case_id)


@router.post("/complaints/{complaint_id}/answer", response_model=ComplaintRead, responses=WRITE_PROBLEMS)
async def answer(complaint_id: str, body: ComplaintAnswer, user: Handler, session: DbSession,
                 rt: RuntimeDep) -> ComplaintRead:
    """答复投诉人: the answer the complainant reads by the tracking code (and the enterprise on ``/my``)."""
    return await _act(complaint_id, wf.Action.ANSWER, user, session, rt, reason=body.answer)

"""After the decision: service (送达, 三书同时送达 for a penalty), execution (fine paid), closing (结案),
follow-up checks of a rectified case and relapses, and the scheduled overdue scan."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases import config, workflow
from services.cases.case.records import (
    ClosingRecord,
    ExecutionRecord,
    FollowUpOutcome,
    FollowUpRecord,
    RelapseRecord,
    ServiceRecord,
    case_records,
    edit_records,
)
from services.cases.case.schemas import (
    CaseRead,
    CloseCreate,
    FollowUpCreate,
    FollowUpResult,
    PaymentCreate,
    ServiceRead,
)
from services.cases.case.service import act, add_step, load_visible, read_apart, stored_due
from services.cases.clients import credit as credit_client
from services.cases.documents import issued
from services.cases.models import AdviceLetter, Case
from shared import clock, contracts
from shared.auth import Principal
from shared.clock import local_date
from shared.problems import Problem, invalid
from shared.service import Runtime

DOCUMENT_TITLES = {
    "decision": "行政处罚决定书",
    "no_penalty_decision": "不予行政处罚决定书",
    "notice": "行政处罚事先告知书",
    "hearing_notice": "听证通知书",
    "compliance_advice": "合规建议书",
    "credit_record_notice": "环保信用失信记录告知书",
    "credit_repair_guidance": "信用修复指引",
}


def document_url(case_id: str, kind: str) -> str:
    return f"/cases/v1/cases/{case_id}/documents/{kind}"


async def serve(rt: Runtime, session: AsyncSession, user: Principal, case_id: str) -> ServiceRead:
    assert rt.http is not None
    async with read_apart(rt) as s:  # the credit service is asked next: no lock held meanwhile
        snap = await load_visible(s, user, case_id)
        decision_type = snap.decision_type
        decided = dict(snap.decision or {})
        letter = (await s.execute(select(AdviceLetter.id, AdviceLetter.document_number)
                                  .where(AdviceLetter.case_id == case_id)
                                  .order_by(AdviceLetter.issued_at.desc()).limit(1))).first()
        has_advice = letter is not None
    credit_notice: dict[str, Any] | None = None
    if decision_type in workflow.PENALTIES:
        credit_notice = await credit_client.notice(rt.http, case_id)
        if credit_notice is None:
            rule = workflow.RULES["credit_notice_with_decision"]
            raise Problem(409, "credit_notice_pending",
                          f"the credit service has no credit record notice for this case yet; retry shortly — {rule.cite()}",
                          rule=rule.cite(), rule_code=rule.code, article=rule.article, verified=rule.verified)
    if decision_type == workflow.EXEMPTION:
        kinds = ["decision", "compliance_advice"]
    else:
        kinds = ["decision", "credit_record_notice", "credit_repair_guidance"] + (["compliance_advice"] if has_advice else [])
    # 三书同时送达 (domain/credit_repair.yaml, Suzhou 2022): the decision, the credit record notice and the credit
    # repair guidance served together — with the 合规建议书 where one was issued — each with its 文号.
    numbers = {"decision": decided.get("document_number"), **(decided.get("document_numbers") or {})}
    if letter is not None and letter.document_number:
        numbers["compliance_advice"] = letter.document_number
    documents = [{"kind": k, "url": document_url(case_id, k),
                  "title": DOCUMENT_TITLES["no_penalty_decision" if (k == "decision" and decision_type == "no_penalty") else k],
                  **({"number": numbers[k]} if numbers.get(k) else {})}
                 for k in kinds]

    async def mutate(case: Case, at: datetime):
        add_step(case, "service")
        for kind in kinds:  # 三书同时送达: each document served is issued as served (issue 24; the decision's already is)
            await issued.issue(session, case_id=case.id, kind=kind, number=issued.number_of(case, kind), at=at)
        with edit_records(case) as recs:
            recs.service = ServiceRecord.model_validate({"on": local_date(at), "at": at, "by": user.sub,
                                                         "documents": documents, "credit_notice": credit_notice})
        return contracts.CaseServed(case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau,
                                    decision_type=case.decision_type, documents=kinds, served_at=at)

    case = await act(rt, session, user, case_id, "serve", mutate, detail={"documents": kinds})
    return ServiceRead(documents=documents, case=case)


async def record_payment(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: PaymentCreate) -> CaseRead:
    def check(case: Case, v: workflow.CaseView) -> None:
        workflow.check(v, "record_payment", actor=user.sub)
        if case.fine_amount is not None and abs(body.amount - case.fine_amount) > 0.005:
            raise invalid("amount", f"the fine is {case.fine_amount:g} yuan; {body.amount:g} recorded", code="amount_mismatch")

    async def mutate(case: Case, at: datetime):
        paid_on = body.paid_on or local_date(at)
        add_step(case, "execution")
        with edit_records(case) as recs:
            recs.execution = ExecutionRecord(fine_paid=True, amount=body.amount, paid_at=paid_on, receipt=body.receipt,
                                             recorded_by=user.sub)
        return contracts.CaseFinePaid(case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau,
                                      amount=body.amount, paid_at=datetime.combine(paid_on, datetime.min.time(), clock.TZ))

    return await act(rt, session, user, case_id, "record_payment", mutate, check=check,
                     detail={"amount": body.amount, "receipt": body.receipt})


async def close(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: CloseCreate) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        case.closed_at = at
        add_step(case, "closing")
        with edit_records(case) as recs:
            recs.closing = ClosingRecord(notes=body.notes, by=user.sub, at=at)
            if case.rectification:
                # 跟踪管理: follow-up checks of a rectified case, at the local setting's offsets.
                recs.follow_ups = [FollowUpRecord(due=local_date(at) + timedelta(days=d), scheduled_by="closing",
                                                  setting=config.LABEL)
                                   for d in config.follow_up_days()]
        return contracts.CaseClosed(case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, closed_at=at)

    return await act(rt, session, user, case_id, "close", mutate, detail={"notes": body.notes})


async def schedule_follow_up(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                             body: FollowUpCreate) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        with edit_records(case) as recs:
            recs.follow_ups = [*recs.follow_ups, FollowUpRecord(due=body.due, scheduled_by=user.sub)]
        return None

    return await act(rt, session, user, case_id, "schedule_follow_up", mutate, detail={"due": body.due.isoformat()})


async def record_follow_up(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, index: int,
                           body: FollowUpResult) -> CaseRead:
    def check(case: Case, v: workflow.CaseView) -> None:
        workflow.check(v, "record_follow_up", actor=user.sub)
        checks = case_records(case).follow_ups
        if not 0 <= index < len(checks):
            raise invalid("index", f"the case has {len(checks)} follow-up checks; no check {index}", code="unknown_follow_up")
        if checks[index].result is not None:
            raise invalid("index", f"follow-up check {index} already has a result", code="duplicate")

    async def mutate(case: Case, at: datetime):
        with edit_records(case) as recs:
            recs.follow_ups[index].result = FollowUpOutcome(relapse=body.relapse, notes=body.notes, by=user.sub, at=at)
            if body.relapse:
                recs.relapses.append(RelapseRecord(found_at=at, detail=body.notes, by=user.sub))
        if body.relapse:
            return contracts.CaseRelapseFound(case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau,
                                              found_at=at, detail=body.notes)
        return None

    return await act(rt, session, user, case_id, "record_follow_up", mutate, check=check,
                     detail={"index": index, "relapse": body.relapse})


# -- the overdue scan (its transactions are the job's, ``jobs.overdue``) ---------------------------------
TERMINAL = ("withdrawn", "transferred", "terminated", "closed")


async def overdue_cases(session: AsyncSession, today: date) -> list[str]:
    """The cases with a due date passed (and not ended)."""
    return list((await session.scalars(select(Case.id).where(Case.next_due < today,
                                                             Case.state.not_in(TERMINAL)))).all())


async def emit_overdue(rt: Runtime, session: AsyncSession, case_id: str, at: datetime) -> int:
    """Emit ``case.overdue.v1`` once per deadline (and due date) of the case that has passed undone."""
    today = local_date(at)
    case = await session.scalar(select(Case).where(Case.id == case_id).with_for_update())
    if case is None:
        return 0
    done = set(case_records(case).overdue_emitted)
    new = []
    for name, d in stored_due(case).items():
        key = f"{name}:{d.date.isoformat()}"
        if not d.done and not d.suspended and today > d.date and key not in done:
            new.append(key)
            await rt.emit(session, contracts.CaseOverdue(
                case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, deadline=name,
                due_date=d.date, detected_at=at), subject=case.id)
    if new:
        with edit_records(case) as recs:
            recs.overdue_emitted = sorted(done | set(new))
    return len(new)

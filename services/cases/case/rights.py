"""事先告知与当事人权利 — the pre-decision notice (第四十四条), the party's statement and defence (第四十五条)
or explicit waiver (第六十二条), and the hearing (第六十三条、第六十四条). Each one ``act``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.cases import config, workflow
from services.cases.bureaus import service as bureaus
from services.cases.calendar import store as calendar_store
from services.cases.case import schemas
from services.cases.case.records import (
    BasisArticle,
    EarlierNotice,
    HearingRecord,
    NewFacts,
    NoticeRecord,
    ReasonRecord,
    StatementRecord,
    case_records,
    edit_records,
)
from services.cases.case.schemas import CaseRead, NoticeCreate, StatementCreate
from services.cases.case.service import act, add_step, defended_at, new_since, snapshot
from services.cases.clients import checklist as checklist_client
from services.cases.documents import content as documents
from services.cases.documents import issued
from services.cases.models import Case
from services.cases.workdays import add_working_days
from shared import contracts
from shared.auth import Principal
from shared.clock import local_date
from shared.problems import invalid
from shared.service import Runtime

RIGHTS_STEPS = ("notice", "statement", "rights_waived", "hearing")


def void_notice(case: Case) -> None:
    """The notice on record no longer counts (a new notice replaces it, or a returned legal review sends
    the case back to investigation, so its facts may change): it moves to ``records.earlier_notices``
    with the party's statement and hearing, and the rights steps are undone (第四十四条: the notice states
    the facts, reasons and basis the decision will rest on)."""
    if case_records(case).notice is None:
        return
    with edit_records(case) as recs:
        assert recs.notice is not None
        recs.earlier_notices.append(EarlierNotice(**dict(recs.notice), statement=recs.statement, hearing=recs.hearing))
        recs.notice = recs.statement = recs.hearing = None
    case.steps = [s for s in case.steps if s not in RIGHTS_STEPS]


# 按日连续处罚 (《环境保护法》第五十九条; 《水污染防治法》第九十五条 "……组织复查，发现其继续违法排放……按日连续处罚")
# follows a fine, a 责令改正 and a 复查 finding the violation continued: it is no basis of a first notice or decision.
DAILY_PENALTY = "按日连续处罚"


async def guidance_basis(rt: Runtime, codes: list[str]) -> list[BasisArticle]:
    """The obligation and penalty articles of each violation's guidance item (the checklist's, cached) — less the
    articles on 按日连续处罚 after 复查 (``DAILY_PENALTY``)."""
    out: list[BasisArticle] = []
    for code in codes:
        item = await checklist_client.guidance_item(rt, code) or {}
        for b in item.get("legal_basis") or []:
            if b.get("role") == "penalty" and DAILY_PENALTY in str(b.get("text_excerpt") or ""):
                continue
            if b.get("role") in ("obligation", "penalty") and b.get("law") and b.get("article"):
                ref = BasisArticle(law=b["law"], article=b["article"], clause=b.get("clause"), role=b["role"],
                                   violation=code)
                if ref not in out:
                    out.append(ref)
    return out


def _cite(refs: list[BasisArticle], role: str) -> str:
    return "、".join(documents.distinct_cites(documents.cite(r.model_dump()) for r in refs if r.role == role))


def _default_facts(case: Case) -> str:
    established = [k for k, v in (case.facts or {}).items() if v is True]
    return case.summary + (f"（已查明：{'、'.join(established)}）" if established else "")


def _default_reasons(body: NoticeCreate, basis: list[BasisArticle]) -> str:
    """The notice's 理由 (第四十四条) when the officer gives none — in Chinese, the kinds by the documents' labels."""
    kinds = [k for k in body.penalty_kinds if not (k == "fine" and body.intended_fine)]
    what = "、".join(x for x in (documents.kind_labels(kinds),
                                 f"罚款人民币{body.intended_fine:,.2f}元" if body.intended_fine else "") if x)
    intended = documents.DECISION_LABEL.get(body.intended_type or "", "行政处罚")
    return (f"违反{_cite(basis, 'obligation') or '（未载明）'}的规定，依据{_cite(basis, 'penalty') or '（未载明）'}，"
            f"拟作出{intended}" + (f"（{what}）" if what else ""))


def _new_facts(case: Case) -> NewFacts | None:
    """After the party's statement or hearing defence on an earlier notice (第四十五条): the evidence added and facts
    changed since the latest such defence."""
    recs = case_records(case)
    answered = [defended_at(n.statement, n.hearing) for n in recs.earlier_notices]
    answered.append(defended_at(recs.statement, recs.hearing))
    answered = [t for t in answered if t is not None]
    if not answered:
        return None
    since = max(answered)
    evidence, changed = new_since(recs, dict(case.facts or {}), since)
    return NewFacts(since=since, evidence=evidence, changed=changed)


async def notice(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: NoticeCreate) -> CaseRead:
    """事先告知 with its facts, reasons and basis (第四十四条). A further notice (say, of a heavier penalty)
    replaces the earlier one and gives the party its rights again: statements, waivers and hearings of the
    earlier notice no longer count (第四十四条、第四十五条、第六十三条); the earlier notice stays in
    ``records.earlier_notices``. After a statement, a heavier notice needs new facts (第四十五条), which the
    notice states (``new_facts``)."""
    snap = await snapshot(rt, user, case_id)  # the guidance items are asked before the case is locked
    codes = [v["code"] for v in snap.violations or []]
    items = await guidance_basis(rt, codes)
    penalty = {c: [(r.law, r.article) for r in items if r.violation == c and r.role == "penalty"] for c in codes}
    penalty = {c: arts for c, arts in penalty.items() if arts}  # an item naming no penalty article asks nothing
    given = [BasisArticle(**b.model_dump()) for b in body.basis] if body.basis is not None else None
    terms = workflow.NoticeTerms(body.intended_type, body.intended_fine, tuple(body.penalty_kinds))

    def check(case: Case, v: workflow.CaseView) -> None:
        workflow.check(v, "notice", actor=user.sub, terms=terms)
        if given is not None:
            workflow.check_notice_basis(v, [(b.law, b.article) for b in given], penalty)

    async def mutate(case: Case, at: datetime):
        right, why = config.hearing_right(case.bureau, intended_fine=body.intended_fine, kinds=body.penalty_kinds)
        new = _new_facts(case)
        basis = given if given is not None else items
        fields = body.model_dump(exclude={"basis"})
        fields["facts"] = body.facts or body.facts_and_reasons or _default_facts(case)
        fields["reasons"] = body.reasons or body.facts_and_reasons or _default_reasons(body, basis)
        authority = await bureaus.require(session, case.bureau, "notice", need=())  # 409 names a missing setting
        fields["number"] = await bureaus.issue_number(session, authority, "notice", local_date(at).year)
        earlier = case_records(case).notice
        # Issue 24: the notice document is issued with the notice (a further notice replaces the earlier one).
        await issued.issue(session, case_id=case.id, kind="notice", number=fields["number"], at=at,
                           replaces=earlier.number if earlier is not None else None)
        void_notice(case)
        add_step(case, "notice")
        with edit_records(case) as recs:
            recs.notice = NoticeRecord(**fields, basis=basis, basis_source="given" if given is not None else
                                       "guidance_items", new_facts=new, on=local_date(at), by=user.sub,
                                       hearing_right=right, hearing_right_basis=why)
        return contracts.CaseNotified(case_id=case.id, number=case.number, bureau=case.bureau,
                                      notified_by=user.sub, notified_at=at)

    return await act(rt, session, user, case_id, "notice", mutate, check=check, detail=body.model_dump())


async def record_statement(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                           body: StatementCreate) -> CaseRead:
    """陈述、申辩 heard — or the party's explicit waiver of its statement and hearing rights."""

    async def mutate(case: Case, at: datetime):
        add_step(case, "rights_waived" if body.waived else "statement")
        with edit_records(case) as recs:
            # A waiver after a defence does not erase it (第四十五条 reads the defence): the statement stays.
            if not (body.waived and recs.statement is not None and not recs.statement.waived):
                recs.statement = StatementRecord(**body.model_dump(), recorded_by=user.sub, at=at)
        return None

    return await act(rt, session, user, case_id, "record_statement", mutate,
                     detail={"waived": body.waived, "by": body.by})


async def request_hearing(rt: Runtime, session: AsyncSession, user: Principal, case_id: str) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        with edit_records(case) as recs:
            recs.hearing = HearingRecord(requested_on=local_date(at), requested_via=user.sub)
        return None

    return await act(rt, session, user, case_id, "request_hearing", mutate, detail={})


HEARING_NOTICE_WORKING_DAYS = 7  # 第六十四条第（二）项 “七日前”; 第八十五条: 工作日


async def schedule_hearing(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                           body: schemas.HearingSchedule) -> CaseRead:
    """听证通知 (第六十四条第（二）项、第（四）项): the time and place notified at least seven working days
    (第八十五条) before the hearing, the presider designated. A new schedule replaces the earlier one."""
    ctx: dict[str, Any] = {}

    async def load(case: Case, at: datetime) -> None:
        today = local_date(at)
        notified = body.notified_on or today
        if notified > today:
            raise invalid("notified_on", f"the party cannot have been notified after today ({today})",
                          code="invalid_date")
        asked = case_records(case).hearing
        if asked and asked.requested_on and notified < asked.requested_on:
            raise invalid("notified_on", f"the party asked for the hearing on {asked.requested_on}; it cannot have "
                                         "been notified of it before", code="invalid_date")
        p = add_working_days(notified, HEARING_NOTICE_WORKING_DAYS, await calendar_store.load_calendar(session))
        ctx.update(notified=notified, earliest=p.due, provisional=p.due.year if p.provisional else None)

    def check(case: Case, v: workflow.CaseView) -> None:
        workflow.check(v, "schedule_hearing", actor=user.sub, presided_by=body.presided_by,
                       hearing_on=local_date(body.at), earliest=ctx["earliest"], provisional=ctx["provisional"])

    async def mutate(case: Case, at: datetime):
        # 听证通知书 (第六十四条第（二）项) gets its 文号 with the schedule; 409 names a missing bureau setting.
        authority = await bureaus.require(session, case.bureau, "hearing_notice", need=())
        number = await bureaus.issue_number(session, authority, "hearing_notice", local_date(at).year)
        with edit_records(case) as recs:
            asked = recs.hearing or HearingRecord()
            recs.hearing = HearingRecord(requested_on=asked.requested_on, requested_via=asked.requested_via,
                                         scheduled_at=body.at, place=body.place, designated_presider=body.presided_by,
                                         notified_on=ctx["notified"], earliest_lawful_day=ctx["earliest"],
                                         scheduled_by=user.sub, number=number)
        if "hearing_notice" in documents.KINDS:  # 听证通知书, issued with the schedule (issue 24)
            await issued.issue(session, case_id=case.id, kind="hearing_notice", at=at, number=number)
        return None

    return await act(rt, session, user, case_id, "schedule_hearing", mutate, check=check, before_check=load,
                     detail={"at": body.at.isoformat(), "place": body.place, "presided_by": body.presided_by,
                             "notified_on": (body.notified_on.isoformat() if body.notified_on else None)})


async def hold_hearing(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                       body: schemas.HearingRecord) -> CaseRead:
    """听证 held (第六十四条): at or after the notified time, presided by a non-investigator, recorded (笔录 with the
    party's statements, checked and signed — or the refusal noted); the hearing keeps the facts and the penalty
    at issue, on which the decision rests (第六十五条)."""
    asked = None

    def check(case: Case, v: workflow.CaseView) -> None:
        nonlocal asked
        asked = case_records(case).hearing or HearingRecord()
        workflow.check(v, "hold_hearing", actor=user.sub, presided_by=body.presided_by or asked.designated_presider,
                       record=body.record, party_statements=body.party_statements, signature=body.signature,
                       refusal_note=body.refusal_note)

    async def mutate(case: Case, at: datetime):
        add_step(case, "hearing")
        n = case_records(case).notice
        with edit_records(case) as recs:
            assert asked is not None
            recs.hearing = asked.model_copy(update=dict(
                held_on=local_date(at), held_at=at, presided_by=body.presided_by or asked.designated_presider,
                record=body.record, party_statements=body.party_statements, signature=body.signature,
                refusal_note=body.refusal_note or None, facts=dict(case.facts or {}),
                at_issue={"intended_type": n.intended_type, "intended_fine": n.intended_fine,
                          "penalty_kinds": list(n.penalty_kinds)} if n else None))
        return None

    return await act(rt, session, user, case_id, "hold_hearing", mutate, check=check,
                     detail={"presided_by": body.presided_by, "signature": body.signature})


async def reinvestigate(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                        body: schemas.ReinvestigateCreate) -> CaseRead:
    """复核 / 重新调查 (第四十五条): back to investigation. The notice (with the party's statement and hearing)
    moves to ``records.earlier_notices``; the legal review and the collective discussion no longer count —
    evidence, changed facts, a new review and a new notice follow."""

    async def mutate(case: Case, at: datetime):
        void_notice(case)
        case.steps = [s for s in case.steps if s not in ("legal_review", "collective_discussion")]
        add_step(case, "reinvestigation")
        with edit_records(case) as recs:
            recs.reinvestigations.append(ReasonRecord(reason=body.reason, by=user.sub, at=at))
        return None

    return await act(rt, session, user, case_id, "reinvestigate", mutate, detail={"reason": body.reason})

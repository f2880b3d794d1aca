"""Use cases of the investigation and review stage: evidence, investigation, legal review, 一案一议,
opinions, collective discussion, rectification, time-limit extensions and suspensions, withdrawal,
transfer, economic impact — each one ``act`` (one transaction, rules first)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases import config, economic_impact, workflow
from services.cases.case import acts, refusals, rights
from services.cases.case.records import (
    CaseReviewRecord,
    DiscussionRecord,
    EconomicImpactRecord,
    EndingRecord,
    ExtensionRecord,
    FactEntry,
    LegalReviewRecord,
    OpinionRecord,
    ReasonRecord,
    SuspensionRecord,
    TransferRecord,
    Votes,
    case_records,
    edit_records,
)
from services.cases.case.schemas import (
    CaseRead,
    CaseReviewCreate,
    CollectiveDiscussion,
    EconomicImpactCreate,
    EvidenceCreate,
    ExtensionCreate,
    InvestigationComplete,
    LegalReview,
    OpinionCreate,
    RectificationAssessment,
    RectificationPlan,
    SuspensionCreate,
    TransferCreate,
    WithdrawCreate,
)
from services.cases.case.service import act, add_step, registered_leaders
from services.cases.clients import checklist as checklist_client
from services.cases.models import Case, Evidence, Officer
from shared import contracts
from shared.auth import Principal
from shared.clock import local_date
from shared.problems import invalid
from shared.service import Runtime


async def add_evidence(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: EvidenceCreate) -> CaseRead:
    """调查取证. Evidence is recorded whoever collected it, but it counts (the ``evidence`` step that legal
    review and the decision need) only when ``collected_by`` is a certified handler of the case: one of its
    handlers, on the register with a 执法证号 (第四十二条, rule ``evidence_by_certified_handlers``)."""
    counted: list[bool] = []
    detail = {"kind": body.kind, "collected_by": body.collected_by, "description": body.description}

    async def load_certificate(case: Case, at: datetime) -> None:
        cert = None
        if body.collected_by in case.handlers:
            cert = await session.scalar(select(Officer.cert_no).where(
                Officer.sub == body.collected_by, Officer.active.is_(True)))
        counted.append(bool(cert))
        detail["counted"] = bool(cert)

    async def mutate(case: Case, at: datetime) -> None:
        session.add(Evidence(id=str(uuid.uuid4()), case_id=case.id, kind=body.kind, description=body.description,
                             collected_by=body.collected_by, collected_at=at))
        if counted[0]:
            add_step(case, "evidence")
            with edit_records(case) as recs:  # read after a statement (第四十五条)
                recs.fact_log.append(FactEntry(kind="evidence", at=at, by=user.sub,
                                               evidence=f"{body.kind}：{body.description}"))
        else:
            with edit_records(case) as recs:
                recs.uncounted_evidence.append(body.collected_by)
        return None

    return await act(rt, session, user, case_id, "add_evidence", mutate, before_check=load_certificate,
                     detail=detail)


async def complete_investigation(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: InvestigationComplete
) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        if body.violations:  # the act dates found (第三十六条、第三十七条): 422 naming the field, nothing written
            case.violations = acts.corrected(case.violations, body.violations, local_date(at))
        before = dict(case.facts or {})
        case.facts = {**before, **body.facts}
        add_step(case, "investigation")
        changed = {k: {"from": before.get(k), "to": v} for k, v in body.facts.items() if before.get(k) != v}
        if changed:  # read after a statement (第四十五条) and a hearing (第六十五条)
            with edit_records(case) as recs:
                recs.fact_log.append(FactEntry(kind="facts", at=at, by=user.sub, changed=changed))
        return contracts.CaseInvestigationCompleted(
            case_id=case.id, number=case.number, bureau=case.bureau, facts=case.facts,
            completed_by=user.sub, completed_at=at,
        )

    await checklist_client.check_facts(rt, body.facts)  # before the case is touched: 422, nothing recorded
    detail: dict = {"facts": body.facts}
    if body.violations:
        detail["violations"] = [acts.stored(a.code, a.occurred_on, a.ended_on, a.act) for a in body.violations]
    return await act(rt, session, user, case_id, "complete_investigation", mutate, detail=detail)


async def legal_review(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: LegalReview) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        if body.opinion == "approve":
            add_step(case, "legal_review")
        else:
            # Back to investigation: the earlier review's notice and discussion no longer count.
            rights.void_notice(case)
            case.steps = [s for s in case.steps if s not in ("legal_review", "collective_discussion")]
            add_step(case, "legal_review_returned")
        with edit_records(case) as recs:
            recs.legal_reviews.append(LegalReviewRecord(opinion=body.opinion, notes=body.notes, by=user.sub, at=at,
                                                        proposed_type=body.proposed_type,
                                                        proposed_fine=body.proposed_fine,
                                                        proposed_ending=body.proposed_ending,
                                                        proposed_change=body.proposed_change))
        return contracts.CaseLegalReviewed(
            case_id=case.id, number=case.number, bureau=case.bureau, opinion=body.opinion,
            reviewer=user.sub, reviewed_at=at, proposed_type=body.proposed_type, proposed_fine=body.proposed_fine,
        )

    return await act(rt, session, user, case_id, "legal_review", mutate,
                     check_kw={"opinion": body.opinion, "proposed_change": body.proposed_change},
                     transition={"opinion": body.opinion},
                     detail={"opinion": body.opinion, "notes": body.notes, "proposed_type": body.proposed_type,
                             "proposed_fine": body.proposed_fine, "proposed_ending": body.proposed_ending,
                             "proposed_change": body.proposed_change})


async def record_opinion(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: OpinionCreate) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        add_step(case, "opinions")
        with edit_records(case) as recs:
            recs.opinions.append(OpinionRecord(from_=body.from_, content=body.content, recorded_by=user.sub, at=at))
        return contracts.CaseOpinionRecorded(
            case_id=case.id, number=case.number, bureau=case.bureau, opinion_from=body.from_,
            recorded_by=user.sub, recorded_at=at,
        )

    return await act(rt, session, user, case_id, "record_opinion", mutate,
                     detail={"from": body.from_, "content": body.content})


async def case_review(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: CaseReviewCreate) -> CaseRead:
    """一案一议 — the case-by-case analysis of an exemption outside the list (试点方案 三（六）)."""

    async def mutate(case: Case, at: datetime):
        add_step(case, "case_review")
        with edit_records(case) as recs:
            recs.case_review = CaseReviewRecord(analysis=body.analysis, conclusion=body.conclusion, by=user.sub, at=at)
        return None

    return await act(rt, session, user, case_id, "case_review", mutate, detail={"conclusion": body.conclusion})


async def collective_discussion(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: CollectiveDiscussion
) -> CaseRead:
    votes = body.votes.for_ + body.votes.against + body.votes.abstain
    if votes != len(body.participants):
        raise invalid("votes", f"{votes} votes recorded for {len(body.participants)} participants; "
                      "every participant's vote is recorded (for, against or abstain)", code="votes_mismatch")
    approved = workflow.discussion_approves(participants=len(body.participants), votes_for=body.votes.for_)
    vote_dict = {"for": body.votes.for_, "against": body.votes.against, "abstain": body.votes.abstain}
    concluded = body.concluded_type()
    if body.fine_amount and concluded == workflow.EXEMPTION:
        raise invalid("fine_amount", "an exemption (no_penalty) carries no fine", code="fine_with_exemption")

    leaders: list[str] = []

    async def load_leaders(case: Case, at: datetime) -> None:
        leaders.extend(await registered_leaders(session, case.bureau, list(body.participants)))

    def check(case: Case, v: workflow.CaseView) -> None:
        workflow.check_discussion(v, participants=body.participants, quorum=config.discussion_quorum(),
                                  leaders=leaders)

    async def mutate(case: Case, at: datetime):
        with edit_records(case) as recs:
            recs.collective_discussions.append(DiscussionRecord(
                participants=body.participants, conclusion=body.conclusion, votes=Votes.model_validate(vote_dict),
                minutes=body.minutes, approved=approved, recorded_by=user.sub, at=at, decision_type=concluded,
                fine_amount=body.fine_amount))
        if not approved:
            # A discussion that does not approve voids the earlier one's conclusion.
            case.steps = [s for s in case.steps if s != "collective_discussion"]
            return None
        add_step(case, "collective_discussion")
        return contracts.CaseCollectiveDiscussed(
            case_id=case.id, number=case.number, bureau=case.bureau, participants=body.participants,
            conclusion=body.conclusion, votes=vote_dict, recorded_by=user.sub, discussed_at=at,
            decision_type=concluded, fine_amount=body.fine_amount,
        )

    return await act(rt, session, user, case_id, "collective_discussion", mutate, check=check,
                     before_check=load_leaders, transition={"approved": approved}, detail={
        "participants": body.participants, "conclusion": body.conclusion, "votes": vote_dict,
        "minutes": body.minutes, "approved": approved, "decision_type": concluded, "fine_amount": body.fine_amount,
    })


async def rectification_plan(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: RectificationPlan
) -> CaseRead:
    kinds = [m.kind for m in body.measures]

    def check(case: Case, v: workflow.CaseView) -> None:
        workflow.check(v, "rectification_plan", actor=user.sub)
        missing = workflow.missing_measures(kinds, case.facts or {})
        if missing:
            raise invalid("measures", f"the plan lacks the measures {missing} — {workflow.RECTIFICATION_RULE.cite()}",
                          code="rectification_incomplete", rule=workflow.RECTIFICATION_RULE.cite())
        filed = local_date(case.filed_at)
        for i, m in enumerate(body.measures):
            if m.due < filed:
                raise invalid(f"measures.{i}.due", "a measure cannot be due before the case was filed", code="invalid_date")

    async def mutate(case: Case, at: datetime):
        case.rectification = {"measures": [m.model_dump(mode="json") for m in body.measures],
                              "planned_by": user.sub, "planned_at": at.isoformat(), "assessment": None,
                              "evidence": []}
        case.steps = [s for s in case.steps if s != "rectification_assessed"]
        add_step(case, "rectification_plan")
        return None

    return await act(rt, session, user, case_id, "rectification_plan", mutate, check=check,
                     detail={"measures": kinds})


async def rectification_assessment(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: RectificationAssessment
) -> CaseRead:
    def check(case: Case, v: workflow.CaseView) -> None:
        workflow.check(v, "rectification_assessment", actor=user.sub)
        if not case.rectification:
            raise invalid("case", "there is no rectification plan to assess (POST …/rectification first)",
                          code="no_rectification_plan")

    async def mutate(case: Case, at: datetime):
        case.rectification = {**case.rectification,
                              "assessment": {"passed": body.passed, "notes": body.notes, "by": user.sub,
                                             "at": at.isoformat()}}
        if body.passed:
            add_step(case, "rectification_assessed")
        return contracts.CaseRectificationAssessed(
            case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, passed=body.passed,
            assessed_by=user.sub, assessed_at=at,
        )

    return await act(rt, session, user, case_id, "rectification_assessment", mutate, check=check,
                     detail={"passed": body.passed, "notes": body.notes})


async def extend_handling(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: ExtensionCreate) -> CaseRead:
    """办案期限延长 — +30 days by the head's approval, then +30 by collective discussion (第五十七条); asked by a
    leader who does not handle the case (``time_limit_approved_by_leader``)."""

    async def mutate(case: Case, at: datetime):
        with edit_records(case) as recs:
            recs.extensions.append(ExtensionRecord(**body.model_dump(), by=user.sub, at=at))
        return None

    return await act(rt, session, user, case_id, "extend_handling", mutate,
                     check_kw={"kind": body.kind, "leader": user.has("leader")}, detail=body.model_dump())


async def suspend(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: SuspensionCreate) -> CaseRead:
    """中止/检测/评估/认定 — the handling period stops running (第三十五条); asked by a leader who does not handle
    the case (``time_limit_approved_by_leader``)."""

    async def mutate(case: Case, at: datetime):
        with edit_records(case) as recs:
            recs.suspensions.append(SuspensionRecord(**body.model_dump(), from_=local_date(at), by=user.sub))
        return None

    return await act(rt, session, user, case_id, "suspend", mutate, check_kw={"leader": user.has("leader")},
                     detail=body.model_dump())


async def resume(rt: Runtime, session: AsyncSession, user: Principal, case_id: str) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        with edit_records(case) as recs:
            recs.suspensions[-1].to = local_date(at)
        return None

    return await act(rt, session, user, case_id, "resume", mutate, detail={})


async def end_case(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, *, kind: str, reason: str,
                   to: str | None = None) -> CaseRead:
    """Ending a case before a decision — 撤销立案, 违法事实不能成立, 终止, 移送 — through ``gate.check_ending``:
    a leader who is not a handler decides it (第五十七条); after the investigation an unpenalised ending
    needs the legal review approving it (第五十八条, our reading). Emits ``ecocomply.case.ended.v1``."""
    ending = workflow.Ending(kind=kind, decided_by=user.sub, decider_is_leader=user.has("leader"))  # type: ignore[arg-type]

    action = workflow.gate.ENDING_ACTION[kind]
    attempt = refusals.Attempt(action, ending_kind=kind)  # type: ignore[arg-type]

    def check(case: Case, v: workflow.CaseView) -> None:
        attempt.gate(case, lambda: workflow.check_ending(v, ending))

    async def mutate(case: Case, at: datetime):
        review = case_records(case).approved_review()
        needs_review = case.state != "filed" and kind != "transferred"
        with edit_records(case) as recs:
            recs.ending = EndingRecord(kind=kind, reason=reason, by=user.sub, at=at, state_before=case.state, to=to,
                                       legal_review_by=review.by if needs_review and review else None,
                                       legal_review_at=review.at if needs_review and review else None)
            if kind == "transferred":
                recs.transfer = TransferRecord(to=to or "", reason=reason, by=user.sub, at=at)
            else:
                recs.withdrawal = ReasonRecord(reason=reason, by=user.sub, at=at)
        add_step(case, "ending")
        return contracts.CaseEnded(
            case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, kind=kind, reason=reason,  # type: ignore[arg-type]
            decided_by=user.sub, ended_at=at, state_before=case.state, transferred_to=to,
            legal_review_by=review.by if needs_review and review else None,
            legal_review_at=review.at if needs_review and review else None, handlers=list(case.handlers),
            violations=[v["code"] for v in case.violations], steps=list(case.steps))

    return await refusals.guarded(rt, session, user, attempt, act(
        rt, session, user, case_id, action, mutate, check=check,
        detail={"kind": kind, "reason": reason, **({"to": to} if to else {})}))


async def withdraw(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: WithdrawCreate) -> CaseRead:
    """撤销立案 / 违法事实不能成立 (第五十七条第一款第（三）项) / 终止 — a leader's decision."""
    return await end_case(rt, session, user, case_id, kind=body.kind, reason=body.reason)


async def transfer(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: TransferCreate) -> CaseRead:
    """移送 — e.g. to the judicial organs when the act is suspected to be a crime (第五十七条第一款第（四）项)."""
    return await end_case(rt, session, user, case_id, kind="transferred", reason=body.reason, to=body.to)


async def assess_economic_impact(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: EconomicImpactCreate
) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        notice = case_records(case).notice
        fine = case.fine_amount if case.fine_amount is not None else notice.intended_fine if notice else None
        record = economic_impact.assess(body.model_dump(), fine_amount=fine)
        with edit_records(case) as recs:
            recs.economic_impact = EconomicImpactRecord(**record, by=user.sub, at=at)
        return None

    return await act(rt, session, user, case_id, "economic_impact", mutate, detail={"employees": body.employees})

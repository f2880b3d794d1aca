"""HTTP of the case workflow (API.md "cases"): enterprises, officers, cases and every workflow action —
parse, authorize, call the use case; the request is the unit of work (``DbSession``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.cases.case import decision, execution, refusals, rights, service, steps
from services.cases.case.schemas import (
    CaseCreate,
    CaseList,
    CaseRead,
    CaseReviewCreate,
    CloseCreate,
    CollectiveDiscussion,
    DecisionChangeCreate,
    DecisionCreate,
    DecisionTypeName,
    DiscretionRequest,
    EconomicImpactCreate,
    EnterpriseCreate,
    EnterpriseRead,
    EnterpriseUpdate,
    EvidenceCreate,
    ExtensionCreate,
    FollowUpCreate,
    FollowUpResult,
    GateRefusalList,
    HearingRecord,
    HearingSchedule,
    InvestigationComplete,
    LegalReview,
    NoticeCreate,
    OfficerCreate,
    OfficerRead,
    OpinionCreate,
    PaymentCreate,
    RectificationAssessment,
    RectificationPlan,
    ReinvestigateCreate,
    ServiceRead,
    StatementCreate,
    SuspensionCreate,
    TransferCreate,
    WithdrawCreate,
)
from shared import fields, pagination
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep

router = APIRouter()

Officer = Annotated[Principal, require_roles("officer", "admin")]
Reviewer = Annotated[Principal, require_roles("legal_reviewer")]
Leader = Annotated[Principal, require_roles("leader")]
DecisionMaker = Annotated[Principal, require_roles("officer", "leader")]
OfficerOrParty = Annotated[Principal, require_roles("officer", "enterprise")]
Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform", "service"
)]
Admin = Annotated[Principal, require_roles("admin")]
Staff = Annotated[Principal, require_roles("officer", "legal_reviewer", "leader", "auditor", "admin", "platform")]
# The register is also read by the other services (the portal, the audit dashboard) to show names, not login ids.
RegisterReader = Annotated[Principal, require_roles("officer", "legal_reviewer", "leader", "auditor", "admin", "platform",
                                                    "service")]


@router.post("/enterprises", status_code=201, response_model=EnterpriseRead, tags=["enterprises"])
async def create_enterprise(body: EnterpriseCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """Register an enterprise by its 统一社会信用代码 (check character per GB 32100-2015)."""
    return await service.create_enterprise(rt, session, user, body)


@router.patch("/enterprises/{uscc}", response_model=EnterpriseRead, tags=["enterprises"])
async def update_enterprise(uscc: str, body: EnterpriseUpdate, user: Officer, session: DbSession):
    """Change the particulars the documents print: name, industry, address, 法定代表人 (officer of the
    enterprise's bureau, or admin)."""
    return await service.update_enterprise(session, user, uscc, body)


@router.get("/enterprises/{uscc}", response_model=EnterpriseRead, tags=["enterprises"])
async def get_enterprise(uscc: str, user: Reader, session: DbSession):
    return await service.get_enterprise(session, user, uscc)


@router.post("/officers", status_code=201, response_model=OfficerRead, tags=["officers"])
async def register_officer(body: OfficerCreate, user: Admin, rt: RuntimeDep, session: DbSession):
    """Register (or update) an enforcement officer's 执法证号 (持证上岗, 《行政处罚法》第四十二条)."""
    return await service.register_officer(rt, session, user, body)


@router.get("/officers", response_model=list[OfficerRead], tags=["officers"])
async def list_officers(user: RegisterReader, session: DbSession, bureau: str | None = None):
    """The officers register: each officer's name, bureau and 执法证号 (第四十二条 持证上岗)."""
    return await service.list_officers(session, user, bureau)


@router.post("/cases", status_code=201, response_model=CaseRead, tags=["cases"])
async def file_case(body: CaseCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """立案 — ≥ 2 certified handlers, officers of the case's own bureau (第四十二条), within the filing time
    limit from the clue (办法第十八条), within the limitation period (第三十六条)."""
    return await service.file_case(rt, session, user, body)


@router.get("/cases", response_model=CaseList, tags=["cases"])
async def list_cases(
    user: Reader,
    rt: RuntimeDep,
    session: DbSession,
    state: str | None = None,
    bureau: str | None = None,
    uscc: str | None = None,
    decision_type: DecisionTypeName | None = None,
    from_: Annotated[fields.Day | None, Query(alias="from", description="first Asia/Shanghai calendar date (UTC+8, the date Chinese law counts in), inclusive, of the decision date when decision_type is given, else of the filing date")] = None,
    to: Annotated[fields.Day | None, Query(description="last Asia/Shanghai calendar date, inclusive")] = None,
    overdue: Annotated[bool | None, Query(description="only cases with a time limit passed undone (or none)")] = None,
    provisional: Annotated[bool | None, Query(description="cases whose pending due dates depend on an unloaded year")] = None,
    page: Annotated[int, Query(ge=1, le=pagination.MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description=pagination.CURSOR_DESCRIPTION)] = None,
    ended: Annotated[bool, Query(description=(
        "only the cases whose penalty was ended or reduced without the statutory penalty in the period from/to: "
        "ended before a decision (撤销立案, 违法事实不能成立, 终止, 移送) or decided and then revoked or reduced "
        "(``outcome`` says which; page with ``page``) — the audit's reconciliation reads it"))] = False,
):
    """Newest filing first; page with ``cursor`` (each answer's ``next``) while cases are being filed."""
    if ended:
        return await service.list_endings(rt, session, user, bureau=bureau, from_=from_, to=to, page=page, size=size)
    return await service.list_cases(rt, session, user, state=state, bureau=bureau, uscc_=uscc,
                                    decision_type=decision_type, from_=from_, to=to, page=page, size=size,
                                    overdue=overdue, provisional=provisional, cursor=cursor)


@router.get("/cases/{case_id}", response_model=CaseRead, tags=["cases"])
async def get_case(case_id: str, user: Reader, rt: RuntimeDep, session: DbSession):
    return await service.get_case(rt, session, user, case_id)


@router.get("/cases/{case_id}/refusals", response_model=GateRefusalList, tags=["cases"])
async def list_refusals(case_id: str, user: Staff, session: DbSession):
    """The decisions, endings and changes of a decision the decision gate refused on this case, oldest first:
    who attempted what, when, and the rule (code, article, citation) that refused it. The case itself was left
    unchanged by each; every one was also sent to the audit as ``ecocomply.case.gate_refused.v1`` (试点方案
    三（十）). Staff who may read the case; not the party (the gate's refusals are internal records)."""
    return await refusals.list_refusals(session, user, case_id)


@router.post("/cases/{case_id}/evidence", response_model=CaseRead, tags=["workflow"])
async def add_evidence(case_id: str, body: EvidenceCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """调查取证 — record a piece of evidence."""
    return await steps.add_evidence(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/investigation/complete", response_model=CaseRead, tags=["workflow"])
async def complete_investigation(
    case_id: str, user: Officer, rt: RuntimeDep, session: DbSession, body: InvestigationComplete | None = None
):
    """调查终结 — the facts established are merged into the case's facts."""
    return await steps.complete_investigation(rt, session, user, case_id, body or InvestigationComplete())


@router.post("/cases/{case_id}/legal-review", response_model=CaseRead, tags=["workflow"])
async def legal_review(case_id: str, body: LegalReview, user: Reviewer, rt: RuntimeDep, session: DbSession):
    """法制审核 (《行政处罚法》第五十八条) — by a legal reviewer who is not a handler of the case."""
    return await steps.legal_review(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/opinions", response_model=CaseRead, tags=["workflow"])
async def record_opinion(case_id: str, body: OpinionCreate, user: DecisionMaker, rt: RuntimeDep, session: DbSession):
    """征求意见 — opinions solicited for an exemption outside the no-penalty list."""
    return await steps.record_opinion(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/case-review", response_model=CaseRead, tags=["workflow"])
async def case_review(case_id: str, body: CaseReviewCreate, user: DecisionMaker, rt: RuntimeDep, session: DbSession):
    """一案一议 — the case-by-case analysis of an exemption outside the no-penalty list."""
    return await steps.case_review(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/collective-discussion", response_model=CaseRead, tags=["workflow"])
async def collective_discussion(
    case_id: str, body: CollectiveDiscussion, user: Leader, rt: RuntimeDep, session: DbSession
):
    """集体讨论 — participants (quorum), conclusion, votes and minutes, recorded by a leader."""
    return await steps.collective_discussion(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/rectification", response_model=CaseRead, tags=["workflow"])
async def rectification_plan(case_id: str, body: RectificationPlan, user: Officer, rt: RuntimeDep, session: DbSession):
    """合规整改 — the enterprise's rectification plan with its mandatory measures."""
    return await steps.rectification_plan(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/rectification/assessment", response_model=CaseRead, tags=["workflow"])
async def rectification_assessment(
    case_id: str, body: RectificationAssessment, user: Officer, rt: RuntimeDep, session: DbSession
):
    return await steps.rectification_assessment(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/extensions", response_model=CaseRead, tags=["time limits"])
async def extend_handling(case_id: str, body: ExtensionCreate, user: DecisionMaker, rt: RuntimeDep,
                         session: DbSession):
    """办案期限延长 (+30 by the head's approval, then +30 by collective discussion) — by a leader who does not handle
    the case; 409 ``time_limit_approved_by_leader`` otherwise."""
    return await steps.extend_handling(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/suspensions", response_model=CaseRead, tags=["time limits"])
async def suspend(case_id: str, body: SuspensionCreate, user: DecisionMaker, rt: RuntimeDep, session: DbSession):
    """中止/检测/评估/认定 — the handling period stops running until resumed; approved by a leader who does not
    handle the case (409 ``time_limit_approved_by_leader`` otherwise)."""
    return await steps.suspend(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/suspensions/end", response_model=CaseRead, tags=["time limits"])
async def resume(case_id: str, user: Officer, rt: RuntimeDep, session: DbSession):
    return await steps.resume(rt, session, user, case_id)


@router.post("/cases/{case_id}/discretion", response_model=CaseRead, tags=["workflow"])
async def calculate_discretion(case_id: str, user: DecisionMaker, rt: RuntimeDep, session: DbSession,
                               body: DiscretionRequest | None = None):
    """裁量计算 — the checklist's fine calculation for the case, stored with its rule version."""
    return await decision.calculate_discretion(rt, session, user, case_id, body or DiscretionRequest())


@router.post("/cases/{case_id}/notice", response_model=CaseRead, tags=["workflow"])
async def notice(case_id: str, user: Officer, rt: RuntimeDep, session: DbSession, body: NoticeCreate | None = None):
    """事先告知 (《行政处罚法》第四十四条) — the intended penalty, the statement/defence and hearing rights and
    their due dates (hearing right per 第六十三条; 较大数额 is a local setting)."""
    return await rights.notice(rt, session, user, case_id, body or NoticeCreate())


@router.post("/cases/{case_id}/statement", response_model=CaseRead, tags=["workflow"])
async def record_statement(case_id: str, body: StatementCreate, user: OfficerOrParty, rt: RuntimeDep, session: DbSession):
    """陈述、申辩 (第四十五条), or the party's explicit waiver of its rights (第六十二条)."""
    return await rights.record_statement(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/hearing/request", response_model=CaseRead, tags=["workflow"])
async def request_hearing(case_id: str, user: OfficerOrParty, rt: RuntimeDep, session: DbSession):
    """要求听证 — within five working days of the notice (第六十四条、第八十五条)."""
    return await rights.request_hearing(rt, session, user, case_id)


@router.post("/cases/{case_id}/hearing/schedule", response_model=CaseRead, tags=["workflow"])
async def schedule_hearing(case_id: str, body: HearingSchedule, user: DecisionMaker, rt: RuntimeDep,
                           session: DbSession):
    """听证通知 — the time and place notified to the party at least seven working days before the hearing
    (第六十四条（二）、第八十五条), the presider designated (not an investigator, 第六十四条（四）)."""
    return await rights.schedule_hearing(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/hearing", response_model=CaseRead, tags=["workflow"])
async def hold_hearing(case_id: str, body: HearingRecord, user: DecisionMaker, rt: RuntimeDep, session: DbSession):
    """听证 — at or after the notified time, presided by someone who did not investigate the case
    (第六十四条（四）), recorded with the party's statements and its signature or refusal (第六十四条（八）)."""
    return await rights.hold_hearing(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/reinvestigate", response_model=CaseRead, tags=["workflow"])
async def reinvestigate(case_id: str, body: ReinvestigateCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """复核 / 重新调查 (第四十五条) — back to investigation: new evidence and facts, a new legal review and a new
    notice follow; a heavier re-notice after the party's statement needs them (heavier_renotice_needs_new_facts)."""
    return await rights.reinvestigate(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/decision", response_model=CaseRead, tags=["workflow"])
async def decide(case_id: str, body: DecisionCreate, user: DecisionMaker, rt: RuntimeDep, session: DbSession):
    """作出决定 — penalty, exemption (不予行政处罚) or lighter/mitigated/heavier penalty."""
    return await decision.decide(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/service", response_model=ServiceRead, tags=["workflow"])
async def serve(case_id: str, user: Officer, rt: RuntimeDep, session: DbSession):
    """送达 — for a penalty, the decision with the credit record notice and credit-repair guidance
    (三书同时送达); for an exemption, the decision and the compliance advice."""
    return await execution.serve(rt, session, user, case_id)


@router.post("/cases/{case_id}/execution", response_model=CaseRead, tags=["workflow"])
async def record_payment(case_id: str, body: PaymentCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """执行 — the fine paid (第六十七条)."""
    return await execution.record_payment(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/close", response_model=CaseRead, tags=["workflow"])
async def close(case_id: str, user: Officer, rt: RuntimeDep, session: DbSession, body: CloseCreate | None = None):
    """结案 — follow-up checks are scheduled for a rectified case."""
    return await execution.close(rt, session, user, case_id, body or CloseCreate())


@router.post("/cases/{case_id}/withdraw", response_model=CaseRead, tags=["workflow"])
async def withdraw(case_id: str, body: WithdrawCreate, user: DecisionMaker, rt: RuntimeDep, session: DbSession):
    """撤销立案 / 违法事实不能成立 / 终止 (``kind``) — decided by a leader who is not a handler (第五十七条); after the
    investigation only once legal review approved this ending (``proposed_ending``, 第五十八条 as our reading).
    409 ``ending_decided_by_leader`` / ``ending_legal_review`` / ``filed_withdrawal_by_leader`` otherwise."""
    return await steps.withdraw(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/transfer", response_model=CaseRead, tags=["workflow"])
async def transfer(case_id: str, body: TransferCreate, user: DecisionMaker, rt: RuntimeDep, session: DbSession):
    """移送 (e.g. 涉嫌犯罪 → 司法机关, 第五十七条第一款第（四）项) — decided by a leader who is not a handler."""
    return await steps.transfer(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/decision/change", response_model=CaseRead, tags=["workflow"])
async def change_decision(case_id: str, body: DecisionChangeCreate, user: DecisionMaker, rt: RuntimeDep,
                          session: DbSession):
    """决定作出后的变更 — 变更/撤销 by the bureau itself (自行纠错, after a legal review approving it with
    ``proposed_change``) or the outcome of 行政复议/行政诉讼 (维持, 变更, 撤销, 确认违法, 责令重作) with the body's
    decision document; recorded by a leader who is not a handler (409 ``change_after_decision``). The decision
    is kept; the change is appended (``decision_changes``). A revocation stops execution (409
    ``revocation_stops_execution`` on service and payment), withdraws the published decision (410 to the
    public) and, through ``ecocomply.case.decision_changed.v1``, the credit record's publicity."""
    return await decision.change_decision(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/follow-ups", response_model=CaseRead, tags=["rectification"])
async def schedule_follow_up(case_id: str, body: FollowUpCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    return await execution.schedule_follow_up(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/follow-ups/{index}/result", response_model=CaseRead, tags=["rectification"])
async def record_follow_up(case_id: str, index: fields.Int32, body: FollowUpResult, user: Officer, rt: RuntimeDep,
                           session: DbSession):
    """跟踪检查 — a relapse found is recorded and published (case.relapse_found.v1)."""
    return await execution.record_follow_up(rt, session, user, case_id, index, body)


@router.post("/cases/{case_id}/economic-impact", response_model=CaseRead, tags=["cases"])
async def economic_impact(case_id: str, body: EconomicImpactCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """涉企行政执法案件经济影响评估."""
    return await steps.assess_economic_impact(rt, session, user, case_id, body)

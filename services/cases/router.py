"""HTTP adapter of the cases service (API.md "cases"): parse, authorize, call the service layer."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.cases import service
from services.cases.schemas import (
    CaseCreate,
    CaseList,
    CaseRead,
    CollectiveDiscussion,
    DecisionCreate,
    EnterpriseCreate,
    EnterpriseRead,
    EvidenceCreate,
    InvestigationComplete,
    LegalReview,
    OpinionCreate,
    RectificationAssessment,
    RectificationPlan,
)
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep

router = APIRouter()

Officer = Annotated[Principal, require_roles("officer", "admin")]
Reviewer = Annotated[Principal, require_roles("legal_reviewer")]
Leader = Annotated[Principal, require_roles("leader")]
DecisionMaker = Annotated[Principal, require_roles("officer", "leader")]
Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform", "service"
)]


@router.post("/enterprises", status_code=201, response_model=EnterpriseRead, tags=["enterprises"])
async def create_enterprise(body: EnterpriseCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """Register an enterprise by its 统一社会信用代码 (check character per GB 32100-2015)."""
    return await service.create_enterprise(rt, session, user, body)


@router.get("/enterprises/{uscc}", response_model=EnterpriseRead, tags=["enterprises"])
async def get_enterprise(uscc: str, user: Reader, session: DbSession):
    return await service.get_enterprise(session, user, uscc)


@router.post("/cases", status_code=201, response_model=CaseRead, tags=["cases"])
async def file_case(body: CaseCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """立案 — file a case (≥ 2 handlers, 《行政处罚法》第四十二条)."""
    return await service.file_case(rt, session, user, body)


@router.get("/cases", response_model=CaseList, tags=["cases"])
async def list_cases(
    user: Reader,
    session: DbSession,
    state: str | None = None,
    bureau: str | None = None,
    uscc: str | None = None,
    decision_type: Literal["penalty", "no_penalty", "lighter", "mitigated", "heavier"] | None = None,
    from_: Annotated[date | None, Query(alias="from", description="decision date when decision_type is given, else filing date")] = None,
    to: Annotated[date | None, Query(description="inclusive")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=500)] = 50,
):
    return await service.list_cases(session, user, state=state, bureau=bureau, uscc_=uscc,
                                    decision_type=decision_type, from_=from_, to=to, page=page, size=size)


@router.get("/cases/{case_id}", response_model=CaseRead, tags=["cases"])
async def get_case(case_id: str, user: Reader, session: DbSession):
    return await service.get_case(session, user, case_id)


@router.post("/cases/{case_id}/evidence", response_model=CaseRead, tags=["workflow"])
async def add_evidence(case_id: str, body: EvidenceCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """调查取证 — record a piece of evidence."""
    return await service.add_evidence(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/investigation/complete", response_model=CaseRead, tags=["workflow"])
async def complete_investigation(
    case_id: str, user: Officer, rt: RuntimeDep, session: DbSession, body: InvestigationComplete | None = None
):
    """调查终结 — the facts established are merged into the case's facts."""
    return await service.complete_investigation(rt, session, user, case_id, body or InvestigationComplete())


@router.post("/cases/{case_id}/legal-review", response_model=CaseRead, tags=["workflow"])
async def legal_review(case_id: str, body: LegalReview, user: Reviewer, rt: RuntimeDep, session: DbSession):
    """法制审核 (《行政处罚法》第五十八条) — by a legal reviewer who is not a handler of the case."""
    return await service.legal_review(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/opinions", response_model=CaseRead, tags=["workflow"])
async def record_opinion(case_id: str, body: OpinionCreate, user: DecisionMaker, rt: RuntimeDep, session: DbSession):
    """征求意见 — opinions solicited for an exemption outside the no-penalty list."""
    return await service.record_opinion(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/collective-discussion", response_model=CaseRead, tags=["workflow"])
async def collective_discussion(
    case_id: str, body: CollectiveDiscussion, user: Leader, rt: RuntimeDep, session: DbSession
):
    """集体讨论 — participants, conclusion, votes and minutes, recorded by a leader."""
    return await service.collective_discussion(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/rectification", response_model=CaseRead, tags=["workflow"])
async def rectification_plan(case_id: str, body: RectificationPlan, user: Officer, rt: RuntimeDep, session: DbSession):
    """合规整改 — the enterprise's rectification plan with its mandatory measures."""
    return await service.rectification_plan(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/rectification/assessment", response_model=CaseRead, tags=["workflow"])
async def rectification_assessment(
    case_id: str, body: RectificationAssessment, user: Officer, rt: RuntimeDep, session: DbSession
):
    return await service.rectification_assessment(rt, session, user, case_id, body)


@router.post("/cases/{case_id}/notice", response_model=CaseRead, tags=["workflow"])
async def notice(case_id: str, user: Officer, rt: RuntimeDep, session: DbSession):
    """事先告知 (《行政处罚法》第四十四条) — the party is told of the intended penalty and its rights."""
    return await service.notice(rt, session, user, case_id)


@router.post("/cases/{case_id}/decision", response_model=CaseRead, tags=["workflow"])
async def decide(case_id: str, body: DecisionCreate, user: DecisionMaker, rt: RuntimeDep, session: DbSession):
    """作出决定 — penalty, exemption (不予行政处罚) or lighter/mitigated/heavier penalty."""
    return await service.decide(rt, session, user, case_id, body)



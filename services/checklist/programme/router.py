"""HTTP for 自查自纠 and 典型案例 (thin; each handler in the request's unit of work)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.checklist.programme import selfcheck, service
from services.checklist.programme.schemas import (
    Questionnaire,
    QuestionOut,
    SelfCheckIn,
    SelfCheckOut,
    TypicalCaseIn,
    TypicalCaseOut,
)
from shared.auth import CurrentUser, Principal, ensure_can_see, require_roles
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import Role

router = APIRouter()


# -- 自查自纠 ---------------------------------------------------------------------------------------
def _out(row) -> SelfCheckOut:
    return SelfCheckOut(
        id=row.id, uscc=row.uscc, industry=row.industry, questionnaire_version=row.answers["questionnaire_version"],
        risks=row.risks, unanswered=row.unanswered, score=row.score,
        score_note=selfcheck.profiles()["weights"]["text"], submitted_by=row.submitted_by,
        submitted_at=row.submitted_at,
    )


@router.get("/self-checks/questionnaire", response_model=Questionnaire, tags=["self-check"])
async def get_questionnaire(
    session: DbSession, _user: CurrentUser, industry: Annotated[str, Query(min_length=1, max_length=100)]
) -> Questionnaire:
    version, questions = await service.questionnaire(session, industry)
    return Questionnaire(
        industry=industry, version=version, domains=selfcheck.domains_for(industry),
        questions=[QuestionOut(**q.__dict__) for q in questions], note=selfcheck.profiles()["note"],
    )


@router.post("/self-checks", response_model=SelfCheckOut, status_code=201, tags=["self-check"])
async def submit_self_check(rt: RuntimeDep, session: DbSession, user: CurrentUser, body: SelfCheckIn) -> SelfCheckOut:
    """An enterprise's answers → matched items with risk level and advice, and a score (kept as its
    history; emits ``ecocomply.checklist.self_check_submitted.v1``)."""
    ensure_can_see(user, bureau=None, uscc=body.uscc, what="this enterprise's self-check")
    row = await service.submit_self_check(
        rt, session, uscc=body.uscc, industry=body.industry, answers=body.answers, actor=user.sub,
        now=rt.clock.now(),
    )
    return _out(row)


@router.get("/self-checks", response_model=list[SelfCheckOut], tags=["self-check"])
async def self_check_history(
    session: DbSession, user: CurrentUser, uscc: Annotated[str, Query(min_length=18, max_length=18)]
) -> list[SelfCheckOut]:
    ensure_can_see(user, bureau=None, uscc=uscc, what="this enterprise's self-checks")
    return [_out(r) for r in await service.self_check_history(session, uscc=uscc)]


# -- 典型案例 --------------------------------------------------------------------------------------
@router.post("/typical-cases", response_model=TypicalCaseOut, status_code=201, tags=["typical-cases"])
async def publish_typical_case(
    rt: RuntimeDep, session: DbSession, body: TypicalCaseIn, user: Principal = require_roles(Role.ADMIN, Role.LEADER, Role.OFFICER)
) -> TypicalCaseOut:
    ensure_can_see(user, bureau=body.bureau, uscc=None, what="this bureau")
    row = await service.publish_typical_case(session, data=body.model_dump(), actor=user.sub, now=rt.clock.now())
    return TypicalCaseOut.model_validate(row)


@router.get("/typical-cases", response_model=list[TypicalCaseOut], tags=["typical-cases"])
async def list_typical_cases(
    session: DbSession,
    _user: CurrentUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    item_code: Annotated[str | None, Query(max_length=64)] = None,
    bureau: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[TypicalCaseOut]:
    rows = await service.list_typical_cases(
        session, q=(q or "").strip() or None, item_code=item_code, bureau=bureau, year=year
    )
    return [TypicalCaseOut.model_validate(r) for r in rows]


@router.get("/typical-cases/stats/{bureau}/{year}", tags=["typical-cases"])
async def typical_case_count(
    session: DbSession, _user: CurrentUser, bureau: Annotated[str, Path(max_length=20)],
    year: Annotated[int, Path(ge=2000, le=2100)],
) -> dict[str, Any]:
    """A bureau's typical cases in a year against the work point's target (≥ 4 per year)."""
    n = await service.yearly_count(session, bureau=bureau, year=year)
    return {"bureau": bureau, "year": year, "count": n, "target": service.TYPICAL_CASE_TARGET,
            "meets_target": n >= service.TYPICAL_CASE_TARGET, "basis": service.TYPICAL_CASE_BASIS}

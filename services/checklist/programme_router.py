"""HTTP for 自查自纠 and 典型案例 (thin)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.checklist import programme
from services.checklist.schemas import UtcDatetime
from shared import fields
from shared.auth import CurrentUser, Principal, ensure_can_see, require_roles
from shared.service import LegacySession, RuntimeDep
from shared.uscc import USCCError, validate

router = APIRouter()


def _uscc(v: str) -> str:
    try:
        return validate(v)
    except USCCError as e:
        raise ValueError(str(e)) from e


# -- 自查自纠 ---------------------------------------------------------------------------------------
class QuestionOut(BaseModel):
    id: str
    item_code: str
    item_version: int
    domain: str
    risk_level: str
    text: str


class Questionnaire(BaseModel):
    industry: str
    version: str
    domains: list[str] | None = Field(description="null: every domain (industry not in the profiles)")
    questions: list[QuestionOut]
    answers: list[str] = ["yes", "no", "unknown"]
    note: str


class SelfCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uscc: fields.Code
    industry: str = Field(min_length=1, max_length=100)
    answers: dict[str, Literal["yes", "no", "unknown"] | bool | None] = Field(default_factory=dict)

    _v = field_validator("uscc")(lambda cls, v: _uscc(v))


class SelfCheckOut(BaseModel):
    id: str
    uscc: str
    industry: str
    questionnaire_version: str
    risks: list[dict[str, Any]]
    unanswered: list[str]
    score: float
    score_note: str
    submitted_by: str
    submitted_at: UtcDatetime


def _out(row) -> SelfCheckOut:
    return SelfCheckOut(
        id=row.id, uscc=row.uscc, industry=row.industry, questionnaire_version=row.answers["questionnaire_version"],
        risks=row.risks, unanswered=row.unanswered, score=row.score,
        score_note=programme.selfcheck.profiles()["weights"]["text"], submitted_by=row.submitted_by,
        submitted_at=row.submitted_at,
    )


@router.get("/self-checks/questionnaire", response_model=Questionnaire, tags=["self-check"])
async def get_questionnaire(
    session: LegacySession, _user: CurrentUser, industry: Annotated[str, Query(min_length=1, max_length=100)]
) -> Questionnaire:
    version, questions = await programme.questionnaire(session, industry)
    return Questionnaire(
        industry=industry, version=version, domains=programme.selfcheck.domains_for(industry),
        questions=[QuestionOut(**q.__dict__) for q in questions], note=programme.selfcheck.profiles()["note"],
    )


@router.post("/self-checks", response_model=SelfCheckOut, status_code=201, tags=["self-check"])
async def submit_self_check(rt: RuntimeDep, session: LegacySession, user: CurrentUser, body: SelfCheckIn) -> SelfCheckOut:
    """An enterprise's answers → matched items with risk level and advice, and a score (kept as its
    history; emits ``ecocomply.checklist.self_check_submitted.v1``)."""
    ensure_can_see(user, bureau=None, uscc=body.uscc, what="this enterprise's self-check")
    row = await programme.submit_self_check(
        rt, session, uscc=body.uscc, industry=body.industry, answers=body.answers, actor=user.sub,
        now=rt.clock.now(),
    )
    return _out(row)


@router.get("/self-checks", response_model=list[SelfCheckOut], tags=["self-check"])
async def self_check_history(
    session: LegacySession, user: CurrentUser, uscc: Annotated[str, Query(min_length=18, max_length=18)]
) -> list[SelfCheckOut]:
    ensure_can_see(user, bureau=None, uscc=uscc, what="this enterprise's self-checks")
    return [_out(r) for r in await programme.self_check_history(session, uscc=uscc)]


# -- 典型案例 --------------------------------------------------------------------------------------
class TypicalCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$", max_length=64)
    bureau: str = Field(min_length=1, max_length=20)
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1, max_length=20000, description="anonymised facts")
    outcome: str = Field(min_length=1, max_length=5000)
    lesson: str | None = Field(default=None, max_length=5000, description="以案释法: what enterprises learn")
    item_codes: list[fields.Code] = Field(min_length=1, description="the guidance items it illustrates")


class TypicalCaseOut(TypicalCaseIn):
    model_config = ConfigDict(from_attributes=True)

    published_by: str
    published_at: UtcDatetime


@router.post("/typical-cases", response_model=TypicalCaseOut, status_code=201, tags=["typical-cases"])
async def publish_typical_case(
    rt: RuntimeDep, session: LegacySession, body: TypicalCaseIn, user: Principal = require_roles("admin", "leader", "officer")
) -> TypicalCaseOut:
    ensure_can_see(user, bureau=body.bureau, uscc=None, what="this bureau")
    row = await programme.publish_typical_case(session, data=body.model_dump(), actor=user.sub, now=rt.clock.now())
    return TypicalCaseOut.model_validate(row)


@router.get("/typical-cases", response_model=list[TypicalCaseOut], tags=["typical-cases"])
async def list_typical_cases(
    session: LegacySession,
    _user: CurrentUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    item_code: Annotated[str | None, Query(max_length=64)] = None,
    bureau: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[TypicalCaseOut]:
    rows = await programme.list_typical_cases(
        session, q=(q or "").strip() or None, item_code=item_code, bureau=bureau, year=year
    )
    return [TypicalCaseOut.model_validate(r) for r in rows]


@router.get("/typical-cases/stats/{bureau}/{year}", tags=["typical-cases"])
async def typical_case_count(
    session: LegacySession, _user: CurrentUser, bureau: Annotated[str, Path(max_length=20)],
    year: Annotated[int, Path(ge=2000, le=2100)],
) -> dict[str, Any]:
    """A bureau's typical cases in a year against the work point's target (≥ 4 per year)."""
    n = await programme.yearly_count(session, bureau=bureau, year=year)
    return {"bureau": bureau, "year": year, "count": n, "target": programme.TYPICAL_CASE_TARGET,
            "meets_target": n >= programme.TYPICAL_CASE_TARGET, "basis": programme.TYPICAL_CASE_BASIS}

"""HTTP adapter: the officers register (持证上岗), the holiday calendar, compliance advice letters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from services.cases import advice, calendar_service, documents_service, service
from services.cases.router import PDF, _quote
from services.cases.schemas import (
    AdviceFeedback,
    AdviceLetterCreate,
    AdviceLetterRead,
    CalendarYearCreate,
    CalendarYearRead,
    OfficerCreate,
    OfficerRead,
)
from shared.auth import Principal, require_roles
from shared.service import LegacySession, RuntimeDep

router = APIRouter()

Admin = Annotated[Principal, require_roles("admin")]
Officer = Annotated[Principal, require_roles("officer", "admin")]
Staff = Annotated[Principal, require_roles("officer", "legal_reviewer", "leader", "auditor", "admin", "platform")]
Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform", "service")]
Party = Annotated[Principal, require_roles("enterprise", "officer")]


@router.post("/officers", status_code=201, response_model=OfficerRead, tags=["officers"])
async def register_officer(body: OfficerCreate, user: Admin, rt: RuntimeDep, session: LegacySession):
    """Register (or update) an enforcement officer's 执法证号 (持证上岗, 《行政处罚法》第四十二条)."""
    return await service.register_officer(rt, session, user, body)


@router.get("/officers", response_model=list[OfficerRead], tags=["officers"])
async def list_officers(user: Staff, session: LegacySession, bureau: str | None = None):
    return await service.list_officers(session, user, bureau)


@router.get("/calendar", tags=["calendar"])
async def calendar_years(user: Reader, session: LegacySession) -> list[dict[str, Any]]:
    """The years with a holiday schedule (latest version each). Working days (第八十五条) in other years
    are counted on weekends only and marked provisional."""
    return await calendar_service.years(session)


@router.get("/calendar/{year}", response_model=CalendarYearRead, tags=["calendar"])
async def calendar_year(year: Annotated[int, Path(ge=2000, le=2100)], user: Reader, session: LegacySession):
    return await calendar_service.get_year(session, year)


@router.post("/calendar", status_code=201, response_model=CalendarYearRead, tags=["calendar"])
async def load_calendar_year(body: CalendarYearCreate, user: Admin, rt: RuntimeDep, session: LegacySession):
    """Load a year's 节假日安排 (a new version); provisional due dates are recomputed."""
    return await calendar_service.load_year(rt, session, body.model_dump(mode="json"), loaded_by=user.sub)


@router.post("/advice-letters", status_code=201, response_model=AdviceLetterRead, tags=["advice letters"])
async def issue_advice_letter(body: AdviceLetterCreate, user: Officer, rt: RuntimeDep, session: LegacySession):
    """合规建议书 — findings, requirements with due dates; non-coercive, opens no case."""
    return await advice.issue(rt, session, user, body)


@router.get("/advice-letters", response_model=list[AdviceLetterRead], tags=["advice letters"])
async def list_advice_letters(user: Reader, rt: RuntimeDep, session: LegacySession, uscc: str | None = None):
    return await advice.listing(rt, session, user, uscc)


@router.get("/advice-letters/{letter_id}", response_model=AdviceLetterRead, tags=["advice letters"])
async def get_advice_letter(letter_id: str, user: Reader, rt: RuntimeDep, session: LegacySession):
    return await advice.get(rt, session, user, letter_id)


@router.post("/advice-letters/{letter_id}/feedback", response_model=AdviceLetterRead, tags=["advice letters"])
async def advice_feedback(letter_id: str, body: AdviceFeedback, user: Party, rt: RuntimeDep, session: LegacySession):
    """The enterprise's feedback on the requirements."""
    return await advice.feedback(rt, session, user, letter_id, body)


@router.get("/advice-letters/{letter_id}/document", responses=PDF, response_class=Response, tags=["advice letters"])
async def advice_document(letter_id: str, user: Reader, rt: RuntimeDep, session: LegacySession):
    pdf, name = await documents_service.advice_document(rt, session, user, letter_id)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f"inline; filename*=UTF-8''{_quote(name)}"})

"""HTTP of 合规建议书 (compliance advice letters): issue, list, read, the enterprise's feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from services.cases.advice import service
from services.cases.case.schemas import AdviceFeedback, AdviceLetterCreate, AdviceLetterRead
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep

router = APIRouter()

Officer = Annotated[Principal, require_roles("officer", "admin")]
Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform", "service")]
Party = Annotated[Principal, require_roles("enterprise", "officer")]


@router.post("/advice-letters", status_code=201, response_model=AdviceLetterRead, tags=["advice letters"])
async def issue_advice_letter(body: AdviceLetterCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """合规建议书 — findings, requirements with due dates; non-coercive, opens no case."""
    return await service.issue(rt, session, user, body)


@router.get("/advice-letters", response_model=list[AdviceLetterRead], tags=["advice letters"])
async def list_advice_letters(user: Reader, rt: RuntimeDep, session: DbSession, uscc: str | None = None):
    return await service.listing(rt, session, user, uscc)


@router.get("/advice-letters/{letter_id}", response_model=AdviceLetterRead, tags=["advice letters"])
async def get_advice_letter(letter_id: str, user: Reader, rt: RuntimeDep, session: DbSession):
    return await service.get(rt, session, user, letter_id)


@router.post("/advice-letters/{letter_id}/feedback", response_model=AdviceLetterRead, tags=["advice letters"])
async def advice_feedback(letter_id: str, body: AdviceFeedback, user: Party, rt: RuntimeDep, session: DbSession):
    """The enterprise's feedback on the requirements."""
    return await service.feedback(rt, session, user, letter_id, body)

"""HTTP of the damage matter (一案双查): ``/cases/{id}/damage`` (read, open, steps) and ``/damage-matters`` (the list
auditors read)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from services.cases.damage import service
from services.cases.damage.schemas import DamageList, DamageOpen, DamageRead, DamageStepCreate
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep

router = APIRouter(tags=["damage compensation"])

Officer = Annotated[Principal, require_roles("officer", "admin")]
Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform")]
Lister = Annotated[Principal, require_roles("officer", "legal_reviewer", "leader", "auditor", "admin", "platform")]
StatusName = Literal["screening", "not_started", "started", "assessed", "consultation", "agreement", "confirmed",
                     "litigation", "restoration", "evaluated"]


@router.get("/cases/{case_id}/damage", response_model=DamageRead)
async def get_damage(case_id: str, user: Reader, session: DbSession):
    """生态环境损害赔偿事项 — the case's damage-compensation matter, its status and every step."""
    return await service.get(session, user, case_id)


@router.post("/cases/{case_id}/damage", response_model=DamageRead, status_code=201,
             responses={200: {"model": DamageRead, "description": "the matter already open (nothing written)"}})
async def open_damage(case_id: str, body: DamageOpen, user: Officer, rt: RuntimeDep, session: DbSession,
                      response: Response):
    """登记损害赔偿线索 — open the matter by hand (idempotent: 200 with the one there)."""
    out, created = await service.open_by_officer(rt, session, user, case_id, body.note)
    if not created:
        response.status_code = 200
    return out


@router.post("/cases/{case_id}/damage/steps", response_model=DamageRead)
async def damage_step(case_id: str, body: DamageStepCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """A step of the matter; an illegal one is 409 naming the rule and its source."""
    return await service.record_step(rt, session, user, case_id, body)


@router.get("/damage-matters", response_model=DamageList)
async def list_damage(user: Lister, session: DbSession, bureau: str | None = None, uscc: str | None = None,
                      status: StatusName | None = None, page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                      size: Annotated[int, Query(ge=1, le=200)] = 50):
    """Every damage matter in the caller's scope (auditors: all; bureau roles: their bureau)."""
    return await service.listing(session, user, bureau=bureau, uscc=uscc, status=status, page=page, size=size)

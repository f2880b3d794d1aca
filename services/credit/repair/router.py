"""Repair application HTTP API (信用修复申请): thin — parse, call the use case, shape the answer."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.credit.repair import service
from services.credit.repair.schemas import (
    RepairAction,
    RepairApplicationCreate,
    RepairApplicationList,
    RepairApplicationRead,
)
from shared.auth import CurrentUser
from shared.service import DbSession, RuntimeDep

router = APIRouter(tags=["credit repair"])
_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {c: _PROBLEM for c in (401, 403, 404, 409, 422, 503)}


@router.post(
    "/repair-applications", status_code=201, response_model=RepairApplicationRead, responses=PROBLEMS
)
async def submit(body: RepairApplicationCreate, user: CurrentUser, session: DbSession, rt: RuntimeDep):
    """An enterprise applies to repair one of its records: commitment, documents; the minimum period
    and the obligations (fine paid, rectification passed — checked with the cases service) are verified."""
    return await service.submit(rt, session, user, body)


@router.get("/repair-applications", response_model=RepairApplicationList, responses=PROBLEMS)
async def list_applications(
    user: CurrentUser,
    session: DbSession,
    rt: RuntimeDep,
    status: Literal["submitted", "accepted", "approved", "rejected"] | None = None,
    uscc: str | None = None,
    record_id: str | None = None,
    overdue: Annotated[bool | None, Query(description="only applications past a time limit (or not)")] = None,
):
    items, total = await service.list_applications(
        session, user, status=status, uscc=uscc, record_id=record_id, overdue=overdue, today=rt.clock.today()
    )
    return RepairApplicationList(items=items, total=total)


@router.get("/repair-applications/{app_id}", response_model=RepairApplicationRead, responses=PROBLEMS)
async def get_application(app_id: str, user: CurrentUser, session: DbSession, rt: RuntimeDep):
    return await service.get(session, user, app_id, today=rt.clock.today())


def _action(name: str):
    async def run(
        app_id: str, user: CurrentUser, session: DbSession, rt: RuntimeDep, body: RepairAction | None = None
    ) -> RepairApplicationRead:
        return await service.act(rt, session, user, app_id, name, body.reason if body else None)

    run.__name__ = f"{name}_application"
    return run


for _name, _doc in (
    ("accept", "受理"),
    ("approve", "同意修复：终止公示，发布 credit.repaired.v1"),
    ("reject", "驳回（须说明理由；可补正后重新申请）"),
):
    router.add_api_route(
        f"/repair-applications/{{app_id}}/{_name}",
        _action(_name),
        methods=["POST"],
        response_model=RepairApplicationRead,
        responses=PROBLEMS,
        summary=_doc,
    )

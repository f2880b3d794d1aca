"""HTTP of the bureau registry: admins write, staff read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from services.cases.bureaus import service
from services.cases.bureaus.schemas import BureauCreate, BureauRead, BureauWrite
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep

router = APIRouter()

Admin = Annotated[Principal, require_roles("admin")]
Staff = Annotated[Principal, require_roles("officer", "legal_reviewer", "leader", "auditor", "admin", "platform")]
# The list is also read by the other services (the portal, the audit dashboard) for the bureaus' names.
Reader = Annotated[Principal, require_roles("officer", "legal_reviewer", "leader", "auditor", "admin", "platform",
                                            "service")]


@router.post("/bureaus", status_code=201, response_model=BureauRead, tags=["bureaus"])
async def create_bureau(body: BureauCreate, user: Admin, rt: RuntimeDep, session: DbSession):
    """Register an enforcement body (roles: admin): its full name, 文号 prefixes, address, contact, 行政复议机关
    and 人民法院. 409 when the code is registered already."""
    return await service.create(session, body, by=user.sub, at=rt.clock.now())


@router.put("/bureaus/{code}", response_model=BureauRead, tags=["bureaus"])
async def put_bureau(code: str, body: BureauWrite, user: Admin, rt: RuntimeDep, session: DbSession):
    """Create or replace a bureau's settings (roles: admin)."""
    return await service.put(session, code, body, by=user.sub, at=rt.clock.now())


@router.get("/bureaus", response_model=list[BureauRead], tags=["bureaus"])
async def list_bureaus(user: Reader, session: DbSession):
    """Every registered bureau."""
    return await service.list_all(session)


@router.get("/bureaus/{code}", response_model=BureauRead, tags=["bureaus"])
async def get_bureau(code: str, user: Staff, session: DbSession):
    """One bureau (roles: officer, legal_reviewer, leader, auditor, admin, platform)."""
    return await service.get(session, code)

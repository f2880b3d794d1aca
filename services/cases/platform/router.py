"""HTTP of the provincial platform (issue 7): inbound risk warnings and the inspections they prompt, and the
admin API of the outbound webhooks (``webhooks``: subscriptions, deliveries, redelivery, replay)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.cases.models import webhook_tables
from services.cases.platform import service
from services.cases.platform.schemas import InspectionCreate, InspectionRead, RiskWarningIn, RiskWarningRead
from shared import signing
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep
from shared.webhooks import webhook_router

router = APIRouter()
webhooks = webhook_router(webhook_tables)

Platform = Annotated[Principal, require_roles("platform")]
Officer = Annotated[Principal, require_roles("officer", "admin")]
Staff = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "admin", "platform", "service")]

SIGNED_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": RiskWarningIn.model_json_schema(ref_template="#/components/schemas/{model}")}},
        "description": f"signed: {signing.TIMESTAMP_HEADER} (Unix seconds) and {signing.SIGNATURE_HEADER} "
                       "(v1=<hex HMAC-SHA256 over '<timestamp>.<raw body>'>) headers, see shared/signing.py",
    }
}


@router.post("/risk-warnings", status_code=201, response_model=RiskWarningRead, tags=["risk warnings"],
             openapi_extra=SIGNED_BODY,
             responses={200: {"model": RiskWarningRead, "description": "already received (same id, same body)"}})
async def receive_risk_warning(request: Request, user: Platform, rt: RuntimeDep, session: DbSession):
    """风险预警 from the provincial platform: verified (signature, replay window), stored once per
    ``warning_id``; 201 new, 200 the stored one again. Opens no case."""
    raw = await request.body()
    remote = request.client.host if request.client else None
    status, out = await service.receive(rt, session, user, raw, request.headers, remote)
    return JSONResponse(out.model_dump(mode="json"), status_code=status)


@router.get("/risk-warnings/{warning_id}", response_model=RiskWarningRead, tags=["risk warnings"])
async def get_risk_warning(warning_id: str, user: Staff, session: DbSession):
    return await service.get(session, user, warning_id)


@router.get("/enterprises/{uscc}/risk-warnings", response_model=list[RiskWarningRead], tags=["risk warnings"])
async def enterprise_risk_warnings(uscc: str, user: Staff, session: DbSession):
    """The enterprise's risk warnings, newest first, with the suggested guidance items."""
    return await service.for_enterprise(session, user, uscc)


@router.post("/risk-warnings/{warning_id}/inspection", status_code=201, response_model=InspectionRead,
             tags=["risk warnings"])
async def open_inspection(warning_id: str, body: InspectionCreate, user: Officer, rt: RuntimeDep, session: DbSession):
    """An inspection prompted by the warning: issues a compliance advice letter (试点方案 三（三）); no case."""
    return await service.open_inspection(rt, session, user, warning_id, body)

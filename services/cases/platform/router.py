"""HTTP adapter: inbound risk warnings from the provincial platform, inspections from them, and the
signed case-file export for the case-quality system."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from services.cases.case.router import _quote
from services.cases.case_file import service as case_file_service
from services.cases.platform import service as risk_warnings
from services.cases.platform.service import InspectionCreate, InspectionRead, RiskWarningIn, RiskWarningRead
from shared import signing
from shared.auth import Principal, require_roles
from shared.service import LegacySession, RuntimeDep

router = APIRouter()

Platform = Annotated[Principal, require_roles("platform")]
Officer = Annotated[Principal, require_roles("officer", "admin")]
Staff = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "admin", "platform", "service")]
Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform", "service")]

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
async def receive_risk_warning(request: Request, user: Platform, rt: RuntimeDep, session: LegacySession):
    """风险预警 from the provincial platform: verified (signature, replay window), stored once per
    ``warning_id``; 201 new, 200 the stored one again. Opens no case."""
    raw = await request.body()
    remote = request.client.host if request.client else None
    status, out = await risk_warnings.receive(rt, session, user, raw, request.headers, remote)
    return JSONResponse(out.model_dump(mode="json"), status_code=status)


@router.get("/risk-warnings/{warning_id}", response_model=RiskWarningRead, tags=["risk warnings"])
async def get_risk_warning(warning_id: str, user: Staff, session: LegacySession):
    return await risk_warnings.get(session, user, warning_id)


@router.get("/enterprises/{uscc}/risk-warnings", response_model=list[RiskWarningRead], tags=["risk warnings"])
async def enterprise_risk_warnings(uscc: str, user: Staff, session: LegacySession):
    """The enterprise's risk warnings, newest first, with the suggested guidance items."""
    return await risk_warnings.for_enterprise(session, user, uscc)


@router.post("/risk-warnings/{warning_id}/inspection", status_code=201, response_model=InspectionRead,
             tags=["risk warnings"])
async def open_inspection(warning_id: str, body: InspectionCreate, user: Officer, rt: RuntimeDep, session: LegacySession):
    """An inspection prompted by the warning: issues a compliance advice letter (试点方案 三（三）); no case."""
    return await risk_warnings.open_inspection(rt, session, user, warning_id, body)


@router.get("/cases/{case_id}/export", response_class=Response, tags=["documents"],
            responses={200: {"content": {"application/zip": {}},
                             "description": "signed case file (see services/cases/case_file.py)"}})
async def export_case_file(case_id: str, user: Reader, rt: RuntimeDep, session: LegacySession):
    """The case's full file as a ZIP: case.json, decision.json, documents/*.pdf, manifest.json
    (SHA-256 of each file) and signature.json (HMAC-SHA256 of manifest.json)."""
    data, name = await case_file_service.export(rt, session, user, case_id)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"})

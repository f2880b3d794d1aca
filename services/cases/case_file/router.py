"""HTTP of the case-file export (案卷) for the provincial case-quality system."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response

from services.cases.case_file import service
from services.cases.documents.router import attachment
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep

router = APIRouter()

Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform", "service")]


@router.get("/cases/{case_id}/export", response_class=Response, tags=["documents"],
            responses={200: {"content": {"application/zip": {}},
                             "description": "signed case file (see services/cases/case_file/bundle.py)"}})
async def export_case_file(case_id: str, user: Reader, rt: RuntimeDep, session: DbSession):
    """The case's full file as a ZIP: case.json, decision.json, documents/*.pdf, manifest.json
    (SHA-256 of each file) and signature.json (HMAC-SHA256 of manifest.json)."""
    return attachment(*await service.export(rt, session, user, case_id), "application/zip", "attachment")

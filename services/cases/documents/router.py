"""HTTP of the official documents (文书) as PDF: a case's documents and an advice letter's."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from services.cases.documents import service
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep

router = APIRouter()

Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform", "service")]
PDF = {200: {"content": {"application/pdf": {}}, "description": "the document as PDF (embedded CJK font)"}}


def attachment(data: bytes, name: str, media_type: str, disposition: str = "inline") -> Response:
    """The bytes with their file name (RFC 5987 encoded: the names are Chinese)."""
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"})


@router.get("/cases/{case_id}/documents/{kind}", responses=PDF, response_class=Response, tags=["documents"])
async def case_document(case_id: str, kind: str, user: Reader, rt: RuntimeDep, session: DbSession):
    """decision | notice | hearing_notice | compliance_advice | credit_record_notice | credit_repair_guidance — as PDF
    (409 document_not_available before the step that issues it; 409 bureau_setting_missing naming the setting)."""
    return attachment(*await service.case_document(rt, session, user, case_id, kind), "application/pdf")


@router.get("/advice-letters/{letter_id}/document", responses=PDF, response_class=Response, tags=["advice letters"])
async def advice_document(letter_id: str, user: Reader, rt: RuntimeDep, session: DbSession):
    return attachment(*await service.advice_document(rt, session, user, letter_id), "application/pdf")

"""HTTP of the official documents (文书) as PDF: a case's documents and an advice letter's — served as issued
(``documents.issued``): the bytes stored when the document was rendered once, with a strong ``ETag`` (their
SHA-256) and ``If-None-Match`` → 304. While the worker is still rendering a document just issued, a read waits
a bounded time, then answers 503 problem+json with ``Retry-After`` ("文书正在生成，请稍后再试")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.cases.documents import served as issued
from shared.auth import Principal, require_roles
from shared.service import RuntimeDep

router = APIRouter()

Reader = Annotated[Principal, require_roles(
    "officer", "legal_reviewer", "leader", "auditor", "enterprise", "admin", "platform", "service")]
_PROBLEM = {"content": {"application/problem+json": {}}}
PDF = {200: {"content": {"application/pdf": {}}, "description": "the document as issued, as PDF (embedded CJK "
             "font); ``ETag`` is the SHA-256 of these bytes, the same on every read"},
       304: {"description": "``If-None-Match`` names the document's ETag: unchanged (an issued document never changes)"},
       503: {**_PROBLEM, "description": "the document is still being rendered (文书正在生成，请稍后再试); retry after "
             "``Retry-After`` seconds"}}


def attachment(data: bytes, name: str, media_type: str, disposition: str = "inline") -> Response:
    """The bytes with their file name (RFC 5987 encoded: the names are Chinese)."""
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"})


def _served(doc: issued.Stored, if_none_match: str | None) -> Response:
    etag = f'"{doc.sha256}"'
    tags = {t.strip() for t in (if_none_match or "").split(",")}
    if etag in tags or "*" in tags:
        return Response(status_code=304, headers={"ETag": etag})
    response = attachment(doc.content, doc.filename, "application/pdf")
    response.headers["ETag"] = etag
    response.headers["X-Document-Number"] = quote(doc.number)
    return response


class IssuedDocumentRead(BaseModel):
    kind: str = Field(description="decision | notice | hearing_notice | compliance_advice | credit_record_notice | credit_repair_guidance")
    number: str = Field(description="the 文号 (the case number for a kind without one of its own)")
    status: str = Field(description="pending (being rendered) | ready | failed")
    sha256: str | None = Field(description="SHA-256 of the stored PDF (its ETag), once ready")
    size: int | None
    issued_at: datetime
    rendered_at: datetime | None
    replaces: str | None = Field(description="the 文号 of the document this one replaces (a corrected decision)")
    url: str = Field(description="where this very document is served")


@router.get("/cases/{case_id}/documents", tags=["documents"], responses={404: _PROBLEM})
async def case_documents(case_id: str, user: Reader, rt: RuntimeDep) -> list[IssuedDocumentRead]:
    """The documents issued in the case, newest first — each with its 文号, hash and the URL serving it
    (a corrected decision and the one it replaced are both listed)."""
    return [IssuedDocumentRead(kind=r.kind, number=r.number, status=r.status, sha256=r.sha256, size=r.size,
                               issued_at=r.issued_at, rendered_at=r.rendered_at, replaces=r.replaces,
                               url=f"/cases/v1/cases/{case_id}/documents/{r.kind}?number={quote(r.number)}")
            for r in await issued.listing(rt, user, case_id)]


@router.get("/cases/{case_id}/documents/{kind}", responses=PDF, response_class=Response, tags=["documents"])
async def case_document(case_id: str, kind: str, user: Reader, rt: RuntimeDep,
                        number: Annotated[str | None, Query(max_length=200, description=(
                            "the 文号 of an earlier document of this kind (default: the newest)"))] = None,
                        if_none_match: Annotated[str | None, Header()] = None):
    """decision | notice | hearing_notice | compliance_advice | credit_record_notice | credit_repair_guidance — as PDF, as
    issued (409 document_not_available before the step that issues it; 409 bureau_setting_missing naming the setting)."""
    return _served(await issued.read_case_document(rt, user, case_id, kind, number), if_none_match)


@router.get("/advice-letters/{letter_id}/document", responses=PDF, response_class=Response, tags=["advice letters"])
async def advice_document(letter_id: str, user: Reader, rt: RuntimeDep,
                          if_none_match: Annotated[str | None, Header()] = None):
    """The compliance advice letter (合规建议书) as PDF, as issued."""
    return _served(await issued.read_letter_document(rt, user, letter_id), if_none_match)

"""HTTP for 免罚清单 and the grounds of 《行政处罚法》第三十三条 (thin): the items, their evaluation against
a case's facts, and the import of a no-penalty list. Each handler runs in the request's unit of work."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.checklist.guidance.importing import ImportFileError
from services.checklist.guidance.router import (
    MAX_IMPORT_BYTES,
    Admin,
    Code,
    Version,
    import_answer,
    read_upload,
)
from services.checklist.no_penalty import importing, service
from services.checklist.no_penalty.schemas import (
    EvaluateAllRequest,
    EvaluateRequest,
    Evaluation,
    EvaluationList,
    NoPenaltyItem,
    NoPenaltyItemList,
    NoPenaltyKind,
)
from shared.auth import CurrentUser
from shared.problems import invalid, not_found
from shared.service import DbSession, RuntimeDep

router = APIRouter(tags=["checklist"])


@router.get("/no-penalty-items", response_model=NoPenaltyItemList, tags=["no-penalty"])
async def list_no_penalty_items(
    session: DbSession, _user: CurrentUser, kind: NoPenaltyKind | None = None
) -> NoPenaltyItemList:
    """Statutory grounds (《行政处罚法》第三十三条, outside any list) and the loaded list's items."""
    rows = await service.list_no_penalty_items(session, kind=kind)
    return NoPenaltyItemList(items=[NoPenaltyItem.model_validate(r) for r in rows], total=len(rows))


@router.get("/no-penalty-items/{code}", response_model=NoPenaltyItem, tags=["no-penalty"])
async def get_no_penalty_item(
    session: DbSession, _user: CurrentUser, code: Code, version: Version = None
) -> NoPenaltyItem:
    row = await service.get_no_penalty_item(session, code=code, version=version)
    if row is None:
        raise not_found("no-penalty item", code if version is None else f"{code} version {version}")
    return NoPenaltyItem.model_validate(row)


@router.post("/no-penalty-items/evaluate-all", response_model=EvaluationList, tags=["no-penalty"])
async def evaluate_all_no_penalty_items(session: DbSession, _user: CurrentUser, body: EvaluateAllRequest) -> EvaluationList:
    """Every list item that applies to the case's violations, evaluated on its facts (as
    ``POST /no-penalty-items/{code}/evaluate``). ``must`` names the items met in full whose modality is
    “不予” (not discretionary): the cases service refuses a penalty for them (试点方案 三（六）)."""
    return await service.evaluate_all(session, body=body)


@router.post("/no-penalty-items/{code}/evaluate", response_model=Evaluation, tags=["no-penalty"])
async def evaluate_no_penalty_item(
    session: DbSession, _user: CurrentUser, code: Code, body: EvaluateRequest, version: Version = None
) -> Evaluation:
    """Check recorded facts against the item's conditions. Missing or null facts are ``unknown`` and
    never count as met; the answer names the item version it used (recorded on the decision).

    With ``violation_codes``, a list item that does not cover every one of them (``applies_to``) is not
    eligible. A list item is eligible only when the facts also establish a ground of 《行政处罚法》第三十三条
    of the paragraph its legal basis cites — 第二款 (没有主观过错) where it cites it, else 第一款, which the lists
    implement (``article_33`` says which ground, or what is unmet/unknown)."""
    return await service.evaluate_item(session, code=code, version=version, body=body)


@router.post("/imports/no-penalty-items", tags=["no-penalty"], max_body_size=MAX_IMPORT_BYTES)
async def import_no_penalty_items(
    rt: RuntimeDep,
    session: DbSession,
    _admin: Admin,
    request: Request,
    format: Annotated[Literal["yaml", "csv", "xlsx"], Query()],
    dry_run: bool = False,
    list_version: Annotated[str | None, Query(max_length=200, description="for rows without one")] = None,
) -> Response:
    """A no-penalty list (免罚清单, ``kind: list``): every row validated first (conditions as fact keys,
    ``applies_to`` naming catalog items), then all loaded as new item versions, or nothing (422 with
    the report naming each bad row and field)."""
    data = await read_upload(request)
    try:
        report = await importing.import_file(
            rt, session, data, format, now=rt.clock.now(), dry_run=dry_run, list_version=list_version
        )
    except ImportFileError as e:
        raise invalid("body", str(e), code="unreadable_file") from e
    return import_answer(report)


"""HTTP for the checklist catalog: thin — parse, authorize (any valid token reads), call the service
layer, shape the response. Mounted under ``/v1`` by the app (``/checklist/v1`` in the composition)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.checklist import service
from services.checklist.evaluation import evaluate, with_article_33
from services.checklist.loader import bundled_circumstances
from services.checklist.schemas import (
    Circumstance,
    EvaluateRequest,
    Evaluation,
    GuidanceItem,
    GuidanceItemList,
    LegalBasis,
    NoPenaltyItem,
    NoPenaltyItemList,
    NoPenaltyKind,
    RiskLevel,
)
from shared.auth import CurrentUser
from shared.problems import not_found
from shared.service import DbSession

router = APIRouter(tags=["checklist"])

Code = Annotated[str, Path(min_length=1, max_length=64)]
Version = Annotated[int | None, Query(ge=1, description="a version number; default: the latest published")]


# -- 合规指导清单 -------------------------------------------------------------------------------------
@router.get("/guidance-items", response_model=GuidanceItemList, tags=["guidance"])
async def list_guidance_items(
    session: DbSession,
    _user: CurrentUser,
    q: Annotated[
        str | None, Query(max_length=200, description="substring of title, violations, basis or advice")
    ] = None,
    risk_level: RiskLevel | None = None,
    domain: Annotated[str | None, Query(max_length=100)] = None,
    batch: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> GuidanceItemList:
    """The latest published version of each guidance item, ordered by code."""
    rows, total = await service.list_guidance_items(
        session,
        q=(q or "").strip() or None,
        risk_level=risk_level,
        domain=domain,
        batch=batch,
        page=page,
        size=size,
    )
    return GuidanceItemList(items=[GuidanceItem.model_validate(r) for r in rows], total=total)


@router.get("/guidance-items/{code}", response_model=GuidanceItem, tags=["guidance"])
async def get_guidance_item(
    session: DbSession, _user: CurrentUser, code: Code, version: Version = None
) -> GuidanceItem:
    row = await service.get_guidance_item(session, code=code, version=version)
    if row is None:
        raise not_found("guidance item", code if version is None else f"{code} version {version}")
    return GuidanceItem.model_validate(row)


# -- 免罚清单 / 《行政处罚法》第三十三条 -----------------------------------------------------------------
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


@router.post("/no-penalty-items/{code}/evaluate", response_model=Evaluation, tags=["no-penalty"])
async def evaluate_no_penalty_item(
    session: DbSession, _user: CurrentUser, code: Code, body: EvaluateRequest, version: Version = None
) -> Evaluation:
    """Check recorded facts against the item's conditions. Missing or null facts are ``unknown`` and
    never count as met; the answer names the item version it used (recorded on the decision)."""
    row = await service.get_no_penalty_item(session, code=code, version=version)
    if row is None:
        raise not_found("no-penalty item", code if version is None else f"{code} version {version}")
    result = evaluate(
        conditions=row.conditions,
        exceptions=row.exceptions,
        facts=body.facts,
        discretionary=row.discretionary,
    )
    note = f"{result.note}。{row.note}" if row.note else result.note
    return Evaluation(
        code=row.code,
        kind=row.kind,
        item_version=row.version,
        list_version=row.list_version,
        eligible=result.eligible,
        met=result.met,
        unmet=result.unmet,
        unknown=result.unknown,
        discretionary=row.discretionary,
        outcome=result.outcome,
        legal_basis=[LegalBasis.model_validate(b) for b in with_article_33(row.legal_basis)],
        note=note,
    )


# -- 《行政处罚法》第三十二条 -------------------------------------------------------------------------
@router.get("/circumstances", response_model=list[Circumstance], tags=["discretion"])
async def list_circumstances(_user: CurrentUser) -> list[Circumstance]:
    """The mitigating circumstances of 《行政处罚法》第三十二条 (any one true → 应当从轻或者减轻).
    Aggravating circumstances come with a discretion rule set; none is loaded yet."""
    return [Circumstance.model_validate(c) for c in bundled_circumstances()]

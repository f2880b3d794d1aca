"""HTTP for the checklist catalog: thin — parse, authorize (any valid token reads), call the service
layer, shape the response. Mounted under ``/v1`` by the app (``/checklist/v1`` in the composition)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from services.checklist import guidance_admin, importing, no_penalty_import, service
from services.checklist.discretion.circumstances import circumstances
from services.checklist.discretion.rule_sets import catalog
from services.checklist.discretion.service import active_rule_set, rule_set_named
from services.checklist.evaluation import (
    ARTICLE_33_LIST_GROUNDS,
    article_33,
    coverage,
    evaluate,
    with_article_33,
)
from services.checklist.guidance_admin import row_content
from services.checklist.guidance_input import GuidanceItemCreate, GuidanceItemRevise
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
    SearchHit,
    SearchResult,
    VersionInfo,
)
from services.checklist.versioning import content_hash
from shared.auth import CurrentUser, Principal, require_roles
from shared.problems import Problem, invalid, not_found
from shared.service import LegacySession, RuntimeDep

router = APIRouter(tags=["checklist"])

Code = Annotated[str, Path(min_length=1, max_length=64)]
Admin = Annotated[Principal, require_roles("admin")]
Query_ = Annotated[str, Query(min_length=1, max_length=200, description="a Chinese (or any) substring")]
MAX_IMPORT_BYTES = 50 * 1024 * 1024
Version = Annotated[int | None, Query(ge=1, description="a version number; default: the latest published")]


# -- 合规指导清单 -------------------------------------------------------------------------------------
@router.get("/guidance-items", response_model=GuidanceItemList, tags=["guidance"])
async def list_guidance_items(
    session: LegacySession,
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
    """The latest published version of each guidance item, by code; with ``q``, title hits first."""
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
    session: LegacySession, _user: CurrentUser, code: Code, version: Version = None
) -> GuidanceItem:
    row = await service.get_guidance_item(session, code=code, version=version)
    if row is None:
        raise not_found("guidance item", code if version is None else f"{code} version {version}")
    return GuidanceItem.model_validate(row)


@router.get("/guidance-items/{code}/versions", response_model=list[VersionInfo], tags=["guidance"])
async def list_versions(session: LegacySession, _user: CurrentUser, code: Code) -> list[VersionInfo]:
    """Every version with its content hash, recomputed from the stored row: ``hash_matches`` proves the
    version's text is the one that was published."""
    rows = await service.list_versions(session, code=code)
    if not rows:
        raise not_found("guidance item", code)
    return [
        VersionInfo(
            code=r.code, version=r.version, status=r.status, content_hash=r.content_hash,
            hash_matches=r.content_hash == content_hash(row_content(r)), created_at=r.created_at,
            created_by=r.created_by, published_at=r.published_at,
        )
        for r in rows
    ]


@router.post("/guidance-items", response_model=GuidanceItem, status_code=201, tags=["guidance"])
async def create_guidance_item(
    rt: RuntimeDep, session: LegacySession, user: Admin, body: GuidanceItemCreate
) -> GuidanceItem:
    """A new item (version 1); published at once unless ``publish: false`` (then a draft).
    Emits ``ecocomply.checklist.item_published.v1`` when published."""
    row = await guidance_admin.create_item(rt, session, body=body, actor=user.sub, now=rt.clock.now())
    return GuidanceItem.model_validate(row)


@router.put("/guidance-items/{code}", response_model=GuidanceItem, tags=["guidance"])
async def revise_guidance_item(
    rt: RuntimeDep, session: LegacySession, user: Admin, code: Code, body: GuidanceItemRevise
) -> GuidanceItem:
    """A revision: a new immutable version made from ``base_version`` (409 ``version_conflict`` if
    another revision came first). Older versions stay readable with ``?version=``."""
    row = await guidance_admin.revise_item(rt, session, code=code, body=body, actor=user.sub, now=rt.clock.now())
    return GuidanceItem.model_validate(row)


@router.post("/guidance-items/{code}/versions/{version}/publish", response_model=GuidanceItem, tags=["guidance"])
async def publish_guidance_version(
    rt: RuntimeDep, session: LegacySession, user: Admin, code: Code, version: Annotated[int, Path(ge=1)]
) -> GuidanceItem:
    row = await guidance_admin.publish_version(
        rt, session, code=code, version=version, actor=user.sub, now=rt.clock.now()
    )
    return GuidanceItem.model_validate(row)


@router.post("/guidance-items/{code}/retire", response_model=list[VersionInfo], tags=["guidance"])
async def retire_guidance_item(rt: RuntimeDep, session: LegacySession, user: Admin, code: Code) -> list[VersionInfo]:
    """The item leaves the published catalog; its versions stay readable with ``?version=``."""
    rows = await guidance_admin.retire_item(rt, session, code=code, actor=user.sub, now=rt.clock.now())
    return [
        VersionInfo(
            code=r.code, version=r.version, status=r.status, content_hash=r.content_hash,
            hash_matches=r.content_hash == content_hash(row_content(r)), created_at=r.created_at,
            created_by=r.created_by, published_at=r.published_at,
        )
        for r in rows
    ]


# -- search ----------------------------------------------------------------------------------------
@router.get("/search", response_model=SearchResult, tags=["guidance"])
async def search_catalog(
    session: LegacySession,
    _user: CurrentUser,
    q: Query_,
    kind: Literal["guidance", "case"] | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> SearchResult:
    """Chinese substring search over guidance items (title, violations, basis, advice) and typical
    cases, ranked: title hits first."""
    q = q.strip()
    if not q:
        raise invalid("q", "the query is empty")
    hits, total = await service.search_all(session, q=q, kind=kind, page=page, size=size)
    return SearchResult(items=[SearchHit(**h) for h in hits], total=total)


# -- import / export -------------------------------------------------------------------------------
async def _read_upload(request: Request) -> bytes:
    """The uploaded file's bytes: refused when empty or over the import size limit."""
    data = await request.body()
    if not data:
        raise invalid("body", "empty file")
    if len(data) > MAX_IMPORT_BYTES:
        raise invalid("body", f"file larger than {MAX_IMPORT_BYTES} bytes")
    return data


def _import_answer(report) -> Response:
    """All or nothing: a report with errors is a 422 naming each bad row and field (nothing was written)."""
    if report.errors:
        raise Problem(
            422, "import_rejected",
            f"{len(report.errors)} error(s) in {len({e.row for e in report.errors})} row(s); nothing was imported",
            errors=[{"row": e.row, "field": e.field, "message": e.message, "code": e.code} for e in report.errors],
            report=report.as_dict(),
        )
    return JSONResponse(report.as_dict())


@router.post("/imports/guidance-items", tags=["guidance"], max_body_size=MAX_IMPORT_BYTES)
async def import_guidance_items(
    rt: RuntimeDep,
    session: LegacySession,
    user: Admin,
    request: Request,
    format: Annotated[Literal["yaml", "csv", "xlsx"], Query()],
    dry_run: bool = False,
    batch: Annotated[str | None, Query(max_length=100, description="batch for rows without one")] = None,
) -> Response:
    """Validate every row, then load all or nothing. 200 with the report when loaded (or ``dry_run``);
    422 with the report naming each bad row and field, nothing written."""
    data = await _read_upload(request)
    try:
        report = await importing.import_file(
            rt, session, data, format, actor=user.sub, now=rt.clock.now(), dry_run=dry_run, default_batch=batch
        )
    except importing.ImportFileError as e:
        raise invalid("body", str(e), code="unreadable_file") from e
    return _import_answer(report)


@router.post("/imports/no-penalty-items", tags=["no-penalty"], max_body_size=MAX_IMPORT_BYTES)
async def import_no_penalty_items(
    rt: RuntimeDep,
    session: LegacySession,
    _admin: Admin,
    request: Request,
    format: Annotated[Literal["yaml", "csv", "xlsx"], Query()],
    dry_run: bool = False,
    list_version: Annotated[str | None, Query(max_length=200, description="for rows without one")] = None,
) -> Response:
    """A no-penalty list (免罚清单, ``kind: list``): every row validated first (conditions as fact keys,
    ``applies_to`` naming catalog items), then all loaded as new item versions, or nothing (422 with
    the report naming each bad row and field)."""
    data = await _read_upload(request)
    try:
        report = await no_penalty_import.import_file(
            rt, session, data, format, now=rt.clock.now(), dry_run=dry_run, list_version=list_version
        )
    except importing.ImportFileError as e:
        raise invalid("body", str(e), code="unreadable_file") from e
    return _import_answer(report)


@router.get("/exports/guidance-items", tags=["guidance"], response_class=Response,
            responses={200: {"content": {m.split(";")[0]: {} for m in importing.MEDIA_TYPES.values()},
                             "description": "the catalog in the requested format"}})
async def export_guidance_items(
    session: LegacySession,
    _user: CurrentUser,
    format: Annotated[Literal["yaml", "csv", "xlsx"], Query()] = "yaml",
    batch: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The published catalog (latest version of each item) in a format the importer reads back."""
    rows, _ = await service.list_guidance_items(session, batch=batch, page=1, size=10**9)
    body = importing.EXPORTERS[format]([importing.export_record(r) for r in rows])
    return Response(
        body, media_type=importing.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="guidance-items.{format}"'},
    )


# -- 免罚清单 / 《行政处罚法》第三十三条 -----------------------------------------------------------------
@router.get("/no-penalty-items", response_model=NoPenaltyItemList, tags=["no-penalty"])
async def list_no_penalty_items(
    session: LegacySession, _user: CurrentUser, kind: NoPenaltyKind | None = None
) -> NoPenaltyItemList:
    """Statutory grounds (《行政处罚法》第三十三条, outside any list) and the loaded list's items."""
    rows = await service.list_no_penalty_items(session, kind=kind)
    return NoPenaltyItemList(items=[NoPenaltyItem.model_validate(r) for r in rows], total=len(rows))


@router.get("/no-penalty-items/{code}", response_model=NoPenaltyItem, tags=["no-penalty"])
async def get_no_penalty_item(
    session: LegacySession, _user: CurrentUser, code: Code, version: Version = None
) -> NoPenaltyItem:
    row = await service.get_no_penalty_item(session, code=code, version=version)
    if row is None:
        raise not_found("no-penalty item", code if version is None else f"{code} version {version}")
    return NoPenaltyItem.model_validate(row)


@router.post("/no-penalty-items/{code}/evaluate", response_model=Evaluation, tags=["no-penalty"])
async def evaluate_no_penalty_item(
    session: LegacySession, _user: CurrentUser, code: Code, body: EvaluateRequest, version: Version = None
) -> Evaluation:
    """Check recorded facts against the item's conditions. Missing or null facts are ``unknown`` and
    never count as met; the answer names the item version it used (recorded on the decision).

    With ``violation_codes``, a list item that does not cover every one of them (``applies_to``) is not
    eligible. A list item is eligible only when the facts also establish a ground of 《行政处罚法》
    第三十三条第一款 (the list implements that paragraph; ``article_33`` says which ground, or what is
    unmet/unknown)."""
    row = await service.get_no_penalty_item(session, code=code, version=version)
    if row is None:
        raise not_found("no-penalty item", code if version is None else f"{code} version {version}")
    result = evaluate(
        conditions=row.conditions,
        exceptions=row.exceptions,
        facts=body.facts,
        discretionary=row.discretionary,
    )
    cover = coverage(row.applies_to or [], body.violation_codes)
    art33 = None
    if row.kind == "list":
        grounds = [(g.code, g.conditions) for c in ARTICLE_33_LIST_GROUNDS
                   if (g := await service.get_no_penalty_item(session, code=c)) is not None]
        art33 = article_33(grounds, body.facts)
    notes = [result.note]
    if cover is not None and not cover.covers:
        notes.append(f"该事项不适用于违法行为 {cover.not_covered}（适用范围 applies_to：{row.applies_to}）")
    if art33 is not None and not art33.met:
        notes.append("事实未认定《行政处罚法》第三十三条第一款规定的情形（轻微、及时改正、没有造成危害后果；"
                     "或初次违法且危害后果轻微并及时改正）")
    if row.note:
        notes.append(row.note)
    eligible = result.eligible and (cover is None or cover.covers) and (art33 is None or art33.met)
    return Evaluation(
        code=row.code,
        kind=row.kind,
        item_version=row.version,
        list_version=row.list_version,
        eligible=eligible,
        met=result.met,
        unmet=result.unmet,
        unknown=result.unknown,
        discretionary=row.discretionary,
        outcome=result.outcome if eligible else "not_eligible",
        legal_basis=[LegalBasis.model_validate(b) for b in with_article_33(row.legal_basis)],
        note="。".join(notes),
        applies_to=list(row.applies_to or []),
        covers=None if cover is None else cover.covers,
        not_covered=[] if cover is None else cover.not_covered,
        article_33=None if art33 is None else {"met": art33.met, "ground": art33.ground, "grounds": art33.grounds},
    )


# -- 《行政处罚法》第三十二条 -------------------------------------------------------------------------
@router.get("/circumstances", response_model=list[Circumstance], tags=["discretion"])
async def list_circumstances(
    session: LegacySession,
    user: CurrentUser,
    bureau: Annotated[str | None, Query(max_length=20, description="default: the caller's bureau")] = None,
    rule_set: Annotated[str | None, Query(max_length=100)] = None,
) -> list[Circumstance]:
    """The fact keys of 《行政处罚法》第三十二条 (any one true → 应当从轻或者减轻), compliance rectification
    (从轻, 试点方案 三（五）) and the aggravating (and own mitigating) circumstances of the bureau's rule set."""
    rs = rule_set_named(rule_set) if rule_set else (await active_rule_set(session, bureau or user.bureau))[0]
    _, _, overlay, _ = catalog()
    return [Circumstance.model_validate(c) for c in circumstances(rs, overlay)]

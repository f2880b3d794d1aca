"""HTTP for the guidance checklist (合规指导清单): thin — parse, authorize (any valid token reads; admins
write), call the use case, shape the response. Mounted under ``/v1`` by the app (``/checklist/v1`` in
the composition). Each handler runs in the request's unit of work (``DbSession``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from services.checklist.guidance import importing, service
from services.checklist.guidance.schemas import (
    GuidanceItem,
    GuidanceItemCreate,
    GuidanceItemList,
    GuidanceItemRevise,
    RiskLevel,
    SearchHit,
    SearchResult,
    VersionInfo,
)
from services.checklist.guidance.service import row_content
from services.checklist.guidance.versioning import content_hash
from shared import fields, pagination
from shared.auth import CurrentUser, Principal, require_roles
from shared.problems import Problem, invalid, not_found
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import Role

router = APIRouter(tags=["checklist"])

Code = Annotated[str, Path(min_length=1, max_length=64)]
Admin = Annotated[Principal, require_roles(Role.ADMIN)]
Query_ = Annotated[str, Query(min_length=1, max_length=200, description="a Chinese (or any) substring")]
MAX_IMPORT_BYTES = 50 * 1024 * 1024
Version = Annotated[fields.Int32 | None, Query(ge=1, description="a version number; default: the latest published")]


def _version_info(r) -> VersionInfo:
    return VersionInfo(
        code=r.code, version=r.version, status=r.status, content_hash=r.content_hash,
        hash_matches=r.content_hash == content_hash(row_content(r)), created_at=r.created_at,
        created_by=r.created_by, published_at=r.published_at,
    )


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
    page: Annotated[int, Query(ge=1, le=pagination.MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> GuidanceItemList:
    """The latest published version of each guidance item, by code; with ``q``, title hits first.

    With ``q`` (and no other filter) the total is counted up to 1,000 hits (``search.COUNT_CAP``):
    past it the answer says ``total: 1000, total_is_exact: false`` — more than 1,000 items match; the
    pages themselves go on past it. Otherwise ``total_is_exact`` is ``true`` and ``total`` is the
    exact number of matching items."""
    rows, total, exact = await service.list_guidance_items(
        session,
        q=(q or "").strip() or None,
        risk_level=risk_level,
        domain=domain,
        batch=batch,
        page=page,
        size=size,
    )
    return GuidanceItemList(items=[GuidanceItem.model_validate(r) for r in rows], total=total, total_is_exact=exact)


@router.get("/guidance-items/{code}", response_model=GuidanceItem, tags=["guidance"])
async def get_guidance_item(
    session: DbSession, _user: CurrentUser, code: Code, version: Version = None
) -> GuidanceItem:
    row = await service.get_guidance_item(session, code=code, version=version)
    if row is None:
        raise not_found("guidance item", code if version is None else f"{code} version {version}")
    return GuidanceItem.model_validate(row)


@router.get("/guidance-items/{code}/versions", response_model=list[VersionInfo], tags=["guidance"])
async def list_versions(session: DbSession, _user: CurrentUser, code: Code) -> list[VersionInfo]:
    """Every version with its content hash, recomputed from the stored row: ``hash_matches`` proves the
    version's text is the one that was published."""
    rows = await service.list_versions(session, code=code)
    if not rows:
        raise not_found("guidance item", code)
    return [_version_info(r) for r in rows]


@router.post("/guidance-items", response_model=GuidanceItem, status_code=201, tags=["guidance"])
async def create_guidance_item(
    rt: RuntimeDep, session: DbSession, user: Admin, body: GuidanceItemCreate
) -> GuidanceItem:
    """A new item (version 1); published at once unless ``publish: false`` (then a draft).
    Emits ``ecocomply.checklist.item_published.v1`` when published."""
    row = await service.create_item(rt, session, body=body, actor=user.sub, now=rt.clock.now())
    return GuidanceItem.model_validate(row)


@router.put("/guidance-items/{code}", response_model=GuidanceItem, tags=["guidance"])
async def revise_guidance_item(
    rt: RuntimeDep, session: DbSession, user: Admin, code: Code, body: GuidanceItemRevise
) -> GuidanceItem:
    """A revision: a new immutable version made from ``base_version`` (409 ``version_conflict`` if
    another revision came first). Older versions stay readable with ``?version=``."""
    row = await service.revise_item(rt, session, code=code, body=body, actor=user.sub, now=rt.clock.now())
    return GuidanceItem.model_validate(row)


@router.post("/guidance-items/{code}/versions/{version}/publish", response_model=GuidanceItem, tags=["guidance"])
async def publish_guidance_version(
    rt: RuntimeDep, session: DbSession, user: Admin, code: Code, version: Annotated[fields.Int32, Path(ge=1)]
) -> GuidanceItem:
    row = await service.publish_version(
        rt, session, code=code, version=version, actor=user.sub, now=rt.clock.now()
    )
    return GuidanceItem.model_validate(row)


@router.post("/guidance-items/{code}/retire", response_model=list[VersionInfo], tags=["guidance"])
async def retire_guidance_item(rt: RuntimeDep, session: DbSession, user: Admin, code: Code) -> list[VersionInfo]:
    """The item leaves the published catalog; its versions stay readable with ``?version=``."""
    rows = await service.retire_item(rt, session, code=code, actor=user.sub, now=rt.clock.now())
    return [_version_info(r) for r in rows]


# -- search ----------------------------------------------------------------------------------------
@router.get("/search", response_model=SearchResult, tags=["guidance"])
async def search_catalog(
    session: DbSession,
    _user: CurrentUser,
    q: Query_,
    kind: Literal["guidance", "case"] | None = None,
    page: Annotated[int, Query(ge=1, le=pagination.MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> SearchResult:
    """Chinese substring search over guidance items (title, violations, basis, advice) and typical
    cases, ranked: title hits first.

    The hits of each kind are counted up to 1,000 (``search.COUNT_CAP``): past it ``total_is_exact``
    is ``false`` and there are more than ``total`` hits; the pages themselves go on past it."""
    q = q.strip()
    if not q:
        raise invalid("q", "the query is empty")
    hits, total, exact = await service.search_all(session, q=q, kind=kind, page=page, size=size)
    return SearchResult(items=[SearchHit(**h) for h in hits], total=total, total_is_exact=exact)


# -- import / export -------------------------------------------------------------------------------
async def read_upload(request: Request) -> bytes:
    """The uploaded file's bytes: refused when empty or over the import size limit."""
    data = await request.body()
    if not data:
        raise invalid("body", "empty file")
    if len(data) > MAX_IMPORT_BYTES:
        raise invalid("body", f"file larger than {MAX_IMPORT_BYTES} bytes")
    return data


def import_answer(report) -> Response:
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
    session: DbSession,
    user: Admin,
    request: Request,
    format: Annotated[Literal["yaml", "csv", "xlsx"], Query()],
    dry_run: bool = False,
    batch: Annotated[str | None, Query(max_length=100, description="batch for rows without one")] = None,
) -> Response:
    """Validate every row, then load all or nothing. 200 with the report when loaded (or ``dry_run``);
    422 with the report naming each bad row and field, nothing written."""
    data = await read_upload(request)
    try:
        report = await importing.import_file(
            rt, session, data, format, actor=user.sub, now=rt.clock.now(), dry_run=dry_run, default_batch=batch
        )
    except importing.ImportFileError as e:
        raise invalid("body", str(e), code="unreadable_file") from e
    return import_answer(report)


@router.get("/exports/guidance-items", tags=["guidance"], response_class=Response,
            responses={200: {"content": {m.split(";")[0]: {} for m in importing.MEDIA_TYPES.values()},
                             "description": "the catalog in the requested format"}})
async def export_guidance_items(
    session: DbSession,
    _user: CurrentUser,
    format: Annotated[Literal["yaml", "csv", "xlsx"], Query()] = "yaml",
    batch: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The published catalog (latest version of each item) in a format the importer reads back."""
    rows, _, _ = await service.list_guidance_items(session, batch=batch, page=1, size=10**9)
    body = importing.EXPORTERS[format]([importing.export_record(r) for r in rows])
    return Response(
        body, media_type=importing.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="guidance-items.{format}"'},
    )

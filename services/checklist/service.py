"""Read use cases of the checklist catalog (queries only; no session here commits)."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist import search
from services.checklist.models import GuidanceItem, NoPenaltyItem, SearchDocument

# A version asked for by number stays readable after it is superseded or retired; drafts are not
# part of the published catalog.
READABLE_STATUSES = ("published", "retired")

CatalogModel = type[GuidanceItem] | type[NoPenaltyItem]


def _latest_published(model: CatalogModel) -> Select:
    """The latest published version of each code."""
    latest = (
        select(model.code, func.max(model.version).label("version"))
        .where(model.status == "published")
        .group_by(model.code)
        .subquery()
    )
    return select(model).join(latest, and_(model.code == latest.c.code, model.version == latest.c.version))


async def _get(session: AsyncSession, model: CatalogModel, *, code: str, version: int | None):
    stmt = select(model).where(model.code == code)
    if version is None:
        stmt = stmt.where(model.status == "published").order_by(model.version.desc()).limit(1)
    else:
        stmt = stmt.where(model.version == version, model.status.in_(READABLE_STATUSES))
    return await session.scalar(stmt)


async def list_guidance_items(
    session: AsyncSession,
    *,
    q: str | None = None,
    risk_level: str | None = None,
    domain: str | None = None,
    batch: str | None = None,
    page: int = 1,
    size: int = 20,
) -> tuple[list[GuidanceItem], int]:
    """The latest published version of each item; with ``q``, only those whose title, violations,
    basis or advice contain it, title hits first, then by code."""
    if q:
        hits = search.matching_documents("guidance", search.normalise(q)).subquery()
        if not (risk_level or domain or batch):
            # the index alone answers: count and rank its documents, then load one page of items
            total = await session.scalar(select(func.count()).select_from(hits)) or 0
            page_refs = (
                select(hits.c.ref, hits.c.version, hits.c.title_hit)
                .order_by(hits.c.title_hit.desc(), hits.c.ref)
                .offset((page - 1) * size)
                .limit(size)
                .subquery()
            )
            rows = await session.scalars(
                select(GuidanceItem)
                .join(page_refs, and_(GuidanceItem.code == page_refs.c.ref, GuidanceItem.version == page_refs.c.version))
                .order_by(page_refs.c.title_hit.desc(), GuidanceItem.code)
            )
            return list(rows), total
        stmt = select(GuidanceItem).join(
            hits, and_(GuidanceItem.code == hits.c.ref, GuidanceItem.version == hits.c.version)
        )
        order = (hits.c.title_hit.desc(), GuidanceItem.code)
    else:
        stmt = _latest_published(GuidanceItem)
        order = (GuidanceItem.code,)
    if risk_level:
        stmt = stmt.where(GuidanceItem.risk_level == risk_level)
    if domain:
        stmt = stmt.where(GuidanceItem.domain == domain)
    if batch:
        stmt = stmt.where(GuidanceItem.batch == batch)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.scalars(stmt.order_by(*order).offset((page - 1) * size).limit(size))
    return list(rows), total


async def search_all(
    session: AsyncSession, *, q: str, kind: str | None, page: int, size: int
) -> tuple[list[dict], int]:
    """Ranked hits over guidance items and typical cases."""
    norm = search.normalise(q)
    parts = [search.matching_documents(k, norm).add_columns(literal(k).label("kind"))
             for k in ((kind,) if kind else ("guidance", "case"))]
    hits = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    total = await session.scalar(select(func.count()).select_from(hits)) or 0
    rows = await session.execute(
        select(hits.c.kind, hits.c.ref, hits.c.version, hits.c.title_hit, SearchDocument.label)
        .join(SearchDocument, SearchDocument.id == hits.c.id)
        .order_by(hits.c.title_hit.desc(), hits.c.kind.desc(), hits.c.ref)
        .offset((page - 1) * size)
        .limit(size)
    )
    return [
        {"kind": r.kind, "ref": r.ref, "version": r.version, "rank": 2 if r.title_hit else 1, "title": r.label}
        for r in rows
    ], total


async def list_versions(session: AsyncSession, *, code: str) -> list[GuidanceItem]:
    return list(
        await session.scalars(select(GuidanceItem).where(GuidanceItem.code == code).order_by(GuidanceItem.version))
    )


async def get_guidance_item(
    session: AsyncSession, *, code: str, version: int | None = None
) -> GuidanceItem | None:
    return await _get(session, GuidanceItem, code=code, version=version)


async def list_no_penalty_items(session: AsyncSession, *, kind: str | None = None) -> list[NoPenaltyItem]:
    stmt = _latest_published(NoPenaltyItem)
    if kind:
        stmt = stmt.where(NoPenaltyItem.kind == kind)
    # statutory grounds first, then list items, each by code
    return list(await session.scalars(stmt.order_by(NoPenaltyItem.kind.desc(), NoPenaltyItem.code)))


async def get_no_penalty_item(
    session: AsyncSession, *, code: str, version: int | None = None
) -> NoPenaltyItem | None:
    return await _get(session, NoPenaltyItem, code=code, version=version)

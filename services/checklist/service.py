"""Read use cases of the checklist catalog (queries only; no session here commits)."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist import search
from services.checklist.models import GuidanceItem, NoPenaltyItem

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
        norm = search.normalise(q)
        if not (risk_level or domain or batch):
            # the index alone answers: counts over it, then one ranked page of items
            hits, total = await search.ranked(session, ["guidance"], norm, offset=(page - 1) * size, limit=size)
            if not hits:
                return [], total
            keys = [(h.ref, h.version) for h in hits]
            # by code (the (code, version) index; a row-value IN would scan on SQLite), then the version
            rows = await session.scalars(select(GuidanceItem).where(GuidanceItem.code.in_([h.ref for h in hits])))
            by_key = {(r.code, r.version): r for r in rows}
            return [by_key[k] for k in keys if k in by_key], total
        hits = search.matching_documents(search.matcher(session, "guidance", norm)).subquery()
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
    hits, total = await search.ranked(
        session, (kind,) if kind else search.KINDS, search.normalise(q), offset=(page - 1) * size, limit=size
    )
    return [
        {"kind": h.kind, "ref": h.ref, "version": h.version, "rank": 2 if h.title_hit else 1, "title": h.label}
        for h in hits
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

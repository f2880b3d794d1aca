"""Read use cases of the checklist catalog (queries only in this issue; no session here commits)."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.models import GuidanceItem, NoPenaltyItem

# A version asked for by number stays readable after it is superseded or retired; drafts are not
# part of the published catalog.
READABLE_STATUSES = ("published", "retired")

CatalogModel = type[GuidanceItem] | type[NoPenaltyItem]


def like_pattern(q: str) -> str:
    """``%q%`` with LIKE's wildcards escaped (escape character ``\\``)."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
    stmt = _latest_published(GuidanceItem)
    if q:
        # search_text is stored lower-cased, so the same LIKE finds the same rows on SQLite and PostgreSQL.
        stmt = stmt.where(GuidanceItem.search_text.like(like_pattern(q.lower()), escape="\\"))
    if risk_level:
        stmt = stmt.where(GuidanceItem.risk_level == risk_level)
    if domain:
        stmt = stmt.where(GuidanceItem.domain == domain)
    if batch:
        stmt = stmt.where(GuidanceItem.batch == batch)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.scalars(stmt.order_by(GuidanceItem.code).offset((page - 1) * size).limit(size))
    return list(rows), total


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

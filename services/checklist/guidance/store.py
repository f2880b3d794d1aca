"""Queries over the versioned catalog tables (guidance items and no-penalty items share the shape: one
immutable row per ``(code, version)`` with a workflow ``status``)."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.models import GuidanceItem, NoPenaltyItem

# A version asked for by number stays readable after it is superseded or retired; drafts are not
# part of the published catalog.
READABLE_STATUSES = ("published", "retired")

CatalogModel = type[GuidanceItem] | type[NoPenaltyItem]


def latest_published(model: CatalogModel) -> Select:
    """The latest published version of each code."""
    latest = (
        select(model.code, func.max(model.version).label("version"))
        .where(model.status == "published")
        .group_by(model.code)
        .subquery()
    )
    return select(model).join(latest, and_(model.code == latest.c.code, model.version == latest.c.version))


async def get_versioned(session: AsyncSession, model: CatalogModel, *, code: str, version: int | None):
    """The latest published version of ``code``, or version ``version`` if it is readable."""
    stmt = select(model).where(model.code == code)
    if version is None:
        stmt = stmt.where(model.status == "published").order_by(model.version.desc()).limit(1)
    else:
        stmt = stmt.where(model.version == version, model.status.in_(READABLE_STATUSES))
    return await session.scalar(stmt)


async def latest_version(session: AsyncSession, code: str) -> GuidanceItem | None:
    """The newest version of guidance item ``code`` in any status."""
    return await session.scalar(
        select(GuidanceItem).where(GuidanceItem.code == code).order_by(GuidanceItem.version.desc()).limit(1)
    )


async def latest_by_code(session: AsyncSession, model: CatalogModel, codes: list[str]) -> dict:
    """The newest version (any status) of each of ``codes`` that exists, by code (500 codes a query)."""
    out: dict = {}
    for i in range(0, len(codes), 500):
        latest = (
            select(model.code, func.max(model.version).label("v"))
            .where(model.code.in_(codes[i : i + 500]))
            .group_by(model.code)
            .subquery()
        )
        rows = await session.scalars(
            select(model).join(latest, (model.code == latest.c.code) & (model.version == latest.c.v))
        )
        out.update({r.code: r for r in rows})
    return out

"""The standard's versions: the seeded version 1, reads, and the import (a new version, never a change to an old one —
a score keeps the version it was given under)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.casefile_review.models import ReviewStandard
from services.audit.casefile_review.standard import StandardContent, digest, seeded
from services.audit.log import ledger
from shared.problems import conflict, not_found

SYSTEM = "system"


async def ensure_seeded(session: AsyncSession, *, now: datetime) -> None:
    """Version 1 (``standard.seeded``) the first time anything reads the standard; a concurrent first read that
    wrote it meanwhile is fine (the savepoint is rolled back, its row stands)."""
    if await session.scalar(select(func.count()).select_from(ReviewStandard)):
        return
    content = seeded()
    try:
        async with session.begin_nested():
            session.add(ReviewStandard(version=1, sha256=digest(content), content=content.model_dump(mode="json"),
                                       created_by=SYSTEM, created_at=now))
    except IntegrityError:
        pass


async def versions(session: AsyncSession, *, now: datetime) -> list[ReviewStandard]:
    await ensure_seeded(session, now=now)
    return list(await session.scalars(select(ReviewStandard).order_by(ReviewStandard.version)))


async def get(session: AsyncSession, version: int | None, *, now: datetime) -> tuple[int, StandardContent]:
    """A version (None: the latest) and its content; 404 for an unknown version."""
    await ensure_seeded(session, now=now)
    if version is None:
        version = await session.scalar(select(func.max(ReviewStandard.version)))
    row = await session.get(ReviewStandard, version)
    if row is None:
        raise not_found("casefile review standard version", str(version))
    return row.version, StandardContent.model_validate(row.content)


async def import_standard(session: AsyncSession, content: StandardContent, *, by: str, now: datetime,
                          dry_run: bool) -> tuple[int, bool]:
    """(version, created): content already a version is that version (nothing written); else the next number."""
    await ensure_seeded(session, now=now)
    sha = digest(content)
    same = await session.scalar(select(ReviewStandard.version).where(ReviewStandard.sha256 == sha))
    if same is not None:
        return same, False
    version = (await session.scalar(select(func.max(ReviewStandard.version))) or 0) + 1
    if dry_run:
        return version, True
    try:
        async with session.begin_nested():
            session.add(ReviewStandard(version=version, sha256=sha, content=content.model_dump(mode="json"),
                                       created_by=by, created_at=now))
    except IntegrityError as e:  # a concurrent import took the number (or the same content): nothing written
        raise conflict("concurrent_update", "评查标准同时被另一次导入修改，请重试") from e
    await ledger.append_act(session, type_="audit.casefile_review_standard_imported", case_id=None, now=now,
                            data={"version": version, "sha256": sha, "imported_by": by, "title": content.title})
    return version, True

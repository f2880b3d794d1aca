"""Use cases of the guidance checklist: the reads (list, one item, its versions, search) and the admin
workflow — create, revise, publish, retire — each in the caller's unit of work (the request's), with
the catalog rows, the search index and the outbox event written together.

Every revision is a new immutable ``(code, version)`` row; only the workflow ``status`` of a version
moves (draft → published → retired, ``STATUS_TRANSITIONS``). Two admins revising the same item: the
revision names the ``base_version`` it was made from; if another revision got there first the answer
is ``409 version_conflict`` (and the unique ``(code, version)`` key catches the race between two
transactions that both read the same latest version), so no update is ever lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist import search
from services.checklist.guidance.schemas import GuidanceContent, GuidanceItemCreate, GuidanceItemRevise
from services.checklist.guidance.store import get_versioned, latest_published, latest_version
from services.checklist.guidance.versioning import (
    CONTENT_FIELDS,
    OPTIONAL_CONTENT_FIELDS,
    content_hash,
    same_content,
)
from services.checklist.models import GuidanceItem
from shared.contracts import ChecklistItemPublished, ChecklistItemRetired
from shared.problems import Problem, conflict, invalid, not_found

if TYPE_CHECKING:
    from shared.service import Runtime

# (state, action) -> new state. Content never changes; a change of content is a new version.
STATUS_TRANSITIONS = {("draft", "publish"): "published", ("published", "retire"): "retired"}


def allowed_actions(state: str) -> list[str]:
    actions = [a for (s, a) in STATUS_TRANSITIONS if s == state]
    return [*actions, "revise"]


def _illegal(state: str, action: str, rule: str) -> Problem:
    return conflict(
        "illegal_transition",
        f"cannot {action} a {state} version: {rule}",
        state=state,
        action=action,
        rule=rule,
        allowed_actions=allowed_actions(state),
    )


# -- reads -----------------------------------------------------------------------------------------
async def list_guidance_items(
    session: AsyncSession,
    *,
    q: str | None = None,
    risk_level: str | None = None,
    domain: str | None = None,
    batch: str | None = None,
    page: int = 1,
    size: int = 20,
) -> tuple[list[GuidanceItem], int, bool]:
    """The latest published version of each item; with ``q``, only those whose title, violations,
    basis or advice contain it, title hits first, then by code. With the total and whether it is
    exact: a search with ``q`` alone counts up to ``search.COUNT_CAP`` hits (``search.ranked``)."""
    if q:
        norm = search.normalise(q)
        if not (risk_level or domain or batch):
            # the index alone answers: counts over it, then one ranked page of items
            hits, total, exact = await search.ranked(
                session, ["guidance"], norm, offset=(page - 1) * size, limit=size
            )
            if not hits:
                return [], total, exact
            keys = [(h.ref, h.version) for h in hits]
            # by code (the (code, version) index; a row-value IN would scan on SQLite), then the version
            rows = await session.scalars(select(GuidanceItem).where(GuidanceItem.code.in_([h.ref for h in hits])))
            by_key = {(r.code, r.version): r for r in rows}
            return [by_key[k] for k in keys if k in by_key], total, exact
        hits = search.matching_documents(search.matcher(session, "guidance", norm)).subquery()
        stmt = select(GuidanceItem).join(
            hits, and_(GuidanceItem.code == hits.c.ref, GuidanceItem.version == hits.c.version)
        )
        order = (hits.c.title_hit.desc(), GuidanceItem.code)
    else:
        stmt = latest_published(GuidanceItem)
        order = (GuidanceItem.code,)
    if risk_level:
        stmt = stmt.where(GuidanceItem.risk_level == risk_level)
    if domain:
        stmt = stmt.where(GuidanceItem.domain == domain)
    if batch:
        stmt = stmt.where(GuidanceItem.batch == batch)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.scalars(stmt.order_by(*order).offset((page - 1) * size).limit(size))
    return list(rows), total, True


async def search_all(
    session: AsyncSession, *, q: str, kind: str | None, page: int, size: int
) -> tuple[list[dict], int, bool]:
    """Ranked hits over guidance items and typical cases, the total and whether it is exact."""
    hits, total, exact = await search.ranked(
        session, (kind,) if kind else search.KINDS, search.normalise(q), offset=(page - 1) * size, limit=size
    )
    return [
        {"kind": h.kind, "ref": h.ref, "version": h.version, "rank": 2 if h.title_hit else 1, "title": h.label}
        for h in hits
    ], total, exact


async def list_versions(session: AsyncSession, *, code: str) -> list[GuidanceItem]:
    return list(
        await session.scalars(select(GuidanceItem).where(GuidanceItem.code == code).order_by(GuidanceItem.version))
    )


async def get_guidance_item(
    session: AsyncSession, *, code: str, version: int | None = None
) -> GuidanceItem | None:
    return await get_versioned(session, GuidanceItem, code=code, version=version)


# -- the admin workflow ----------------------------------------------------------------------------


def new_version_row(
    code: str, version: int, content: GuidanceContent, *, status: str, actor: str, now: datetime
) -> GuidanceItem:
    data: dict[str, Any] = {"code": code, "version": version, **content.content()}
    return GuidanceItem(
        **data,
        status=status,
        search_text=content.search_text(),
        content_hash=content_hash(data),
        created_by=actor,
        created_at=now,
        published_at=now if status == "published" else None,
    )


def row_content(row: GuidanceItem) -> dict[str, Any]:
    return {f: getattr(row, f) for f in (*CONTENT_FIELDS, *OPTIONAL_CONTENT_FIELDS)}


async def _on_published(rt: Runtime, session: AsyncSession, row: GuidanceItem, now: datetime) -> None:
    """A version became the published one: index it for search and emit item_published.v1."""
    await search.index_document(
        session, kind="guidance", ref=row.code, version=row.version, title=row.title, body=row.search_text
    )
    await announce(rt, session, row, now)


async def announce(rt: Runtime, session: AsyncSession, row: GuidanceItem, now: datetime) -> None:
    """``ecocomply.checklist.item_published.v1`` for a version just published."""
    await rt.emit(
        session,
        ChecklistItemPublished(
            code=row.code,
            version=row.version,
            kind="guidance",
            title=row.title,
            published_at=now,
            content_hash=row.content_hash,
            batch=row.batch,
            risk_level=row.risk_level,
        ),
        subject=row.code,
    )


async def add_version(
    rt: Runtime,
    session: AsyncSession,
    *,
    code: str,
    content: GuidanceContent,
    publish: bool,
    actor: str,
    now: datetime,
    expected_latest: int | None,
) -> GuidanceItem:
    """Insert version ``expected_latest + 1`` (1 for a new item) in the caller's transaction."""
    version = (expected_latest or 0) + 1
    row = new_version_row(
        code, version, content, status="published" if publish else "draft", actor=actor, now=now
    )
    session.add(row)
    await session.flush()
    if publish:
        await _on_published(rt, session, row, now)
    return row


def _version_conflict(code: str, base: int, current: int) -> Problem:
    return conflict(
        "version_conflict",
        f"guidance item {code} was revised meanwhile: you edited version {base}, the latest is {current}; "
        "reload it and apply your change again",
        current_version=current,
        base_version=base,
    )


async def create_item(
    rt: Runtime, session: AsyncSession, *, body: GuidanceItemCreate, actor: str, now: datetime
) -> GuidanceItem:
    try:
        if await latest_version(session, body.code) is not None:
            raise conflict(
                "duplicate", f"guidance item {body.code} exists; revise it with PUT /guidance-items/{body.code}"
            )
        return await add_version(
            rt, session, code=body.code, content=body, publish=body.publish, actor=actor, now=now,
            expected_latest=None,
        )
    except IntegrityError as e:  # created concurrently by another admin
        raise conflict("duplicate", f"guidance item {body.code} was created concurrently") from e


async def revise_item(
    rt: Runtime, session: AsyncSession, *, code: str, body: GuidanceItemRevise, actor: str, now: datetime
) -> GuidanceItem:
    try:
        latest = await latest_version(session, code)
        if latest is None:
            raise not_found("guidance item", code)
        if latest.version != body.base_version:
            raise _version_conflict(code, body.base_version, latest.version)
        if same_content(row_content(latest), body.content()):
            raise invalid("body", f"nothing changed against version {latest.version}", code="no_change")
        return await add_version(
            rt, session, code=code, content=body, publish=body.publish, actor=actor, now=now,
            expected_latest=latest.version,
        )
    except IntegrityError as e:  # another revision of the same base committed first
        raise _version_conflict(code, body.base_version, body.base_version + 1) from e


async def publish_version(
    rt: Runtime, session: AsyncSession, *, code: str, version: int, actor: str, now: datetime
) -> GuidanceItem:
    row = await session.scalar(
        select(GuidanceItem).where(GuidanceItem.code == code, GuidanceItem.version == version)
    )
    if row is None:
        raise not_found("guidance item", f"{code} version {version}")
    if (row.status, "publish") not in STATUS_TRANSITIONS:
        raise _illegal(row.status, "publish", "only a draft version can be published")
    newer = await session.scalar(
        select(GuidanceItem.version).where(
            GuidanceItem.code == code, GuidanceItem.version > version, GuidanceItem.status == "published"
        ).limit(1)
    )
    if newer is not None:
        raise _illegal(row.status, "publish", f"version {newer} is newer and already published")
    row.status = STATUS_TRANSITIONS[(row.status, "publish")]
    row.published_at = now
    await session.flush()
    await _on_published(rt, session, row, now)
    return row


async def retire_item(
    rt: Runtime, session: AsyncSession, *, code: str, actor: str, now: datetime
) -> Sequence[GuidanceItem]:
    """Take the item out of the published catalog: every published version becomes ``retired`` (still
    readable with ``?version=``); it leaves the search index."""
    rows = list(
        await session.scalars(
            select(GuidanceItem).where(GuidanceItem.code == code).order_by(GuidanceItem.version)
        )
    )
    if not rows:
        raise not_found("guidance item", code)
    published = [r for r in rows if r.status == "published"]
    if not published:
        raise _illegal(rows[-1].status, "retire", "the item has no published version")
    await session.execute(
        update(GuidanceItem)
        .where(GuidanceItem.code == code, GuidanceItem.status == "published")
        .values(status=STATUS_TRANSITIONS[("published", "retire")])
    )
    await search.remove_document(session, kind="guidance", ref=code)
    await rt.emit(
        session,
        ChecklistItemRetired(code=code, last_version=published[-1].version, retired_by=actor, retired_at=now),
        subject=code,
    )
    for r in published:
        await session.refresh(r)
    return rows

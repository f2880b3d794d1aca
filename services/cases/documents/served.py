"""Issued documents are immutable (issue 24 item 3). A 文书 is written ``pending`` in the transaction of the
step that issues it (``documents.issued.issue``); the cases worker renders it once, off the request path (``render_pending``,
the ``document_render`` job, woken with the relay), stores the bytes with their SHA-256 and emits
``ecocomply.case.document_issued.v1``, which the audit service appends to its hash-chained log. Every read
serves the stored bytes (``read``), whatever the templates say since. A corrected decision is a new row with
a new 文号 that names the one it ``replaces``.

A document no step recorded (a case decided before this feature, a kind first asked for) is issued on its
first read: rendered then, stored, and served as stored ever after."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.case.service import load_visible
from services.cases.documents import content as documents
from services.cases.documents import service
from services.cases.documents.issued import number_of
from services.cases.models import AdviceLetter, Case, IssuedDocument
from shared import contracts
from shared.auth import Principal, ensure_can_see
from shared.db import dialect_insert
from shared.problems import Problem, not_found
from shared.service import Runtime

log = logging.getLogger("ecocomply.cases.documents")

# The worker reads a case as the service itself does (every bureau's).
WORKER = Principal(sub="cases-document-worker", name="文书生成", roles=["service"])
# A claim a worker holds this long without finishing is taken over (the worker died mid-render).
LEASE = timedelta(minutes=5)
# A render that fails for a reason other than a refusal is retried this many times in all.
MAX_ATTEMPTS = 5
# How long a read waits for the worker to finish a pending document before answering 503 (Retry-After).
WAIT_SECONDS = 20.0
POLL_SECONDS = 0.05
RETRY_AFTER_SECONDS = 5
RENDERING_DETAIL = "文书正在生成，请稍后再试"


@dataclass(frozen=True)
class Stored:
    """A document as issued: its bytes, their SHA-256 and the file name."""

    content: bytes
    sha256: str
    filename: str
    number: str


# -- the worker -------------------------------------------------------------------------------------
async def render_pending(rt: Runtime, *, limit: int = 100) -> int:
    """Render the pending documents, one claimed row at a time (the ``document_render`` job). Workers in
    several processes may run this together: a row is claimed by one UPDATE … WHERE status = 'pending'
    (SKIP LOCKED on PostgreSQL), so no two render the same row. Returns how many were stored."""
    done = 0
    for _ in range(limit):
        claimed = await _claim(rt)
        if claimed is None:
            break
        done += await _render(rt, *claimed)
    return done


async def pending_count(rt: Runtime) -> int:
    """How many issued documents still wait for the worker's render (the benchmark waits for none before it
    measures decisions, so that a prepared notice's render is not counted as a decision's cost)."""
    async with rt.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(IssuedDocument)
                                        .where(IssuedDocument.status == "pending")) or 0)


async def _claim(rt: Runtime) -> tuple[int, str] | None:
    token, now = str(uuid.uuid4()), rt.clock.now()
    free = (IssuedDocument.status == "pending",
            or_(IssuedDocument.claimed_at.is_(None), IssuedDocument.claimed_at < now - LEASE))
    async with rt.sessionmaker() as session, session.begin():
        pick = select(IssuedDocument.id).where(*free).order_by(IssuedDocument.id).limit(1)
        if session.bind.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (update(IssuedDocument).where(IssuedDocument.id == pick.scalar_subquery(), *free)
                .values(claim=token, claimed_at=now, attempts=IssuedDocument.attempts + 1)
                .returning(IssuedDocument.id))
        row_id = (await session.execute(stmt)).scalar()
    return None if row_id is None else (row_id, token)


async def _render(rt: Runtime, row_id: int, token: str) -> int:
    async with rt.sessionmaker() as session:
        row = await session.get(IssuedDocument, row_id)
        assert row is not None
    try:
        pdf, filename = await build(rt, WORKER, row)
    except Exception as e:  # a refusal stays one; anything else is tried again, MAX_ATTEMPTS in all
        final = isinstance(e, Problem) or row.attempts >= MAX_ATTEMPTS
        (log.info if isinstance(e, Problem) else log.exception)("document %s (%s %s) not rendered: %s",
                                                                 row_id, row.kind, row.number, e)
        async with rt.sessionmaker() as session, session.begin():
            await session.execute(update(IssuedDocument).where(IssuedDocument.id == row_id, IssuedDocument.claim == token)
                                  .values(status="failed" if final else "pending", claim=None, claimed_at=None,
                                          error=str(getattr(e, "detail", None) or e)[:2000]))
        return 0
    async with rt.sessionmaker() as session, session.begin():
        stored = await _store(rt, session, row, pdf, filename, claim=token)
    return 1 if stored else 0


async def build(rt: Runtime, user: Principal, row: IssuedDocument) -> tuple[bytes, str]:
    """Render the document a row records: built from what the case holds (the builders), then rendered
    (``content.render``) in a thread with no session open — a render takes CPU seconds, and on SQLite a
    transaction holds the database's write lock. Each session is opened after the last one closed (SQLite
    has one connection)."""
    if row.letter_id is not None:
        async with rt.sessionmaker() as session:
            doc, name = await service.advice_doc(rt, session, user, row.letter_id)
    else:
        assert row.case_id is not None
        titles = await service.violation_titles(rt, user, row.case_id) if row.kind in ("decision", "notice") else None
        async with rt.sessionmaker() as session:
            doc, name = await service.case_doc(rt, session, user, row.case_id, row.kind, titles,
                                               decision=row.data if row.kind == "decision" else None)
    return await asyncio.to_thread(documents.render, doc), name


async def _store(rt: Runtime, session: AsyncSession, row: IssuedDocument, pdf: bytes, filename: str, *,
                 claim: str) -> bool:
    """The bytes as issued, once: the row turns ``ready`` only from the claim that rendered it; its event
    carries the hash to the audit log."""
    now = rt.clock.now()
    sha = hashlib.sha256(pdf).hexdigest()
    stmt = (update(IssuedDocument).where(IssuedDocument.id == row.id, IssuedDocument.status == "pending",
                                         IssuedDocument.claim == claim)
            .values(status="ready", content=pdf, sha256=sha, size=len(pdf), filename=filename, rendered_at=now,
                    claim=None, error=None).returning(IssuedDocument.id))
    if (await session.execute(stmt)).scalar() is None:
        return False  # another worker's claim (this one's lease ran out) stored it
    await _announce(rt, session, row, sha, len(pdf), now)
    return True


async def _announce(rt: Runtime, session: AsyncSession, row: IssuedDocument, sha: str, size: int, at: datetime) -> None:
    if row.letter_id is not None:
        letter = await session.get(AdviceLetter, row.letter_id)
        assert letter is not None
        case_id, case_number, bureau = letter.case_id, None, letter.bureau
    else:
        case = await session.get(Case, row.case_id)
        assert case is not None
        case_id, case_number, bureau = case.id, case.number, case.bureau
    await rt.emit(session, contracts.CaseDocumentIssued(
        case_id=case_id, letter_id=row.letter_id, case_number=case_number, bureau=bureau, kind=row.kind,
        number=row.number, sha256=sha, size=size, replaces=row.replaces, issued_at=row.issued_at, rendered_at=at),
        subject=case_id or row.letter_id)


# -- reading ----------------------------------------------------------------------------------------
def _owner(case_id: str | None, letter_id: str | None):
    return IssuedDocument.letter_id == letter_id if letter_id is not None else IssuedDocument.case_id == case_id


async def listing(rt: Runtime, user: Principal, case_id: str) -> list[IssuedDocument]:
    """A case's issued documents, newest first (content not loaded)."""
    async with rt.sessionmaker() as session:
        await load_visible(session, user, case_id)
        rows = (await session.scalars(select(IssuedDocument).where(IssuedDocument.case_id == case_id)
                                      .order_by(IssuedDocument.id.desc()))).all()
        for r in rows:
            session.expunge(r)
        return list(rows)


async def stored_for_case(rt: Runtime, case_id: str) -> dict[str, tuple[bytes, str]]:
    """The newest stored document of each kind of a case (kind → bytes, file name), as issued. The caller
    has checked the reader may see the case."""
    async with rt.sessionmaker() as session:
        rows = (await session.execute(
            select(IssuedDocument.kind, IssuedDocument.content, IssuedDocument.filename, IssuedDocument.number)
            .where(IssuedDocument.case_id == case_id, IssuedDocument.status == "ready")
            .order_by(IssuedDocument.id))).all()
    return {kind: (data, filename or f"{number}.pdf") for kind, data, filename, number in rows}


async def read_case_document(rt: Runtime, user: Principal, case_id: str, kind: str, number: str | None = None) -> Stored:
    """The case's document of ``kind`` as issued — the newest, or the one numbered ``number``."""
    if kind not in documents.KINDS:
        raise not_found("document kind", f"{kind} (one of {', '.join(documents.KINDS)})")
    async with rt.sessionmaker() as session:
        await load_visible(session, user, case_id)
    return await _read(rt, user, kind, number, case_id=case_id)


async def read_letter_document(rt: Runtime, user: Principal, letter_id: str) -> Stored:
    async with rt.sessionmaker() as session:
        letter = await session.get(AdviceLetter, letter_id)
        if letter is None:
            raise not_found("advice letter", letter_id)
        ensure_can_see(user, bureau=letter.bureau, uscc=letter.uscc, what="this advice letter")
    return await _read(rt, user, "compliance_advice", None, letter_id=letter_id)


async def _find(rt: Runtime, kind: str, number: str | None, case_id: str | None, letter_id: str | None) -> IssuedDocument | None:
    stmt = select(IssuedDocument).where(_owner(case_id, letter_id), IssuedDocument.kind == kind)
    if number is not None:
        stmt = stmt.where(IssuedDocument.number == number)
    async with rt.sessionmaker() as session:
        row = await session.scalar(stmt.order_by(IssuedDocument.id.desc()).limit(1))
        if row is not None:
            session.expunge(row)
        return row


async def _read(rt: Runtime, user: Principal, kind: str, number: str | None, *, case_id: str | None = None,
                letter_id: str | None = None) -> Stored:
    row = await _find(rt, kind, number, case_id, letter_id)
    if row is None and number is not None:
        raise not_found(f"{kind} document", number)
    if row is None or row.status == "failed":
        return await _issue_on_read(rt, user, kind, row, case_id=case_id, letter_id=letter_id)
    deadline = time.monotonic() + WAIT_SECONDS
    while row.status == "pending":  # the worker renders it: wait a bounded time, then ask to come back
        if time.monotonic() >= deadline:
            raise Problem(503, "document_rendering", RENDERING_DETAIL, headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                          kind=kind, number=row.number)
        await asyncio.sleep(POLL_SECONDS)
        found = await _find(rt, kind, row.number, case_id, letter_id)
        assert found is not None
        row = found
    if row.status == "failed":
        return await _issue_on_read(rt, user, kind, row, case_id=case_id, letter_id=letter_id)
    assert row.content is not None and row.sha256 is not None
    return Stored(row.content, row.sha256, row.filename or f"{row.number}.pdf", row.number)


async def _issue_on_read(rt: Runtime, user: Principal, kind: str, row: IssuedDocument | None, *,
                         case_id: str | None, letter_id: str | None) -> Stored:
    """A document no step recorded (or whose render failed): rendered now with the reader's rights (a
    document not available answers its 409), stored, announced — and served as stored from now on. The
    row is claimed first (as the worker claims one), so a concurrent reader or worker never stores it twice."""
    token, now = str(uuid.uuid4()), rt.clock.now()
    async with rt.sessionmaker() as session, session.begin():
        if row is None:
            if letter_id is not None:
                letter = await session.get(AdviceLetter, letter_id)
                assert letter is not None
                number = letter.document_number or letter.number
            else:
                case = await session.get(Case, case_id)
                assert case is not None
                number = number_of(case, kind)
            stmt = dialect_insert(session, IssuedDocument).values(
                case_id=case_id, letter_id=letter_id, kind=kind, number=number, status="pending", issued_at=now,
                claim=token, claimed_at=now, attempts=1).on_conflict_do_nothing().returning(IssuedDocument.id)
        else:
            stmt = (update(IssuedDocument).where(IssuedDocument.id == row.id, IssuedDocument.status == "failed")
                    .values(status="pending", claim=token, claimed_at=now, attempts=IssuedDocument.attempts + 1)
                    .returning(IssuedDocument.id))
        row_id = (await session.execute(stmt)).scalar()
    if row_id is None:  # another reader, the worker or the step itself issued it meanwhile: serve theirs
        return await _read(rt, user, kind, None, case_id=case_id, letter_id=letter_id)
    async with rt.sessionmaker() as session:
        claimed = await session.get(IssuedDocument, row_id)
        assert claimed is not None
        session.expunge(claimed)
    try:
        pdf, filename = await build(rt, user, claimed)
    except Exception:  # not available (its 409), or failed: the row is left as it was found
        async with rt.sessionmaker() as session, session.begin():
            if row is None:
                await session.execute(delete(IssuedDocument).where(IssuedDocument.id == row_id,
                                                                   IssuedDocument.claim == token))
            else:
                await session.execute(update(IssuedDocument).where(IssuedDocument.id == row_id, IssuedDocument.claim == token)
                                      .values(status="failed", claim=None, claimed_at=None))
        raise
    async with rt.sessionmaker() as session, session.begin():
        await _store(rt, session, claimed, pdf, filename, claim=token)
    return Stored(pdf, hashlib.sha256(pdf).hexdigest(), filename, claimed.number)

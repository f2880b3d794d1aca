"""Chinese substring search: an n-gram inverted index in plain tables, the same on SQLite and PostgreSQL.

Why not FTS5 ``trigram`` / ``pg_trgm`` alone (RECIPES §2): two-character queries are the common case in
Chinese (排放, 废水, 台账) and a trigram index has nothing to say about them — on SQLite 3.40 a 1–2
character ``LIKE`` against an FTS5 trigram table even returns *nothing*, silently; on PostgreSQL the
planner falls back to a sequential scan. So every document's distinct **unigrams and bigrams** are
rows of ``search_grams``:

* a 1- or 2-character query is one index range (exact: the gram *is* the query);
* a longer query intersects the postings of its distinct bigrams (a superset) and confirms each
  candidate with ``LIKE '%q%'`` on the document (exact), so both databases return the same rows.

Ranking: a hit in the title ranks above a hit elsewhere; ties by code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Select, and_, case, delete, func, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.models import SearchDocument, SearchGram

SEPARATOR = "\n"  # between a document's parts; no gram spans two parts


def normalise(text: str) -> str:
    """Lower-cased (ASCII letters match either case; CJK has none)."""
    return text.lower()


def like_pattern(q: str) -> str:
    """``%q%`` with LIKE's wildcards escaped (escape character ``\\``)."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def grams(body: str) -> set[str]:
    """Every distinct 1- and 2-character sequence of ``body`` within one part (pure)."""
    out: set[str] = set()
    for part in body.split(SEPARATOR):
        out.update(part)
        out.update(part[i : i + 2] for i in range(len(part) - 1))
    return out


def query_grams(q: str) -> list[str]:
    """The grams a query needs: itself when 1–2 characters, else its distinct bigrams."""
    if len(q) <= 2:
        return [q]
    return sorted({q[i : i + 2] for i in range(len(q) - 1)})


def matching_documents(kind: str, q: str) -> Select:
    """``SELECT id, ref, version, title_hit`` of the ``kind`` documents whose body contains ``q``
    (already normalised, non-empty, without the separator)."""
    gs = query_grams(q)
    pattern = like_pattern(q)
    if len(gs) == 1:
        ids = select(SearchGram.doc_id).where(SearchGram.gram == gs[0])
        exact = None  # the gram is the query
    else:
        ids = (
            select(SearchGram.doc_id)
            .where(SearchGram.gram.in_(gs))
            .group_by(SearchGram.doc_id)
            .having(func.count() == len(gs))
        )
        exact = SearchDocument.body.like(pattern, escape="\\")
    title_hit = case((SearchDocument.title.like(pattern, escape="\\"), literal(1)), else_=literal(0))
    stmt = select(
        SearchDocument.id, SearchDocument.ref, SearchDocument.version, title_hit.label("title_hit")
    ).where(SearchDocument.kind == kind, SearchDocument.id.in_(ids))
    if exact is not None:
        stmt = stmt.where(exact)
    return stmt


# -- index maintenance (repository functions: they never commit) ------------------------------------
async def index_document(
    session: AsyncSession, *, kind: str, ref: str, version: int, title: str, body: str
) -> None:
    """Replace the document ``(kind, ref)`` and its grams with this version's text."""
    await index_documents(session, kind, [(ref, version, title, body)])


async def index_documents(session: AsyncSession, kind: str, docs: list[tuple[str, int, str, str]]) -> None:
    """Replace many documents ``(ref, version, title, body)`` of one kind in three statements."""
    if not docs:
        return
    refs = [d[0] for d in docs]
    for i in range(0, len(refs), 500):
        old = select(SearchDocument.id).where(SearchDocument.kind == kind, SearchDocument.ref.in_(refs[i : i + 500]))
        await session.execute(delete(SearchGram).where(SearchGram.doc_id.in_(old)))
        await session.execute(
            delete(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.ref.in_(refs[i : i + 500]))
        )
    values = [
        {"kind": kind, "ref": ref, "version": v, "label": t, "title": normalise(t), "body": normalise(b)}
        for ref, v, t, b in docs
    ]
    ids = (await session.scalars(insert(SearchDocument).returning(SearchDocument.id, sort_by_parameter_order=True), values)).all()
    await insert_grams(session, [(doc_id, v["body"]) for doc_id, v in zip(ids, values, strict=True)])


JSON_INSERT = text(
    "INSERT INTO search_grams (gram, doc_id) SELECT value ->> 0, value ->> 1 FROM json_each(:j)"
)
UNNEST_INSERT = text(
    "INSERT INTO search_grams (gram, doc_id) SELECT * FROM unnest(CAST(:g AS text[]), CAST(:d AS integer[]))"
)


async def insert_grams(session: AsyncSession, docs: Iterable[tuple[int, str]]) -> None:
    pairs = [(g, doc_id) for doc_id, body in docs for g in grams(body)]
    if session.bind.dialect.name == "postgresql":
        # two arrays in one statement: ~20× faster than executemany for thousands of rows
        for i in range(0, len(pairs), 100_000):
            chunk = pairs[i : i + 100_000]
            await session.execute(UNNEST_INSERT, {"g": [p[0] for p in chunk], "d": [p[1] for p in chunk]})
        return
    # SQLite: one statement over a JSON array (no per-row parameter processing)
    for i in range(0, len(pairs), 100_000):
        await session.execute(JSON_INSERT, {"j": json.dumps(pairs[i : i + 100_000], ensure_ascii=False)})


async def remove_document(session: AsyncSession, *, kind: str, ref: str) -> None:
    doc_id = await session.scalar(
        select(SearchDocument.id).where(and_(SearchDocument.kind == kind, SearchDocument.ref == ref))
    )
    if doc_id is not None:
        # explicit, so it does not depend on SQLite's foreign_keys pragma for the cascade
        await session.execute(delete(SearchGram).where(SearchGram.doc_id == doc_id))
        await session.execute(delete(SearchDocument).where(SearchDocument.id == doc_id))

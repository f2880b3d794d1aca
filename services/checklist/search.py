"""Chinese substring search over ``search_documents`` (the latest published guidance items and the
typical cases), exact (the same rows as Python ``q in body``) and the same on SQLite and PostgreSQL.

Indexes (RECIPES §2), routed by query length — never a 1–2 character pattern to a trigram index:

* **SQLite** — ≥ 3 characters: FTS5 ``trigram`` table ``search_fts_tri`` (external content
  ``search_documents``, kept in step by triggers; a quoted phrase of trigrams is an exact substring
  match). 1–2 characters: FTS5 table ``search_fts_bi`` whose tokens are every unigram and bigram of
  the text, each spelled as one ASCII token (``gram_token``), so the query *is* one token (exact).
  On SQLite 3.40 a 1–2 character ``LIKE``/``MATCH`` against the trigram table silently returns nothing.
* **PostgreSQL** — ≥ 3 characters: ``LIKE`` (not ``ILIKE``: the text is lower-cased already) on
  ``body``/``title``, served by ``pg_trgm`` GIN indexes (``plan_cache_mode=force_custom_plan`` is set by
  ``shared.db``). 1–2 characters: the postings table ``search_grams`` (unigrams and bigrams).

Ranking: title hits first, then guidance before cases, then by code. Work per query is bounded: the
total is a count over the index (no document rows read), and only the requested page is ranked —
a segment with many hits walks the ``(kind, ref)`` index and probes the hit set until the page is
full; a segment with few hits looks them up and sorts them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Integer, Select, and_, bindparam, case, delete, func, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.models import SearchDocument, SearchGram

SEPARATOR = "\n"  # between a document's parts; no gram spans two parts
KINDS = ("guidance", "case")  # ranking order among equal title-hit ranks
DIRECT_SORT_MAX = 300  # a segment with at most this many hits is looked up and sorted directly
TRIGRAM_TABLE = "search_fts_tri"
GRAM_TABLE = "search_fts_bi"


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


def gram_token(g: str) -> str:
    """A 1–2 character gram as one ASCII token the FTS5 ``unicode61`` tokenizer keeps whole:
    ``u`` + 6 hex digits for a unigram, ``b`` + 12 for a bigram (any character, punctuation too)."""
    return ("u" if len(g) == 1 else "b") + "".join(f"{ord(c):06x}" for c in g)


def gram_document(body: str) -> str:
    """The ``search_fts_bi`` text of ``body``: its distinct grams as tokens (pure)."""
    return " ".join(sorted(gram_token(g) for g in grams(body)))


def _phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'


@dataclass(frozen=True)
class Matcher:
    """The ids of one kind's documents matching ``q`` in a field: ``body`` (any hit), ``title`` (title
    hits) or ``rest`` (body hits that are not title hits)."""

    dialect: str
    kind: str
    q: str  # normalised, non-empty

    def ids(self, field: str) -> Select:
        if self.dialect == "sqlite":
            return self._fts(field)
        return self._pg(field)

    def _fts(self, field: str) -> Select:
        if len(self.q) >= 3:
            table, term, kind = TRIGRAM_TABLE, _phrase(self.q), _phrase(self.kind)
        else:
            table, term, kind = GRAM_TABLE, gram_token(self.q), self.kind
        expr = {
            "body": f"kind:{kind} AND body:{term}",
            "title": f"kind:{kind} AND title:{term}",
            "rest": f"kind:{kind} AND body:{term} NOT title:{term}",
        }[field]
        sub = (
            # one bind name per field and kind: a statement may hold several of these subqueries
            text(f"SELECT rowid AS id FROM {table} WHERE {table} MATCH :m_{self.kind}_{field}")  # noqa: S608
            .bindparams(**{f"m_{self.kind}_{field}": expr})
            .columns(id=Integer)
            .subquery()
        )
        return select(sub.c.id)

    def _pg(self, field: str) -> Select:
        pattern = like_pattern(self.q)
        d = SearchDocument
        title_hit = d.title.like(pattern, escape="\\")
        if len(self.q) >= 3:
            stmt = select(d.id).where(d.kind == self.kind, d.body.like(pattern, escape="\\"))
        else:
            stmt = (
                select(d.id)
                .join(SearchGram, SearchGram.doc_id == d.id)
                .where(SearchGram.gram == self.q, d.kind == self.kind)
            )
        if field == "title":
            stmt = stmt.where(title_hit)
        elif field == "rest":
            stmt = stmt.where(~title_hit)
        return stmt


def matcher(session: AsyncSession, kind: str, q: str) -> Matcher:
    return Matcher(session.bind.dialect.name, kind, q)


async def count(session: AsyncSession, m: Matcher, field: str = "body") -> int:
    return await session.scalar(select(func.count()).select_from(m.ids(field).subquery())) or 0


@dataclass(frozen=True)
class Hit:
    kind: str
    ref: str
    version: int
    title_hit: bool
    label: str


async def _segment_page(
    session: AsyncSession, m: Matcher, field: str, hits: int, offset: int, limit: int
) -> list[Hit]:
    d = SearchDocument
    ids = m.ids(field)
    if hits <= DIRECT_SORT_MAX:
        cond = d.id.in_(ids)  # few hits: look each up, sort them
    elif m.dialect == "sqlite":
        cond = (d.id + 0).in_(ids)  # many: walk (kind, ref) in order, probe the hit set (no sort)
    else:
        cond = d.id.in_(ids)
    rows = await session.execute(
        select(d.ref, d.version, d.label).where(d.kind == m.kind, cond).order_by(d.ref).offset(offset).limit(limit)
    )
    return [Hit(m.kind, r.ref, r.version, field == "title", r.label) for r in rows]


async def ranked(
    session: AsyncSession, kinds: Iterable[str], q: str, *, offset: int, limit: int
) -> tuple[list[Hit], int]:
    """One page of the documents of ``kinds`` containing ``q`` (normalised), ranked, and the total."""
    matchers = [matcher(session, k, q) for k in KINDS if k in set(kinds)]
    segments: list[tuple[Matcher, str, int]] = []
    rests: list[tuple[Matcher, str, int]] = []
    total = 0
    for m in matchers:
        n = await count(session, m)
        if not n:
            continue
        total += n
        t = await count(session, m, "title")
        segments.append((m, "title", t))
        rests.append((m, "rest", n - t))
    page: list[Hit] = []
    for m, field, n in segments + rests:
        if len(page) >= limit:
            break
        if offset >= n:
            offset -= n
            continue
        page += await _segment_page(session, m, field, n, offset, limit - len(page))
        offset = 0
    return page, total


def matching_documents(m: Matcher) -> Select:
    """``SELECT id, ref, version, title_hit`` of every matching document (for queries that filter
    further; the plain search uses ``ranked``)."""
    d = SearchDocument
    title_ids = m.ids("title")
    title_hit = case((d.id.in_(title_ids), literal(1)), else_=literal(0))
    return select(d.id, d.ref, d.version, title_hit.label("title_hit")).where(
        d.kind == m.kind, d.id.in_(m.ids("body"))
    )


# -- index maintenance (repository functions: they never commit) ------------------------------------
async def index_document(
    session: AsyncSession, *, kind: str, ref: str, version: int, title: str, body: str
) -> None:
    """Replace the document ``(kind, ref)`` and its index entries with this version's text."""
    await index_documents(session, kind, [(ref, version, title, body)])


_DELETE_GRAM_DOCS = text(
    f"DELETE FROM {GRAM_TABLE} WHERE rowid IN (SELECT id FROM search_documents WHERE kind = :kind AND ref IN :refs)"  # noqa: S608
).bindparams(bindparam("refs", expanding=True))
_INSERT_GRAM_DOCS = text(
    f"INSERT INTO {GRAM_TABLE} (rowid, kind, title, body) "  # noqa: S608
    "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(:j)"
)


async def index_documents(session: AsyncSession, kind: str, docs: list[tuple[str, int, str, str]]) -> None:
    """Replace many documents ``(ref, version, title, body)`` of one kind in a few statements."""
    if not docs:
        return
    sqlite = session.bind.dialect.name == "sqlite"
    refs = [d[0] for d in docs]
    for i in range(0, len(refs), 500):
        chunk = refs[i : i + 500]
        if sqlite:
            await session.execute(_DELETE_GRAM_DOCS, {"kind": kind, "refs": chunk})
        else:
            old = select(SearchDocument.id).where(SearchDocument.kind == kind, SearchDocument.ref.in_(chunk))
            await session.execute(delete(SearchGram).where(SearchGram.doc_id.in_(old)))
        # (SQLite: a trigger removes the rows from the trigram index)
        await session.execute(delete(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.ref.in_(chunk)))
    values = [
        {"kind": kind, "ref": ref, "version": v, "label": t, "title": normalise(t), "body": normalise(b)}
        for ref, v, t, b in docs
    ]
    ids = (await session.scalars(insert(SearchDocument).returning(SearchDocument.id, sort_by_parameter_order=True), values)).all()
    pairs = [(doc_id, v) for doc_id, v in zip(ids, values, strict=True)]
    if sqlite:
        await insert_gram_documents(session, pairs)
    else:
        await insert_grams(session, [(doc_id, v["body"]) for doc_id, v in pairs])


async def insert_gram_documents(session: AsyncSession, docs: list[tuple[int, dict]]) -> None:
    """SQLite: the documents' grams into ``search_fts_bi`` (one statement per 5,000 documents)."""
    rows = [[doc_id, v["kind"], gram_document(v["title"]), gram_document(v["body"])] for doc_id, v in docs]
    for i in range(0, len(rows), 5000):
        await session.execute(_INSERT_GRAM_DOCS, {"j": json.dumps(rows[i : i + 5000])})


UNNEST_INSERT = text(
    "INSERT INTO search_grams (gram, doc_id) SELECT * FROM unnest(CAST(:g AS text[]), CAST(:d AS integer[]))"
)


async def insert_grams(session: AsyncSession, docs: Iterable[tuple[int, str]]) -> None:
    """PostgreSQL: the postings of 1–2 character grams (two arrays in one statement: ~20× faster than
    executemany for thousands of rows)."""
    pairs = [(g, doc_id) for doc_id, body in docs for g in grams(body)]
    for i in range(0, len(pairs), 100_000):
        chunk = pairs[i : i + 100_000]
        await session.execute(UNNEST_INSERT, {"g": [p[0] for p in chunk], "d": [p[1] for p in chunk]})


async def remove_document(session: AsyncSession, *, kind: str, ref: str) -> None:
    doc_id = await session.scalar(
        select(SearchDocument.id).where(and_(SearchDocument.kind == kind, SearchDocument.ref == ref))
    )
    if doc_id is not None:
        if session.bind.dialect.name == "sqlite":
            await session.execute(text(f"DELETE FROM {GRAM_TABLE} WHERE rowid = :id"), {"id": doc_id})  # noqa: S608
        else:
            await session.execute(delete(SearchGram).where(SearchGram.doc_id == doc_id))
        await session.execute(delete(SearchDocument).where(SearchDocument.id == doc_id))

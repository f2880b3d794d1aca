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
  ``shared.db``). 1–2 characters: the postings table ``search_grams`` keyed ``(gram, kind, in_title,
  doc_id)`` (revision 0004), so both counts are one index-only range scan with no join.

Ranking: title hits first, then guidance before cases, then by code. Work per query is bounded: the
total (exact) and the title-hit count come from one statement per kind (``counts``), and only the
requested page is ranked — a segment with many hits walks the ``(kind, ref)`` index and tests each
document until the page is full (PostgreSQL: a window at a time, ``_walk_pg``); a segment with few
hits looks them up and sorts them. The one cost left that grows with the hits: on PostgreSQL a 3+
character count rechecks ``body LIKE`` on every pg_trgm candidate (~3 µs a row).
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
WALK_FACTOR, WALK_MIN = 8, 64  # PostgreSQL walk: first window of documents tested (×4 per retry)
TRIGRAM_TABLE = "search_fts_tri"
KIND_TRIGRAM = {k: k[:3] for k in KINDS}  # exact: no other kind contains it (checked below)
assert all(t not in o for k, t in KIND_TRIGRAM.items() for o in KINDS if o != k)
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
            # the kind as ONE trigram (its first three letters, unique among KINDS): a 1-token
            # posting list instead of a 6-trigram phrase (profiled: 1.5 → 0.35 ms per count)
            table, term, kind = TRIGRAM_TABLE, _phrase(self.q), _phrase(KIND_TRIGRAM[self.kind])
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
        if len(self.q) <= 2:
            # the postings alone: (gram, kind, in_title) is a key prefix (revision 0004)
            g = SearchGram
            stmt = select(g.doc_id).where(g.gram == self.q, g.kind == self.kind)
            if field != "body":
                stmt = stmt.where(g.in_title.is_(field == "title"))
            return stmt
        stmt = select(d.id).where(d.kind == self.kind, d.body.like(pattern, escape="\\"))
        if field == "title":
            stmt = stmt.where(title_hit)
        elif field == "rest":
            stmt = stmt.where(~title_hit)
        return stmt


def matcher(session: AsyncSession, kind: str, q: str) -> Matcher:
    return Matcher(session.bind.dialect.name, kind, q)


async def count(session: AsyncSession, m: Matcher, field: str = "body") -> int:
    return await session.scalar(select(func.count()).select_from(m.ids(field).subquery())) or 0


async def counts(session: AsyncSession, m: Matcher) -> tuple[int, int]:
    """``(hits, title hits)`` of one kind in one statement, from the index alone where it can:

    * PostgreSQL 1–2 characters: one index-only range scan of the postings key prefix
      ``(gram, kind)``, counting ``in_title`` on the way;
    * PostgreSQL 3+ characters: one pass over the pg_trgm candidates (the ``LIKE`` recheck of each
      body is the cost, so it is done once, testing the title in the same pass);
    * SQLite: both FTS5 counts as scalar subqueries of one statement.
    """
    if m.dialect == "sqlite":
        row = (await session.execute(select(
            select(func.count()).select_from(m.ids("body").subquery()).scalar_subquery(),
            select(func.count()).select_from(m.ids("title").subquery()).scalar_subquery(),
        ))).one()
        return row[0] or 0, row[1] or 0
    if len(m.q) <= 2:
        g = SearchGram
        stmt = select(func.count(), func.count().filter(g.in_title)).where(g.gram == m.q, g.kind == m.kind)
    else:
        d = SearchDocument
        pattern = like_pattern(m.q)
        stmt = select(func.count(), func.count().filter(d.title.like(pattern, escape="\\"))).where(
            d.kind == m.kind, d.body.like(pattern, escape="\\")
        )
    row = (await session.execute(stmt)).one()
    return row[0] or 0, row[1] or 0


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
        return await _walk_pg(session, m, field, hits, offset, limit)
    rows = await session.execute(
        select(d.ref, d.version, d.label).where(d.kind == m.kind, cond).order_by(d.ref).offset(offset).limit(limit)
    )
    return [Hit(m.kind, r.ref, r.version, field == "title", r.label) for r in rows]


async def _walk_pg(session: AsyncSession, m: Matcher, field: str, hits: int, offset: int, limit: int) -> list[Hit]:
    """PostgreSQL, a segment with many hits: test the documents of the kind in ``ref`` order, a
    window at a time (a ``LIMIT`` subquery walks the ``(kind, ref)`` index), until the page is full
    or every hit has been seen. The planner would otherwise fetch and sort every hit (its estimates
    of gram and trigram selectivity are far off): profiled 5–12 ms per segment, against < 0.5 ms."""
    d, g = SearchDocument, SearchGram
    window = WALK_FACTOR * (offset + limit) + WALK_MIN  # ~3 windows for a hit density of 1 in 30
    while True:
        text_cols = (d.title, d.body) if len(m.q) >= 3 else ()  # short queries probe the postings
        w = (
            select(d.id, d.ref, d.version, d.label, *text_cols)
            .where(d.kind == m.kind).order_by(d.ref).limit(window).subquery()
        )
        if len(m.q) <= 2:
            # OFFSET 0 keeps the EXISTS a per-row probe of the postings key (not a hash of all hits)
            cond = select(g.doc_id).where(
                g.gram == m.q, g.kind == m.kind, g.in_title.is_(field == "title"), g.doc_id == w.c.id
            ).offset(0).exists()
        else:
            pattern = like_pattern(m.q)
            title_hit = w.c.title.like(pattern, escape="\\")
            cond = and_(w.c.body.like(pattern, escape="\\"), title_hit if field == "title" else ~title_hit)
        rows = (await session.execute(
            select(w.c.ref, w.c.version, w.c.label).where(cond).order_by(w.c.ref).offset(offset).limit(limit)
        )).all()
        if len(rows) >= limit or offset + len(rows) >= hits:
            return [Hit(m.kind, r.ref, r.version, field == "title", r.label) for r in rows]
        window *= 4


async def ranked(
    session: AsyncSession, kinds: Iterable[str], q: str, *, offset: int, limit: int
) -> tuple[list[Hit], int]:
    """One page of the documents of ``kinds`` containing ``q`` (normalised), ranked, and the total."""
    matchers = [matcher(session, k, q) for k in KINDS if k in set(kinds)]
    segments: list[tuple[Matcher, str, int]] = []
    rests: list[tuple[Matcher, str, int]] = []
    total = 0
    for m in matchers:
        n, t = await counts(session, m)
        if not n:
            continue
        total += n
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
        await insert_grams(session, [(doc_id, v["kind"], v["title"], v["body"]) for doc_id, v in pairs])


async def insert_gram_documents(session: AsyncSession, docs: list[tuple[int, dict]]) -> None:
    """SQLite: the documents' grams into ``search_fts_bi`` (one statement per 5,000 documents)."""
    rows = [[doc_id, v["kind"], gram_document(v["title"]), gram_document(v["body"])] for doc_id, v in docs]
    for i in range(0, len(rows), 5000):
        await session.execute(_INSERT_GRAM_DOCS, {"j": json.dumps(rows[i : i + 5000])})


UNNEST_INSERT = text(
    "INSERT INTO search_grams (gram, kind, in_title, doc_id) SELECT * FROM "
    "unnest(CAST(:g AS text[]), CAST(:k AS text[]), CAST(:t AS boolean[]), CAST(:d AS integer[]))"
)


async def insert_grams(session: AsyncSession, docs: Iterable[tuple[int, str, str, str]]) -> None:
    """PostgreSQL: the postings ``(gram, kind, in_title, doc_id)`` of the 1–2 character grams of
    documents ``(doc_id, kind, title, body)`` (normalised text; arrays in one statement: ~20× faster
    than executemany for thousands of rows). ``in_title`` is exactly ``gram in title``."""
    rows = [(g, kind, g in title, doc_id) for doc_id, kind, title, body in docs for g in grams(body)]
    for i in range(0, len(rows), 100_000):
        chunk = rows[i : i + 100_000]
        await session.execute(
            UNNEST_INSERT, {k: [r[j] for r in chunk] for j, k in enumerate(("g", "k", "t", "d"))}
        )


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

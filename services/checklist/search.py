"""Chinese substring search over ``search_documents`` (the latest published guidance items and the
typical cases), exact (the same rows as Python ``q in body``) and the same on SQLite and PostgreSQL.

Indexes (RECIPES §2), routed by query length — never a 1–2 character pattern to a trigram index:

* **SQLite** — ≥ 3 characters: FTS5 ``trigram`` tables ``search_fts_tri`` (kind, title, body) and
  ``search_fts_title`` (kind, title; revision 0005), external content ``search_documents``, kept in
  step by triggers; a quoted phrase of trigrams is an exact substring match. 1–2 characters: FTS5
  table ``search_fts_bi`` whose tokens are every unigram and bigram of the text, each spelled as one
  ASCII token (``gram_token``; a title's with ``TITLE_PREFIX``, so title hits have their own doclist),
  so the query *is* one token (exact). On SQLite 3.40 a 1–2 character ``LIKE``/``MATCH`` against the
  trigram table silently returns nothing.
* **PostgreSQL** — ≥ 3 characters: ``LIKE`` (not ``ILIKE``: the text is lower-cased already) on
  ``body``/``title``, served by ``pg_trgm`` GIN indexes (``plan_cache_mode=force_custom_plan`` is set by
  ``shared.db``). 1–2 characters: the postings ``search_grams`` keyed ``(gram, kind, in_title, block)``
  with the block's document ids as an array (revision 0005), so a query's hits are one key range.

Ranking: title hits first, then guidance before cases, then by code. Work per query is bounded by
the page, not by the hits, so that it holds at a million items (issue 12): hits are counted only up
to ``COUNT_CAP`` per kind (``counts``: ``LIMIT`` on the index; past it the total is "more than"), and
only the requested page is ranked — a segment with many hits walks the ``(kind, ref)`` index and tests
each document's own text until the page is full (PostgreSQL: a window at a time, ``_walk_pg``); a
segment with few hits looks them up and sorts them. What still grows: a segment with more than
``DIRECT_SORT_MAX`` hits that are rare among the documents (the walk reads ~page × documents / hits),
and a page deep in the results.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Integer, Select, and_, bindparam, case, delete, func, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.models import SearchDocument, SearchGram

SEPARATOR = "\n"  # between a document's parts; no gram spans two parts
KINDS = ("guidance", "case")  # ranking order among equal title-hit ranks
DIRECT_SORT_MAX = 300  # a segment with at most this many hits is looked up and sorted directly
GIN_SCAN_MAX = 50_000  # PostgreSQL 3+ characters: a GIN count up to this bound (``_pg_long_counts``)
COUNT_CAP = 1000  # totals are exact up to this many hits of a kind; past it "more than" (total_is_exact)
WALK_FACTOR, WALK_MIN = 8, 64  # PostgreSQL walk: first window of documents tested (×4 per retry)
TRIGRAM_TABLE = "search_fts_tri"
TITLE_TRIGRAM_TABLE = "search_fts_title"  # the titles alone (revision 0005)
TITLE_PREFIX = "t"  # search_fts_bi: a title gram's token is "t" + gram_token (revision 0005)
GRAM_BLOCK = 1024  # PostgreSQL postings: one row per gram, kind, in_title and block of document ids
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


@lru_cache(maxsize=1 << 17)
def gram_token(g: str) -> str:
    """A 1–2 character gram as one ASCII token the FTS5 ``unicode61`` tokenizer keeps whole:
    ``u`` + 6 hex digits for a unigram, ``b`` + 12 for a bigram (any character, punctuation too).
    Cached: a text's grams come from a small vocabulary, and building the token was most of the
    Python time of a bulk import (profiled at 100k items)."""
    return ("u" if len(g) == 1 else "b") + "".join(f"{ord(c):06x}" for c in g)


def gram_document(body: str, prefix: str = "") -> str:
    """The ``search_fts_bi`` text of ``body``: its distinct grams as tokens, each after ``prefix``
    (``TITLE_PREFIX`` for the title column) (pure)."""
    return " ".join(sorted(prefix + gram_token(g) for g in grams(body)))


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
            # posting list instead of a 6-trigram phrase (profiled: 1.5 → 0.35 ms per count).
            # Title hits from the titles' own trigram table: a ``title:`` filter on the body's table
            # walks every body hit (revision 0005)
            term = title_term = _phrase(self.q)
            kind = _phrase(KIND_TRIGRAM[self.kind])
            table = TITLE_TRIGRAM_TABLE if field == "title" else TRIGRAM_TABLE
        else:
            # a title gram is its own token (TITLE_PREFIX): its doclist holds title hits only
            term, kind, table = gram_token(self.q), self.kind, GRAM_TABLE
            title_term = TITLE_PREFIX + term
        expr = {
            "body": f"kind:{kind} AND body:{term}",
            "title": f"kind:{kind} AND title:{title_term}",
            "rest": f"kind:{kind} AND body:{term} NOT title:{title_term}",
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
            # the postings alone: (gram, kind, in_title) is a key prefix (revisions 0004, 0005)
            g = SearchGram
            stmt = select(func.unnest(g.doc_ids).label("doc_id")).where(g.gram == self.q, g.kind == self.kind)
            if field != "body":
                stmt = stmt.where(g.in_title.is_(field == "title"))
            return stmt
        if field == "title":
            # the body holds the title: its own (small) trigram index alone, never the body's
            return select(d.id).where(d.kind == self.kind, title_hit)
        stmt = select(d.id).where(d.kind == self.kind, d.body.like(pattern, escape="\\"))
        return stmt.where(~title_hit) if field == "rest" else stmt


def matcher(session: AsyncSession, kind: str, q: str) -> Matcher:
    return Matcher(session.bind.dialect.name, kind, q)


async def count(session: AsyncSession, m: Matcher, field: str = "body") -> int:
    return await session.scalar(select(func.count()).select_from(m.ids(field).subquery())) or 0


def _count_upto(m: Matcher, field: str, n: int):
    """The number of matches, counted up to ``n`` (the index stops there: ``LIMIT n``)."""
    return select(func.count()).select_from(m.ids(field).limit(n).subquery()).scalar_subquery()


async def counts(session: AsyncSession, m: Matcher, *, cap: int, title_cap: int) -> tuple[int, int]:
    """``(hits, title hits)`` of one kind, each counted up to its cap (a result equal to the cap means
    "at least that many"): a 1-character query can match every document, and an exact count of a
    million postings is tens of milliseconds on either database (profiled at 100k items: 12–72 ms of
    SQLite FTS5 doclist for the count alone), so the index is read only up to the cap — ``LIMIT`` on
    the FTS5 match (SQLite), on the postings key range (PostgreSQL, 1–2 characters); PostgreSQL 3+
    characters: ``_pg_long_counts``."""
    if m.dialect != "sqlite" and len(m.q) >= 3:
        return await _pg_long_counts(session, m, cap=cap, title_cap=title_cap)
    row = (await session.execute(select(_count_upto(m, "body", cap), _count_upto(m, "title", title_cap)))).one()
    return row[0] or 0, row[1] or 0


async def _pg_long_counts(session: AsyncSession, m: Matcher, *, cap: int, title_cap: int) -> tuple[int, int]:
    """PostgreSQL, 3+ characters. A pg_trgm GIN scan only makes bitmaps: it reads every candidate
    before a ``LIMIT`` can stop it (profiled at 100k items: 11–15 ms for a 4-character query in a
    third of the documents, ×10 at a million). So the postings first give, exactly and cheaply, the
    number of documents holding the query's rarest bigram (an upper bound of its hits; likewise in
    titles): up to ``GIN_SCAN_MAX`` the GIN index counts; above it the query is frequent and a scan of
    the kind's documents testing their text stops at the cap after ~cap × documents / hits rows.
    A title hit is a body hit (the body holds the title), so title hits are counted on titles alone
    (their own, small GIN index)."""
    g, d = SearchGram, SearchDocument
    bigrams = sorted({m.q[i : i + 2] for i in range(len(m.q) - 1)})
    rows = (await session.execute(
        select(g.gram, func.sum(g.n), func.coalesce(func.sum(g.n).filter(g.in_title), 0))
        .where(g.gram.in_(bigrams), g.kind == m.kind).group_by(g.gram)
    )).all()
    if SEPARATOR in m.q:  # no gram spans two parts of a text, but the query does: no bound
        body_bound = title_bound = 1
    elif len(rows) < len(bigrams):
        return 0, 0
    else:
        body_bound, title_bound = min(r[1] for r in rows), min(r[2] for r in rows)
    pattern = like_pattern(m.q)

    def upto(col, bound: int, n: int):
        test = col.like(pattern, escape="\\") if bound <= GIN_SCAN_MAX else func.strpos(col, m.q) > 0
        return select(func.count()).select_from(
            select(d.id).where(d.kind == m.kind, test).limit(n).subquery()
        ).scalar_subquery()

    title = upto(d.title, title_bound, title_cap) if title_bound else literal(0)
    row = (await session.execute(select(upto(d.body, body_bound, cap), title))).one()
    return row[0] or 0, row[1] or 0


@dataclass(frozen=True)
class Hit:
    kind: str
    ref: str
    version: int
    title_hit: bool
    label: str


def _text_test(m: Matcher, title, body, field: str):
    """Whether a document's own (normalised) text holds ``q`` in ``field`` — the same rows as its index
    entries (grams and trigrams are taken within the text; ``q`` never spans two parts of it, since a
    query holding ``SEPARATOR`` matches no gram and is refused by the routes' strip), tested on the
    document row so that a walk needs no index probe."""
    find = func.instr if m.dialect == "sqlite" else func.strpos
    in_title = find(title, m.q) > 0
    if field == "title":
        return in_title
    in_body = find(body, m.q) > 0
    return in_body if field == "body" else and_(in_body, ~in_title)


async def _segment_page(
    session: AsyncSession, m: Matcher, field: str, hits: int | None, offset: int, limit: int
) -> list[Hit]:
    """One segment's page; ``hits`` is ``None`` when only known to be large (the count was capped)."""
    d = SearchDocument
    if hits is not None and hits <= DIRECT_SORT_MAX:
        cond = d.id.in_(m.ids(field))  # few hits: look each up, sort them
    elif m.dialect == "sqlite":
        # many: walk (kind, ref) in order, test each document's text until the page is full (SQLite
        # stops at the LIMIT; profiled: probing the FTS5 hit set instead materialises every hit)
        cond = _text_test(m, d.title, d.body, field)
    else:
        return await _walk_pg(session, m, field, hits, offset, limit)
    rows = await session.execute(
        select(d.ref, d.version, d.label).where(d.kind == m.kind, cond).order_by(d.ref).offset(offset).limit(limit)
    )
    return [Hit(m.kind, r.ref, r.version, field == "title", r.label) for r in rows]


async def _walk_pg(
    session: AsyncSession, m: Matcher, field: str, hits: int | None, offset: int, limit: int
) -> list[Hit]:
    """PostgreSQL, a segment with many hits: test the documents of the kind in ``ref`` order, a
    window at a time (a ``LIMIT`` subquery walks the ``(kind, ref)`` index), until the page is full,
    every hit has been seen, or the window holds every document of the kind. The planner would
    otherwise fetch and sort every hit (its estimates of gram and trigram selectivity are far off):
    profiled 5–12 ms per segment, against < 0.5 ms."""
    d = SearchDocument
    window = WALK_FACTOR * (offset + limit) + WALK_MIN  # ~3 windows for a hit density of 1 in 30
    while True:
        w = (
            select(d.id, d.ref, d.version, d.label, d.title, d.body)
            .where(d.kind == m.kind).order_by(d.ref).limit(window).subquery()
        )
        rows = (await session.execute(
            select(w.c.ref, w.c.version, w.c.label).where(_text_test(m, w.c.title, w.c.body, field))
            .order_by(w.c.ref).offset(offset).limit(limit)
        )).all()
        if len(rows) >= limit or (hits is not None and offset + len(rows) >= hits):
            return [Hit(m.kind, r.ref, r.version, field == "title", r.label) for r in rows]
        # the page is not full: done if this window already held every document of the kind
        seen = await session.scalar(
            select(func.count()).select_from(select(d.id).where(d.kind == m.kind).limit(window).subquery())
        )
        if (seen or 0) < window:
            return [Hit(m.kind, r.ref, r.version, field == "title", r.label) for r in rows]
        window *= 4


async def ranked(
    session: AsyncSession, kinds: Iterable[str], q: str, *, offset: int, limit: int
) -> tuple[list[Hit], int, bool]:
    """One page of the documents of ``kinds`` containing ``q`` (normalised), ranked, and the total
    with whether it is exact: hits are counted up to ``COUNT_CAP`` per kind (or to the end of the
    page asked for, if further); past it ``(…, total, False)`` says there are more than ``total``."""
    matchers = [matcher(session, k, q) for k in KINDS if k in set(kinds)]
    cap = max(COUNT_CAP, offset + limit) + 1
    # the title hits are needed exactly only up to the page's end (past it the page is all title
    # hits) and to choose the segment's path (DIRECT_SORT_MAX)
    title_cap = max(DIRECT_SORT_MAX, offset + limit) + 1
    segments: list[tuple[Matcher, str, int | None]] = []
    rests: list[tuple[Matcher, str, int | None]] = []
    total, exact = 0, True
    for m in matchers:
        n, t = await counts(session, m, cap=cap, title_cap=title_cap)
        if not n:
            continue
        n_exact, t_exact = n < cap, t < title_cap
        total += n if n_exact else cap - 1
        exact = exact and n_exact
        segments.append((m, "title", t if t_exact else None))
        rests.append((m, "rest", n - t if n_exact and t_exact else None))
    page: list[Hit] = []
    for m, field, n in segments + rests:
        if len(page) >= limit:
            break
        if n is not None and offset >= n:
            offset -= n
            continue
        page += await _segment_page(session, m, field, n, offset, limit - len(page))
        offset = 0
    return page, total, exact


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
            d = SearchDocument
            old = await session.execute(
                select(d.id, d.kind, d.title, d.body).where(d.kind == kind, d.ref.in_(chunk))
            )
            await delete_grams(session, [tuple(r) for r in old])
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
    rows = [[doc_id, v["kind"], gram_document(v["title"], TITLE_PREFIX), gram_document(v["body"])] for doc_id, v in docs]
    for i in range(0, len(rows), 5000):
        await session.execute(_INSERT_GRAM_DOCS, {"j": json.dumps(rows[i : i + 5000])})


_UPSERT_POSTINGS = text(
    "INSERT INTO search_grams AS s (gram, kind, in_title, block, n, doc_ids) "
    "SELECT g, k, t, b, cardinality(CAST(i AS integer[])), CAST(i AS integer[]) FROM "
    "unnest(CAST(:g AS text[]), CAST(:k AS text[]), CAST(:t AS boolean[]), CAST(:b AS integer[]), "
    "CAST(:i AS text[])) AS x(g, k, t, b, i) "
    "ON CONFLICT (gram, kind, in_title, block) DO UPDATE "
    "SET doc_ids = s.doc_ids || excluded.doc_ids, n = s.n + excluded.n"
)
_REMOVE_POSTINGS = text(
    "UPDATE search_grams AS s SET doc_ids = ARRAY(SELECT v FROM unnest(s.doc_ids) AS v WHERE v <> ALL(x.ids)), "
    "n = s.n - cardinality(x.ids) FROM (SELECT g, k, t, b, CAST(i AS integer[]) AS ids FROM "
    "unnest(CAST(:g AS text[]), CAST(:k AS text[]), CAST(:t AS boolean[]), CAST(:b AS integer[]), "
    "CAST(:i AS text[])) AS u(g, k, t, b, i)) AS x "
    "WHERE s.gram = x.g AND s.kind = x.k AND s.in_title = x.t AND s.block = x.b"
)
_DROP_EMPTY_POSTINGS = text(
    "DELETE FROM search_grams WHERE n = 0 AND (gram, kind, in_title, block) IN (SELECT * FROM "
    "unnest(CAST(:g AS text[]), CAST(:k AS text[]), CAST(:t AS boolean[]), CAST(:b AS integer[])))"
)


def postings(docs: Iterable[tuple[int, str, str, str]]) -> dict[tuple[str, str, bool, int], list[int]]:
    """PostgreSQL: the postings of documents ``(doc_id, kind, title, body)`` (normalised text), by key
    ``(gram, kind, in_title, block)`` — every distinct 1–2 character gram of the body, ``in_title``
    exactly ``gram in title``, ``block`` the document id // ``GRAM_BLOCK`` (pure)."""
    out: dict[tuple[str, str, bool, int], list[int]] = {}
    for doc_id, kind, title, body in docs:
        block = doc_id // GRAM_BLOCK
        for g in grams(body):
            out.setdefault((g, kind, g in title, block), []).append(doc_id)
    return out


def _posting_arrays(items: list[tuple[tuple[str, str, bool, int], list[int]]], ids: bool = True) -> dict:
    cols = {"g": [k[0] for k, _ in items], "k": [k[1] for k, _ in items],
            "t": [k[2] for k, _ in items], "b": [k[3] for k, _ in items]}
    if ids:
        cols["i"] = ["{" + ",".join(map(str, v)) + "}" for _, v in items]
    return cols


async def insert_grams(session: AsyncSession, docs: Iterable[tuple[int, str, str, str]]) -> None:
    """PostgreSQL: add the postings of documents ``(doc_id, kind, title, body)`` — one row per gram,
    kind, title flag and block of ``GRAM_BLOCK`` document ids, the ids as an array (revision 0005: a
    row per gram and document was ~65 GB at a million items), arrays in one statement per 20,000 keys."""
    items = sorted(postings(docs).items())  # in key order: two writers lock shared rows in one order
    for i in range(0, len(items), 20_000):
        await session.execute(_UPSERT_POSTINGS, _posting_arrays(items[i : i + 20_000]))


async def delete_grams(session: AsyncSession, docs: Iterable[tuple[int, str, str, str]]) -> None:
    """PostgreSQL: take documents ``(doc_id, kind, title, body)`` — as indexed — out of the postings."""
    items = sorted(postings(docs).items())
    for i in range(0, len(items), 20_000):
        chunk = items[i : i + 20_000]
        await session.execute(_REMOVE_POSTINGS, _posting_arrays(chunk))
        await session.execute(_DROP_EMPTY_POSTINGS, _posting_arrays(chunk, ids=False))


async def remove_document(session: AsyncSession, *, kind: str, ref: str) -> None:
    d = SearchDocument
    doc = (await session.execute(
        select(d.id, d.kind, d.title, d.body).where(and_(d.kind == kind, d.ref == ref))
    )).first()
    if doc is not None:
        doc_id = doc.id
        if session.bind.dialect.name == "sqlite":
            await session.execute(text(f"DELETE FROM {GRAM_TABLE} WHERE rowid = :id"), {"id": doc_id})  # noqa: S608
        else:
            await delete_grams(session, [tuple(doc)])
        await session.execute(delete(SearchDocument).where(SearchDocument.id == doc_id))

"""search at a million items: block postings (PostgreSQL), title-only tokens and trigrams (SQLite)

Issue 12 (search p95 <= 30 ms over 1,000,000 items, measured):

* PostgreSQL: ``search_grams`` held one row per gram and document (~515 per item: 637 MB at 10,000
  items, ~65 GB and hours of load at a million). Now one row per ``(gram, kind, in_title, block)``
  with the block's document ids as an ``integer[]`` (``block`` = id // ``search.GRAM_BLOCK``) and their
  number ``n``. Rebuilt from ``search_documents``.
* SQLite: a ``title:`` filter on an FTS5 table walks the whole doclist of the term (every body hit)
  to find the title hits — 8 ms at 100,000 items for a character in every body and no title, 80 ms at
  a million. ``search_fts_bi`` now spells a title's grams as their own tokens (``search.TITLE_PREFIX``)
  and keeps no positions (``detail=column``: the grams are looked up whole, never as phrases), and the
  titles get their own trigram table ``search_fts_title`` (external content, kept in step by triggers).
  The unused ``search_grams`` table takes the new shape too (one schema for both databases).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 03:40:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BI_NEW = "CREATE VIRTUAL TABLE search_fts_bi USING fts5(kind, title, body, tokenize='unicode61', detail='column', columnsize=0)"
BI_OLD = "CREATE VIRTUAL TABLE search_fts_bi USING fts5(kind, title, body, tokenize='unicode61')"
TITLE_UP = [
    "CREATE VIRTUAL TABLE search_fts_title USING fts5(kind, title, tokenize='trigram', "
    "content='search_documents', content_rowid='id')",
    "CREATE TRIGGER search_documents_fts_title_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts_title(rowid, kind, title) VALUES (new.id, new.kind, new.title); END",
    "CREATE TRIGGER search_documents_fts_title_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts_title(search_fts_title, rowid, kind, title) VALUES ('delete', old.id, old.kind, old.title); END",
    "CREATE TRIGGER search_documents_fts_title_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts_title(search_fts_title, rowid, kind, title) VALUES ('delete', old.id, old.kind, old.title); "
    "INSERT INTO search_fts_title(rowid, kind, title) VALUES (new.id, new.kind, new.title); END",
    "INSERT INTO search_fts_title(search_fts_title) VALUES ('rebuild')",
]
TITLE_DOWN = [
    "DROP TRIGGER search_documents_fts_title_au",
    "DROP TRIGGER search_documents_fts_title_ad",
    "DROP TRIGGER search_documents_fts_title_ai",
    "DROP TABLE search_fts_title",
]


def _grams_table(blocks: bool) -> None:
    op.drop_table('search_grams')
    cols = [sa.Column('gram', sa.String(length=2), nullable=False),
            sa.Column('kind', sa.String(length=20), nullable=False),
            sa.Column('in_title', sa.Boolean(), nullable=False)]
    if blocks:
        cols += [sa.Column('block', sa.Integer(), nullable=False),
                 sa.Column('n', sa.Integer(), nullable=False),
                 sa.Column('doc_ids', sa.JSON().with_variant(postgresql.ARRAY(sa.Integer()), 'postgresql'),
                           nullable=False)]
        key = ['gram', 'kind', 'in_title', 'block']
    else:
        cols.append(sa.Column('doc_id', sa.Integer(), nullable=False))
        key = ['gram', 'kind', 'in_title', 'doc_id']
    op.create_table('search_grams', *cols, sa.PrimaryKeyConstraint(*key))
    if not blocks:
        with op.batch_alter_table('search_grams', schema=None) as batch_op:
            batch_op.create_index('ix_search_grams_doc', ['doc_id'], unique=False)


def _documents(bind):
    return bind.execute(sa.text("SELECT id, kind, title, body FROM search_documents")).all()


def _refill_postings(blocks: bool) -> None:
    bind = op.get_bind()
    from services.checklist.search import grams, postings

    rows = _documents(bind)
    if blocks:
        items = sorted(postings([tuple(r) for r in rows]).items())
        stmt = sa.text(
            "INSERT INTO search_grams (gram, kind, in_title, block, n, doc_ids) "
            "SELECT g, k, t, b, cardinality(CAST(i AS integer[])), CAST(i AS integer[]) FROM unnest("
            "CAST(:g AS text[]), CAST(:k AS text[]), CAST(:t AS boolean[]), CAST(:b AS integer[]), "
            "CAST(:i AS text[])) AS x(g, k, t, b, i)"
        )
        for i in range(0, len(items), 20_000):
            chunk = items[i : i + 20_000]
            bind.execute(stmt, {"g": [k[0] for k, _ in chunk], "k": [k[1] for k, _ in chunk],
                                "t": [k[2] for k, _ in chunk], "b": [k[3] for k, _ in chunk],
                                "i": ["{" + ",".join(map(str, v)) + "}" for _, v in chunk]})
        return
    out = [(g, r.kind, g in r.title, r.id) for r in rows for g in grams(r.body)]
    stmt = sa.text(
        "INSERT INTO search_grams (gram, kind, in_title, doc_id) SELECT * FROM unnest("
        "CAST(:a0 AS text[]), CAST(:a1 AS text[]), CAST(:a2 AS boolean[]), CAST(:a3 AS integer[]))"
    )
    for i in range(0, len(out), 100_000):
        chunk = out[i : i + 100_000]
        bind.execute(stmt, {f"a{j}": [r[j] for r in chunk] for j in range(4)})


def _rebuild_gram_table(create: str, title_prefix: str) -> None:
    bind = op.get_bind()
    from services.checklist.search import gram_document

    op.execute("DROP TABLE search_fts_bi")
    op.execute(create)
    rows = _documents(bind)
    if rows:
        bind.execute(
            sa.text("INSERT INTO search_fts_bi (rowid, kind, title, body) VALUES (:id, :kind, :title, :body)"),
            [{"id": r.id, "kind": r.kind, "title": gram_document(r.title, title_prefix),
              "body": gram_document(r.body)} for r in rows],
        )


def upgrade() -> None:
    """Upgrade schema."""
    _grams_table(blocks=True)
    if op.get_bind().dialect.name == "postgresql":
        _refill_postings(blocks=True)
        return
    from services.checklist.search import TITLE_PREFIX

    _rebuild_gram_table(BI_NEW, TITLE_PREFIX)
    for stmt in TITLE_UP:
        op.execute(stmt)


def downgrade() -> None:
    """Downgrade schema."""
    _grams_table(blocks=False)
    if op.get_bind().dialect.name == "postgresql":
        _refill_postings(blocks=False)
        return
    for stmt in TITLE_DOWN:
        op.execute(stmt)
    _rebuild_gram_table(BI_OLD, "")

"""search: SQLite FTS5 trigram + gram tables, PostgreSQL pg_trgm GIN indexes

RECIPES §2, routed by query length (never a 1–2 character pattern to a trigram index):

* SQLite: ``search_fts_tri`` — FTS5 ``trigram`` over ``search_documents`` (external content, kept in
  step by triggers) for queries of 3+ characters; ``search_fts_bi`` — FTS5 of each document's unigram
  and bigram tokens (``search.gram_document``) for 1–2 characters. The ``search_grams`` postings are
  no longer used on SQLite and are emptied. (Both FTS tables are left out of drift checks: ``_fts``.)
* PostgreSQL: ``pg_trgm`` GIN indexes on ``search_documents.body``/``title`` for ``LIKE`` with 3+
  characters; 1–2 characters keep using ``search_grams``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:41:18.848851

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE search_fts_tri USING fts5(kind, title, body, tokenize='trigram', "
    "content='search_documents', content_rowid='id')",
    "CREATE VIRTUAL TABLE search_fts_bi USING fts5(kind, title, body, tokenize='unicode61')",
    "CREATE TRIGGER search_documents_fts_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts_tri(rowid, kind, title, body) VALUES (new.id, new.kind, new.title, new.body); END",
    "CREATE TRIGGER search_documents_fts_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts_tri(search_fts_tri, rowid, kind, title, body) "
    "VALUES ('delete', old.id, old.kind, old.title, old.body); END",
    "CREATE TRIGGER search_documents_fts_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts_tri(search_fts_tri, rowid, kind, title, body) "
    "VALUES ('delete', old.id, old.kind, old.title, old.body); "
    "INSERT INTO search_fts_tri(rowid, kind, title, body) VALUES (new.id, new.kind, new.title, new.body); END",
    "INSERT INTO search_fts_tri(search_fts_tri) VALUES ('rebuild')",
    "DELETE FROM search_grams",
]
SQLITE_DOWN = [
    "DROP TRIGGER search_documents_fts_au",
    "DROP TRIGGER search_documents_fts_ad",
    "DROP TRIGGER search_documents_fts_ai",
    "DROP TABLE search_fts_bi",
    "DROP TABLE search_fts_tri",
]


def upgrade() -> None:
    """Upgrade schema."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_body_trgm', ['body'], unique=False, postgresql_using='gin', postgresql_ops={'body': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))
        batch_op.create_index('ix_search_documents_title_trgm', ['title'], unique=False, postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))
    if bind.dialect.name == "sqlite":
        for stmt in SQLITE_UP:
            op.execute(stmt)
        # the gram table of the documents already indexed (tokens computed in Python)
        from services.checklist.search import GRAM_TABLE, gram_document

        rows = bind.execute(sa.text("SELECT id, kind, title, body FROM search_documents")).all()
        if rows:
            bind.execute(
                sa.text(f"INSERT INTO {GRAM_TABLE} (rowid, kind, title, body) VALUES (:id, :kind, :title, :body)"),
                [{"id": r.id, "kind": r.kind, "title": gram_document(r.title), "body": gram_document(r.body)}
                 for r in rows],
            )


def downgrade() -> None:
    """Downgrade schema (SQLite: the postings are not refilled; re-index after a downgrade)."""
    if op.get_bind().dialect.name == "sqlite":
        for stmt in SQLITE_DOWN:
            op.execute(stmt)
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_title_trgm', postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))
        batch_op.drop_index('ix_search_documents_body_trgm', postgresql_using='gin', postgresql_ops={'body': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))

"""search grams: kind and title flag in the key

PostgreSQL 1–2 character search (issue 3, p95 ≤ 3 ms): the postings ``search_grams`` carry the
document's ``kind`` and whether the gram occurs in its title, in the key ``(gram, kind, in_title,
doc_id)``. A query's total and title-hit count are then one index-only range scan, and each ranking
segment a contiguous key range — no join to ``search_documents`` (profiled: that join's seq scan was
4–6 of the 6–9 ms of each count). The table is rebuilt and, on PostgreSQL, refilled from
``search_documents`` (on SQLite it is unused since 0003: FTS5 tables answer there).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:56:22.964163

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _recreate(with_flags: bool) -> None:
    with op.batch_alter_table('search_grams', schema=None) as batch_op:
        batch_op.drop_index('ix_search_grams_doc')
    op.drop_table('search_grams')
    cols = [sa.Column('gram', sa.String(length=2), nullable=False)]
    if with_flags:
        cols += [sa.Column('kind', sa.String(length=20), nullable=False),
                 sa.Column('in_title', sa.Boolean(), nullable=False)]
    cols.append(sa.Column('doc_id', sa.Integer(), nullable=False))
    op.create_table('search_grams', *cols, sa.PrimaryKeyConstraint(*[c.name for c in cols]))
    with op.batch_alter_table('search_grams', schema=None) as batch_op:
        batch_op.create_index('ix_search_grams_doc', ['doc_id'], unique=False)


def _refill(with_flags: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from services.checklist.search import grams

    rows = bind.execute(sa.text("SELECT id, kind, title, body FROM search_documents")).all()
    out = [(g, r.kind, g in r.title, r.id) for r in rows for g in grams(r.body)]
    names, types = ("gram", "kind", "in_title", "doc_id"), ("text", "text", "boolean", "integer")
    if not with_flags:
        out, names, types = [(o[0], o[3]) for o in out], ("gram", "doc_id"), ("text", "integer")
    arrays = ", ".join(f"CAST(:a{j} AS {t}[])" for j, t in enumerate(types))
    insert = sa.text(f"INSERT INTO search_grams ({', '.join(names)}) SELECT * FROM unnest({arrays})")
    for i in range(0, len(out), 100_000):
        chunk = out[i : i + 100_000]
        bind.execute(insert, {f"a{j}": [r[j] for r in chunk] for j in range(len(names))})


def upgrade() -> None:
    """Upgrade schema."""
    _recreate(with_flags=True)
    _refill(with_flags=True)


def downgrade() -> None:
    """Downgrade schema."""
    _recreate(with_flags=False)
    _refill(with_flags=False)

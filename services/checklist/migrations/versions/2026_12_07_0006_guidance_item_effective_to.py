"""guidance item versions: effective_to (issue 23, 《行政处罚法》第三十七条)

A guidance item version (its penalty article and fine range) is in force from ``effective_from`` and
before ``effective_to``; null: no date known (in force). ``effective_from`` existed already; this adds
the end. Existing rows keep null (no end known), and their content hashes stay valid: the hash takes
``effective_to`` in only when it is set (``guidance.versioning.OPTIONAL_CONTENT_FIELDS``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 03:20:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('guidance_items', sa.Column('effective_to', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('guidance_items') as batch:
        batch.drop_column('effective_to')

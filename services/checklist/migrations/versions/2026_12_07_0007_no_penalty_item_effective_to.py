"""no-penalty item versions: effective_to (issue 23 item 3, 《行政处罚法》第三十七条)

A no-penalty list item version (免罚清单事项) is in force from ``effective_from`` through ``effective_to``
(its last day in force, inclusive); null: no date known. An expired list item exempts nothing. Existing
rows keep null (no end known): no end date is invented for items whose source gives none.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('no_penalty_items', sa.Column('effective_to', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('no_penalty_items') as batch:
        batch.drop_column('effective_to')

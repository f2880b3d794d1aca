"""typical cases: where each was published (issue 24 item 6)

A 典型案例 carries the page it was read from, the publishing body, the publication date (YYYY-MM-DD, or
YYYY-MM where the source gives only the month), a note on the source and whether the publishing body's
own text was read (``verified``). Existing rows keep nulls: no source is invented for them. The bundled
published cases (data/typical_cases.yaml) are loaded by the seed step, not here.

Revision ID: 0008_typical_sources
Revises: 0007
Create Date: 2026-12-07 05:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0008_typical_sources'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ('source_url', 'source_publisher', 'source_date', 'source_note', 'verified')


def upgrade() -> None:
    with op.batch_alter_table('typical_cases') as batch:
        batch.add_column(sa.Column('source_url', sa.Text(), nullable=True))
        batch.add_column(sa.Column('source_publisher', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('source_date', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('source_note', sa.Text(), nullable=True))
        batch.add_column(sa.Column('verified', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('typical_cases') as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)

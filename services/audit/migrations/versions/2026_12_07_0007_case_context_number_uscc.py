"""case_context.number, case_context.uscc: the case's number and enterprise, from ``case.filed``

So that an interference record takes the case's number, bureau and enterprise as the cases service
filed them, not what the request says (issue 25 S9). Rows from before stay NULL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 09:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('case_context', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('uscc', sa.String(length=18), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_context', schema=None) as batch_op:
        batch_op.drop_column('uscc')
        batch_op.drop_column('number')

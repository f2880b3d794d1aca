"""case_context.bureau: the bureau a case was filed in, from ``case.filed`` (before any decision or flag)

So that an interference record on a case the audit knows only from its filing is scoped by the case's
bureau, not by the bureau the request names. Rows from before stay NULL (their cases have a decision
or a flag by now, or never will be recorded again).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('case_context', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bureau', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_context', schema=None) as batch_op:
        batch_op.drop_column('bureau')

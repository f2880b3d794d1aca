"""decided cases keep what the decision gate checked (handlers, statutory range, discussion, first-offence claim)

Written by hand: one JSON column; decisions recorded before this revision carry ``{}`` (the rules that
read it see nothing to check, as before).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('decided_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gate', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('decided_cases', schema=None) as batch_op:
        batch_op.drop_column('gate')

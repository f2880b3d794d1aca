"""credit records keep the case's handlers

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08

Issue 25 S12: a repair application is accepted and approved by two different people, neither a handler
of the case. The handlers come with ``case.decided.v1``; the record keeps them (nullable: records made
before read them from the cases service).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('credit_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handlers', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('credit_records', schema=None) as batch_op:
        batch_op.drop_column('handlers')

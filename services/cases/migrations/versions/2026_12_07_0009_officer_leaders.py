"""officer leaders: the register says who is a 负责人 of the bureau (《行政处罚法》第五十七条第二款)

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-07

The participants of a collective discussion must be registered leaders of the case's bureau; the
officers register gains the officer's position (e.g. 局长) and whether they are a leader.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('officers', sa.Column('position', sa.String(length=60), nullable=True))
    op.add_column('officers', sa.Column('leader', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('officers', 'leader')
    op.drop_column('officers', 'position')

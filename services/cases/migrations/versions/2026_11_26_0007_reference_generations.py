"""reference generations: the count of the checklist's item_published/item_retired events

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

The cases service caches guidance items from the checklist service; its consumer counts the
checklist's change events here, and every process (the API's too) refetches when the count moved.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('reference_generations',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind')
    )


def downgrade() -> None:
    op.drop_table('reference_generations')

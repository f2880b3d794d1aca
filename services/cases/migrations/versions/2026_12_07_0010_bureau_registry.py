"""bureau registry: enforcement bodies as data, and 文号 counters per bureau, document kind and year

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

A decision names its issuing authority, its 文号 and the 行政复议机关 and 人民法院 (《行政处罚法》第五十九条):
the bureaus table holds them; document_counters numbers the documents gaplessly.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'bureaus',
        sa.Column('code', sa.String(length=40), primary_key=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('prefixes', sa.JSON(), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=True),
        sa.Column('contact', sa.String(length=300), nullable=True),
        sa.Column('reconsideration_body', sa.String(length=200), nullable=True),
        sa.Column('court', sa.String(length=200), nullable=True),
        sa.Column('payment', sa.String(length=300), nullable=True),
        sa.Column('example', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('source', sa.String(length=300), nullable=True),
        sa.Column('updated_by', sa.String(length=100), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'document_counters',
        sa.Column('bureau', sa.String(length=40), primary_key=True),
        sa.Column('kind', sa.String(length=40), primary_key=True),
        sa.Column('year', sa.Integer(), primary_key=True),
        sa.Column('last', sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('document_counters')
    op.drop_table('bureaus')

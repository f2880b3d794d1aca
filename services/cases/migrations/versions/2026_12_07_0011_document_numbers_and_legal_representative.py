"""documents: the enterprise's legal representative, the advice letter's 文号

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08

Every document names the party (《行政处罚法》第五十九条第（一）项) — for an enterprise its 法定代表人 too:
enterprises.legal_representative (optional). A 合规建议书 is numbered from the bureau's compliance_advice
prefix once, when issued: advice_letters.document_number (null on letters issued before the registry).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('enterprises', sa.Column('legal_representative', sa.String(length=100), nullable=True))
    op.add_column('advice_letters', sa.Column('document_number', sa.String(length=60), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of enterprises would trip its foreign keys.
    op.drop_column('advice_letters', 'document_number')
    op.drop_column('enterprises', 'legal_representative')

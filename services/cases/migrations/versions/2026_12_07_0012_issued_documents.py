"""issued documents: each 文书 rendered once when issued and stored with its SHA-256

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08

Issue 24 item 3: a document is rendered once when issued, stored with its SHA-256 (appended to the audit
log), and every GET serves those bytes; a corrected document is a new 文号 naming the one it replaces.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'issued_documents',
        sa.Column('id', SEQ, primary_key=True, autoincrement=True),
        sa.Column('case_id', sa.String(length=36), nullable=True),
        sa.Column('letter_id', sa.String(length=36), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('number', sa.String(length=200), nullable=False),
        sa.Column('replaces', sa.String(length=200), nullable=True),
        sa.Column('data', sa.JSON(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=300), nullable=True),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claim', sa.String(length=36), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.UniqueConstraint('case_id', 'kind', 'number', name='uq_issued_documents_case'),
        sa.UniqueConstraint('letter_id', 'kind', 'number', name='uq_issued_documents_letter'),
    )
    op.create_index('ix_issued_documents_case_id', 'issued_documents', ['case_id'])
    op.create_index('ix_issued_documents_letter_id', 'issued_documents', ['letter_id'])
    op.create_index('ix_issued_documents_status', 'issued_documents', ['status'])


def downgrade() -> None:
    op.drop_index('ix_issued_documents_status', table_name='issued_documents')
    op.drop_index('ix_issued_documents_letter_id', table_name='issued_documents')
    op.drop_index('ix_issued_documents_case_id', table_name='issued_documents')
    op.drop_table('issued_documents')

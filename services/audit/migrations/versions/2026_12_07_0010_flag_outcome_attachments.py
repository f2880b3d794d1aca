"""flags.outcome, flags.review_started_at, flag_attachments: the review workflow of issue 26

``outcome`` is the latest review's outcome, kept apart from ``status`` so that a flag reopened for a later
review still reports its earlier outcome until that review records another; existing reviewed flags take
their status as their outcome. ``flag_attachments`` holds the documents attached to a review (bytes and
SHA-256 in the audit's own database).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 17:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('review_started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_flags_outcome'), ['outcome'], unique=False)
    op.execute("UPDATE flags SET outcome = status WHERE status IN ('cleared', 'issue_found')")
    # A cleared flag the system reopened on a later risk (status open, a reviewer recorded) kept its review.
    op.execute("UPDATE flags SET outcome = 'cleared' WHERE outcome IS NULL AND reviewed_by IS NOT NULL")
    op.create_table('flag_attachments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('flag_id', sa.String(length=36), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flag_id'], ['flags.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('flag_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_attachments_flag_id'), ['flag_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('flag_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_attachments_flag_id'))
    op.drop_table('flag_attachments')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flags_outcome'))
        batch_op.drop_column('review_started_at')
        batch_op.drop_column('outcome')

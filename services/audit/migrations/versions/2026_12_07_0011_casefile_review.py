"""案卷评查 (issue 27 point 1): the review standard's versions, campaigns, drawn files and item judgements

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 20:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('casefile_review_standards',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('version'),
    sa.UniqueConstraint('sha256')
    )
    op.create_table('casefile_review_campaigns',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('ratio', sa.Float(), nullable=False),
    sa.Column('minimum', sa.Integer(), nullable=False),
    sa.Column('all_exemptions', sa.Boolean(), nullable=False),
    sa.Column('bureaus', sa.JSON(), nullable=False),
    sa.Column('standard_version', sa.Integer(), nullable=False),
    sa.Column('pass_mark', sa.Float(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['standard_version'], ['casefile_review_standards.version']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('title')
    )
    op.create_table('casefile_review_files',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('campaign_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('bureau', sa.String(length=40), nullable=False),
    sa.Column('decision_type', sa.String(length=20), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('drawn_by', sa.String(length=20), nullable=False),
    sa.Column('reviewer', sa.String(length=100), nullable=True),
    sa.Column('reviewer_bureau', sa.String(length=40), nullable=True),
    sa.Column('assigned_by', sa.String(length=100), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Float(), nullable=True),
    sa.Column('max_total', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('vetoed', sa.JSON(), nullable=False),
    sa.Column('scored_by', sa.String(length=100), nullable=True),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('flag_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['casefile_review_campaigns.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'case_id', name='uq_casefile_review_files_case')
    )
    with op.batch_alter_table('casefile_review_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_casefile_review_files_bureau'), ['bureau'], unique=False)
        batch_op.create_index(batch_op.f('ix_casefile_review_files_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_casefile_review_files_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_casefile_review_files_reviewer'), ['reviewer'], unique=False)
    op.create_table('casefile_review_items',
    sa.Column('file_id', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('section', sa.String(length=40), nullable=False),
    sa.Column('prefill_met', sa.Boolean(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('max_points', sa.Float(), nullable=False),
    sa.Column('veto', sa.Boolean(), nullable=False),
    sa.Column('overridden', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['file_id'], ['casefile_review_files.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('file_id', 'item_code')
    )


def downgrade() -> None:
    op.drop_table('casefile_review_items')
    with op.batch_alter_table('casefile_review_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_casefile_review_files_reviewer'))
        batch_op.drop_index(batch_op.f('ix_casefile_review_files_case_id'))
        batch_op.drop_index(batch_op.f('ix_casefile_review_files_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_casefile_review_files_bureau'))
    op.drop_table('casefile_review_files')
    op.drop_table('casefile_review_campaigns')
    op.drop_table('casefile_review_standards')

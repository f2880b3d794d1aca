"""refused_attempts: the decisions, endings and changes the cases service's decision gate refused

Issue 26 item 4: each ``ecocomply.case.gate_refused.v1`` is kept, counted per officer and bureau
(``GET /audit/v1/refusals/stats``) and read by the rule repeated_refused_exemption_attempts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 17:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'refused_attempts',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=False),
        sa.Column('uscc', sa.String(length=18), nullable=False),
        sa.Column('bureau', sa.String(length=40), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('decision_type', sa.String(length=20), nullable=True),
        sa.Column('exemption', sa.Boolean(), nullable=False),
        sa.Column('rule_code', sa.String(length=60), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
    )
    op.create_index('ix_refused_attempts_case_id', 'refused_attempts', ['case_id'])
    op.create_index('ix_refused_attempts_actor_at', 'refused_attempts', ['actor', 'at'])
    op.create_index('ix_refused_attempts_bureau_at', 'refused_attempts', ['bureau', 'at'])


def downgrade() -> None:
    op.drop_index('ix_refused_attempts_bureau_at', table_name='refused_attempts')
    op.drop_index('ix_refused_attempts_actor_at', table_name='refused_attempts')
    op.drop_index('ix_refused_attempts_case_id', table_name='refused_attempts')
    op.drop_table('refused_attempts')

"""gate refusals: every decision, ending or change of a decision the decision gate refused

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Issue 26 item 4: what the gate refused is a signal — the refused attempt (who, when, what, which rule) is kept,
in a transaction of its own after the request's is rolled back, and emitted as ecocomply.case.gate_refused.v1.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'gate_refusals',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('case_id', sa.String(length=36), sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=False),
        sa.Column('bureau', sa.String(length=40), nullable=False),
        sa.Column('uscc', sa.String(length=18), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('decision_type', sa.String(length=20), nullable=True),
        sa.Column('fine_amount', sa.Float(), nullable=True),
        sa.Column('attempt', sa.JSON(), nullable=False),
        sa.Column('rule_code', sa.String(length=60), nullable=False),
        sa.Column('article', sa.Text(), nullable=False),
        sa.Column('rule', sa.Text(), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
    )
    op.create_index('ix_gate_refusals_case_at', 'gate_refusals', ['case_id', 'at'])
    op.create_index('ix_gate_refusals_actor_at', 'gate_refusals', ['actor', 'at'])


def downgrade() -> None:
    op.drop_index('ix_gate_refusals_actor_at', table_name='gate_refusals')
    op.drop_index('ix_gate_refusals_case_at', table_name='gate_refusals')
    op.drop_table('gate_refusals')

"""damage matters: the ecological-damage compensation matter beside a penalty case (一案双查)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

Issue 27 item 3: a case whose facts record ecological damage opens one damage-compensation matter (case_id
unique: opened idempotently and race-free); its steps from 线索筛查 to 修复效果评估 are recorded on it.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'damage_matters',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('case_id', sa.String(length=36), sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=False),
        sa.Column('uscc', sa.String(length=18), nullable=False),
        sa.Column('bureau', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('trigger', sa.String(length=20), nullable=False),
        sa.Column('opened_by', sa.String(length=100), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ground', sa.String(length=40), nullable=True),
        sa.Column('simplified', sa.Boolean(), nullable=True),
        sa.Column('assessed_amount', sa.Float(), nullable=True),
        sa.Column('agreed_amount', sa.Float(), nullable=True),
        sa.Column('restoration_terms', sa.Text(), nullable=True),
        sa.Column('paid_total', sa.Float(), nullable=False),
        sa.Column('evaluation_passed', sa.Boolean(), nullable=True),
        sa.Column('steps', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.UniqueConstraint('case_id', name='uq_damage_matters_case_id'),
    )
    op.create_index('ix_damage_matters_uscc', 'damage_matters', ['uscc'])
    op.create_index('ix_damage_matters_bureau', 'damage_matters', ['bureau'])


def downgrade() -> None:
    op.drop_index('ix_damage_matters_bureau', table_name='damage_matters')
    op.drop_index('ix_damage_matters_uscc', table_name='damage_matters')
    op.drop_table('damage_matters')

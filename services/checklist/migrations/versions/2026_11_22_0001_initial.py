"""initial: guidance_items and no_penalty_items (immutable (code, version) rows with provenance),
plus the outbox, inbox and dead_letters tables every service owns.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 07:22:26.246365

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('dead_letters',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=200), nullable=False),
    sa.Column('envelope', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dead_letters_event_id'), ['event_id'], unique=False)

    op.create_table('guidance_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=100), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('domain', sa.String(length=100), nullable=False),
    sa.Column('common_violations', sa.JSON(), nullable=False),
    sa.Column('legal_basis', sa.JSON(), nullable=False),
    sa.Column('liability', sa.JSON(), nullable=False),
    sa.Column('risk_level', sa.String(length=10), nullable=False),
    sa.Column('risk_rationale', sa.Text(), nullable=True),
    sa.Column('advice', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('compiled', sa.Boolean(), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("risk_level IN ('high', 'medium', 'low')", name='ck_guidance_items_risk_level'),
    sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name='ck_guidance_items_status'),
    sa.CheckConstraint('version >= 1', name='ck_guidance_items_version'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'version', name='uq_guidance_items_code_version')
    )
    op.create_table('inbox',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', 'consumer')
    )
    op.create_table('no_penalty_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('list_version', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.Column('violation', sa.Text(), nullable=False),
    sa.Column('applies_to', sa.JSON(), nullable=False),
    sa.Column('legal_basis', sa.JSON(), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('exceptions', sa.JSON(), nullable=False),
    sa.Column('condition_logic', sa.String(length=10), nullable=False),
    sa.Column('modality', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('discretionary', sa.Boolean(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("condition_logic = 'all'", name='ck_no_penalty_items_condition_logic'),
    sa.CheckConstraint("kind IN ('list', 'statutory')", name='ck_no_penalty_items_kind'),
    sa.CheckConstraint("modality IN ('must', 'may')", name='ck_no_penalty_items_modality'),
    sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name='ck_no_penalty_items_status'),
    sa.CheckConstraint('version >= 1', name='ck_no_penalty_items_version'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'version', name='uq_no_penalty_items_code_version')
    )
    op.create_table('outbox',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=200), nullable=False),
    sa.Column('envelope', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_unpublished', ['published_at', 'seq'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished')

    op.drop_table('outbox')
    op.drop_table('no_penalty_items')
    op.drop_table('inbox')
    op.drop_table('guidance_items')
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dead_letters_event_id'))

    op.drop_table('dead_letters')

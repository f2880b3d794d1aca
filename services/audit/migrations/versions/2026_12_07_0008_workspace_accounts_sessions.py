"""workspace accounts, sessions and failed sign-ins (issue 26: the supervision workspace signs people in)

Written by hand; the models are ``services.audit.models.WorkspaceAccount``, ``WorkspaceSession``,
``SignInFailure``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 17:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('workspace_accounts',
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('bureau', sa.String(length=40), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username')
    )
    op.create_table('workspace_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('sub', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('bureau', sa.String(length=40), nullable=True),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id_hash')
    )
    op.create_index('ix_workspace_sessions_sub', 'workspace_sessions', ['sub'])
    op.create_table('workspace_signin_failures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_workspace_signin_failures_key', 'workspace_signin_failures', ['key'])
    op.create_index('ix_workspace_signin_failures_at', 'workspace_signin_failures', ['at'])


def downgrade() -> None:
    op.drop_table('workspace_signin_failures')
    op.drop_table('workspace_sessions')
    op.drop_table('workspace_accounts')

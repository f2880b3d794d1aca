"""history rules read bounded, indexed ranges and per-person daily counters (issue 12)

Written by hand: ``person_daily_counts`` (filled from ``decision_people``), and the indexes the history
rules' reads are ranges of — ``(violation, facts_key, decision_date)`` replaces ``(violation,
facts_key)``, ``(uscc, decision_date)`` replaces ``(uscc)``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'person_daily_counts',
        sa.Column('person', sa.String(length=100), nullable=False),
        sa.Column('bureau', sa.String(length=40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('flagged', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('person', 'bureau', 'day'),
    )
    op.execute(
        "INSERT INTO person_daily_counts (person, bureau, day, count, flagged) "
        "SELECT person, bureau, decision_date, COUNT(*), SUM(CASE WHEN flagged THEN 1 ELSE 0 END) "
        "FROM decision_people GROUP BY person, bureau, decision_date"
    )
    with op.batch_alter_table('decided_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_decided_cases_violation')
        batch_op.drop_index('ix_decided_cases_uscc')
        batch_op.create_index('ix_decided_cases_similar', ['violation', 'facts_key', 'decision_date'], unique=False)
        batch_op.create_index('ix_decided_cases_uscc_date', ['uscc', 'decision_date'], unique=False)
        batch_op.create_index('ix_decided_cases_uscc_type_date', ['uscc', 'decision_type', 'decision_date'],
                              unique=False)
        batch_op.create_index('ix_decided_cases_uscc_violation_date', ['uscc', 'violation', 'decision_date'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('decided_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_decided_cases_uscc_violation_date')
        batch_op.drop_index('ix_decided_cases_uscc_type_date')
        batch_op.drop_index('ix_decided_cases_uscc_date')
        batch_op.drop_index('ix_decided_cases_similar')
        batch_op.create_index('ix_decided_cases_uscc', ['uscc'], unique=False)
        batch_op.create_index('ix_decided_cases_violation', ['violation', 'facts_key'], unique=False)
    op.drop_table('person_daily_counts')

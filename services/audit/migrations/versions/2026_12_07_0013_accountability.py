"""accountability_traces, accountability_trace_people, responsibility_findings, excuse_decisions: 错案责任倒查 and
容错纠错 (issue 27 point 4). A trace per flag (unique ``flag_id``), the case's people with their parts, and the
append-only findings and excuses on each person.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-07 20:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('accountability_traces',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('flag_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('bureau', sa.String(length=40), nullable=False),
    sa.Column('ground', sa.String(length=60), nullable=False),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flag_id'], ['flags.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('flag_id', name='uq_accountability_traces_flag')
    )
    with op.batch_alter_table('accountability_traces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accountability_traces_bureau'), ['bureau'], unique=False)
        batch_op.create_index(batch_op.f('ix_accountability_traces_case_id'), ['case_id'], unique=False)
    op.create_table('accountability_trace_people',
    sa.Column('trace_id', sa.String(length=36), nullable=False),
    sa.Column('person', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('bureau', sa.String(length=40), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['trace_id'], ['accountability_traces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('trace_id', 'person')
    )
    with op.batch_alter_table('accountability_trace_people', schema=None) as batch_op:
        batch_op.create_index('ix_accountability_trace_people_person', ['person', 'bureau'], unique=False)
    op.create_table('responsibility_findings',
    sa.Column('id', _SEQ, autoincrement=True, nullable=False),
    sa.Column('trace_id', sa.String(length=36), nullable=False),
    sa.Column('person', sa.String(length=100), nullable=False),
    sa.Column('bureau', sa.String(length=40), nullable=False),
    sa.Column('finding', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('outcome_text', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trace_id'], ['accountability_traces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('responsibility_findings', schema=None) as batch_op:
        batch_op.create_index('ix_responsibility_findings_person', ['person', 'bureau'], unique=False)
        batch_op.create_index(batch_op.f('ix_responsibility_findings_trace_id'), ['trace_id'], unique=False)
    op.create_table('excuse_decisions',
    sa.Column('id', _SEQ, autoincrement=True, nullable=False),
    sa.Column('trace_id', sa.String(length=36), nullable=False),
    sa.Column('person', sa.String(length=100), nullable=False),
    sa.Column('bureau', sa.String(length=40), nullable=False),
    sa.Column('finding_id', _SEQ, nullable=False),
    sa.Column('relief', sa.String(length=20), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('organ_decision', sa.String(length=300), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['responsibility_findings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trace_id'], ['accountability_traces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('excuse_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_excuse_decisions_person', ['person', 'bureau'], unique=False)
        batch_op.create_index(batch_op.f('ix_excuse_decisions_trace_id'), ['trace_id'], unique=False)


def downgrade() -> None:
    op.drop_table('excuse_decisions')
    op.drop_table('responsibility_findings')
    op.drop_table('accountability_trace_people')
    op.drop_table('accountability_traces')

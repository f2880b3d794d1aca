"""错案责任倒查 tables: a trace per flag (the people of the case with their parts), the responsibility findings
and the 容错纠错 decisions on each person — both append-only (a change is a new entry, the latest counts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.audit.models import Base
from shared.db import UtcDateTime
from shared.outbox import SeqType


class AccountabilityTrace(Base):
    """错案责任倒查 — one per flag (``flag_id`` unique: opening twice is the same trace)."""

    __tablename__ = "accountability_traces"
    __table_args__ = (UniqueConstraint("flag_id", name="uq_accountability_traces_flag"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flag_id: Mapped[str] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    number: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(String(18))
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    ground: Mapped[str] = mapped_column(String(60))  # why it may be traced: the review's outcome, or a rule code
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TracePerson(Base):
    """A person of a traced case with their parts in it (``people.ROLE_ORDER`` codes), as the records showed them
    when the trace was opened."""

    __tablename__ = "accountability_trace_people"
    __table_args__ = (Index("ix_accountability_trace_people_person", "person", "bureau"),)

    trace_id: Mapped[str] = mapped_column(ForeignKey("accountability_traces.id", ondelete="CASCADE"), primary_key=True)
    person: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    bureau: Mapped[str] = mapped_column(String(40))
    roles: Mapped[list] = mapped_column(JSON)


class ResponsibilityFinding(Base):
    """责任认定 — a supervisor's finding on one person of a trace, with the outcome handed down and the reason."""

    __tablename__ = "responsibility_findings"
    __table_args__ = (Index("ix_responsibility_findings_person", "person", "bureau"),)

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    trace_id: Mapped[str] = mapped_column(ForeignKey("accountability_traces.id", ondelete="CASCADE"), index=True)
    person: Mapped[str] = mapped_column(String(100))
    bureau: Mapped[str] = mapped_column(String(40))
    finding: Mapped[str] = mapped_column(String(20))  # none | responsible
    kind: Mapped[str | None] = mapped_column(String(200))  # the kind of responsibility, in the supervisor's words
    outcome: Mapped[str | None] = mapped_column(String(40))  # law.OUTCOMES code
    outcome_text: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ExcuseDecision(Base):
    """容错纠错决定 — a person excused, with each condition of 试点方案 五（三） affirmed with its evidence."""

    __tablename__ = "excuse_decisions"
    __table_args__ = (Index("ix_excuse_decisions_person", "person", "bureau"),)

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    trace_id: Mapped[str] = mapped_column(ForeignKey("accountability_traces.id", ondelete="CASCADE"), index=True)
    person: Mapped[str] = mapped_column(String(100))
    bureau: Mapped[str] = mapped_column(String(40))
    # the finding it relieves (the person's latest when decided): a later finding is not relieved by it
    finding_id: Mapped[int] = mapped_column(SeqType, ForeignKey("responsibility_findings.id", ondelete="CASCADE"))
    relief: Mapped[str] = mapped_column(String(20))  # exempted | lightened
    conditions: Mapped[dict] = mapped_column(JSON)  # {code: {affirmed: true, evidence}}
    reason: Mapped[str] = mapped_column(Text)
    organ_decision: Mapped[str | None] = mapped_column(String(300))  # the competent organ's finding (law.ORGAN_RULE)
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())

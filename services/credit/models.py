"""Credit service tables: one credit record per penalised case, plus the outbox/inbox tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime
from shared.outbox import OutboxTables


class Base(DeclarativeBase):
    pass


class CreditRecord(Base):
    """行政处罚信用信息 — the credit record a penalty decision creates (an exemption creates none).

    ``case_id`` is unique: a redelivered or replayed ``case.decided`` event never creates a second one.
    """

    __tablename__ = "credit_records"
    __table_args__ = (UniqueConstraint("case_id", name="uq_credit_records_case_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36))
    case_number: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    decision_type: Mapped[str] = mapped_column(String(20))
    fine_amount: Mapped[float | None] = mapped_column(Float)
    decision_date: Mapped[date] = mapped_column(Date)
    severity: Mapped[str] = mapped_column(String(10))  # minor | general | serious
    published: Mapped[bool] = mapped_column(Boolean)
    criterion_code: Mapped[str] = mapped_column(String(80))
    criterion: Mapped[str] = mapped_column(Text)
    sources: Mapped[list] = mapped_column(JSON)  # [{cite, url, verified, note?}]
    rule_set: Mapped[str] = mapped_column(String(40))
    publicity_from: Mapped[date] = mapped_column(Date)
    publicity_min_until: Mapped[date | None] = mapped_column(Date)
    publicity_max_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(
        String(20), index=True
    )  # published | not_published | repaired | expired
    source_event_id: Mapped[str] = mapped_column(String(36))  # the case.decided event that created it
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The decision's facts the classification used (null on records made before they were stored).
    procedure: Mapped[str | None] = mapped_column(String(20))  # general | summary | None (not stated)
    penalty_kinds: Mapped[list | None] = mapped_column(JSON)
    violations: Mapped[list | None] = mapped_column(JSON)
    # When and why publicity ended: expiry (最长公示期届满) or an approved repair application.
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_by: Mapped[str | None] = mapped_column(String(60))  # "publicity_expiry" | repair application id
    # The case's handlers (执法人员) as the decided event names them, kept so that none of them decides the
    # record's repair (issue 25 S12); null on records made before, and when an older event named none.
    handlers: Mapped[list | None] = mapped_column(JSON)


class CaseFacts(Base):
    """What the cases service has told credit about a case's obligations (by its events): fine paid,
    rectification assessed, decision served. Kept per case, independent of event order, so a repair
    application can be checked even when the cases service's read lacks a field."""

    __tablename__ = "credit_case_facts"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18))
    fine_paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    fine_paid_amount: Mapped[float | None] = mapped_column(Float)
    rectification_passed: Mapped[bool | None] = mapped_column(Boolean)
    rectification_assessed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    served_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    served_documents: Mapped[list | None] = mapped_column(JSON)


class RepairApplication(Base):
    """信用修复申请 — one application for one credit record; its own workflow with deadlines.

    ``open_key`` is the record id while the application is open (submitted/accepted) and null once it
    is decided: the unique constraint lets exactly one open application per record exist, however
    many are submitted at once.
    """

    __tablename__ = "repair_applications"
    __table_args__ = (UniqueConstraint("open_key", name="uq_repair_applications_open_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    case_id: Mapped[str] = mapped_column(String(36))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # submitted | accepted | approved | rejected
    open_key: Mapped[str | None] = mapped_column(String(36))
    attempt: Mapped[int] = mapped_column(Integer)
    previous_application_id: Mapped[str | None] = mapped_column(String(36))
    reapplication_note: Mapped[str | None] = mapped_column(Text)
    commitment: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list] = mapped_column(JSON)  # [{kind, description, reference?}]
    rule_set: Mapped[str] = mapped_column(String(40))  # the repair rules in force when submitted
    checks: Mapped[list] = mapped_column(JSON)  # the conditions checked at submission (and approval)
    applicant: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    accept_due: Mapped[date] = mapped_column(Date)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    accepted_by: Mapped[str | None] = mapped_column(String(100))
    decide_due: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    late: Mapped[list] = mapped_column(JSON)  # deadlines missed when acted on: ["accept", "decide"]
    overdue_reported: Mapped[list] = mapped_column(JSON)  # deadlines whose overdue event was emitted
    timeline: Mapped[list] = mapped_column(JSON)  # [{at, actor, action, detail}]


class PositiveListEntry(Base):
    """正面清单 membership: who, why, for which period; membership lowers inspection frequency."""

    __tablename__ = "positive_list_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    bureau: Mapped[str | None] = mapped_column(String(40))
    reason_code: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)  # active | removed
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_by: Mapped[str | None] = mapped_column(String(100))
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    removal_reason: Mapped[str | None] = mapped_column(Text)


class CreditGrade(Base):
    """A Jiangsu enterprise environmental credit grade (绿/蓝/黄/红/黑) as received from the provincial
    system — stored, never computed here (the grading criteria were not obtained)."""

    __tablename__ = "credit_grades"
    __table_args__ = (UniqueConstraint("uscc", "rated_on", name="uq_credit_grades_uscc_rated_on"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    grade: Mapped[str] = mapped_column(String(10))  # green | blue | yellow | red | black
    rated_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    source_system: Mapped[str] = mapped_column(String(200))
    source_reference: Mapped[str] = mapped_column(String(200))
    received_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


tables = OutboxTables.on(Base.metadata)

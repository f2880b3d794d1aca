"""Credit service tables: one credit record per penalised case, plus the outbox/inbox tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


tables = OutboxTables.on(Base.metadata)

"""Audit service tables: supervision flags and the rule hits on them, plus the outbox/inbox tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.outbox import OutboxTables


class Base(DeclarativeBase):
    pass


class Flag(Base):
    """监督审核标记 — one per exemption or light-penalty case.

    ``case_id`` is unique: duplicate deliveries and replays of the decision never raise a second flag.
    """

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("case_id", name="uq_flags_case_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36))
    number: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    decision_type: Mapped[str] = mapped_column(String(20), index=True)
    fine_amount: Mapped[float | None] = mapped_column(Float)
    basis: Mapped[dict] = mapped_column(JSON)
    steps: Mapped[list] = mapped_column(JSON)
    # The case's handlers and decider: none of them may review the flag.
    handlers: Mapped[list] = mapped_column(JSON)
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), index=True)  # open | in_review | cleared | issue_found
    source_event_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_notes: Mapped[str | None] = mapped_column(Text)

    rules: Mapped[list[FlagRule]] = relationship(
        back_populates="flag", order_by="FlagRule.position", lazy="selectin", cascade="all, delete-orphan"
    )


class FlagRule(Base):
    """One integrity-risk rule a flagged case hit (``services.audit.rules``)."""

    __tablename__ = "flag_rules"

    flag_id: Mapped[str] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)

    flag: Mapped[Flag] = relationship(back_populates="rules")


tables = OutboxTables.on(Base.metadata)

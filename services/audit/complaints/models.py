"""投诉举报 tables: the complaint, and every step of its handling (each also an audit-log act and an event)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.audit.models import Base
from shared.db import UtcDateTime
from shared.outbox import SeqType


class Complaint(Base):
    """A complaint about an officer's or a bureau's enforcement conduct (工作要点（二十一）（二十二）).

    ``code_hash``: SHA-256 of the tracking code (查询码) given once to the complainant — the code itself is never
    stored. ``idempotency_key`` (unique): one complaint per form submission whatever the retries. The complainant's
    identity (``complainant_*``) is shown only to the handling office, never to the complained-about bureau."""

    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("code_hash", name="uq_complaints_code_hash"),
        UniqueConstraint("idempotency_key", name="uq_complaints_idempotency_key"),
        Index("ix_complaints_status_due", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))  # public | enterprise
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    category: Mapped[str] = mapped_column(String(30), index=True)
    officer_name: Mapped[str | None] = mapped_column(String(100))
    case_number: Mapped[str | None] = mapped_column(String(60))  # as the complainant gives it
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)  # the case the handling office linked
    occurred_on: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    complainant_name: Mapped[str | None] = mapped_column(String(100))
    complainant_contact: Mapped[str | None] = mapped_column(String(100))
    complainant_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the running period's end (accept, then conclude)
    handler: Mapped[str | None] = mapped_column(String(100))
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_approver: Mapped[str | None] = mapped_column(String(100))
    extension_reason: Mapped[str | None] = mapped_column(Text)
    finding: Mapped[str | None] = mapped_column(String(20), index=True)
    findings: Mapped[str | None] = mapped_column(Text)
    concluded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # refused or answered
    flag_id: Mapped[str | None] = mapped_column(String(36))


class ComplaintStep(Base):
    """办理记录 — one step of a complaint's handling: who, when, from which state to which, and the reason."""

    __tablename__ = "complaint_steps"

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)

"""Tables of 处罚决定公开 (the bureau's website publication of penalty decisions, 《行政处罚法》第四十八条),
kept apart from the case workflow's own tables: a decision is published only when the bureau marks it,
and the published text is a redacted snapshot taken then (``publication.rules.public_content``).

``publication_credit_state`` is what the credit service's events said about the case's credit record
(created, repaired, publicity expired): read locally, so publishing or withdrawing never waits for
another service."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.cases.models import Base


class DecisionPublication(Base):
    """One penalty decision marked for publication. Never deleted: a withdrawn one keeps its reason."""

    __tablename__ = "decision_publications"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)  # one publication per decision
    number: Mapped[str] = mapped_column(String(60))
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # published | withdrawn
    decided_on: Mapped[date] = mapped_column(Date, index=True)
    publish_until: Mapped[date] = mapped_column(Date)  # website retention (a local setting)
    reason: Mapped[str] = mapped_column(Text)  # why the bureau publishes it (具有一定社会影响: its criterion)
    content: Mapped[dict] = mapped_column(JSON)  # the redacted public text
    redactions: Mapped[list] = mapped_column(JSON)  # [{rule, count}] what was removed and why (not the text)
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    # legal_change | credit_repaired | publicity_expired | retention_ended
    withdrawal_kind: Mapped[str | None] = mapped_column(String(30))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    withdrawal_rule: Mapped[str | None] = mapped_column(Text)


class PublicationCreditState(Base):
    """The case's credit record as the credit service's events describe it."""

    __tablename__ = "publication_credit_state"
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36))
    published: Mapped[bool] = mapped_column(Boolean)  # shown on the credit platforms at all
    status: Mapped[str] = mapped_column(String(20))  # published | not_published | repaired | expired
    publicity_max_until: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

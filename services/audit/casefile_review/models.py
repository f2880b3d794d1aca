"""案卷评查 tables: the standard's versions, campaigns, the drawn files and their item judgements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.audit.models import Base
from shared.db import UtcDateTime


class ReviewStandard(Base):
    """评查标准 — one version of the standard (content as imported/seeded); a version never changes, so a score
    given under it keeps its meaning. ``sha256``: the content's digest (an unchanged import makes no version)."""

    __tablename__ = "casefile_review_standards"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReviewCampaign(Base):
    """评查活动 — a period's review: its draw parameters and seed, the standard version it scores against."""

    __tablename__ = "casefile_review_campaigns"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    seed: Mapped[str] = mapped_column(String(64))
    ratio: Mapped[float] = mapped_column(Float)
    minimum: Mapped[int] = mapped_column(Integer)
    all_exemptions: Mapped[bool] = mapped_column(Boolean)
    bureaus: Mapped[list] = mapped_column(JSON)  # the bureaus drawn from ([] = every bureau with decided cases)
    standard_version: Mapped[int] = mapped_column(ForeignKey("casefile_review_standards.version"))
    pass_mark: Mapped[float] = mapped_column(Float)  # percent of the standard's points, fixed at creation
    population: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReviewFile(Base):
    """A drawn case file: who reviews it, and once scored its total and verdict (合格/不合格)."""

    __tablename__ = "casefile_review_files"
    __table_args__ = (UniqueConstraint("campaign_id", "case_id", name="uq_casefile_review_files_case"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("casefile_review_campaigns.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    number: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(String(18))
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    decision_type: Mapped[str] = mapped_column(String(20))
    decision_date: Mapped[date] = mapped_column(Date)
    drawn_by: Mapped[str] = mapped_column(String(20))  # random | all_exemptions
    reviewer: Mapped[str | None] = mapped_column(String(100), index=True)
    reviewer_bureau: Mapped[str | None] = mapped_column(String(40))
    assigned_by: Mapped[str | None] = mapped_column(String(100))
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20))  # drawn | assigned | scored
    total: Mapped[float | None] = mapped_column(Float)
    max_total: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    vetoed: Mapped[list] = mapped_column(JSON, default=list)  # the veto items not met
    scored_by: Mapped[str | None] = mapped_column(String(100))
    scored_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    flag_id: Mapped[str | None] = mapped_column(String(36))


class ReviewItemScore(Base):
    """One item's judgement on a file: what the system pre-filled (and from which record), what the reviewer
    decided, and the reason when they overrode the pre-fill or did not award the item."""

    __tablename__ = "casefile_review_items"

    file_id: Mapped[str] = mapped_column(ForeignKey("casefile_review_files.id", ondelete="CASCADE"), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    section: Mapped[str] = mapped_column(String(40))
    prefill_met: Mapped[bool | None] = mapped_column(Boolean)
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # [{record, value}]
    met: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    veto: Mapped[bool] = mapped_column(Boolean)
    overridden: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)

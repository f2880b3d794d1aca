"""Cases service tables: enterprises, cases, their timeline and evidence, per-bureau case counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.outbox import OutboxTables, SeqType


class Base(DeclarativeBase):
    pass


class Enterprise(Base):
    """企业 — identified by its 统一社会信用代码 (USCC)."""

    __tablename__ = "enterprises"
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    industry: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseCounter(Base):
    """Case numbers run per bureau and year."""

    __tablename__ = "case_counters"
    bureau: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Case(Base):
    """行政处罚案件 — one enforcement case from 立案 on."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("number", name="uq_cases_number"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), index=True)
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    handlers: Mapped[list] = mapped_column(JSON)
    violations: Mapped[list] = mapped_column(JSON)
    facts: Mapped[dict] = mapped_column(JSON)
    steps: Mapped[list] = mapped_column(JSON)
    rectification: Mapped[dict | None] = mapped_column(JSON)
    decision: Mapped[dict | None] = mapped_column(JSON)
    decision_type: Mapped[str | None] = mapped_column(String(20), index=True)
    fine_amount: Mapped[float | None] = mapped_column(Float)
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class TimelineEntry(Base):
    """Every action on a case, with actor and time (案件流转记录)."""

    __tablename__ = "case_timeline"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict] = mapped_column(JSON)


class Evidence(Base):
    """调查取证 — one piece of evidence."""

    __tablename__ = "case_evidence"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    collected_by: Mapped[str] = mapped_column(String(100))
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


tables = OutboxTables.on(Base.metadata)

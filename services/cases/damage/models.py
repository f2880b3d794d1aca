"""The damage-compensation matter's table (on the cases service's ``Base``; migration 0014)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.cases.models import Base
from shared.db import UtcDateTime


class DamageMatter(Base):
    """生态环境损害赔偿事项 — one per case (``case_id`` unique: opening is idempotent and race-free), its status,
    what each step recorded (``steps``: who, when, note, document, amounts) and the sums the audit reads."""

    __tablename__ = "damage_matters"
    __table_args__ = (UniqueConstraint("case_id", name="uq_damage_matters_case_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    number: Mapped[str] = mapped_column(String(60))  # the case's number
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20))
    trigger: Mapped[str] = mapped_column(String(20))  # facts (ecological_damage on the case) | officer
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ground: Mapped[str | None] = mapped_column(String(40))  # 不启动 ground code
    simplified: Mapped[bool | None] = mapped_column(Boolean)
    assessed_amount: Mapped[float | None] = mapped_column(Float)
    agreed_amount: Mapped[float | None] = mapped_column(Float)
    restoration_terms: Mapped[str | None] = mapped_column(Text)
    paid_total: Mapped[float] = mapped_column(Float, default=0.0)
    evaluation_passed: Mapped[bool | None] = mapped_column(Boolean)
    steps: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    row_version: Mapped[int] = mapped_column(Integer, default=1)

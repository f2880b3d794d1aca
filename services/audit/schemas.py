"""Audit API shapes (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

FlagStatus = Literal["open", "in_review", "cleared", "issue_found"]
ReviewOutcome = Literal["cleared", "issue_found"]


class RuleHitRead(BaseModel):
    code: str
    severity: str
    detail: str


class FlagRead(BaseModel):
    id: str
    case_id: str
    number: str
    uscc: str
    bureau: str
    decision_type: str
    fine_amount: float | None
    rules: list[RuleHitRead]
    handlers: list[str]
    decided_by: str
    decided_at: datetime
    status: FlagStatus
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_notes: str | None


class FlagList(BaseModel):
    items: list[FlagRead]
    total: int
    page: int
    size: int


class FlagReview(BaseModel):
    outcome: ReviewOutcome
    notes: str = Field(min_length=1, max_length=4000, description="the auditor's findings (审核意见)")

"""Audit API shapes (pydantic)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from shared import fields

FlagStatus = Literal["open", "in_review", "cleared", "issue_found", "referred"]
# 无问题 / 发现问题并责令纠正 / 移送纪检监察 (issue 26)
ReviewOutcome = Literal["cleared", "issue_found", "referred"]
MAX_BULK = 100  # flags one bulk assignment may name


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleHitRead(BaseModel):
    code: str
    severity: str
    detail: str


class AttachmentRead(BaseModel):
    id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


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
    decided_at: datetime | None
    status: FlagStatus
    created_at: datetime
    assignee: str | None = None
    assigned_at: datetime | None = None
    due_at: datetime | None = Field(None, description="审核时限 (SLA due date; the SLA length is a local setting)")
    ageing_days: int = Field(0, description="days open (to the review, once reviewed)")
    sla_breached: bool = False
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_notes: str | None
    outcome: ReviewOutcome | None = Field(None, description=(
        "the latest review's outcome; a reopened flag keeps it (and the annual report counts it) until a later "
        "review records another"))
    review_started_at: datetime | None = None
    attachments: list[AttachmentRead] = Field(default_factory=list, description="on single-flag answers only")


class FlagCounts(BaseModel):
    """The list's filter without its ``status``: flags per status, and how many are overdue."""

    open: int = 0
    in_review: int = 0
    cleared: int = 0
    issue_found: int = 0
    referred: int = 0
    overdue: int = Field(0, description="pending (open or in_review) and past the due date")


class FlagList(BaseModel):
    items: list[FlagRead]
    total: int
    page: int
    size: int
    next: str | None = Field(default=None, description="cursor of the next page (pass as `cursor`); null on the last")
    counts: FlagCounts | None = None


def _required_reason(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("a reason is required (not only spaces)")
    return value


Reason = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_required_reason)]


class FlagReview(Strict):
    outcome: ReviewOutcome
    notes: Reason = Field(description="the reason for the outcome (审核意见), required")


class FlagReopen(Strict):
    reason: Reason = Field(description="why the flag is reviewed again (required)")


class FlagAssign(Strict):
    assignee: str = Field(min_length=1, max_length=100, description="the auditor (sub) who reviews the flag")


class FlagBulkAssign(Strict):
    flag_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(
        min_length=1, max_length=MAX_BULK, description=f"at most {MAX_BULK} flags")
    assignee: str = Field(min_length=1, max_length=100, description="the auditor (sub) who reviews them")

    @field_validator("flag_ids")
    @classmethod
    def _once(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))  # a flag named twice is assigned once


class BulkAssigned(BaseModel):
    items: list[FlagRead]


class FlagHistoryRead(BaseModel):
    at: datetime
    actor: str
    action: str
    status_from: str | None
    status_to: str
    detail: str


class InterferenceCreate(Strict):
    """领导干部干预插手案件记录 (工作要点（二十二）)."""

    case_id: str = Field(min_length=1, max_length=36, description="a case the audit knows from the cases service")
    # The record takes the case's number, enterprise and bureau; named here, they must be the case's.
    number: str | None = Field(None, min_length=1, max_length=60, description="案号 (optional; if given, the case's)")
    uscc: str | None = Field(None, max_length=18, description="the case's enterprise (optional; if given, the case's)")
    bureau: str | None = Field(None, min_length=1, max_length=40, description="the case's bureau (optional; if given, the case's)")
    person: str = Field(min_length=1, max_length=100, description="干预人")
    position: str = Field(min_length=1, max_length=100, description="职务")
    manner: str = Field(min_length=1, max_length=4000, description="干预、插手的方式与内容")
    occurred_on: fields.Day


class InterferenceRead(BaseModel):
    id: str
    case_id: str
    number: str
    bureau: str
    person: str
    position: str
    manner: str
    occurred_on: date
    recorded_by: str
    recorded_at: datetime
    flag_id: str


class Reconciliation(BaseModel):
    checked: int
    missing: list[str]
    period_from: date = Field(serialization_alias="from")
    period_to: date = Field(serialization_alias="to")

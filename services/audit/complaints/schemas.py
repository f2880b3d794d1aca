"""投诉举报 API shapes. Every string is bounded; the complainant's identity is a separate object that only the
handling office (and the complainant's own enterprise) reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.audit.complaints.workflow import Category, Finding, Status
from shared import fields
from shared.bureaus import BUREAU_NAMES

Summary = Annotated[str, Field(min_length=10, max_length=2000)]
Reason = Annotated[str, Field(min_length=2, max_length=2000)]
Name = Annotated[str, Field(max_length=100)]
IdempotencyKey = Annotated[str, Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComplaintCreate(Strict):
    """投诉举报: the bureau complained about (its code; the pages show its name), the category, what happened;
    optionally the officer's name, the case number and the day it happened. ``anonymous``: no name or contact is
    kept (any given is dropped). ``idempotency_key``: the form's one-time value — the same key files once."""

    bureau: fields.Code
    category: Category
    summary: Summary
    officer_name: Name | None = None
    case_number: Annotated[str, Field(max_length=60)] | None = None
    occurred_on: fields.Day | None = None
    anonymous: bool = True
    complainant_name: Name | None = None
    complainant_contact: Name | None = None
    idempotency_key: IdempotencyKey

    @field_validator("bureau")
    @classmethod
    def _known_bureau(cls, v: str) -> str:
        if v not in BUREAU_NAMES:
            raise ValueError("被投诉机关须是本市生态环境部门之一")
        return v

    @field_validator("summary")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if len(v.strip()) < 10:
            raise ValueError("投诉内容至少10个字")
        return v.strip()


class ComplaintFiled(BaseModel):
    """The answer to a filing. ``code`` (查询码) is shown this once and never again (only its hash is kept);
    a repeated submission of the same form answers ``code: null`` and ``repeated: true``."""

    id: str
    reference: str
    code: str | None
    repeated: bool
    status: str
    received_at: datetime
    due_at: datetime | None


class FollowQuery(Strict):
    code: Annotated[str, Field(min_length=8, max_length=64)]


class ComplaintAccept(Strict):
    reason: Annotated[str, Field(max_length=2000)] | None = None


class ComplaintRefuse(Strict):
    reason: Reason


class ComplaintExtend(Strict):
    approver: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Reason


class ComplaintConclude(Strict):
    finding: Finding
    findings: Reason
    case_id: Annotated[str, Field(max_length=36)] | None = None


class ComplaintAnswer(Strict):
    answer: Reason


class ComplainantRead(BaseModel):
    channel: Literal["public", "enterprise"]
    anonymous: bool
    name: str | None
    contact: str | None
    uscc: str | None


class StepRead(BaseModel):
    at: datetime
    actor: str
    action: str
    status_from: str | None
    status_to: str
    detail: str


class ComplaintRead(BaseModel):
    """A complaint as a reader may see it. ``complainant`` is null for the complained-about bureau's people."""

    id: str
    reference: str
    bureau: str
    category: Category
    summary: str
    officer_name: str | None
    case_number: str | None
    case_id: str | None
    occurred_on: fields.Day | None
    status: Status
    received_at: datetime
    due_at: datetime | None
    overdue: bool
    handler: str | None
    accepted_at: datetime | None
    refusal_reason: str | None
    extended: bool
    extension_approver: str | None
    extension_reason: str | None
    finding: Finding | None
    findings: str | None
    concluded_at: datetime | None
    answer: str | None
    answered_at: datetime | None
    flag_id: str | None
    allowed_actions: list[str]
    complainant: ComplainantRead | None = None
    steps: list[StepRead] = []
    # True for the complained-about bureau's people: the material is withheld (《信访工作条例》第三十条第三款).
    withheld: bool = False


class ComplaintList(BaseModel):
    items: list[ComplaintRead]
    total: int
    overdue: int


class PublicComplaint(BaseModel):
    """What the tracking code shows (no account): the complaint's progress and the answer."""

    reference: str
    bureau: str
    category: Category
    status: Status
    received_at: datetime
    due_at: datetime | None
    overdue: bool
    refusal_reason: str | None
    # 《信访工作条例》第三十四条: an extension is told to the complainant with its reason (not who approved it).
    extended: bool = False
    extension_reason: str | None = None
    finding: Finding | None
    answer: str | None
    answered_at: datetime | None
    # With the answer: the right to ask the superior for a review within 30 days (《信访工作条例》第三十五条).
    review_right: str | None = None


class ComplaintStats(BaseModel):
    received: int
    accepted: int
    refused: int
    overdue: int
    substantiated: int
    by_bureau: dict[str, dict[str, int]]
    by_category: dict[str, dict[str, int]]

"""Repair application API shapes (pydantic)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Kind = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceItem(Strict):
    kind: Kind = Field(
        description="identity（身份证明/授权委托书）、fine_receipt（缴纳罚款的收据）或其他佐证材料"
    )
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    reference: Annotated[str, StringConstraints(max_length=500)] | None = None


class RepairApplicationCreate(Strict):
    record_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    commitment: Text = Field(description="信用承诺书全文：所提交材料真实有效，愿意承担违反承诺的相应责任")
    evidence: list[EvidenceItem] = Field(default_factory=list, max_length=50)
    reapplication_note: Text | None = Field(
        None, description="被驳回后重新申请时必填：针对驳回理由补正了什么（本地设置）"
    )


class RepairAction(Strict):
    reason: Text | None = None


class RequiredDocumentRead(BaseModel):
    kind: str
    text: str
    cite: str
    verified: bool


class TimelineItem(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any] = Field(default_factory=dict)


class RepairApplicationRead(BaseModel):
    id: str
    record_id: str
    case_id: str
    uscc: str
    bureau: str
    status: Literal["submitted", "accepted", "approved", "rejected"]
    attempt: int
    previous_application_id: str | None
    reapplication_note: str | None
    commitment: str
    evidence: list[EvidenceItem]
    required_documents: list[RequiredDocumentRead]
    rule_set: str
    checks: list[dict[str, Any]]
    applicant: str
    submitted_at: datetime
    accept_due: date
    accepted_at: datetime | None
    accepted_by: str | None
    decide_due: date | None
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    late: list[str] = Field(description="deadlines missed when the step was done: accept, decide")
    overdue: list[str] = Field(
        description="deadlines passed with the step still to do (today, Asia/Shanghai)"
    )
    is_overdue: bool
    time_limits: dict[str, Any] = Field(description="the local settings the due dates come from, labelled")
    allowed_actions: list[str]
    reapplication: dict[str, Any] | None = None
    timeline: list[TimelineItem]


class RepairApplicationList(BaseModel):
    items: list[RepairApplicationRead]
    total: int

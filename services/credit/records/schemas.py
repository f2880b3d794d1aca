"""Credit API shapes (pydantic): what clients read. Never the ORM object out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.rules import Rule


class SourceRead(BaseModel):
    cite: str
    url: str
    verified: bool
    note: str | None = None

    @classmethod
    def of(cls, rule: Rule) -> SourceRead:
        return cls(cite=rule.cite(), url=rule.url, verified=rule.verified, note=rule.note or None)


class CreditRecordRead(BaseModel):
    id: str
    case_id: str
    case_number: str
    uscc: str
    bureau: str
    decision_type: str
    fine_amount: float | None
    decision_date: date
    severity: Literal["minor", "general", "serious"]
    published: bool
    criterion: str
    criterion_code: str
    sources: list[SourceRead]
    rule_set: str
    publicity_from: date
    publicity_min_until: date | None
    publicity_max_until: date | None
    repair_available_from: date | None = Field(
        description="first day a repair application can be made (after publicity_min_until); null for "
        "unpublished records — repair once the legal obligations are fulfilled"
    )
    status: Literal["published", "not_published", "repaired", "expired", "withdrawn"] = Field(description=(
        "withdrawn: the decision was revoked or confirmed illegal (第四十八条第二款) — no longer public"))
    created_at: datetime
    procedure: str | None = Field(
        None, description="general | summary as the decision stated; null = not stated"
    )
    penalty_kinds: list[str] = Field(default_factory=list)
    violations: list[str] = Field(default_factory=list)
    ended_on: date | None = Field(None, description="publicity ended (expiry or approved repair) on this day")
    ended_by: str | None = Field(
        None, description="publicity_expiry, or the approved repair application's id"
    )


class RuleSetRead(BaseModel):
    code: str
    title: str
    order: str
    effective_from: date
    effective_to: date | None
    source: SourceRead


class RepairConditionRead(BaseModel):
    key: str
    text: str
    applies: bool = True
    source: SourceRead


class CreditRecordNotice(BaseModel):
    """环保信用失信记录告知书 — what is recorded, its grade and publicity period."""

    title: str = "环保信用失信记录告知书"
    text: str
    recorded: str
    severity: Literal["minor", "general", "serious"]
    severity_label: str
    published: bool
    publicity_from: date
    publicity_min_until: date | None
    publicity_max_until: date | None
    criterion: str
    sources: list[SourceRead]
    rule_set: RuleSetRead


class CreditRepairGuidance(BaseModel):
    """信用修复指引 — when and how to apply for credit repair."""

    title: str = "信用修复指引"
    text: str
    repair_available_from: date | None
    rule_set: RuleSetRead
    conditions: list[RepairConditionRead]
    where: SourceRead
    materials: list[SourceRead]
    documents: list[dict[str, object]] = Field(
        default_factory=list,
        description="what to submit with an application here: kind, text, cite, verified",
    )
    apply_here: str = Field("POST /credit/v1/repair-applications", description="where to apply in EcoComply")


class NoticeRead(BaseModel):
    case_id: str
    case_number: str
    record_id: str
    uscc: str
    bureau: str
    generated_on: date
    served_with: list[str]
    served_with_basis: SourceRead
    credit_record_notice: CreditRecordNotice
    credit_repair_guidance: CreditRepairGuidance

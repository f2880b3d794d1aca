"""Request and response models of the cases API (API.md "cases"). Never the ORM object out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
FactValue = bool | int | float | str | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnterpriseCreate(Strict):
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=40)]
    name: Text200
    bureau: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    industry: Text200
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None


class EnterpriseRead(BaseModel):
    uscc: str
    name: str
    bureau: str
    industry: str
    address: str | None
    created_at: datetime


class ViolationRef(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class CaseCreate(Strict):
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=40)]
    bureau: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    source: Text200
    summary: LongText
    violations: list[ViolationRef] = Field(min_length=1, max_length=20)
    handlers: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]]
    facts: dict[str, FactValue] = Field(default_factory=dict)


class DueDate(BaseModel):
    date: date
    provisional: bool
    basis: str


class TimelineRead(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class CaseRead(BaseModel):
    id: str
    number: str
    uscc: str
    bureau: str
    state: str
    source: str
    summary: str
    handlers: list[str]
    violations: list[dict[str, Any]]
    facts: dict[str, Any]
    steps: list[str]
    decision: dict[str, Any] | None
    due: dict[str, DueDate]
    overdue: bool
    allowed_actions: list[str]
    filed_at: datetime
    timeline: list[TimelineRead] = Field(default_factory=list)


class CaseSummary(BaseModel):
    id: str
    number: str
    uscc: str
    bureau: str
    state: str
    decision_type: str | None
    filed_at: datetime
    decided_at: datetime | None
    overdue: bool


class CaseList(BaseModel):
    items: list[CaseSummary]
    total: int


class EvidenceCreate(Strict):
    kind: Text200
    description: LongText
    collected_by: Text200


class InvestigationComplete(Strict):
    facts: dict[str, FactValue] = Field(default_factory=dict)


class LegalReview(Strict):
    opinion: Literal["approve", "return"]
    notes: Annotated[str, StringConstraints(max_length=20000)] = ""


class OpinionCreate(Strict):
    from_: Text200 = Field(alias="from")
    content: LongText

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Votes(Strict):
    for_: int = Field(alias="for", ge=0)
    against: int = Field(ge=0)
    abstain: int = Field(ge=0)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CollectiveDiscussion(Strict):
    participants: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]] = Field(
        min_length=1
    )
    conclusion: LongText
    votes: Votes
    minutes: LongText

    @field_validator("participants")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("participants must be distinct")
        return v


class Measure(Strict):
    kind: Literal["correct_violation", "eliminate_consequences", "prevention_system", "damage_compensation"]
    description: LongText
    due: date


class RectificationPlan(Strict):
    measures: list[Measure] = Field(min_length=1, max_length=50)


class RectificationAssessment(Strict):
    passed: bool
    notes: Annotated[str, StringConstraints(max_length=20000)] = ""


class DecisionBasis(Strict):
    no_penalty_item: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    law_article: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None


class DecisionCreate(Strict):
    type: Literal["penalty", "no_penalty", "lighter", "mitigated", "heavier"]
    basis: DecisionBasis = Field(default_factory=DecisionBasis)
    fine_amount: float | None = Field(default=None, ge=0, le=1e10)
    reason: Annotated[str, StringConstraints(max_length=20000)] | None = None

"""Pydantic I/O of 错案责任倒查 and 容错纠错 (every request string bounded)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.audit.accountability import law
from services.audit.flags.schemas import Reason, Strict

OutcomeCode = Literal[tuple(o.code for o in law.OUTCOMES)]  # type: ignore[valid-type]
ConditionCode = Literal[tuple(c.code for c in law.EXCUSE_CONDITIONS)]  # type: ignore[valid-type]
Person = Annotated[str, Field(min_length=1, max_length=100, description="the person's login id (sub)")]


class TraceOpen(Strict):
    flag_id: str = Field(min_length=1, max_length=36, description="the flag traced (发现问题 or 移送纪检监察)")


class ResponsibilityCreate(Strict):
    """责任认定: ``none`` 无责任, or ``responsible`` 有责任 with the outcome handed down (``other`` with its text)."""

    person: Person
    finding: Literal["none", "responsible"]
    kind: str | None = Field(None, min_length=1, max_length=200, description="the kind of responsibility, in words")
    outcome: OutcomeCode | None = Field(None, description="the outcome handed down (GET /accountability/catalog)")
    outcome_text: str | None = Field(None, min_length=1, max_length=200, description="the outcome, when `other`")
    reason: Reason = Field(description="why (required)")


class ConditionAnswer(Strict):
    affirmed: bool
    evidence: str = Field("", max_length=2000, description="the evidence the condition is met (required if affirmed)")


class ExcuseCreate(Strict):
    """容错纠错: every condition of 试点方案 五（三） answered with its evidence."""

    person: Person
    relief: Literal["exempted", "lightened"]
    conditions: dict[ConditionCode, ConditionAnswer] = Field(description="each condition's answer, by code")
    reason: Reason = Field(description="the grounds of the decision (required)")
    organ_decision: str | None = Field(None, max_length=300, description=(
        "the competent organ's finding (organ, document number or conclusion) — required when the flag was referred "
        "to 纪检监察 or the person's outcome is a 处分/政务处分 or a referral (law.ORGAN_RULE)"))


class TracePersonRead(BaseModel):
    person: str
    roles: list[str]
    standing: str  # pending | not_responsible | responsible | lightened | excused


class FindingRead(BaseModel):
    id: int
    trace_id: str
    person: str
    finding: str
    kind: str | None
    outcome: str | None
    outcome_text: str | None
    reason: str
    recorded_by: str
    recorded_at: datetime


class ExcuseRead(BaseModel):
    id: int
    trace_id: str
    person: str
    finding_id: int
    relief: str
    conditions: dict[str, dict]
    reason: str
    organ_decision: str | None = None
    decided_by: str
    decided_at: datetime


class TraceRead(BaseModel):
    id: str
    flag_id: str
    case_id: str
    number: str
    uscc: str
    bureau: str
    ground: str
    opened_by: str
    opened_at: datetime
    people: list[TracePersonRead]
    findings: list[FindingRead]
    excuses: list[ExcuseRead]


class InterferenceOfPerson(BaseModel):
    id: str
    case_id: str
    number: str
    bureau: str
    person: str
    position: str
    manner: str
    occurred_on: date
    recorded_at: datetime


class PersonTrace(BaseModel):
    trace_id: str
    flag_id: str
    case_id: str
    number: str
    bureau: str
    roles: list[str]
    standing: str
    opened_at: datetime


class PersonView(BaseModel):
    """One person's accountability: traces, findings, excuses, interference records naming them, refused attempts."""

    person: str
    counts: dict[str, int]
    traces: list[PersonTrace]
    findings: list[FindingRead]
    excuses: list[ExcuseRead]
    interference: list[InterferenceOfPerson]
    refused_attempts: dict[str, int]


class PersonSummary(BaseModel):
    person: str
    counts: dict[str, int]

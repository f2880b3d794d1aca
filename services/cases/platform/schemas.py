"""API models of the provincial platform's inbound side: the risk warning it sends, what we answer, the
officer's inspection."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.cases.case.schemas import AdviceLetterRead, LongText, Requirement, Text200
from shared import fields

Indicator = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RiskWarningIn(BaseModel):
    """What the platform sends. ``level`` follows the checklist's risk levels."""

    model_config = ConfigDict(extra="forbid")
    warning_id: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")]
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=18, max_length=18)]
    level: Literal["high", "medium", "low"]
    indicators: list[Indicator] = Field(min_length=1, max_length=50)
    source: Text200
    issued_at: fields.AwareInstant


class Suggestion(BaseModel):
    code: str
    title: str
    domain: str | None = None
    risk_level: str | None = None
    indicator: str  # the indicator it was found for
    advice: list[str] = Field(default_factory=list)


class RiskWarningRead(BaseModel):
    warning_id: str
    uscc: str
    bureau: str
    level: str
    indicators: list[str]
    source: str
    issued_at: datetime
    received_at: datetime
    suggestions: list[Suggestion]
    suggestions_note: str | None = None
    advice_letter_id: str | None = None
    inspected_by: str | None = None
    inspected_at: datetime | None = None
    opens_case: bool = False  # never: 试点方案 三（三）non-coercive path


class InspectionCreate(BaseModel):
    """The officer's inspection findings; the compliance advice letter is issued from them."""

    model_config = ConfigDict(extra="forbid")
    findings: list[LongText] = Field(min_length=1, max_length=50)
    requirements: list[Requirement | LongText] = Field(min_length=1, max_length=50)
    due: fields.Day
    basis: list[Text200] = Field(default_factory=list)


class InspectionRead(BaseModel):
    warning: RiskWarningRead
    advice_letter: AdviceLetterRead

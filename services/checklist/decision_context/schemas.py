"""API models of ``POST /decision-context``: what a decision asks the checklist in one request, and the answer —
the evaluations and calculations themselves are the existing models (``Evaluation``, ``Calculation``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.checklist.discretion.schemas import Calculation
from services.checklist.no_penalty.schemas import FACTS_DESCRIPTION, Evaluation
from shared import fields

ViolationCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CalculationAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: dict[str, Any] = Field(
        default_factory=dict, description="the calculator's facts (as `POST /discretion/calculate`: true/false, levels, "
        "options, base amounts — the decision adds its rectification key); only true/false and numbers are read")
    mitigation: Literal["lighter", "mitigated"] | None = Field(default=None, description="as `POST /discretion/calculate`")
    act_dates: list[fields.Day | None] = Field(
        default_factory=list, max_length=100,
        description="each violation's act date, in the order of `violation_codes` (null or missing: none recorded): "
        "its range is calculated at that date too (《行政处罚法》第三十七条), unless it is the decision date")


class DecisionContextRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: dict[str, Any] = Field(default_factory=dict, description=FACTS_DESCRIPTION + " (the evaluations read the "
                                  "true/false ones)")
    violation_codes: list[ViolationCode] = Field(min_length=1, max_length=100,
                                                 description="the case's violations (guidance item codes)")
    bureau: str | None = Field(default=None, max_length=20, description="whose rule set (default: the caller's bureau)")
    on: fields.Day = Field(description="the decision date")
    act_on: fields.Day | None = Field(default=None, description="the (earliest) act date, for 《行政处罚法》第三十七条")
    no_penalty_item: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="evaluate this item as `POST /no-penalty-items/{code}/evaluate` with the violations "
        "and `on`; when it is not in force on `on` and `act_on` is earlier, also on `act_on`")
    calculation: CalculationAsk | None = Field(
        default=None, description="calculate every violation's range as `POST /discretion/calculate` (bureau, `on`)")
    must: bool = Field(default=False, description="evaluate every list item as `POST /no-penalty-items/evaluate-all` "
                       "on `on` and on `act_on`: the `must` codes of each day")

    @model_validator(mode="after")
    def _dates_per_violation(self) -> DecisionContextRequest:
        if self.calculation is not None and len(self.calculation.act_dates) > len(self.violation_codes):
            raise ValueError("calculation.act_dates has more dates than violation_codes has violations")
        return self


class NoPenaltyAnswer(BaseModel):
    at_decision: Evaluation | None = Field(description="the evaluation on `on` (null: no such no-penalty item)")
    at_act: Evaluation | None = Field(
        default=None, description="the evaluation on `act_on`, asked only when the item is not in force on `on`")


class CalculationOutcome(BaseModel):
    calculation: Calculation | None = Field(description="as `POST /discretion/calculate` answers (null: none)")
    status: int | None = Field(default=None, description="when none: the status the calculator answered (404/409/422)")
    detail: str | None = Field(default=None, description="when none: the problem's detail")


class ViolationCalculations(BaseModel):
    code: str
    at_decision: CalculationOutcome
    at_act: CalculationOutcome | None = Field(
        default=None, description="at the act date given (null: none given, or the decision date itself)")


class MustOn(BaseModel):
    on: date
    must: list[str] = Field(description="as `POST /no-penalty-items/evaluate-all` answers `must` that day")


class DecisionContext(BaseModel):
    no_penalty: NoPenaltyAnswer | None = Field(default=None, description="when `no_penalty_item` was asked")
    calculations: list[ViolationCalculations] = Field(
        default_factory=list, description="when `calculation` was asked: one per violation, in order")
    must: list[MustOn] = Field(default_factory=list, description="when `must` was asked: per day, in date order")

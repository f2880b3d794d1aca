"""API models of the discretion calculator (API.md ``POST /discretion/calculate``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import fields


class CalculateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    violation_code: str = Field(min_length=1, max_length=64, description="guidance item code, e.g. GI-WAT-001")
    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="fact key → value: true/false for circumstances, an integer level (1–5) for graded factors, "
        "an option for percentage factors, base_amount_cny for fines by multiple, statutory_aggravated_tier, "
        "occurrences; keys no rule uses are ignored; a missing fact is never assumed",
    )
    mitigation: Literal["lighter", "mitigated"] | None = Field(
        default=None,
        description="lighter (从轻) or mitigated (减轻, below the statutory minimum: needs a 第三十二条 circumstance)",
    )
    bureau: str | None = Field(default=None, max_length=20, description="default: the caller's bureau")
    rule_set: str | None = Field(default=None, max_length=100, description="default: the bureau's rule set")
    item_version: fields.Int32 | None = Field(default=None, ge=1, description="default: the latest published version (in "
                                     "force on `on` when it is given)")
    on: fields.Day | None = Field(default=None, description="the date the law is taken at (《行政处罚法》第三十七条: the act's "
                            "date, or the decision's): the guidance item version in force on it (effective_from/"
                            "effective_to; a version without dates is in force) and a rule set in force on it")


class FactorOut(BaseModel):
    key: str
    text: str
    value: Any = None
    effect: Literal["heavier", "lighter", "mitigated", "neutral"]
    detail: str
    article: str


class RuleSetRef(BaseModel):
    name: str
    version: str
    title: str
    method: str
    status: str
    source: str
    verified: bool
    chosen_by: str


class Calculation(BaseModel):
    fine_min: float
    fine_max: float
    recommended: float
    currency: Literal["CNY"] = "CNY"
    level: Literal["standard", "heavier", "lighter", "mitigated"]
    factors: list[FactorOut]
    basis: list[dict[str, str]]
    rule_version: str = Field(description="name@version of the rule set — record it on the decision")
    rule_set: RuleSetRef
    violation: dict[str, Any] = Field(description="{code, version, content_hash} of the guidance item used")
    statutory_min: float
    statutory_max: float
    settings: list[dict[str, Any]] = Field(description="local settings the result depends on (not law)")
    notes: list[str]


class BureauSetting(BaseModel):
    bureau: str
    rule_set: str
    chosen_by: str


class BureauSettingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_set: str = Field(min_length=1, max_length=100)


class Circumstance(BaseModel):
    """A circumstance the discretion rules know; ``effect`` is the primary effect, ``effects`` all the
    law allows (第三十二条: “从轻或者减轻” — lighter or mitigated)."""

    key: str
    kind: Literal["mitigating", "aggravating"]
    effect: Literal["lighter", "mitigated", "heavier"]
    effects: list[Literal["lighter", "mitigated", "heavier"]]
    text: str
    article: str
    modality: Literal["must", "may"] = "must"
    verified: bool
    value_type: Literal["bool", "level", "option"] = "bool"
    levels: list[int] | None = None
    options: list[str] | None = None
    rule_set: str | None = Field(default=None, description="name@version of the rule set it belongs to")
    setting: bool = Field(default=False, description="the circumstance's grading is a local setting, not law")

"""API models of the checklist service (API.md "checklist"); the ORM rows never leave the service."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RiskLevel = Literal["high", "medium", "low"]
NoPenaltyKind = Literal["list", "statutory"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LegalBasis(BaseModel):
    """One cited provision. ``role`` (guidance items): obligation | penalty | related."""

    model_config = ConfigDict(extra="allow")

    law: str
    article: str
    clause: str | None = None
    text_excerpt: str | None = None
    role: Literal["obligation", "penalty", "related"] | None = None
    source_path: str | None = None


class Liability(BaseModel):
    model_config = ConfigDict(extra="allow")

    fine: dict[str, Any] = Field(
        description="{min_cny, max_cny, kind, notes, multiple?, implied_min_cny?, aggravated?, …}; "
        "min_cny/max_cny are null where the article states no amount"
    )
    other_penalties: list[str] = Field(default_factory=list)


class GuidanceItem(_Out):
    """合规指导清单事项 — one version of a guidance item."""

    code: str
    version: int
    batch: str
    title: str
    domain: str
    common_violations: list[str]
    legal_basis: list[LegalBasis]
    liability: Liability
    risk_level: RiskLevel
    risk_rationale: str | None = None
    advice: list[str]
    status: Literal["draft", "published", "retired"]
    effective_from: date | None = None
    compiled: bool = Field(description="compiled by the team from statute texts, not an official list")
    verified: bool | None = Field(description="as the source states; null when it gives no flag")
    source: str


class GuidanceItemList(BaseModel):
    items: list[GuidanceItem]
    total: int


class Condition(BaseModel):
    key: str
    text: str


class NoPenaltyItem(_Out):
    """免罚清单事项 (``kind: list``) or a ground of 《行政处罚法》第三十三条 (``kind: statutory``)."""

    code: str
    version: int
    kind: NoPenaltyKind
    list_version: str
    label: str | None = None
    violation: str
    applies_to: list[str] = Field(description="guidance item codes; empty = any violation")
    legal_basis: list[LegalBasis]
    conditions: list[Condition] = Field(description="all must be established true by recorded facts")
    exceptions: list[Condition] = Field(
        default_factory=list, description="none may hold: each must be established false"
    )
    condition_logic: Literal["all"] = "all"
    modality: Literal["must", "may"]
    discretionary: bool = Field(description="“可以不予”: the bureau decides even when all conditions are met")
    status: Literal["draft", "published", "retired"]
    effective_from: date | None = None
    source: str
    verified: bool
    note: str | None = None


class NoPenaltyItemList(BaseModel):
    items: list[NoPenaltyItem]
    total: int


class EvaluateRequest(BaseModel):
    facts: dict[str, bool | None] = Field(
        default_factory=dict,
        description="condition key → true (established), false (established not to hold) or null (unknown); "
        "keys the item does not use are ignored",
    )


class Evaluation(BaseModel):
    code: str
    kind: NoPenaltyKind
    item_version: int
    list_version: str | None = None
    eligible: bool = Field(
        description="every condition true and no exception; never assumed from missing facts"
    )
    met: list[str]
    unmet: list[str] = Field(description="conditions established false, or exceptions established true")
    unknown: list[str] = Field(description="conditions or exceptions with no fact (missing or null)")
    discretionary: bool
    outcome: Literal["no_penalty", "no_penalty_discretionary", "not_eligible"]
    legal_basis: list[LegalBasis]
    note: str


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

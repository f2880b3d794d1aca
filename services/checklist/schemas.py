"""API models of the checklist service (API.md "checklist"); the ORM rows never leave the service."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

RiskLevel = Literal["high", "medium", "low"]


def _utc(v: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone columns: they were written in UTC."""
    return v.replace(tzinfo=UTC) if v is not None and v.tzinfo is None else v


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
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
    content_hash: str | None = Field(default=None, description="sha256 of this version's content (proof of the text used)")
    published_at: UtcDatetime | None = None
    provenance: str = ""

    @model_validator(mode="after")
    def _provenance(self) -> GuidanceItem:
        if not self.provenance:
            if self.compiled:
                self.provenance = "据法律法规条文编制（compiled），非江苏省生态环境厅官方《涉企行政合规指导清单》"
            else:
                self.provenance = f"导入的清单（{self.batch}）"
            if self.verified is None:
                self.provenance += "；来源未给出逐项核实标记（verified: null）"
            elif self.verified is False:
                self.provenance += "；未经原文核实（verified: false）"
        return self


class GuidanceItemList(BaseModel):
    items: list[GuidanceItem]
    total: int


class VersionInfo(BaseModel):
    code: str
    version: int
    status: Literal["draft", "published", "retired"]
    content_hash: str | None
    hash_matches: bool = Field(description="the stored content still hashes to content_hash (immutability proof)")
    created_at: UtcDatetime
    created_by: str | None = None
    published_at: UtcDatetime | None = None


class SearchHit(BaseModel):
    kind: Literal["guidance", "case"]
    ref: str
    version: int
    title: str
    rank: int = Field(description="2: the query is in the title; 1: elsewhere")


class SearchResult(BaseModel):
    items: list[SearchHit]
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
    violation_codes: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=100,
        description="the case's violations (guidance item codes): a list item applies only to those in its "
        "`applies_to` (empty = any violation); when given, an item that does not cover all of them is not eligible",
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
    applies_to: list[str] = Field(default_factory=list, description="guidance item codes the item covers (empty = any)")
    covers: bool | None = Field(
        default=None, description="every violation given in `violation_codes` is covered (null: none given)")
    not_covered: list[str] = Field(default_factory=list)
    article_33: dict[str, Any] | None = Field(
        default=None,
        description="for a list item: whether the facts establish a ground of 《行政处罚法》第三十三条第一款 "
        "(轻微、及时改正、没有造成危害后果; or 初次违法且危害后果轻微并及时改正) — required besides the item's own "
        "conditions: `{met, ground, grounds:[{code, met, unmet, unknown}]}`",
    )


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

"""Shapes of the checklist's public reads (``/checklist/v1/public/...``). Each is its own model listing
exactly what is published — never the internal model with fields removed — so a field added inside the
service stays private until someone adds it here on purpose."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.checklist.guidance.schemas import RiskLevel, UtcDatetime


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore")


class PublicLegalBasis(_Public):
    law: str
    article: str
    clause: str | None = None
    text_excerpt: str | None = Field(default=None, description="the article's text")
    role: Literal["obligation", "penalty", "related"] | None = Field(
        default=None, description="obligation: 义务条款; penalty: 罚则; related: 相关条款")


class PublicFine(_Public):
    min_cny: float | None = None
    max_cny: float | None = None
    kind: str | None = None
    notes: str | None = None


class PublicLiability(_Public):
    fine: PublicFine
    other_penalties: list[str] = Field(default_factory=list)


class PublicGuidanceItem(_Public):
    """合规指导清单事项 as published: the latest published version of the item."""

    code: str
    version: int
    batch: str
    title: str
    domain: str
    common_violations: list[str]
    legal_basis: list[PublicLegalBasis]
    liability: PublicLiability
    risk_level: RiskLevel
    risk_rationale: str | None = None
    advice: list[str]
    effective_from: date | None = None
    published_at: UtcDatetime | None = None
    compiled: bool
    verified: bool | None
    source: str
    provenance: str


class PublicGuidanceList(BaseModel):
    items: list[PublicGuidanceItem]
    total: int
    total_is_exact: bool = Field(
        True, description="false when a search's hits were counted only up to 1,000: there are more than `total`"
    )
    q: str | None = None


class PublicCondition(BaseModel):
    text: str = Field(description="the condition in plain Chinese")


class PublicAlternative(BaseModel):
    """A ground of 《行政处罚法》第三十三条 (of the paragraph the list item cites) its exemption needs besides the
    item's own conditions."""

    label: str
    article: str
    conditions: list[PublicCondition] = Field(description="every one must hold")
    exceptions: list[PublicCondition] = Field(default_factory=list, description="none of these may hold")
    outcome: str


class PublicNoPenaltyItem(_Public):
    """A 免罚清单 item (``kind: list``) or a ground of 《行政处罚法》第三十三条 (``kind: statutory``)."""

    code: str
    version: int
    kind: Literal["list", "statutory"]
    kind_label: str
    list_version: str
    label: str | None = None
    violation: str
    applies_to: list[str] = Field(description="guidance item codes; empty = any violation")
    legal_basis: list[PublicLegalBasis]
    conditions: list[PublicCondition] = Field(description="every one must hold")
    exceptions: list[PublicCondition] = Field(default_factory=list, description="none of these may hold")
    article_33: list[PublicAlternative] = Field(
        default_factory=list, description="list items: besides its conditions, ONE of these grounds of 《行政处罚法》"
        "第三十三条 must hold in full — those of the paragraph the item's legal basis cites (第二款: 没有主观过错), "
        "else of 第一款 (which the lists implement)")
    article_33_paragraphs: list[str] = Field(
        default_factory=list, description="list items: the paragraphs (款) of 第三十三条 whose grounds `article_33` "
        "lists (第一款, or 第二款 for an item citing it)")
    requirement: str | None = Field(
        default=None, description="list items: the same in one plain Chinese sentence, with the article")
    outcome: str = Field(description="不予行政处罚 (must) or 可以不予行政处罚 (the bureau decides)")
    discretionary: bool
    effective_from: date | None = Field(default=None, description="in force from this day (null: no date known)")
    effective_to: date | None = Field(
        default=None, description="its last day in force, inclusive (null: no end known); an expired item exempts nothing")
    source: str
    verified: bool
    note: str | None = None


class PublicNoPenaltyList(BaseModel):
    items: list[PublicNoPenaltyItem]
    total: int
    basis: str


class PublicFactor(BaseModel):
    key: str
    text: str
    kind: Literal["flag", "level", "option"]
    effect: str
    article: str
    levels: list[int] = Field(default_factory=list)
    labels: dict[int, str] = Field(default_factory=dict)
    options: list[dict[str, Any]] = Field(default_factory=list)
    note: str | None = None


class PublicRuleSet(BaseModel):
    """A discretion rule set (裁量基准) as published."""

    name: str
    version: str
    rule_version: str
    title: str
    method: str
    status: str
    status_note: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    source: str
    verified: bool
    caveat: str | None = None
    factors: list[PublicFactor]
    behaviours: list[dict[str, Any]] = Field(default_factory=list, description="levels: violation tables")
    settings: dict[str, Any] = Field(description="numbers the sources do not give: local settings, labelled")


class BureauBenchmark(BaseModel):
    bureau: str
    rule_set: str
    chosen_by: str


class PublicBenchmarks(BaseModel):
    basis: str
    default: BureauBenchmark
    default_note: str | None = None
    bureaus: list[BureauBenchmark]
    rule_sets: list[PublicRuleSet] = Field(description="every rule set a bureau applies now (and the default)")
    statutory_overlay: dict[str, Any]


class TypicalCaseItem(BaseModel):
    code: str
    title: str


class PublicTypicalCase(_Public):
    """典型案例 — anonymised, for 以案释法."""

    code: str
    bureau: str
    year: int
    title: str
    summary: str
    outcome: str
    lesson: str | None = None
    item_codes: list[str]
    items: list[TypicalCaseItem] = Field(default_factory=list, description="the linked items, with their titles")
    source_url: str | None = None
    source_publisher: str | None = None
    source_date: str | None = Field(default=None, description="YYYY-MM-DD, or YYYY-MM when only the month is known")
    source_note: str | None = None
    verified: bool | None = None
    source_line: str | None = Field(default=None, description="来源：发布机关，日期 — as the portal shows it")
    published_at: UtcDatetime


class PublicTypicalCaseList(BaseModel):
    items: list[PublicTypicalCase]
    total: int


class Industry(BaseModel):
    name: str
    domains: list[str] | None = Field(description="null: every domain")


class IndustryList(BaseModel):
    items: list[Industry]
    note: str


class AssessIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    industry: str = Field(min_length=1, max_length=100)
    answers: dict[str, Literal["yes", "no", "unknown"] | bool | None] = Field(default_factory=dict)


class AssessOut(BaseModel):
    industry: str
    questionnaire_version: str
    questions: int
    risks: list[dict[str, Any]]
    unanswered: list[str]
    score: float
    score_note: str
    stored: Literal[False] = Field(
        default=False, description="nothing is kept: an enterprise signed in submits POST /self-checks instead")

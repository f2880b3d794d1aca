"""API models of the no-penalty items: what an item and an evaluation answer with, and what an import file
submits for a no-penalty list item (免罚清单事项, ``kind: list``) — pure.

Conditions are fact keys with their texts (``{key, text}``): the evaluation treats each key as a fact
that must be established true (a missing fact is *unknown*, never assumed). ``verified`` is false
unless the file says otherwise; ``source`` is kept as written.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from services.checklist.guidance.schemas import CODE_RE, LegalBasis, LegalBasisIn, OrmOut
from shared import fields

ARTICLE_IN_RE = re.compile(r"^第[0-9零〇一二三四五六七八九十百千]+条")
KEY_RE = r"^[a-z][a-z0-9_]{0,63}$"
STATUTORY_PREFIX = "APL33."  # codes of the 《行政处罚法》第三十三条 grounds (kind statutory)
CONTENT_FIELDS = (
    "list_version", "violation", "applies_to", "legal_basis", "conditions", "modality",
    "effective_from", "effective_to", "source", "verified", "note",
)


class ConditionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(pattern=KEY_RE, description="a fact key, e.g. first_offence, corrected_in_time")
    text: str = Field(min_length=1, max_length=500)


class ListBasisIn(BaseModel):
    """A provision a list item cites. Lists cite several articles at once (第二十二条第一款、第二十五条),
    so an article here is any reference that names at least one 第…条."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    law: str = Field(min_length=2, max_length=100, description="the instrument's name, without 《》")
    article: str = Field(min_length=3, max_length=200)
    clause: str | None = Field(default=None, max_length=100)
    text_excerpt: str | None = Field(default=None, max_length=2000)

    @field_validator("law")
    @classmethod
    def _law(cls, v: str) -> str:
        return LegalBasisIn._law(v)

    @field_validator("article")
    @classmethod
    def _article(cls, v: str) -> str:
        if not ARTICLE_IN_RE.search(v):
            raise ValueError("name at least one article as the statutes write it, e.g. 第八十三条")
        return v


class NoPenaltyListItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=CODE_RE, max_length=64)
    list_version: str = Field(min_length=1, max_length=200)
    violation: str = Field(min_length=1, max_length=2000)
    applies_to: list[str] = Field(default_factory=list, description="guidance item codes; empty = any")
    legal_basis: list[ListBasisIn] = Field(min_length=1)
    conditions: list[ConditionIn] = Field(min_length=1)
    modality: Literal["must", "may"]
    effective_from: fields.Day | None = Field(default=None, description="in force from this day (null: no date known)")
    effective_to: fields.Day | None = Field(
        default=None, description="its last day in force, inclusive (null: no end known — never invented; give it "
        "only where the list's source states its validity, e.g. 长三角清单 2023-07-01 起五年 → 2028-06-30)")
    source: str = Field(min_length=1, max_length=2000)
    verified: bool = False
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("code")
    @classmethod
    def _not_statutory(cls, v: str) -> str:
        if v.startswith(STATUTORY_PREFIX):
            raise ValueError(f"codes {STATUTORY_PREFIX}* are the grounds of 《行政处罚法》第三十三条, not list items")
        return v

    @field_validator("applies_to")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("a guidance item code is listed twice")
        return v

    @model_validator(mode="after")
    def _period(self) -> NoPenaltyListItemIn:
        if self.effective_to is not None and self.effective_from is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to (the last day in force) must not be before effective_from")
        return self

    @model_validator(mode="after")
    def _unique_keys(self) -> NoPenaltyListItemIn:
        keys = [c.key for c in self.conditions]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"condition key {dup[0]} occurs twice")
        return self

    def content(self) -> dict[str, Any]:
        """The version's content as stored (compared to decide whether a row is a new version)."""
        return {
            "list_version": self.list_version,
            "violation": self.violation,
            "applies_to": list(self.applies_to),
            "legal_basis": [b.model_dump(exclude_none=True) for b in self.legal_basis],
            "conditions": [c.model_dump() for c in self.conditions],
            "modality": self.modality,
            "effective_from": self.effective_from,
            "effective_to": self.effective_to,
            "source": self.source,
            "verified": self.verified,
            "note": self.note,
        }


# -- answers ---------------------------------------------------------------------------------------
NoPenaltyKind = Literal["list", "statutory"]


class Condition(BaseModel):
    key: str
    text: str


class NoPenaltyItem(OrmOut):
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
    effective_from: date | None = Field(default=None, description="in force from this day (null: no date known)")
    effective_to: date | None = Field(
        default=None, description="its last day in force, inclusive (null: no end known); an expired item exempts "
        "nothing (《行政处罚法》第三十七条)")
    source: str
    verified: bool
    note: str | None = None


class NoPenaltyItemList(BaseModel):
    items: list[NoPenaltyItem]
    total: int


FACTS_DESCRIPTION = (
    "the case's facts, keys of the fact vocabulary (GET /checklist/v1/facts): a condition key → true "
    "(established), false (established not to hold) or null (unknown); keys the item does not use are ignored. "
    "A key not in the vocabulary, or a value its type does not allow, is a 422 naming it (facts.<key>) with the "
    "nearest known keys")


class EvaluateRequest(BaseModel):
    facts: dict[str, Any] = Field(default_factory=dict, description=FACTS_DESCRIPTION)
    violation_codes: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=100,
        description="the case's violations (guidance item codes): a list item applies only to those in its "
        "`applies_to` (empty = any violation); when given, an item that does not cover all of them is not eligible",
    )
    on: fields.Day | None = Field(
        default=None, description="the decision date (《行政处罚法》第三十七条): without `?version=`, the newest published "
        "version in force on it (effective_from ≤ on ≤ effective_to, unset ends open) is evaluated, and only when no "
        "version is in force is the item not in force (`in_force` false, not eligible: it exempts nothing on that "
        "day — not yet in force, or expired); null: the latest published version, in force not checked")


class NeededFact(BaseModel):
    key: str
    label: str = Field(description="the fact in Chinese, as the item or the article states it")
    state: Literal["unmet", "unknown"]
    item: bool = Field(description="the item's own condition (false: needed for a ground of 第三十三条 only)")
    article: str = Field(description="where the decision needs it: the item (免罚清单事项 …) or the article")


class Evaluation(BaseModel):
    code: str
    kind: NoPenaltyKind
    item_version: int
    list_version: str | None = None
    violation: str | None = Field(default=None, description="the item's words (the 情形 a 不予行政处罚决定书 names)")
    source: str | None = Field(default=None, description="where the item is published (the list it comes from)")
    eligible: bool = Field(
        description="every condition true and no exception; never assumed from missing facts"
    )
    met: list[str]
    unmet: list[str] = Field(description="conditions established false, or exceptions established true; for a list "
                                         "item not eligible on 第三十三条, also its grounds' facts given false")
    unknown: list[str] = Field(description="conditions or exceptions with no fact (missing or null); for a list item "
                                           "not eligible on 第三十三条, also its grounds' facts not given")
    needs: list[NeededFact] = Field(
        default_factory=list, description="every key of `unmet` and `unknown` with its Chinese label and where the "
        "decision needs it: the item's own condition (`item: true`) or a ground of 《行政处罚法》第三十三条 "
        "(one ground in full suffices; `article_33.grounds` says which are still open)")
    discretionary: bool
    outcome: Literal["no_penalty", "no_penalty_discretionary", "not_eligible"]
    legal_basis: list[LegalBasis]
    note: str
    applies_to: list[str] = Field(default_factory=list, description="guidance item codes the item covers (empty = any)")
    covers: bool | None = Field(
        default=None, description="every violation given in `violation_codes` is covered (null: none given)")
    not_covered: list[str] = Field(default_factory=list)
    effective_from: date | None = Field(default=None, description="the item's effective date (null: no date known)")
    effective_to: date | None = Field(
        default=None, description="the item version's last day in force, inclusive (null: no end known)")
    in_force: bool | None = Field(
        default=None, description="the item is in force on the `on` date asked (null: no date asked); an item not in "
        "force exempts nothing (《行政处罚法》第三十七条; 试点方案 三（六）)")
    article_33: dict[str, Any] | None = Field(
        default=None,
        description="for a list item: whether the facts establish a ground of 《行政处罚法》第三十三条 of the "
        "paragraph(s) its legal basis cites (`paragraphs`): 第一款 (轻微、及时改正、没有造成危害后果; or 初次违法且"
        "危害后果轻微并及时改正) unless it cites 第二款 (有证据足以证明没有主观过错, 法律、行政法规没有另外规定) — "
        "required besides the item's own conditions: `{met, ground, paragraphs, grounds:[{code, met, unmet, "
        "unknown}]}`. The facts are read with those they establish (no_harm ⇒ harm_minor, `GET /facts`)",
    )


class EvaluateAllRequest(BaseModel):
    facts: dict[str, Any] = Field(default_factory=dict, description=FACTS_DESCRIPTION)
    violation_codes: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=100,
        description="the case's violations (guidance item codes): every list item whose `applies_to` covers them "
        "all (empty `applies_to` = any violation) is evaluated")
    kind: NoPenaltyKind | None = Field(default="list", description="only items of this kind (null: every kind)")
    on: fields.Day | None = Field(
        default=None, description="the decision date (《行政处罚法》第三十七条): each item is evaluated in its version in "
        "force on it; an item with no version in force on it (not yet in force, or expired) answers `in_force` "
        "false, not eligible, and is never in `must` — it neither exempts nor forbids a penalty; null: the latest published versions, in force not checked")


class EvaluationList(BaseModel):
    items: list[Evaluation] = Field(description="one evaluation per item that covers the violations, by code")
    must: list[str] = Field(
        description="codes of the items that are eligible on the facts and not discretionary (“应当不予”, must): "
        "for these a penalty is not lawful — the decision is the exemption (试点方案 三（六）)")
    total: int

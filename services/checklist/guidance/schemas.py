"""API models of the guidance checklist (API.md "checklist"): what an item version answers with, and
what an admin (or an import file, or the bundled data) submits — validated here, pure. The ORM rows
never leave the service.

The same input models validate ``POST/PUT /guidance-items``, every row of an import and the bundled
data, so a malformed legal basis is refused the same way everywhere (422 naming the field).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from services.checklist.search import normalise
from shared import fields

RiskLevel = Literal["high", "medium", "low"]


def _utc(v: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone columns: they were written in UTC."""
    return v.replace(tzinfo=UTC) if v is not None and v.tzinfo is None else v


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class OrmOut(BaseModel):
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


class GuidanceItem(OrmOut):
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
    effective_from: date | None = Field(default=None, description="in force from this day (null: no date known)")
    effective_to: date | None = Field(default=None, description="in force before this day (null: no end known)")
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
    total_is_exact: bool = Field(
        True, description="false when a search's hits were counted only up to 1,000: there are more than `total`"
    )


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
    total_is_exact: bool = Field(
        True, description="false when a search's hits were counted only up to 1,000: there are more than `total`"
    )


# -- what an admin or an import submits ------------------------------------------------------------
# An article reference as the statutes write it: 第九十九条, 第一百零二条, 第12条, 第二十条之一.
ARTICLE_RE = re.compile(r"^第[0-9零〇一二三四五六七八九十百千]+条(之[一二三四五六七八九十]+)?$")
CODE_RE = r"^[A-Z0-9][A-Z0-9._-]{1,63}$"

Text = Field(min_length=1, max_length=2000)


class LegalBasisIn(BaseModel):
    """One cited provision: ``{law, article}`` plus the clause and a verbatim excerpt where known."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    role: Literal["obligation", "penalty", "related"] = "obligation"
    law: str = Field(min_length=2, max_length=100, description="the instrument's name, without 《》")
    article: str = Field(min_length=3, max_length=30, description="e.g. 第九十九条")
    clause: str | None = Field(default=None, max_length=100)
    text_excerpt: str | None = Field(default=None, max_length=2000)
    source_path: str | None = Field(default=None, max_length=300)

    @field_validator("law")
    @classmethod
    def _law(cls, v: str) -> str:
        if "《" in v or "》" in v:
            raise ValueError("name the law without 《》, e.g. 中华人民共和国大气污染防治法")
        return v

    @field_validator("article")
    @classmethod
    def _article(cls, v: str) -> str:
        if not ARTICLE_RE.match(v):
            raise ValueError("an article is written 第…条 (e.g. 第九十九条); put 款/项 in clause")
        return v


class MultipleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base: str = Field(min_length=1, max_length=100, description="e.g. 所需处置费用, 建设项目总投资额")
    min_times: fields.Multiple = Field(gt=0)
    max_times: fields.Multiple = Field(gt=0)
    base_floor_cny: fields.Amount | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _order(self) -> MultipleIn:
        if self.min_times > self.max_times:
            raise ValueError("min_times must not exceed max_times")
        return self


class AggravatedIn(BaseModel):
    """A higher statutory tier of the same article (e.g. 逾期不改正的), with its condition."""

    model_config = ConfigDict(extra="forbid")

    min_cny: fields.Amount | None = Field(default=None, ge=0)
    max_cny: fields.Amount = Field(gt=0)
    condition: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _order(self) -> AggravatedIn:
        if self.min_cny is not None and self.min_cny > self.max_cny:
            raise ValueError("min_cny must not exceed max_cny")
        return self


class FineIn(BaseModel):
    """The statutory fine: amounts only as the article states them (null where it states none)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["fixed_range", "multiple_of"]
    min_cny: fields.Amount | None = Field(default=None, ge=0)
    max_cny: fields.Amount | None = Field(default=None, gt=0)
    multiple: MultipleIn | None = None
    implied_min_cny: fields.Amount | None = Field(default=None, ge=0)
    aggravated: AggravatedIn | None = None
    per_occurrence: bool | None = None
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _shape(self) -> FineIn:
        if self.kind == "fixed_range" and self.max_cny is None:
            raise ValueError("a fixed_range fine needs max_cny (the article's upper limit)")
        if self.kind == "multiple_of" and self.multiple is None:
            raise ValueError("a multiple_of fine needs multiple {base, min_times, max_times}")
        if self.min_cny is not None and self.max_cny is not None and self.min_cny > self.max_cny:
            raise ValueError("min_cny must not exceed max_cny")
        return self


class LiabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fine: FineIn
    other_penalties: list[fields.Text] = Field(default_factory=list)


class GuidanceContent(BaseModel):
    """The editable content of a guidance item version (a revision replaces all of it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    batch: str = Field(min_length=1, max_length=100, description="e.g. 第一批; the bundled list is 'starter'")
    title: str = Field(min_length=1, max_length=500)
    domain: str = Field(min_length=1, max_length=100, description="大气/水/固废/危废/噪声/辐射/环评/排污许可 …")
    common_violations: list[fields.Text] = Field(min_length=1)
    legal_basis: list[LegalBasisIn] = Field(min_length=1)
    liability: LiabilityIn
    risk_level: Literal["high", "medium", "low"]
    risk_rationale: str | None = Field(default=None, max_length=2000)
    advice: list[fields.Text] = Field(min_length=1)
    effective_from: fields.Day | None = Field(
        default=None, description="the day this version (its penalty article and fine range) comes into force "
        "(《行政处罚法》第三十七条: a calculation `on` a date uses the version in force then); null: no date known, in force")
    effective_to: fields.Day | None = Field(
        default=None, description="the last day this version is in force (inclusive, as every effective_to in "
        "EcoComply: guidance versions, rule sets, no-penalty items); null: no end known")
    source: str = Field(min_length=1, max_length=1000, description="where the text comes from (provenance)")
    verified: bool | None = Field(
        default=None, description="as the source states (true: the instrument's own text was read); never upgraded"
    )
    compiled: bool = Field(default=False, description="compiled by the team from statute texts, not an official list")

    @field_validator("common_violations", "advice")
    @classmethod
    def _non_empty_lines(cls, v: list[str]) -> list[str]:
        v = [s.strip() for s in v]
        if not all(v):
            raise ValueError("entries must not be empty")
        return v

    @model_validator(mode="after")
    def _effective_period(self) -> GuidanceContent:
        if self.effective_to is not None and self.effective_from is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to (the last day in force) must not be before effective_from")
        return self

    @field_validator("legal_basis")
    @classmethod
    def _penalty_article(cls, v: list[LegalBasisIn]) -> list[LegalBasisIn]:
        if not any(b.role == "penalty" for b in v):
            raise ValueError("no penalty basis (role 'penalty'): the liability needs the article that imposes it")
        return v

    def content(self) -> dict[str, Any]:
        """The stored form of this content (JSON columns as plain dicts, nulls dropped in the basis)."""
        d = self.model_dump(mode="python", exclude={"publish", "base_version", "code"})
        if d.get("effective_to") is None:
            d.pop("effective_to", None)
        d["legal_basis"] = [b.model_dump(exclude_none=True) for b in self.legal_basis]
        d["liability"] = self.liability.model_dump(exclude_none=True)
        # null amounts say "the article states none" (API: min_cny/max_cny are always present)
        d["liability"]["fine"] = {"min_cny": None, "max_cny": None, **d["liability"]["fine"]}
        return d

    def search_text(self) -> str:
        parts = [self.title, *self.common_violations]
        for b in self.legal_basis:
            parts.extend(x for x in (b.law, b.article, b.clause, b.text_excerpt) if x)
        parts.extend(self.advice)
        return normalise("\n".join(parts))


class GuidanceItemCreate(GuidanceContent):
    code: str = Field(pattern=CODE_RE, max_length=64, description="e.g. GI-AIR-005 or an official list's item number")
    publish: bool = Field(default=True, description="publish at once (false: keep it as a draft)")


class GuidanceItemRevise(GuidanceContent):
    base_version: fields.Int32 = Field(
        ge=1, description="the version this revision was made from (optimistic concurrency: 409 if not the latest)"
    )
    publish: bool = True

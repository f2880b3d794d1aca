"""案卷评查 HTTP shapes (bounded strings everywhere a person types)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared import fields

Sub = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
BureauCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DrawParams(Strict):
    period_from: fields.Day = Field(description="decided from this day (Asia/Shanghai)")
    period_to: fields.Day = Field(description="decided up to this day (Asia/Shanghai)")
    seed: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = Field(
        default=None, description="抽取种子: the same seed over the same files gives the same sample (default: random)")
    ratio: float | None = Field(default=None, gt=0, le=1, description="share of each bureau's decided files "
                                "(default ECOCOMPLY_AUDIT_CASEFILE_SAMPLE_RATIO, a local setting)")
    minimum: int | None = Field(default=None, ge=0, le=1000, description="at least this many per bureau "
                                "(default ECOCOMPLY_AUDIT_CASEFILE_SAMPLE_MINIMUM, a local setting)")
    all_exemptions: bool = Field(default=True, description="every exemption and light penalty of the period in full "
                                 "(试点方案 三（十）: 纳入执法稽查的重点事项)")
    bureaus: list[BureauCode] = Field(default_factory=list, max_length=50, description="[] = every bureau")


class CampaignCreate(DrawParams):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]


class DrawnRead(BaseModel):
    case_id: str
    number: str
    uscc: str
    bureau: str
    decision_type: str
    decision_date: date
    drawn_by: str


class DrawPreview(BaseModel):
    seed: str
    population: int
    files: list[DrawnRead]


class FileRead(DrawnRead):
    id: str
    status: str
    reviewer: str | None
    reviewer_bureau: str | None
    assigned_at: datetime | None
    total: float | None
    max_total: float | None
    passed: bool | None
    vetoed: list[str]
    scored_by: str | None
    scored_at: datetime | None
    flag_id: str | None


class CampaignRead(BaseModel):
    id: str
    title: str
    period_from: date
    period_to: date
    seed: str
    ratio: float
    minimum: int
    all_exemptions: bool
    bureaus: list[str]
    standard_version: int
    pass_mark: float
    population: int
    created_by: str
    created_at: datetime
    files: int
    assigned: int
    scored: int
    failed: int


class CampaignDetail(CampaignRead):
    items: list[FileRead]


class AssignBody(Strict):
    reviewer: Sub = Field(description="评查人: an auditor of another bureau than the case's, not one of its people")


class Judgement(Strict):
    met: bool = Field(description="符合 (true) / 不符合 (false)")
    points: float | None = Field(default=None, ge=0, le=100, description="points given (default: all if met, 0 if not)")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        default=None, description="required when overriding the pre-fill, or not giving the item's full points")


class ScoreBody(Strict):
    items: dict[Annotated[str, StringConstraints(max_length=40)], Judgement] = Field(max_length=200)


class EvidenceRead(BaseModel):
    record: str
    value: str


class SheetItem(BaseModel):
    code: str
    section: str
    section_name: str
    text: str
    points: float
    veto: bool
    basis: str
    auto: str | None
    prefill_met: bool | None
    evidence: list[EvidenceRead]
    met: bool | None = None
    given: float | None = None
    overridden: bool | None = None
    reason: str | None = None


class Sheet(BaseModel):
    file: FileRead
    campaign_id: str
    campaign_title: str
    standard_version: int
    pass_mark: float
    max_points: float
    items: list[SheetItem]


class BureauResult(BaseModel):
    bureau: str
    files: int
    scored: int
    passed: int
    failed: int
    pass_rate: float | None
    average: float | None


class ItemResult(BaseModel):
    code: str
    text: str
    veto: bool
    scored: int
    met: int
    overridden: int
    points_lost: float


class Results(BaseModel):
    campaign_id: str
    standard_version: int
    pass_mark: float
    files: list[FileRead]
    bureaus: list[BureauResult]
    items: list[ItemResult]


class StandardVersionRead(BaseModel):
    version: int
    sha256: str
    title: str
    max_points: float
    items: int
    veto_items: int
    created_by: str
    created_at: datetime


class ImportReport(BaseModel):
    version: int
    created: bool = Field(description="false: the same content is already a version (nothing written)")
    dry_run: bool
    items: int
    max_points: float

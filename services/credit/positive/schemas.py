"""API shapes for the positive list (正面清单), Jiangsu credit grades and the enterprise credit profile."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.credit.records.schemas import SourceRead
from shared import fields

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ReasonCode = Literal["effective_compliance_management", "other"]
Grade = Literal["green", "blue", "yellow", "red", "black"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PositiveListCreate(Strict):
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, min_length=18, max_length=18)]
    enterprise_name: Line
    bureau: Annotated[str, StringConstraints(max_length=40)] | None = None
    reason_code: ReasonCode = Field(
        description="effective_compliance_management = 主动开展合规管理且成效明显"
    )
    reason: Text = Field(description="纳入理由（事实）")
    valid_from: fields.Day
    valid_until: fields.Day


class PositiveListRemove(Strict):
    reason: Text


class PositiveListEntryRead(BaseModel):
    id: str
    uscc: str
    enterprise_name: str
    bureau: str | None
    reason_code: ReasonCode
    reason_label: str
    reason: str
    basis: SourceRead
    valid_from: date
    valid_until: date
    status: Literal["active", "removed"]
    in_force: bool = Field(description="active and today (Asia/Shanghai) within the period")
    inspection_frequency: Literal["reduced", "normal"] = Field(
        description="reduced while the membership is in force (试点方案 三（四）: 减少现场执法检查频次); "
        "how much lower is not in the data — a local setting of the inspecting bureau"
    )
    inspection_frequency_basis: SourceRead
    added_by: str
    added_at: datetime
    removed_by: str | None
    removed_at: datetime | None
    removal_reason: str | None


class PositiveList(BaseModel):
    items: list[PositiveListEntryRead]
    total: int


class GradeIn(Strict):
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=18)]
    grade: Grade
    rated_on: fields.Day
    valid_until: fields.Day | None = None


class GradeImport(Strict):
    source_system: Line = "江苏省企事业环保信用管理系统"
    source_reference: Line = Field(description="the provincial system's batch or file reference")
    grades: list[GradeIn] = Field(min_length=1, max_length=5000)


class GradeImportResult(BaseModel):
    created: int
    updated: int
    unchanged: int


class GradeRead(BaseModel):
    uscc: str
    grade: Grade
    grade_label: str
    rated_on: date
    valid_until: date | None
    source_system: str
    source_reference: str
    received_at: datetime


class CreditGradeView(BaseModel):
    uscc: str
    current: GradeRead | None
    history: list[GradeRead]
    criteria_obtained: bool = False
    statement: str
    source: SourceRead
    record_effect: str = Field(
        description="how credit records affect the grade: only where a cited rule says so"
    )


class CreditProfile(BaseModel):
    """What other services read about an enterprise (e.g. cases, to plan inspections)."""

    uscc: str
    on_positive_list: bool
    positive_list_entry: PositiveListEntryRead | None
    inspection_frequency: Literal["reduced", "normal"]
    inspection_frequency_basis: SourceRead
    grade: GradeRead | None
    grade_criteria_obtained: bool = False
    records: dict[str, int] = Field(description="credit records by status")
    open_repair_applications: int

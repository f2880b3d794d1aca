"""API models of 自查自纠 (self-checks) and 典型案例 (typical cases)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.checklist.guidance.schemas import UtcDatetime
from shared import fields
from shared.uscc import USCCError, validate


def _uscc(v: str) -> str:
    try:
        return validate(v)
    except USCCError as e:
        raise ValueError(str(e)) from e


# -- 自查自纠 ---------------------------------------------------------------------------------------
class QuestionOut(BaseModel):
    id: str
    item_code: str
    item_version: int
    domain: str
    risk_level: str
    text: str


class Questionnaire(BaseModel):
    industry: str
    version: str
    domains: list[str] | None = Field(description="null: every domain (industry not in the profiles)")
    questions: list[QuestionOut]
    answers: list[str] = ["yes", "no", "unknown"]
    note: str


class SelfCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uscc: fields.Code
    industry: str = Field(min_length=1, max_length=100)
    answers: dict[str, Literal["yes", "no", "unknown"] | bool | None] = Field(default_factory=dict)

    _v = field_validator("uscc")(lambda cls, v: _uscc(v))


class SelfCheckOut(BaseModel):
    id: str
    uscc: str
    industry: str
    questionnaire_version: str
    risks: list[dict[str, Any]]
    unanswered: list[str]
    score: float
    score_note: str
    submitted_by: str
    submitted_at: UtcDatetime


# -- 典型案例 --------------------------------------------------------------------------------------
class TypicalCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$", max_length=64)
    bureau: str = Field(min_length=1, max_length=20)
    year: fields.Int32 = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1, max_length=20000, description="anonymised facts")
    outcome: str = Field(min_length=1, max_length=5000)
    lesson: str | None = Field(default=None, max_length=5000, description="以案释法: what enterprises learn")
    item_codes: list[fields.Code] = Field(min_length=1, description="the guidance items it illustrates")
    # where it was published (a case of another body is published with its source; a bureau's own case
    # may leave these empty)
    source_url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://\S+$",
                                   description="the page the case was read from")
    source_publisher: str | None = Field(default=None, max_length=200, description="the body that published it")
    source_date: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$",
                                    description="publication date: YYYY-MM-DD, or YYYY-MM when only the month is known")
    source_note: str | None = Field(default=None, max_length=500, description="a note on the source, in Chinese")
    verified: bool | None = Field(default=None, description="true only when the publishing body's own text was read")

    @model_validator(mode="after")
    def _source_named(self) -> TypicalCaseIn:
        if self.source_url and not self.source_publisher:
            raise ValueError("source_publisher: name the body that published the case at source_url")
        return self


class TypicalCaseOut(TypicalCaseIn):
    model_config = ConfigDict(from_attributes=True)

    published_by: str
    published_at: UtcDatetime

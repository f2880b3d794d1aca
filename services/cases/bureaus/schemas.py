"""Request and response models of the bureau registry (``/cases/v1/bureaus``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from services.cases.bureaus.kinds import KINDS
from services.cases.case.schemas import Strict

Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z-]{2,40}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Prefix = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class BureauWrite(Strict):
    """A bureau's settings as an admin states them (the whole entry: PUT replaces it)."""

    name: Name = Field(description="机关全称, e.g. 苏州市吴江生态环境局 (printed as the issuing authority and in the seal block)")
    prefixes: dict[str, Prefix] = Field(default_factory=dict, description=(
        "文号 prefix per document kind: " + "、".join(f"{k} ({v})" for k, v in KINDS.items())
        + ", e.g. {\"penalty_decision\": \"吴环罚字\"}"))
    address: Line | None = Field(default=None, description="机关地址")
    contact: Line | None = Field(default=None, description="联系方式")
    reconsideration_body: Name | None = Field(default=None, description="行政复议机关 (named in the decision, 第五十九条)")
    court: Name | None = Field(default=None, description="有管辖权的人民法院 (named in the decision, 第五十九条)")
    payment: Line | None = Field(default=None, description="罚款缴纳方式 (指定银行或者电子支付系统, 第六十七条)")
    example: bool = Field(default=False, description="示例数据: not a bureau's confirmed settings")
    source: Line | None = Field(default=None, description="where the settings come from")

    @field_validator("prefixes")
    @classmethod
    def _known_kinds(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown document kind(s) {unknown}; one of {sorted(KINDS)}")
        return v


class BureauCreate(BureauWrite):
    code: Code = Field(description="the bureau's code as cases and tokens carry it, e.g. 320509")


class BureauRead(BureauWrite):
    code: str
    prefix_labels: dict[str, str] = Field(default_factory=dict, description="the document kinds' Chinese names")
    updated_by: str
    updated_at: datetime

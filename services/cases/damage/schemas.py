"""The damage matter's API shapes (bounded strings, amounts in yuan)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Money = Annotated[float, Field(ge=0, le=1e10, allow_inf_nan=False)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DamageDocument(Strict):
    """A document of the step (鉴定评估报告, 磋商记录, 赔偿协议, 司法确认裁定书, 判决书, 修复效果评估报告 …)."""

    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class DamageOpen(Strict):
    """登记损害赔偿线索 — why the officer opens the matter (the clue's source: 现场检查发现植被受损 …)."""

    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]


class DamageStepCreate(Strict):
    action: Literal["start", "not_start", "assess", "consult", "agree", "consultation_failed", "confirm", "restore",
                    "evaluate", "pay"]
    note: Note = ""
    document: DamageDocument | None = None
    ground: Literal["significantly_slight", "already_restored"] | None = Field(
        default=None, description="不启动索赔的依据 (action not_start)")
    in_red_line: bool | None = Field(default=None, description=(
        "损害区域是否位于生态保护红线 (action not_start, ground significantly_slight: required; true refuses — "
        "环法规〔2025〕6号 as summarised: 损害区域为生态保护红线的不属于显著轻微)"))
    simplified: bool = Field(default=False, description="简化鉴定评估 (action assess), up to the local limit")
    assessed_amount: Money | None = Field(default=None, description="鉴定评估的损害数额（元）(action assess)")
    agreed_amount: Money | None = Field(default=None, description="赔偿协议约定的赔偿数额（元）(action agree)")
    restoration_terms: Note | None = Field(default=None, description="赔偿协议的修复条款 (action agree)")
    passed: bool | None = Field(default=None, description="修复效果评估是否通过 (action evaluate)")
    paid_amount: Money | None = Field(default=None, description="本次实际缴纳的赔偿金（元）(any step from the agreement on)")


class GroundRead(BaseModel):
    code: str
    text: str
    source: str
    url: str
    verified: bool


class DamageRead(BaseModel):
    id: str
    case_id: str
    number: str
    uscc: str
    bureau: str
    status: str
    status_cn: str
    claim_started: bool
    trigger: str
    opened_by: str
    opened_at: datetime
    ground: GroundRead | None = None
    simplified: bool | None = None
    assessed_amount: float | None = None
    agreed_amount: float | None = None
    restoration_terms: str | None = None
    paid_total: float = 0.0
    evaluation_passed: bool | None = None
    allowed_actions: list[str]
    steps: list[dict[str, Any]]
    simplified_limit: dict[str, Any]
    basis: list[dict[str, Any]]


class DamageList(BaseModel):
    items: list[DamageRead]
    total: int



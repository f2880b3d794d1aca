"""HTTP for the fact vocabulary (thin): ``GET /facts`` — every fact key a case, an investigation or an
evaluation may name, with its Chinese label, type and sources."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.checklist.facts import service
from shared.auth import CurrentUser
from shared.service import DbSession

router = APIRouter(tags=["facts"])

FactType = Literal["bool", "number", "date", "text", "enum"]


class FactValueLabel(BaseModel):
    value: bool | int | float | str
    label: str


class FactForm(BaseModel):
    type: FactType
    values: list[FactValueLabel] | None = None


class FactSource(BaseModel):
    kind: str = Field(description="article (a provision: 第三十二/三十三条 …) | no_penalty_item (免罚清单事项) | "
                                  "rule_set (裁量基准) | penalty_article (the violation's 罚则)")
    ref: str = Field(description="the item code, the rule set's name@version, or the key for an article")
    title: str | None = None
    article: str | None = None
    text: str | None = None
    list_version: str | None = None
    verified: bool | None = Field(default=None, description="the source data's verified flag (null: it has none)")


class Fact(BaseModel):
    key: str
    label: str = Field(description="the fact in Chinese, as its source states it")
    type: FactType
    values: list[FactValueLabel] | None = Field(default=None, description="enum: the values allowed, with labels")
    unit: str | None = None
    forms: list[FactForm] | None = Field(
        default=None, description="a key used with more than one type (e.g. a level in one rule set, an option in "
                                  "another): a value fitting any form is accepted")
    sources: list[FactSource]
    implied_by: list[str] | None = Field(
        default=None, description="keys any of which, recorded true, establishes this fact true when it is not "
        "recorded itself (e.g. harm_minor ⇐ no_harm); the evaluation and the decision gate read facts so")
    implied_basis: str | None = Field(default=None, description="why, in Chinese, with the article")


def facts_out(vocab: list[dict[str, Any]]) -> list[Fact]:
    return [Fact.model_validate(e) for e in vocab]


@router.get("/facts", response_model=list[Fact])
async def list_facts(session: DbSession, _user: CurrentUser) -> list[Fact]:
    """事实词汇表: the 第三十三条 grounds' and the loaded 免罚清单's conditions, the 第三十二条 circumstances,
    compliance rectification, every discretion rule set's factors and the facts the decision reads besides
    (生态环境损害, 第三十六条 extended limitation, a penalty article's base amount …). A case filed, an
    investigation completed or an evaluation naming a key not listed here, or a value its type does not
    allow, is a 422 naming the key and the nearest known ones."""
    return facts_out(await service.vocabulary(session))

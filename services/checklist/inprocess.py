"""The checklist routes other services of the same process call in-process (``shared.inprocess``; the embedded
mode): each handler is the HTTP route's own function, given the verified caller, the unit of work and the body or
query validated by the route's models — so the answer is the route's. The rest go over HTTP."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.checklist.decision_context.router import decision_context
from services.checklist.decision_context.schemas import DecisionContextRequest
from services.checklist.discretion.router import calculate, list_circumstances
from services.checklist.discretion.schemas import CalculateRequest
from services.checklist.facts.router import list_facts
from services.checklist.guidance.router import get_guidance_item
from shared import fields
from shared.inprocess import LocalCall, LocalRoute


class _CircumstancesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    bureau: Annotated[str, Field(max_length=20)] | None = None
    rule_set: Annotated[str, Field(max_length=100)] | None = None


class _ItemPath(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    version: Annotated[fields.Int32, Field(ge=1)] | None = None


async def _decision_context(call: LocalCall):
    return await decision_context(call.session, call.principal, call.body(DecisionContextRequest))


async def _calculate(call: LocalCall):
    return await calculate(call.session, call.principal, call.body(CalculateRequest))


async def _circumstances(call: LocalCall):
    q = _CircumstancesQuery.model_validate(call.params)
    return await list_circumstances(call.session, call.principal, bureau=q.bureau, rule_set=q.rule_set)


async def _facts(call: LocalCall):
    return await list_facts(call.session, call.principal)


async def _guidance_item(call: LocalCall):
    p = _ItemPath.model_validate({**call.params, **call.path})
    return await get_guidance_item(call.session, call.principal, p.code, p.version)


ROUTES = [
    LocalRoute("POST", "/decision-context", _decision_context),
    LocalRoute("POST", "/discretion/calculate", _calculate),
    LocalRoute("GET", "/circumstances", _circumstances),
    LocalRoute("GET", "/facts", _facts),
    LocalRoute("GET", "/guidance-items/{code}", _guidance_item),
]

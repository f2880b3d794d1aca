"""The use case of ``POST /decision-context``: what a decision needs from the checklist, in one unit of work —
each part answered by the existing use case (``no_penalty.service.evaluate_item``/``evaluate_all``,
``discretion.service.calculate_fine``), never a second copy of a rule."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.decision_context.schemas import (
    CalculationOutcome,
    DecisionContext,
    DecisionContextRequest,
    MustOn,
    NoPenaltyAnswer,
    ViolationCalculations,
)
from services.checklist.discretion import service as discretion
from services.checklist.no_penalty import service as no_penalty
from services.checklist.no_penalty.schemas import EvaluateAllRequest, EvaluateRequest
from shared.auth import Principal
from shared.problems import Problem

# The statuses for which ``POST /discretion/calculate`` has no calculation to give (the cases service then
# records why); any other error fails the whole answer, as it fails that call.
NO_CALCULATION = (404, 409, 422)


async def _calculate(session: AsyncSession, code: str, facts: dict[str, Any], mitigation: str | None,
                     bureau: str | None, on: date) -> CalculationOutcome:
    try:
        found = await discretion.calculate_fine(session, violation_code=code, facts=facts, mitigation=mitigation,
                                                bureau=bureau, rule_set=None, item_version=None, on=on)
    except Problem as e:
        if e.status not in NO_CALCULATION:
            raise
        return CalculationOutcome(calculation=None, status=e.status, detail=e.detail)
    return CalculationOutcome(calculation=discretion.calculation_out(*found))


async def decision_context(session: AsyncSession, user: Principal, body: DecisionContextRequest) -> DecisionContext:
    bool_facts = {k: v for k, v in body.facts.items() if isinstance(v, bool)}
    bureau = body.bureau or user.bureau
    out = DecisionContext()
    if body.no_penalty_item is not None:
        code = body.no_penalty_item

        async def evaluate(on: date):
            req = EvaluateRequest(facts=bool_facts, violation_codes=body.violation_codes, on=on)
            try:
                return await no_penalty.evaluate_item(session, code=code, version=None, body=req)
            except Problem as e:
                if e.status == 404:
                    return None
                raise

        now = await evaluate(body.on)
        then = None
        if now is not None and now.in_force is False and body.act_on is not None and body.act_on < body.on:
            then = await evaluate(body.act_on)
        out.no_penalty = NoPenaltyAnswer(at_decision=now, at_act=then)
    if body.calculation is not None:
        ask = body.calculation
        calc_facts = {k: v for k, v in ask.facts.items() if isinstance(v, bool | int | float)}
        for i, code in enumerate(body.violation_codes):
            act_date = ask.act_dates[i] if i < len(ask.act_dates) else None
            dec = await _calculate(session, code, calc_facts, ask.mitigation, bureau, body.on)
            then = None
            if act_date is not None and act_date != body.on:
                then = await _calculate(session, code, calc_facts, ask.mitigation, bureau, act_date)
            out.calculations.append(ViolationCalculations(code=code, at_decision=dec, at_act=then))
    if body.must:
        for day in sorted({body.on, *([body.act_on] if body.act_on is not None else [])}):
            found = await no_penalty.evaluate_all(session, body=EvaluateAllRequest(
                facts=bool_facts, violation_codes=body.violation_codes, kind="list", on=day))
            out.must.append(MustOn(on=day, must=found.must))
    return out

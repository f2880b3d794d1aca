"""Which rule set a bureau uses (a local setting), the circumstances it knows, and the calculation use
case — in the caller's unit of work (never begins or commits)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.config import checklist_settings
from services.checklist.discretion.circumstances import circumstances
from services.checklist.discretion.rule_sets import RuleSet, catalog
from services.checklist.discretion.rules import Calculation, CalculationError, Item, calculate
from services.checklist.guidance.service import get_guidance_item
from services.checklist.models import DiscretionBureauSetting, GuidanceItem
from shared.db import dialect_insert
from shared.problems import invalid, not_found


def rule_set_named(name: str, field: str = "rule_set") -> RuleSet:
    sets, *_ = catalog()
    if name not in sets:
        raise invalid(field, f"unknown rule set {name!r}; known: {', '.join(sets)}", code="unknown_rule_set")
    return sets[name]


def default_rule_set() -> tuple[RuleSet, str]:
    """The default for bureaus without a choice, and where it comes from."""
    sets, data_default, _, _ = catalog()
    env = checklist_settings().discretion_rule_set
    if env:
        return rule_set_named(env, "ECOCOMPLY_CHECKLIST_DISCRETION_RULE_SET"), "setting:ECOCOMPLY_CHECKLIST_DISCRETION_RULE_SET"
    return sets[data_default], "default (labelled setting in discretion_rule_sets.yaml)"


async def active_rule_set(session: AsyncSession, bureau: str | None) -> tuple[RuleSet, str]:
    if bureau:
        chosen = await session.scalar(
            select(DiscretionBureauSetting.rule_set).where(DiscretionBureauSetting.bureau == bureau)
        )
        if chosen:
            return rule_set_named(chosen), f"bureau setting of {bureau}"
    return default_rule_set()


async def set_bureau_rule_set(
    session: AsyncSession, *, bureau: str, rule_set: str, actor: str, now: datetime
) -> DiscretionBureauSetting:
    rule_set_named(rule_set)
    values = dict(bureau=bureau, rule_set=rule_set, updated_by=actor, updated_at=now)
    ins = dialect_insert(session, DiscretionBureauSetting).values(**values)
    # one INSERT … ON CONFLICT DO UPDATE: concurrent settings never collide
    await session.execute(ins.on_conflict_do_update(
        index_elements=["bureau"], set_={k: getattr(ins.excluded, k) for k in values if k != "bureau"}))
    return DiscretionBureauSetting(**values)


async def circumstances_for(session: AsyncSession, *, bureau: str | None, rule_set: str | None) -> list[dict[str, Any]]:
    """The circumstances of the named rule set, else of the one the bureau applies."""
    rs = rule_set_named(rule_set) if rule_set else (await active_rule_set(session, bureau))[0]
    _, _, overlay, _ = catalog()
    return circumstances(rs, overlay)


def item_for_calculation(row: GuidanceItem) -> Item:
    return Item(
        code=row.code,
        version=row.version,
        title=row.title,
        fine=(row.liability or {}).get("fine") or {},
        penalty_basis=[b for b in row.legal_basis if b.get("role") == "penalty"],
    )


async def calculate_fine(
    session: AsyncSession,
    *,
    violation_code: str,
    facts: dict[str, Any],
    mitigation: str | None,
    bureau: str | None,
    rule_set: str | None,
    item_version: int | None,
    on: date | None,
) -> tuple[Calculation, RuleSet, str, GuidanceItem]:
    row = await get_guidance_item(session, code=violation_code, version=item_version)
    if row is None:
        raise not_found("guidance item", violation_code if item_version is None else f"{violation_code} version {item_version}")
    if rule_set:
        rs, chosen_by = rule_set_named(rule_set), "request"
    else:
        rs, chosen_by = await active_rule_set(session, bureau)
    _, _, overlay, _ = catalog()
    try:
        result = calculate(rs, overlay, item_for_calculation(row), facts, mitigation=mitigation, on=on)
    except CalculationError as e:
        raise invalid(e.field, f"{e.message}（依据：{e.rule}）", code="discretion_input", rule=e.rule) from e
    return result, rs, chosen_by, row

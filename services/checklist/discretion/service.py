"""Which rule set a bureau uses (a local setting), the circumstances it knows, and the calculation use
case — in the caller's unit of work (never begins or commits)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.config import checklist_settings
from services.checklist.discretion.circumstances import circumstances
from services.checklist.discretion.rule_sets import RuleSet, catalog
from services.checklist.discretion.rules import Calculation, CalculationError, Item, calculate
from services.checklist.discretion.schemas import Calculation as CalculationOut
from services.checklist.discretion.schemas import FactorOut, RuleSetRef
from services.checklist.guidance.store import READABLE_STATUSES
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


_BUREAU_RULE_SET = select(DiscretionBureauSetting.rule_set).where(DiscretionBureauSetting.bureau == bindparam("bureau"))


async def active_rule_set(session: AsyncSession, bureau: str | None) -> tuple[RuleSet, str]:
    if bureau:
        chosen = await session.scalar(_BUREAU_RULE_SET, {"bureau": bureau})
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


def _item(code: str, version: int, title: str, liability: dict | None, legal_basis: list) -> Item:
    return Item(code=code, version=version, title=title, fine=(liability or {}).get("fine") or {},
                penalty_basis=[b for b in legal_basis if b.get("role") == "penalty"])


@dataclass(frozen=True)
class ItemVersion:
    """The guidance item version a calculation used (API.md: ``violation``)."""

    code: str
    version: int
    content_hash: str | None


# Which version is asked (the latest published one, or a readable version named), read by index without
# the content; the content of a version whose hash is known is read once per process (ITEMS): a version's
# content never changes, and its hash names it (versioning.content_hash). Statements built once (issue 12).
_LATEST = (select(GuidanceItem.version, GuidanceItem.content_hash)
           .where(GuidanceItem.code == bindparam("code"), GuidanceItem.status == "published")
           .order_by(GuidanceItem.version.desc()).limit(1))
_NAMED = select(GuidanceItem.version, GuidanceItem.content_hash).where(
    GuidanceItem.code == bindparam("code"), GuidanceItem.version == bindparam("version"),
    GuidanceItem.status.in_(READABLE_STATUSES))
# The latest published version in force on a day (《行政处罚法》第三十七条): from effective_from through
# effective_to (its last day, inclusive); a version without dates is in force (no date known).
_IN_FORCE = (select(GuidanceItem.version, GuidanceItem.content_hash)
             .where(GuidanceItem.code == bindparam("code"), GuidanceItem.status == "published",
                    or_(GuidanceItem.effective_from.is_(None), GuidanceItem.effective_from <= bindparam("on", type_=Date())),
                    or_(GuidanceItem.effective_to.is_(None), GuidanceItem.effective_to >= bindparam("on", type_=Date())))
             .order_by(GuidanceItem.version.desc()).limit(1))
_CONTENT = select(GuidanceItem.title, GuidanceItem.liability, GuidanceItem.legal_basis).where(
    GuidanceItem.code == bindparam("code"), GuidanceItem.version == bindparam("version"))
ITEMS: OrderedDict[tuple[str, int, str], Item] = OrderedDict()
ITEMS_KEPT = 4096  # the most recently used versions (the 35 real items many times over)


async def load_item_version(session: AsyncSession, code: str, version: int | None,
                            on: date | None = None) -> tuple[ItemVersion, Item] | None:
    """The version of guidance item ``code`` a calculation uses and its content, or None when unreadable:
    the version named, else the latest published one in force ``on`` that day, else the latest published."""
    if version is not None:
        found = (await session.execute(_NAMED, {"code": code, "version": version})).first()
    elif on is not None:
        found = (await session.execute(_IN_FORCE, {"code": code, "on": on})).first()
    else:
        found = (await session.execute(_LATEST, {"code": code})).first()
    if found is None:
        return None
    ref = ItemVersion(code, found.version, found.content_hash)
    key = (code, ref.version, ref.content_hash or "")
    item = ITEMS.get(key) if ref.content_hash else None
    if item is None:
        title, liability, legal_basis = (await session.execute(_CONTENT, {"code": code, "version": ref.version})).one()
        item = _item(code, ref.version, title, liability, legal_basis)
        if ref.content_hash:
            ITEMS[key] = item
            if len(ITEMS) > ITEMS_KEPT:
                ITEMS.popitem(last=False)
    else:
        ITEMS.move_to_end(key)
    return ref, item


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
) -> tuple[Calculation, RuleSet, str, ItemVersion]:
    found = await load_item_version(session, violation_code, item_version, on)
    if found is None:
        raise not_found("guidance item", f"{violation_code} version {item_version}" if item_version is not None else
                        f"{violation_code} in force on {on.isoformat()}" if on is not None else violation_code)
    ref, item = found
    if rule_set:
        rs, chosen_by = rule_set_named(rule_set), "request"
    else:
        rs, chosen_by = await active_rule_set(session, bureau)
    _, _, overlay, _ = catalog()
    try:
        result = calculate(rs, overlay, item, facts, mitigation=mitigation, on=on)
    except CalculationError as e:
        raise invalid(e.field, f"{e.message}（依据：{e.rule}）", code="discretion_input", rule=e.rule) from e
    return result, rs, chosen_by, ref


def calculation_out(result: Calculation, rs: RuleSet, chosen_by: str, used: ItemVersion) -> CalculationOut:
    """A calculation as ``POST /discretion/calculate`` answers it (also in ``POST /decision-context``)."""
    out = asdict(result)
    out["factors"] = [FactorOut(**f) for f in out["factors"]]
    return CalculationOut(
        **out,
        rule_set=RuleSetRef(name=rs.name, version=rs.version, title=rs.title, method=rs.method, status=rs.status,
                            source=rs.source, verified=rs.verified, chosen_by=chosen_by),
        violation={"code": used.code, "version": used.version, "content_hash": used.content_hash},
    )

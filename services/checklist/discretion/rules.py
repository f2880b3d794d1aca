"""The fine calculator — pure, no I/O.

1. **Statutory range** of the violation, from the guidance item's ``fine`` (the penalty article's
   amounts; ``multiple_of`` fines need the base amount as a fact; a higher statutory tier applies only
   when its condition is established).
2. **The rule set's method** places a raw amount inside that range from the aggravating (and the rule
   set's own mitigating) factors — every method is monotone: a heavier factor never lowers the amount.
3. **The statutory overlay**: any circumstance of 《行政处罚法》第三十二条 (“应当从轻或者减轻”) or a
   passed compliance rectification (试点方案 三（五）) makes the result *lighter* (从轻: lower part of
   the range); *mitigated* (减轻: below the statutory minimum) only when asked for **and** a 第三十二条
   circumstance is established. The statutory minimum and maximum are never crossed otherwise.

Output: ``fine_min ≤ recommended ≤ fine_max``, each factor's effect, the articles applied and the rule
set's ``name@version``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.checklist.discretion.rule_sets import Factor, Overlay, RuleSet
from shared import law

APL = law.APL_NAME
PILOT = law.PILOT[1 : law.PILOT.index("》")]
ART32 = "第三十二条"
BASE_AMOUNT = "base_amount_cny"
AGGRAVATED_TIER = "statutory_aggravated_tier"
OCCURRENCES = "occurrences"


class CalculationError(ValueError):
    """Bad or insufficient input: names the field and the rule that needs it."""

    def __init__(self, field: str, message: str, rule: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.rule = rule


@dataclass(frozen=True)
class Item:
    code: str
    version: int
    title: str
    fine: Mapping[str, Any]
    penalty_basis: list[dict[str, Any]]


@dataclass
class FactorEffect:
    key: str
    text: str
    value: Any
    effect: str  # heavier | lighter | mitigated | neutral
    detail: str
    article: str


@dataclass
class Calculation:
    fine_min: float
    fine_max: float
    recommended: float
    level: str  # standard | heavier | lighter | mitigated
    statutory_min: float
    statutory_max: float
    factors: list[FactorEffect]
    basis: list[dict[str, str]]
    rule_version: str
    notes: list[str] = field(default_factory=list)
    settings: list[dict[str, Any]] = field(default_factory=list)
    currency: str = "CNY"


# -- 1. statutory range ----------------------------------------------------------------------------
def _number(facts: Mapping[str, Any], key: str, rule: str, *, minimum: float) -> float | None:
    v = facts.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < minimum:
        raise CalculationError(f"facts.{key}", f"{key} must be a number ≥ {minimum:g}", rule)
    return float(v)


def statutory_range(item: Item, facts: Mapping[str, Any]) -> tuple[float, float, list[str], list[dict[str, str]]]:
    fine = item.fine
    penalty = "、".join(f"《{b['law']}》{b['article']}" for b in item.penalty_basis[:1]) or item.code
    notes: list[str] = []
    first = item.penalty_basis[0] if item.penalty_basis else {}
    # the fine's own article: the item's first penalty basis (and its clauses); others (按日连续处罚,
    # 拘留 …) are not part of the range
    basis = [
        {"law": b["law"], "article": b["article"], **({"clause": b["clause"]} if b.get("clause") else {}),
         "applied": "法定罚款幅度"}
        for b in item.penalty_basis
        if (b["law"], b["article"]) == (first.get("law"), first.get("article"))
    ]
    tier = facts.get(AGGRAVATED_TIER)
    if tier is not None and not isinstance(tier, bool):
        raise CalculationError(f"facts.{AGGRAVATED_TIER}", "must be true or false", penalty)
    if fine.get("kind") == "multiple_of":
        m = fine.get("multiple") or {}
        rule = f"{penalty}：按{m.get('base')}的{m.get('min_times')}至{m.get('max_times')}倍计罚"
        base = _number(facts, BASE_AMOUNT, rule, minimum=0)
        if base is None:
            raise CalculationError(
                f"facts.{BASE_AMOUNT}", f"this fine is a multiple of {m.get('base')}: give it as {BASE_AMOUNT}", rule
            )
        floor = float(m.get("base_floor_cny") or 0)
        if base < floor:
            notes.append(f"{m.get('base')}不足{floor:g}元，按{floor:g}元计算（{penalty}）")
        eff = max(base, floor)
        lo, hi = eff * float(m["min_times"]), eff * float(m["max_times"])
    elif tier is True and fine.get("aggravated"):
        agg = fine["aggravated"]
        lo, hi = float(agg.get("min_cny") or 0), float(agg["max_cny"])
        notes.append(f"适用同条较高一档：{agg['condition']}")
    else:
        if fine.get("max_cny") is None:
            raise CalculationError("violation_code", f"{item.code} states no fine amount to calculate", penalty)
        lo, hi = float(fine.get("min_cny") or 0), float(fine["max_cny"])
        if fine.get("min_cny") is None:
            notes.append("条文未规定罚款下限，按0元计")
    if tier is True and not fine.get("aggravated") and fine.get("kind") != "multiple_of":
        raise CalculationError(f"facts.{AGGRAVATED_TIER}", f"{item.code} has no higher statutory tier", penalty)
    if fine.get("per_occurrence"):
        n = _number(facts, OCCURRENCES, f"{penalty}（按次计罚）", minimum=1) or 1
        if n != int(n):
            raise CalculationError(f"facts.{OCCURRENCES}", "occurrences must be a whole number", penalty)
        lo, hi = lo * n, hi * n
        notes.append(f"按次计罚：{int(n)}次")
    return lo, hi, notes, basis


# -- 2. the rule set's method ------------------------------------------------------------------------
def _flag(facts: Mapping[str, Any], f: Factor) -> bool | None:
    v = facts.get(f.key)
    if v is not None and not isinstance(v, bool):
        raise CalculationError(f"facts.{f.key}", f"{f.key} ({f.text}) must be true or false", f.article)
    return v


def _level(facts: Mapping[str, Any], f: Factor) -> int | None:
    v = facts.get(f.key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v not in f.levels:
        raise CalculationError(
            f"facts.{f.key}", f"{f.key} ({f.text}) must be one of the levels {list(f.levels)}", f.article
        )
    return v


def _option(facts: Mapping[str, Any], f: Factor) -> tuple[str, str, float] | None:
    v = facts.get(f.key)
    if v is None:
        return None
    for o in f.options:
        if str(v) == o[0]:
            return o
    raise CalculationError(
        f"facts.{f.key}", f"{f.key} ({f.text}) must be one of {[o[0] for o in f.options]}", f.article
    )


def _position_from_levels(
    facts: Mapping[str, Any], factors: tuple[Factor, ...], effects: list[FactorEffect]
) -> float:
    """Mean level of the factors (a factor with no fact counts as its lightest level) → [0, 1]."""
    positions = []
    for f in factors:
        v = _level(facts, f)
        lowest, highest = min(f.levels), max(f.levels)
        used = lowest if v is None else v
        positions.append((used - lowest) / (highest - lowest) if highest > lowest else 0.0)
        label = f.labels.get(used, "")
        detail = f"等级{used}{('（' + label + '）') if label else ''}" + ("；未认定，按最轻等级计" if v is None else "")
        effects.append(FactorEffect(f.key, f.text, v, "heavier" if used > lowest else "neutral", detail, f.article))
    return sum(positions) / len(positions) if positions else 0.0


def method_amount(
    rs: RuleSet, item: Item, facts: Mapping[str, Any], lo: float, hi: float
) -> tuple[float, list[FactorEffect], list[str]]:
    """The rule set's raw amount inside ``[lo, hi]`` and each factor's effect."""
    effects: list[FactorEffect] = []
    notes: list[str] = []
    span = hi - lo
    if rs.method == "coefficient":
        base = lo if lo > 0 else hi * 0.1  # settings.base (labelled a setting in the data)
        coefficient = float(rs.settings["start_coefficient"]["value"])
        for f in rs.factors:
            v = _flag(facts, f)
            if v:
                coefficient += f.weight
            effects.append(FactorEffect(
                f.key, f.text, v, f.effect if v else "neutral",
                f"系数{f.weight:+g}" if v else ("未认定" if v is None else "不适用"), f.article,
            ))
        raw = base * max(coefficient, 0.0)
        notes.append(f"系数合计{coefficient:g} × 基数{base:g}元（{rs.settings['base']['text']}）")
        clamped = min(max(raw, lo), hi)
        # 第四条: 取下限倍数时进位到百元，其余的去尾数精确到百元 (max of both keeps it monotone)
        amount = max(math.floor(clamped / 100) * 100, math.ceil(lo / 100) * 100)
        return min(amount, hi), effects, notes
    if rs.method == "levels":
        behaviour = rs.behaviour_for(item.code)
        assert behaviour is not None
        notes.append(f"适用因素表：{behaviour.title}")
        pos = _position_from_levels(facts, behaviour.factors, effects)
        return lo + pos * span, effects, notes
    if rs.method == "two_dimensional":
        assert rs.individual is not None
        n = len(rs.individual.levels)
        v = _level(facts, rs.individual)
        used = 1 if v is None else v
        effects.append(FactorEffect(
            rs.individual.key, rs.individual.text, v, "heavier" if used > 1 else "neutral",
            f"个性基准第{used}级（共{n}级）" + ("；未认定，按第1级计" if v is None else ""), rs.individual.article,
        ))
        pos = _position_from_levels(facts, rs.factors, effects)
        band_lo = lo + (used - 1) / n * span
        return band_lo + pos * span / n, effects, notes
    # percentage
    total = 0.0
    for f in rs.factors:
        o = _option(facts, f)
        used = o or f.options[0]
        total += used[2]
        effects.append(FactorEffect(
            f.key, f.text, o[0] if o else None, "heavier" if used[2] > 0 else "neutral",
            f"{used[1]}：+{used[2]:g}%" + ("；未认定，按最轻档计" if o is None else ""), f.article,
        ))
    notes.append(f"百分比合计{total:g}%（起点与基数为本系统设置）")
    return lo + min(total, 100.0) / 100 * span, effects, notes


# -- 3. the statutory overlay ------------------------------------------------------------------------
def _round(amount: float, step: float) -> float:
    return math.floor(amount / step + 0.5) * step if step > 0 else amount


def calculate(
    rs: RuleSet,
    overlay: Overlay,
    item: Item,
    facts: Mapping[str, Any],
    *,
    mitigation: str | None = None,
    on: date | None = None,
) -> Calculation:
    if on is not None and not rs.in_force(on):
        raise CalculationError(
            "on", f"rule set {rs.rule_version} is not in force on {on.isoformat()}",
            "裁量规则按作出决定时有效的规则适用（规则集的生效日期）",
        )
    lo, hi, notes, basis = statutory_range(item, facts)
    raw, effects, method_notes = method_amount(rs, item, facts, lo, hi)
    notes += method_notes

    art32 = []
    for c in overlay.article_32:
        v = facts.get(c["key"])
        if v is not None and not isinstance(v, bool):
            raise CalculationError(f"facts.{c['key']}", f"{c['key']} must be true or false", c["article"])
        if v:
            art32.append(c)
            effects.append(FactorEffect(c["key"], c["text"], True, "lighter", "应当从轻或者减轻", c["article"]))
    rect = overlay.rectification
    rv = facts.get(rect["key"])
    if rv is not None and not isinstance(rv, bool):
        raise CalculationError(f"facts.{rect['key']}", f"{rect['key']} must be true or false", rect["article"])
    if rv:
        effects.append(FactorEffect(rect["key"], rect["text"], True, "lighter", "合规整改：从轻", rect["article"]))

    if mitigation == "mitigated" and not art32:
        raise CalculationError(
            "mitigation",
            f"减轻处罚（低于法定最低额）须有{law.APL}第三十二条规定的情形之一，事实中未认定任何一项",
            overlay.mitigation_article,
        )
    if mitigation == "mitigated" and lo <= 0:
        raise CalculationError(
            "mitigation", "该违法行为的罚则未规定罚款下限，无法在最低额以下减轻；可从轻处罚", overlay.mitigation_article
        )
    if mitigation == "lighter" and not (art32 or rv):
        raise CalculationError(
            "mitigation",
            f"从轻处罚须有从轻情节：{law.APL}第三十二条的情形或已通过评估的合规整改，事实中未认定",
            overlay.mitigation_article,
        )

    step = overlay.rounding_cny
    pos = (raw - lo) / (hi - lo) if hi > lo else 0.0
    settings: list[dict[str, Any]] = []
    if mitigation == "mitigated":
        level = "mitigated"
        fine_min = lo * overlay.mitigated_floor_share
        fine_max = max(lo - step, fine_min)
        recommended = fine_min + pos * (fine_max - fine_min)
        settings.append({"key": "mitigated_floor_share", "value": overlay.mitigated_floor_share,
                         "text": overlay.settings["mitigated_floor_share"]["text"]})
        for e in effects:
            if e.key in {c["key"] for c in art32}:
                e.effect, e.detail = "mitigated", "减轻：低于法定最低额处罚"
    elif art32 or rv:
        level = "lighter"
        fine_min = lo
        fine_max = lo + overlay.lighter_share * (hi - lo)
        recommended = lo + overlay.lighter_share * (raw - lo)
        settings.append({"key": "lighter_share", "value": overlay.lighter_share,
                         "text": overlay.settings["lighter_share"]["text"]})
    else:
        level = "heavier" if any(e.effect == "heavier" for e in effects) else "standard"
        fine_min, fine_max, recommended = lo, hi, raw
    if rs.method != "coefficient" or level in ("lighter", "mitigated"):
        recommended = _round(recommended, step)
        settings.append({"key": "rounding_cny", "value": step, "text": overlay.settings["rounding_cny"]["text"]})
    recommended = min(max(recommended, fine_min), fine_max)

    if art32:
        items = "、".join(c["article"].split(ART32)[-1] for c in art32)
        basis.append({"law": APL, "article": ART32, "clause": items,
                      "applied": "减轻处罚" if level == "mitigated" else "应当从轻或者减轻处罚"})
    if rv:
        basis.append({"law": PILOT, "article": "三（五）",
                      "applied": "充分考虑合规整改因素，依法从轻处罚"})
    used_articles = {e.article for e in effects if e.effect != "neutral" and e.article}
    for a in sorted(used_articles - {c["article"] for c in overlay.article_32} - {rect["article"]}):
        short = a.removeprefix(f"《{rs.title}》").removeprefix(f"{rs.title}：") or a
        basis.append({"law": rs.title, "article": short, "applied": f"裁量规则集 {rs.rule_version}"})
    for k, v in rs.settings.items():
        if isinstance(v, dict) and v.get("setting"):
            settings.append({"key": f"{rs.name}.{k}", "value": v.get("value"), "text": v.get("text")})
    return Calculation(
        fine_min=round(fine_min, 2), fine_max=round(fine_max, 2), recommended=round(recommended, 2), level=level,
        statutory_min=lo, statutory_max=hi, factors=effects, basis=basis, rule_version=rs.rule_version,
        notes=notes, settings=settings,
    )

"""评分 — a file's judgements checked against its standard version and the pre-fill, its total and verdict
(pure). A file is 不合格 when any veto item is not met (实体评查有一项不合格即为评查不及格) or its total is under the
campaign's pass mark (percent of the standard's points: a local setting, ``AuditSettings.casefile_pass_mark``)."""

from __future__ import annotations

from dataclasses import dataclass

from services.audit.casefile_review.prefill import Prefill
from services.audit.casefile_review.standard import StandardContent
from shared.problems import invalid

OVERRIDE_RULE = "评查人确认或改变系统预填的结论，改变的须说明理由；未得满分或不符合的项目须写明扣分理由（本地规则）"


@dataclass(frozen=True)
class Judged:
    code: str
    section: str
    met: bool
    points: float
    max_points: float
    veto: bool
    prefill: Prefill | None
    overridden: bool
    reason: str | None


@dataclass(frozen=True)
class Verdict:
    total: float
    max_total: float
    passed: bool
    vetoed: list[str]


def judge(standard: StandardContent, given: dict[str, dict], prefills: dict[str, Prefill]) -> list[Judged]:
    """Every item of the standard, judged (``given``: item code → {met, points?, reason?}); refuses an unknown
    item, a missing one, points beyond the item's, and an override or a deduction without a reason."""
    known = {i.code for i in standard.items}
    for code in given:
        if code not in known:
            raise invalid(f"items.{code}", f"评查标准中没有项目 {code}", code="unknown_item")
    out = []
    for item in standard.items:
        g = given.get(item.code)
        if g is None:
            raise invalid(f"items.{item.code}", f"项目 {item.code}（{item.text}）尚未评查", code="item_missing",
                          rule=OVERRIDE_RULE)
        met = bool(g["met"])
        points = item.points if met and g.get("points") is None else float(g.get("points") or 0)
        if points > item.points + 1e-9 or points < 0:
            raise invalid(f"items.{item.code}.points", f"项目 {item.code} 的分值为 0 至 {item.points:g} 分",
                          code="points_out_of_range")
        if not met and points:
            raise invalid(f"items.{item.code}.points", f"项目 {item.code} 评为不符合，不得给分", code="points_out_of_range")
        pre = prefills.get(item.auto) if item.auto else None
        overridden = pre is not None and pre.met is not None and pre.met != met
        reason = (g.get("reason") or "").strip() or None
        if reason is None and (overridden or points < item.points or (item.veto and not met)):
            why = "改变了系统预填的结论" if overridden else "未得满分或评为不符合"
            raise invalid(f"items.{item.code}.reason", f"项目 {item.code}（{item.text}）{why}，须说明理由",
                          code="reason_required", rule=OVERRIDE_RULE)
        out.append(Judged(item.code, item.section, met, points, item.points, item.veto, pre, overridden, reason))
    return out


def verdict(judged: list[Judged], pass_mark: float) -> Verdict:
    total = round(sum(j.points for j in judged), 2)
    max_total = round(sum(j.max_points for j in judged), 2)
    vetoed = [j.code for j in judged if j.veto and not j.met]
    passed = not vetoed and total + 1e-9 >= max_total * pass_mark / 100
    return Verdict(total, max_total, passed, vetoed)

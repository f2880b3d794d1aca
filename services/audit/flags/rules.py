"""Integrity-risk rules (廉政风险和履职风险) — each a small, named, pure function with its severity and
an explanation that cites the work point or article it rests on. No I/O: the service layer hands
each rule the decided case and the history it needs.

Sources cited (all in ``../shared/seeds`` and ``../shared/domain``):
* 试点方案 — 《苏州市生态环境领域涉企行政合规指导工作试点方案》 三（五）（六）（十）、五（二）（三）;
* 工作要点 — 《2023年苏州市生态环境系统法治政府建设工作要点》（苏环党组字〔2023〕90号）（十四）（二十二）;
* 《中华人民共和国行政处罚法》第三十三条、第四十四条、第五十七条、第五十八条、第六十条、第六十二条.

Decision rules (``DECISION_RULES``) run on every decided case: an exemption or light penalty is always
flagged (``exemption_or_light_penalty``); any decision, plain penalties included, is flagged when
another rule hits. Event rules (``case_overdue``, ``relapse_found``, ``recorded_interference``,
``reconciliation_gap``) add a hit when their event or record arrives.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from services.audit.config import AuditSettings
from shared import law
from shared.clock import local_date
from shared.contracts import DamageAtDecision
from shared.law import APL, POINTS
from shared.subjects import among
from shared.vocabulary import FLAGGED_DECISIONS, PENALTIES, DecisionType

RuleSeverity = Literal["review", "warning", "high"]

PILOT = law.PILOT.split("（", 1)[0]  # the plan's title alone, as the flags have always cited it
TYPE_CN = {DecisionType.PENALTY: "处罚", DecisionType.EXEMPTION: "不予处罚", DecisionType.LIGHTER: "从轻处罚",
           DecisionType.MITIGATED: "减轻处罚", DecisionType.HEAVIER: "从重处罚", "undecided": "未决定"}


@dataclass(frozen=True)
class ActSpan:
    """The act (违法行为) one violation of a decided case names: its code and period (第二十九条)."""

    code: str
    start: date
    end: date

    def overlaps(self, other: ActSpan) -> bool:
        return self.code == other.code and self.start <= other.end and other.start <= self.end

    def text(self) -> str:
        return self.start.isoformat() if self.end == self.start else f"{self.start.isoformat()}至{self.end.isoformat()}"


def act_spans(acts: Iterable[dict] | None) -> tuple[ActSpan, ...]:
    """The dated acts of a decided event's ``acts`` (undated ones cannot be compared and are left out)."""
    out = []
    for a in acts or ():
        if not isinstance(a, dict) or not a.get("occurred_on") or not a.get("code"):
            continue
        start = date.fromisoformat(str(a["occurred_on"]))
        out.append(ActSpan(str(a["code"]), start, date.fromisoformat(str(a["ended_on"])) if a.get("ended_on") else start))
    return tuple(out)


@dataclass(frozen=True)
class Decision:
    """A decided case as the rules see it (from ``ecocomply.case.decided.v1`` and earlier case events)."""

    decision_type: str
    steps: frozenset[str] = frozenset()
    case_id: str = ""
    uscc: str = ""
    bureau: str = ""
    decided_by: str = ""
    handlers: tuple[str, ...] = ()
    decided_at: datetime | None = None
    decision_date: date = date(2026, 1, 1)
    violation: str = ""
    facts_key: str = ""
    fine_amount: float | None = None
    fine_min: float | None = None
    fine_max: float | None = None
    reason: str | None = None
    no_penalty_kind: str | None = None
    # What the decision gate checked (the decided event's fields; empty for older events).
    case_handlers: tuple[str, ...] = ()
    statutory_min: float | None = None
    statutory_max: float | None = None
    discussion_type: str | None = None
    discussion_fine: float | None = None
    first_offence_claimed: bool = False
    number: str = ""
    acts: tuple[ActSpan, ...] = ()  # each violation's act period (the decided event's ``acts``; empty for older events)
    # 一案双查 (issue 27): the damage matter at the decision (the decided event's ``damage``; None for older events)
    # and the part of the fine the decision records as reduced for compensation.
    damage: DamageAtDecision | None = None
    compensation_reduction: float | None = None

    @property
    def outcome(self) -> float:
        """The fine as the outcome compared between similar cases (an exemption is 0)."""
        return float(self.fine_amount or 0.0)


@dataclass(frozen=True)
class PersonShare:
    """One officer's or leader's decisions in the bureau's window, and everyone else's."""

    person: str
    mine: int
    mine_flagged: int
    others: int
    others_flagged: int


@dataclass(frozen=True)
class History:
    """Other decided cases the history rules compare with (the service loads candidates; the rules
    apply their own windows, so the result depends only on the set of decisions, not on arrival order)."""

    same_enterprise: tuple[Decision, ...] = ()
    shares: tuple[PersonShare, ...] = ()
    similar: tuple[Decision, ...] = ()
    # The number of the enterprise's earlier exemptions in the repeat window, when the service hands
    # only the first few of them in ``same_enterprise`` (a bounded read); None: count those given.
    exemptions_before: int | None = None
    # The outcomes of the similar cases (same violation and facts, in the window, decided before), when
    # the service read only them (one aggregated row); None: take them from ``similar``.
    similar_outcomes: tuple[float, ...] | None = None
    # The enterprise's earlier decisions that carry a fine, with their acts (for ``same_act_fined_twice``).
    fined: tuple[Decision, ...] = ()


@dataclass(frozen=True)
class RuleHit:
    code: str
    severity: RuleSeverity
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "detail": self.detail}


DecisionRule = Callable[[Decision, History, AuditSettings], "RuleHit | None"]


def _before(d: Decision, other: Decision) -> bool:
    """``other`` was decided before ``d`` (ties broken by case id, so the order is total)."""
    a = (other.decision_date, other.decided_at or datetime.min, other.case_id)
    b = (d.decision_date, d.decided_at or datetime.min, d.case_id)
    return a < b


def _within(d: Decision, other: Decision, days: int) -> bool:
    return d.decision_date - timedelta(days=days) <= other.decision_date <= d.decision_date


# -- decision rules --------------------------------------------------------------------------------
def exemption_or_light_penalty(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """免罚、轻罚 — every exemption and light penalty goes in front of a supervisor."""
    if d.decision_type not in FLAGGED_DECISIONS:
        return None
    return RuleHit(
        "exemption_or_light_penalty", "review",
        f"{PILOT}三（十）：试点单位要建立廉政风险和履职风险防控机制，加强对免罚、轻罚案件的监督审核"
        f"（决定类型：{TYPE_CN.get(d.decision_type, d.decision_type)}）",
    )


def missing_legal_review(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """法制审核 — an exemption or light penalty decided without a recorded legal review."""
    if d.decision_type not in FLAGGED_DECISIONS or "legal_review" in d.steps:
        return None
    return RuleHit(
        "missing_legal_review", "high",
        f"案件步骤中无法制审核（legal_review）。{APL}第五十八条：应当进行法制审核的，未经法制审核或者审核未通过的，不得作出决定；"
        f"{PILOT}三（六）：免罚须经立案、调查取证、法制审核、集体讨论等法定程序",
    )


def missing_collective_discussion(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """集体讨论 — an exemption or light penalty decided without a recorded collective discussion."""
    if d.decision_type not in FLAGGED_DECISIONS or "collective_discussion" in d.steps:
        return None
    if d.decision_type == DecisionType.EXEMPTION:
        basis = f"{PILOT}三（六）：免罚须经立案、调查取证、法制审核、集体讨论等法定程序作出不予行政处罚决定；清单外免罚还须集体审议"
    else:
        basis = (
            f"{APL}第五十七条第二款：对情节复杂或者重大违法行为给予行政处罚，行政机关负责人应当集体讨论决定；"
            f"{PILOT}五（三）：办理免罚轻罚案件充分运用裁量基准、一案一议、征求意见、集体审议等方式"
        )
    return RuleHit("missing_collective_discussion", "high", f"案件步骤中无集体讨论（collective_discussion）。{basis}")


OUT_OF_LIST_STEPS = {
    "rectification_assessed": "合规整改完成并经评估",
    "opinions": "征求意见",
    "collective_discussion": "一案一议、集体审议",
}


def out_of_list_steps_missing(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """清单外免罚 — an exemption on a 第三十三条 ground outside the list lacks rectification/opinions/审议."""
    if d.decision_type != DecisionType.EXEMPTION or d.no_penalty_kind != "statutory":
        return None
    missing = [f"{cn}（{k}）" for k, cn in OUT_OF_LIST_STEPS.items() if k not in d.steps]
    if not missing:
        return None
    return RuleHit(
        "out_of_list_steps_missing", "high",
        f"免罚清单外依据{APL}第三十三条免罚，缺少：{'、'.join(missing)}。{PILOT}三（六）：对于免罚清单外，但符合"
        f"{APL}免罚情形的，企业完成合规整改后，试点单位还应根据案情探索增加一案一议、征求意见、集体审议等环节组织实施",
    )


def missing_notice(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """事先告知 — a penalty (of any kind) decided without the prior notice of the party's rights."""
    if d.decision_type not in PENALTIES or "notice" in d.steps:
        return None
    return RuleHit(
        "missing_notice", "high",
        f"处罚决定前无事先告知（notice）。{APL}第四十四条：行政机关在作出行政处罚决定之前，应当告知当事人拟作出的行政处罚内容及事实、理由、依据，"
        "并告知当事人依法享有的陈述、申辩、要求听证等权利；第六十二条：未告知的，不得作出行政处罚决定",
    )


def repeated_exemption(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """首违不罚 that is not the first — the same enterprise was exempted before within the window."""
    if d.decision_type != DecisionType.EXEMPTION:
        return None
    earlier = sorted(
        (o for o in h.same_enterprise
         if o.case_id != d.case_id and o.uscc == d.uscc and o.decision_type == DecisionType.EXEMPTION
         and _before(d, o) and _within(d, o, cfg.repeat_window_days)),
        key=lambda o: o.decision_date,
    )
    if not earlier:
        return None
    first_claimed = "first_offence" in d.facts_key.split("|")
    listed = "、".join(f"{o.decision_date.isoformat()}（{o.case_id[:8]}）" for o in earlier[:5])
    times = len(earlier) if h.exemptions_before is None else max(h.exemptions_before, len(earlier))
    return RuleHit(
        "repeated_exemption", "high" if first_claimed else "warning",
        f"企业 {d.uscc} 在本决定前 {cfg.repeat_window_days} 日内已获不予处罚 {times} 次：{listed}"
        f"{'；本案仍认定“初次违法”' if first_claimed else ''}。{APL}第三十三条第一款：初次违法且危害后果轻微并及时改正的，可以不予行政处罚；"
        f"{PILOT}三（十）：加强对免罚、轻罚案件的监督审核。（窗口天数为本地设置，默认两年，参照江苏旧裁量规则“两年内因类似环境违法行为受过环保行政处罚”）",
    )


def _two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float:
    p = (x1 + x2) / (n1 + n2)
    if p in (0.0, 1.0):
        return 0.0
    return (x1 / n1 - x2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))


def unusual_exemption_share(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """One officer or leader granting an unusual share of exemptions and light penalties in the bureau."""
    if d.decision_type not in FLAGGED_DECISIONS:
        return None
    found = []
    for sh in h.shares:
        if sh.mine < cfg.share_min_decisions or sh.others < cfg.share_min_decisions:
            continue
        z = _two_proportion_z(sh.mine_flagged, sh.mine, sh.others_flagged, sh.others)
        if z >= cfg.share_z:
            found.append(
                f"{sh.person}：{sh.mine} 件中免罚轻罚 {sh.mine_flagged} 件（{sh.mine_flagged / sh.mine:.0%}），"
                f"本局其他案件 {sh.others} 件中 {sh.others_flagged} 件（{sh.others_flagged / sh.others:.0%}），"
                f"两比例 z 检验 z={z:.2f} ≥ {cfg.share_z}"
            )
    if not found:
        return None
    return RuleHit(
        "unusual_exemption_share", "warning",
        f"近 {cfg.share_window_days} 日本局决定中，经办或决定人免罚轻罚占比异常偏高——{'；'.join(found)}。"
        f"{PILOT}五（三）：充分运用裁量基准、一案一议、征求意见、集体审议等方式，最大限度压缩和堵塞权力寻租空间，防范廉政和履职风险。"
        "（统计窗口、最少件数与阈值为本地设置）",
    )


def fine_below_range_without_reason(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """A fine below the discretion benchmark's calculated range with no written reason."""
    if d.fine_amount is None or d.fine_min is None or d.fine_amount >= d.fine_min:
        return None
    if d.reason and d.reason.strip():
        return None
    return RuleHit(
        "fine_below_range_without_reason", "high",
        f"罚款 {d.fine_amount:,.2f} 元低于裁量基准计算区间下限 {d.fine_min:,.2f} 元，且未载明理由。"
        f"{PILOT}三（五）：严格按照《江苏省生态环境行政裁量权基准规定》的裁量情形……不得滥用行政裁量权；"
        f"{POINTS}（十四）：落实行政裁量权基准，规范行使行政裁量权，杜绝行政处罚畸轻畸重、类案不同罚",
    )


def fine_outside_calculated_range(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """A fine outside the benchmark's calculated range (inside the statutory one): lawful with a written
    reason, and put before a supervisor all the same."""
    if d.fine_amount is None or d.fine_min is None or d.fine_max is None:
        return None
    if d.fine_min - 0.005 <= d.fine_amount <= d.fine_max + 0.005:
        return None
    if fine_below_range_without_reason(d, h, cfg) is not None:
        return None  # the graver rule says it already
    return RuleHit(
        "fine_outside_calculated_range", "review",
        f"罚款 {d.fine_amount:,.2f} 元在裁量基准计算区间 [{d.fine_min:,.2f}, {d.fine_max:,.2f}] 元之外（理由：{d.reason or '未载明'}）。"
        f"{PILOT}三（五）：准确适用裁量基准，不得滥用行政裁量权；五（三）：免罚轻罚案件充分运用裁量基准",
    )


def fine_outside_statutory_range(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """The decision gate never accepts this: a flag here proves the gate was bypassed."""
    if d.fine_amount is None or d.statutory_max is None:
        return None
    above = d.fine_amount > d.statutory_max + 0.005
    below = d.statutory_min is not None and d.fine_amount < d.statutory_min - 0.005 and d.decision_type != DecisionType.MITIGATED
    if not (above or below):
        return None
    return RuleHit(
        "fine_outside_statutory_range", "high",
        f"罚款 {d.fine_amount:,.2f} 元超出罚则规定的法定幅度 [{d.statutory_min or 0:,.2f}, {d.statutory_max:,.2f}] 元"
        f"（决定类型：{TYPE_CN.get(d.decision_type, d.decision_type)}）。法定幅度以外仅限依{APL}第三十二条减轻处罚（低于最低额）",
    )


def first_offence_against_record(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """初次违法 claimed, but the audit's own record has an earlier decision of the enterprise for the same violation."""
    if not d.first_offence_claimed or not d.violation:
        return None
    earlier = [o for o in h.same_enterprise if o.violation == d.violation and _before(d, o)
               and _within(d, o, cfg.repeat_window_days)]
    if not earlier:
        return None
    cases = "、".join(o.number or o.case_id for o in earlier[:5])
    return RuleHit(
        "first_offence_against_record", "high",
        f"事实认定“初次违法”，但该企业在 {cfg.repeat_window_days} 日内已因同一违法事项 {d.violation} 被作出决定：{cases}。"
        f"{APL}第三十三条第一款：初次违法且危害后果轻微并及时改正的，可以不予行政处罚（回溯期限为本地设置）",
    )


def same_act_fined_twice(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """一事不再罚: a second fine for the same act (same enterprise, violation, overlapping period) — 《行政处罚法》第二十九条."""
    if not d.fine_amount or not d.acts:
        return None
    twice = []
    for o in h.fined:
        if o.case_id == d.case_id or not o.fine_amount or o.uscc != d.uscc or not _before(d, o):
            continue
        for a in d.acts:
            b = next((b for b in o.acts if a.overlaps(b)), None)
            if b is not None:
                twice.append(f"{o.number or o.case_id}（{b.code}，{b.text()}，{o.bureau}）")
                break
    if not twice:
        return None
    return RuleHit(
        "same_act_fined_twice", "high",
        f"本案罚款 {d.fine_amount:,.2f} 元，所涉违法行为（"
        + "、".join(f"{a.code} {a.text()}" for a in d.acts)
        + f"）与在先已处罚款的案件重叠：{'、'.join(twice[:5])}。{APL}第二十九条：对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚",
    )


def decision_differs_from_discussion(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """The decision is not what the collective discussion concluded (type, or the fine it named)."""
    if d.discussion_type is None:
        return None
    fine_differs = d.discussion_fine is not None and (d.fine_amount is None or abs(d.discussion_fine - d.fine_amount) > 0.005)
    if d.discussion_type == d.decision_type and not fine_differs:
        return None
    concluded = TYPE_CN.get(d.discussion_type, d.discussion_type) + (
        f"（罚款 {d.discussion_fine:,.2f} 元）" if d.discussion_fine is not None else "")
    return RuleHit(
        "decision_differs_from_discussion", "high",
        f"集体讨论结论为{concluded}，决定为{TYPE_CN.get(d.decision_type, d.decision_type)}"
        f"{f'（罚款 {d.fine_amount:,.2f} 元）' if d.fine_amount is not None else ''}。"
        f"{APL}第五十七条第二款：行政机关负责人应当集体讨论决定（本系统解读：决定须与讨论结论一致）",
    )


def decider_handled_case(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """The leader who decided is one of the case's handlers."""
    if not among(d.decided_by, d.case_handlers):
        return None
    return RuleHit(
        "decider_handled_case", "high",
        f"作出决定的 {d.decided_by} 是本案执法人员。{APL}第五十七条：调查终结，行政机关负责人应当对调查结果进行审查……作出决定"
        "（本系统解读：调查与决定分离）",
    )


def similar_case_disparity(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """类案不同罚 — same violation item, same established facts, an outcome far from the peers'.

    Outcome = the fine (an exemption counts 0). The case is an outlier when it is at least
    ``similar_min_relative_gap`` away from the peers' median *and* its robust z-score
    |x − median| / (1.4826·MAD) is at least ``similar_robust_z`` (MAD 0: any such gap counts).
    """
    if not d.violation:
        return None
    if h.similar_outcomes is not None:
        values = list(h.similar_outcomes)
    else:
        values = [o.outcome for o in h.similar if o.case_id != d.case_id and o.violation == d.violation
                  and o.facts_key == d.facts_key and _within(d, o, cfg.similar_window_days) and _before(d, o)]
    if len(values) < cfg.similar_min_peers:
        return None
    med = statistics.median(values)
    mad = statistics.median(abs(v - med) for v in values)
    gap = abs(d.outcome - med)
    if gap < cfg.similar_min_relative_gap * max(med, 1.0):
        return None
    robust_z = math.inf if mad == 0 else gap / (1.4826 * mad)
    if robust_z < cfg.similar_robust_z:
        return None
    z_text = "∞（同类案件结果一致）" if math.isinf(robust_z) else f"{robust_z:.1f}"
    facts = d.facts_key.replace("|", "、") or "无"
    return RuleHit(
        "similar_case_disparity", "warning",
        f"同一违法事项 {d.violation}、认定事实相同（{facts}）的 {len(values)} 件在先案件，处理结果中位数 {med:,.0f} 元"
        f"（绝对中位差 {mad:,.0f} 元）；本案 {d.outcome:,.0f} 元（{TYPE_CN.get(d.decision_type, d.decision_type)}），"
        f"偏离 {gap:,.0f} 元，稳健 z={z_text} ≥ {cfg.similar_robust_z}。{POINTS}（十四）：杜绝行政处罚畸轻畸重、类案不同罚"
        "（比较窗口、最少件数与阈值为本地设置）",
    )


# -- 一案双查 (issue 27) ------------------------------------------------------------------------------
# Reducing a penalty on account of compensation is lawful in itself: 管理规定第十一条 makes active performance of the
# compensation duty a 从轻、减轻或者免予处理 circumstance "依法" (read only as quoted in 中国环境报, unverified), and
# 《行政处罚法》第三十二条第（一）项 (verified) obliges 从轻或者减轻 where the party 主动消除或者减轻违法行为危害后果.
# What no source sets is how the reduction compares with the compensation: the 以赔代罚 threshold below (a reduction
# larger than the compensation actually paid) and the not-started check are local supervisory rules, labelled so.
# 第十一条 as quoted: 中国环境报 2024-06, reprinted at http://jsecrpa.org.cn/hjqy/hjfz/202406/t20240619_514573.html
COMPENSATION_LAWFUL = (f"赔偿可依法作为从轻、减轻的情节：《生态环境损害赔偿管理规定》（环法规〔2022〕31号）第十一条“赔偿义务人积极"
                       "履行生态环境损害赔偿责任的，相关行政机关和司法机关依法将其作为从轻、减轻或者免予处理的情节”（据中国环境报"
                       f"文章转引，原文未核实）；{APL}第三十二条第（一）项“主动消除或者减轻违法行为危害后果的”，应当从轻或者减轻行政处罚。")
LOCAL_RULE = ("（本地监督规则：上述规定均未规定从轻、减轻的数额与实际赔偿数额的关系，“减少的罚款超过实际缴纳的赔偿金即标记”"
              "为本系统据试点方案三（十）设定的监督标准，非法定标准）")
LOCAL_CHECK = "（本地监督规则：据上述规定设定的监督标准，非法定标准）"
LIGHT = frozenset({DecisionType.LIGHTER, DecisionType.MITIGATED})


def compensation_in_lieu_of_penalty(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """以赔代罚 — a lighter or mitigated fine reduced on account of damage compensation (the decision's recorded
    ``compensation_reduction``) by more than the compensation actually paid on the case's damage matter."""
    if d.decision_type not in LIGHT or not d.compensation_reduction:
        return None
    paid = d.damage.paid_total if d.damage is not None else 0.0
    if d.compensation_reduction <= paid + 0.005:
        return None
    return RuleHit(
        "compensation_in_lieu_of_penalty", "high",
        f"决定以生态环境损害赔偿为由{TYPE_CN.get(d.decision_type, d.decision_type)}，减少罚款 {d.compensation_reduction:,.2f} 元，"
        f"而损害赔偿事项实际缴纳赔偿金 {paid:,.2f} 元，减少数额超出实际赔偿 {d.compensation_reduction - paid:,.2f} 元（以赔代罚）。"
        f"{PILOT}三（七）：违反国家规定造成生态环境损害的，应全面履行生态环境损害赔偿责任；"
        f"{POINTS}（十三）：建立完善行政处罚与损害赔偿“一案双查”的协同机制；{PILOT}三（十）：加强对免罚、轻罚案件的监督审核。"
        f"{COMPENSATION_LAWFUL}{LOCAL_RULE}",
    )


def damage_claim_not_started(d: Decision, h: History, cfg: AuditSettings) -> RuleHit | None:
    """An exemption or light penalty whose facts record ecological damage, while the damage claim was not started
    and no ground for not starting it (不启动索赔的依据) is recorded."""
    if d.decision_type not in FLAGGED_DECISIONS or d.damage is None or not d.damage.facts_record_damage:
        return None
    if d.damage.status not in (None, "screening") or d.damage.ground:
        return None  # started (any status after 线索筛查), or not started on a recorded ground
    where = "未开启损害赔偿事项" if d.damage.status is None else "损害赔偿事项仍处于线索筛查，未启动索赔亦未载明不启动依据"
    return RuleHit(
        "damage_claim_not_started", "high",
        f"案件事实认定造成生态环境损害，作出{TYPE_CN.get(d.decision_type, d.decision_type)}决定时{where}。"
        f"{PILOT}三（七）：违反国家规定造成生态环境损害的，应全面履行生态环境损害赔偿责任；"
        f"{POINTS}（十三）：建立完善行政处罚与损害赔偿“一案双查”的协同机制；{PILOT}三（十）：加强对免罚、轻罚案件的监督审核。"
        "不启动索赔须载明依据（《生态环境损害赔偿管理规定》第十八条第一款第三项、"
        f"环法规〔2025〕6号，据解读材料，原文未核实）{LOCAL_CHECK}",
    )


# Evaluation order = the order of ``rules`` on a flag.
DECISION_RULES: tuple[DecisionRule, ...] = (
    exemption_or_light_penalty,
    missing_legal_review,
    missing_collective_discussion,
    out_of_list_steps_missing,
    missing_notice,
    repeated_exemption,
    unusual_exemption_share,
    fine_below_range_without_reason,
    fine_outside_calculated_range,
    fine_outside_statutory_range,
    first_offence_against_record,
    same_act_fined_twice,
    decision_differs_from_discussion,
    decider_handled_case,
    similar_case_disparity,
    compensation_in_lieu_of_penalty,
    damage_claim_not_started,
)
# Rules whose result depends on other cases: re-run for later cases when an earlier one arrives late.
HISTORY_RULES = frozenset({"repeated_exemption", "unusual_exemption_share", "similar_case_disparity",
                           "first_offence_against_record", "same_act_fined_twice"})


def evaluate(d: Decision, h: History | None = None, cfg: AuditSettings | None = None) -> list[RuleHit]:
    """The hits for one decided case; a flag is raised when the list is not empty."""
    h = h or History()
    cfg = cfg or AuditSettings()
    return [hit for rule in DECISION_RULES if (hit := rule(d, h, cfg)) is not None]


# -- event rules -----------------------------------------------------------------------------------
DEADLINE_CN = {"handling": "办案期限", "filing": "立案期限", "service": "送达期限"}
DEADLINE_BASIS = {
    "handling": f"{APL}第六十条：行政机关应当自行政处罚案件立案之日起九十日内作出行政处罚决定",
    "service": f"{APL}第六十一条：当事人不在场的，行政机关应当在七日内……将行政处罚决定书送达当事人",
    "filing": "《生态环境行政处罚办法》第十八条（据解读，verified: false）：十五日内决定是否立案",
}


def case_overdue(deadline: str, due_date: date) -> RuleHit:
    """案件超期 — a time limit passed with its step not done (``ecocomply.case.overdue.v1``)."""
    name = DEADLINE_CN.get(deadline, deadline)
    basis = DEADLINE_BASIS.get(deadline, "")
    return RuleHit(
        "case_overdue", "warning",
        f"{name}已于 {due_date.isoformat()} 届满而相应环节未完成。{basis}；{PILOT}三（十）：加强对免罚、轻罚案件的监督审核",
    )


def relapse_found(found_at: datetime, detail: str) -> RuleHit:
    """整改后复查发现违法行为再次出现 (``ecocomply.case.relapse_found.v1``)."""
    return RuleHit(
        "relapse_found", "high",
        f"{local_date(found_at).isoformat()} 跟踪复查发现违法行为再次出现：{detail}。{PILOT}三（七）：免罚规范流程包括评估流程、跟踪管理；"
        "三（十）：加强对免罚、轻罚案件的监督审核",
    )


def recorded_interference(person: str, position: str, occurred_on: date, manner: str) -> RuleHit:
    """领导干部干预插手案件 — an interference recorded against the case."""
    return RuleHit(
        "recorded_interference", "high",
        f"{occurred_on.isoformat()} 记录 {person}（{position}）干预、插手案件办理：{manner}。"
        f"{POINTS}（二十二）：全面实行行政执法机关内部人员干预、插手案件办理的记录、通报和责任追究制度；"
        f"{PILOT}五（三）：防范廉政和履职风险",
    )


def reconciliation_gap(decision_type: str) -> RuleHit:
    """完整性核对发现缺失 — the cases service has this exemption/light penalty but no flag existed."""
    return RuleHit(
        "reconciliation_gap", "high",
        f"完整性核对：办案系统中的{TYPE_CN.get(decision_type, decision_type)}决定没有对应的监督审核标记（事件未送达或标记被删除），已补充标记。"
        f"{PILOT}三（十）：加强对免罚、轻罚案件的监督审核",
    )


def substantiated_complaint(reference: str, category: str, finding: str, findings: str) -> RuleHit:
    """投诉举报查证属实 — a complaint about the case's enforcement conduct was found substantiated (成立/部分成立)."""
    return RuleHit(
        "substantiated_complaint", "high",
        f"投诉 {reference}（{category}）经查{finding}：{findings}。"
        f"{POINTS}（二十一）：进一步完善针对行政执法不规范、不文明、不作为、乱作为等问题的投诉举报制度，完善投诉举报问题的办理程序",
    )


ENDING_CN = {"withdrawn": "撤销立案", "facts_not_established": "违法事实不能成立（不予行政处罚）", "terminated": "终止",
             "transferred": "移送"}


def case_ended_without_penalty(kind: str, reason: str, decided_by: str, legal_review_by: str | None,
                               ended_on: date, transferred_to: str | None = None) -> RuleHit:
    """案件未经处罚决定而结束 — 撤销立案, 违法事实不能成立, 终止, 移送 (``ecocomply.case.ended.v1``): every ending
    without the statutory penalty goes in front of a supervisor, as an exemption does (a transfer too: the
    bureau imposes nothing, and whether the receiving body does is out of its sight)."""
    review = f"法制审核：{legal_review_by}" if legal_review_by else "未经法制审核（调查终结前或移送）"
    to = f"，移送至{transferred_to}" if transferred_to else ""
    return RuleHit(
        "case_ended_without_penalty", "review",
        f"{ended_on.isoformat()} 案件以“{ENDING_CN.get(kind, kind)}”结束{to}，未作出行政处罚决定；理由：{reason}；"
        f"决定人：{decided_by}；{review}。{APL}第五十七条：调查终结，行政机关负责人应当对调查结果进行审查，根据不同情况，"
        f"分别作出如下决定；{PILOT}三（十）：加强对免罚、轻罚案件的监督审核",
    )


OUTCOME_CN = {"upheld": "维持", "changed": "变更", "revoked": "撤销", "confirmed_illegal": "确认违法",
              "redo": "撤销并责令重作"}
SOURCE_CN = {"bureau": "本机关自行纠错", "reconsideration": "行政复议", "litigation": "行政诉讼"}


def decision_revoked_or_reduced(source: str, outcome: str, fine_before: float | None, fine_after: float | None,
                                document: str, changed_on: date, dropped_kinds: Iterable[str] = ()) -> RuleHit:
    """决定被撤销或减轻 — a decided penalty revoked, confirmed illegal or reduced after the decision
    (``ecocomply.case.decision_changed.v1``)."""
    fines = f"罚款 {fine_before:g} 元 → {fine_after:g} 元；" if fine_before is not None and fine_after is not None else ""
    dropped = "、".join(dropped_kinds)
    if dropped:
        fines += f"不再执行的处罚种类：{dropped}；"
    return RuleHit(
        "decision_revoked_or_reduced", "review",
        f"{changed_on.isoformat()} 经{SOURCE_CN.get(source, source)}，行政处罚决定被{OUTCOME_CN.get(outcome, outcome)}"
        f"（{document}）；{fines}{APL}第四十八条第二款：公开的行政处罚决定被依法变更、撤销、确认违法或者确认无效的，"
        f"行政机关应当在三日内撤回行政处罚决定信息并公开说明理由；{PILOT}三（十）：加强对免罚、轻罚案件的监督审核",
    )


def repeated_refused_exemption_attempts(officer: str, count: int, threshold: int, window_days: int,
                                        refused_on: date, rule_code: str) -> RuleHit:
    """多次被拒的免罚轻罚尝试 — an officer's attempts at an exemption or a light penalty (不予处罚、从轻、减轻)
    that the decision gate refused (``ecocomply.case.gate_refused.v1``) reach the local threshold within the
    local window (``AuditSettings.refused_exemption_*``: local settings, not law); raised on the case of the
    attempt that reaches it."""
    return RuleHit(
        "repeated_refused_exemption_attempts", "warning",
        f"{refused_on.isoformat()} {officer} 的免罚或轻罚决定尝试被决定关口拒绝（{rule_code}），{window_days} 日内已有"
        f" {count} 次被拒（本地设置：{window_days} 日内 {threshold} 次即提示，非法定标准）。"
        f"{PILOT}三（十）：加强对免罚、轻罚案件的监督审核",
    )


def casefile_review_failed(campaign: str, total: float, max_total: float, pass_mark: float,
                           vetoed: Iterable[str], scored_on: date) -> RuleHit:
    """案卷评查不合格 — a case file drawn in a 案卷评查 campaign scored 不合格: a veto item (实体评查) not met, or a
    total under the campaign's pass mark (a local setting, ``AuditSettings.casefile_pass_mark``)."""
    veto = "、".join(vetoed)
    why = (f"否决项不符合：{veto}（实体评查有一项不合格即为评查不及格：据评分表页面，发文未核实；或本标准的否决项）" if veto
           else f"得分 {total:g}/{max_total:g}，低于及格线 {pass_mark:g}%（本地设置）")
    return RuleHit(
        "casefile_review_failed", "high",
        f"{scored_on.isoformat()} 案卷评查“{campaign}”评定为不合格（{why}）。"
        f"{POINTS}（十九）：组织开展全市生态环境系统行政执法案卷评查；"
        "《环境行政处罚案卷评查指南》（环办〔2012〕98号，供参考）4.1–4.8 评查内容的结构",
    )


EVENT_RULE_CODES = ("case_overdue", "relapse_found", "recorded_interference", "reconciliation_gap",
                    "case_ended_without_penalty", "decision_revoked_or_reduced", "repeated_refused_exemption_attempts",
                    "casefile_review_failed", "substantiated_complaint")
RULE_CODES: tuple[str, ...] = (*(r.__name__ for r in DECISION_RULES), *EVENT_RULE_CODES)


def facts_key(facts: dict[str, object] | None) -> str:
    """The established facts that make cases "similar": the true fact keys and the graded facts
    (discretion levels such as ``harm_degree=5``; amounts in yuan are not grades), sorted."""
    facts = facts or {}
    keys = [k for k, v in facts.items() if v is True]
    keys += [f"{k}={v}" for k, v in facts.items()
             if isinstance(v, int) and not isinstance(v, bool) and not k.endswith("_cny")]
    return "|".join(sorted(keys))[:400]


def people(*groups: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(p for g in groups for p in g if p))


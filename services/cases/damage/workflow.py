"""生态环境损害赔偿 — the damage-compensation matter beside a penalty case (一案双查, 工作要点（十三）): its states,
the transition table, the grounds for not starting a claim and the simplified-assessment limit, each with its
source and ``verified`` flag as ``shared/domain/damage_compensation.yaml`` has them. Pure: no I/O.

线索筛查 → 启动索赔 / 不启动（须载明依据）→ 调查/鉴定评估 → 磋商 → 赔偿协议 → 司法确认 → 修复 → 修复效果评估;
磋商不成 → 诉讼 → 修复. Where the sources give the step only by reference (the 2022 管理规定's articles on
磋商, 司法确认 and 诉讼 were not read), the rule says so and is labelled our reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.labels import DAMAGE_ACTION_CN, DAMAGE_STATUS_CN
from shared.rules import Refusal, Rule, reading

PROVISIONS = "《生态环境损害赔偿管理规定》（环法规〔2022〕31号）"
OPINION_2025 = "《关于深入推进生态环境损害赔偿制度改革若干具体问题的意见》（环法规〔2025〕6号）"
CIVIL_CODE = "《中华人民共和国民法典》"
POINTS = "《2023年苏州市生态环境系统法治政府建设工作要点》"
PILOT = "《苏州市生态环境领域涉企行政合规指导工作试点方案》"


class Status(StrEnum):
    SCREENING = "screening"  # 线索筛查
    NOT_STARTED = "not_started"  # 不启动索赔
    STARTED = "started"  # 启动索赔
    ASSESSED = "assessed"  # 调查/鉴定评估
    CONSULTATION = "consultation"  # 磋商
    AGREEMENT = "agreement"  # 赔偿协议
    CONFIRMED = "confirmed"  # 司法确认
    LITIGATION = "litigation"  # 诉讼
    RESTORATION = "restoration"  # 修复
    EVALUATED = "evaluated"  # 修复效果评估通过


STATUS_CN = {Status(k): v for k, v in DAMAGE_STATUS_CN.items()}
ACTION_CN = DAMAGE_ACTION_CN

# The statuses in which the claim counts as started (一案双查: the claim behind the penalty is pursued).
CLAIM_STARTED = frozenset(Status) - {Status.SCREENING, Status.NOT_STARTED}
FINAL = frozenset({Status.NOT_STARTED, Status.EVALUATED})

RULES: dict[str, Rule] = {r.code: r for r in (
    Rule("damage_liability", f"{PROVISIONS}第四条",
         "违反国家规定造成生态环境损害的，按照《生态环境损害赔偿制度改革方案》和本规定要求，依法追究生态环境损害赔偿责任"),
    reading("damage_claim_sequence", f"{PROVISIONS}；{POINTS}（十三）",
            "线索筛查后启动或不启动索赔；启动后依次调查/鉴定评估、磋商、签订赔偿协议、司法确认、修复、修复效果评估，"
            "磋商不成的提起诉讼（管理规定中磋商、司法确认、诉讼各条原文未读到，顺序为本系统解读）",
            remedy="record the step the matter's status allows (allowed_actions)"),
    Rule("not_start_ground_required", f"{PROVISIONS}第十八条第一款第三项",
         "环境污染或者生态破坏行为造成的生态环境损害显著轻微，且不需要赔偿的（可以不启动索赔）", verified=False,
         remedy="name a ground (ground: significantly_slight | already_restored) and a note"),
    Rule("simplified_assessment_limit", f"{PROVISIONS}第二十条第二款；{OPINION_2025}",
         "损害事实简单、责任认定无争议、损害较小的案件（可简化鉴定评估）；简单案件损害数额不超过30万元（省级可调整至50万元）",
         verified=False, remedy="assess in full (simplified: false), or record an amount within the local limit"),
    Rule("restoration_duty", f"{CIVIL_CODE}第一千二百三十四条",
         "违反国家规定造成生态环境损害，生态环境能够修复的，国家规定的机关或者法律规定的组织有权请求侵权人在合理期限内承担修复责任"),
    Rule("compensation_heads", f"{CIVIL_CODE}第一千二百三十五条",
         "违反国家规定造成生态环境损害的，国家规定的机关或者法律规定的组织有权请求侵权人赔偿下列损失和费用"),
)}


@dataclass(frozen=True)
class Ground:
    """A ground for not starting a claim (不启动索赔), with its source as the domain file gives it."""

    code: str
    text: str
    source: str
    url: str
    verified: bool


GROUNDS: dict[str, Ground] = {g.code: g for g in (
    Ground("significantly_slight", "环境污染或者生态破坏行为造成的生态环境损害显著轻微，且不需要赔偿",
           f"{PROVISIONS}第十八条第一款第三项（据{OPINION_2025}政府问答转引；“显著轻微”指损害数额极小或者未造成明显影响，"
           "损害区域为生态保护红线、赔偿义务人两年内再次违法等仍应启动索赔）",
           "http://www.mdx.gov.cn/info/2992/52825.htm", False),
    Ground("already_restored", "已通过行政执法、诉讼等途径实现修复",
           f"{OPINION_2025}（据解读材料：已通过行政执法、诉讼等途径实现修复的情形不纳入线索筛查或不启动索赔）",
           "https://reportify.cn/news/1122855780102574080", False),
)}

# action -> (statuses it may be taken from, the status it leads to; None: stays)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status | None]] = {
    "start": (frozenset({Status.SCREENING}), Status.STARTED),
    "not_start": (frozenset({Status.SCREENING}), Status.NOT_STARTED),
    "assess": (frozenset({Status.STARTED}), Status.ASSESSED),
    "consult": (frozenset({Status.ASSESSED}), Status.CONSULTATION),
    "agree": (frozenset({Status.CONSULTATION}), Status.AGREEMENT),
    "consultation_failed": (frozenset({Status.CONSULTATION}), Status.LITIGATION),
    "confirm": (frozenset({Status.AGREEMENT}), Status.CONFIRMED),
    "restore": (frozenset({Status.CONFIRMED, Status.LITIGATION}), Status.RESTORATION),
    "evaluate": (frozenset({Status.RESTORATION}), None),  # passed → evaluated; failed → restoration goes on
    "pay": (frozenset({Status.AGREEMENT, Status.CONFIRMED, Status.LITIGATION, Status.RESTORATION, Status.EVALUATED}),
            None),
}
ACTIONS = tuple(TRANSITIONS)


def allowed_actions(status: str) -> list[str]:
    return [a for a, (src, _) in TRANSITIONS.items() if status in src]


@dataclass(frozen=True)
class Step:
    """What a step asks for (the request, as the rule module sees it)."""

    action: str
    ground: str | None = None
    simplified: bool = False
    assessed_amount: float | None = None
    agreed_amount: float | None = None
    restoration_terms: str | None = None
    passed: bool | None = None
    paid_amount: float | None = None


def _refuse(rule: str, detail: str, status: str, action: str) -> Refusal:
    return Refusal(RULES[rule], detail, code="illegal_transition", state=status, action=action,
                   allowed_actions=allowed_actions(status))


def next_status(status: str, step: Step, *, simplified_max_cny: float, simplified_basis: str) -> Status:
    """The status ``step`` leads to from ``status``, or a ``Refusal`` naming the rule and its source."""
    if step.action not in TRANSITIONS:
        raise _refuse("damage_claim_sequence", f"unknown action {step.action!r}", status, step.action)
    src, dst = TRANSITIONS[step.action]
    if status not in src:
        raise _refuse("damage_claim_sequence",
                      f"“{ACTION_CN[step.action]}”不能在“{STATUS_CN.get(Status(status), status)}”阶段进行", status,
                      step.action)
    if step.action == "not_start" and step.ground not in GROUNDS:
        raise _refuse("not_start_ground_required", "不启动索赔须载明依据（ground）：" + "、".join(
            f"{g.code}（{g.text}）" for g in GROUNDS.values()), status, step.action)
    if step.action == "assess" and step.simplified:
        if step.assessed_amount is None or step.assessed_amount > simplified_max_cny:
            raise _refuse("simplified_assessment_limit",
                          f"简化鉴定评估限于损害数额不超过{simplified_max_cny:,.0f}元（{simplified_basis}）；"
                          f"本次数额：{'未载明' if step.assessed_amount is None else f'{step.assessed_amount:,.2f}元'}",
                          status, step.action)
    if step.action == "evaluate":
        return Status.EVALUATED if step.passed else Status.RESTORATION
    return dst if dst is not None else Status(status)

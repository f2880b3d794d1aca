"""案件办理流程 — the case workflow as a pure state machine: states, actions, and the rules that allow
or refuse each action, every rule with the article it enforces. No I/O: the service layer loads
the case, asks ``check``/``check_decision``, and writes the result with its event in one transaction.

States (API.md, DESIGN §3): filed (立案) → investigated (调查终结) → reviewed (法制审核通过) →
discussed (集体讨论) → notified (事先告知) → decided → served (送达) → executing (执行) → closed (结案),
plus withdrawn (撤销立案) and transferred (移送). A legal review that returns the case sends it back
to ``investigated``. Not every case passes every state, so the case also records the ``steps`` done,
and the decision rules read the steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

State = Literal[
    "filed", "investigated", "reviewed", "discussed", "notified", "decided",
    "served", "executing", "closed", "withdrawn", "transferred",
]
DecisionType = Literal["penalty", "no_penalty", "lighter", "mitigated", "heavier"]

EXEMPTION = "no_penalty"
LIGHT_PENALTIES = frozenset({"lighter", "mitigated"})
PENALTIES = frozenset({"penalty", "lighter", "mitigated", "heavier"})
OPEN_STATES = frozenset({"filed", "investigated", "reviewed", "discussed", "notified"})


@dataclass(frozen=True)
class Rule:
    code: str
    article: str
    text: str
    verified: bool = True  # False: the article's text was read in an interpretation, not verbatim

    def cite(self) -> str:
        return f"{self.article}：{self.text}" + ("" if self.verified else "（据解读材料，原文未核实）")


PILOT = "《苏州市生态环境领域涉企行政合规指导工作试点方案》（苏州市生态环境局、苏州市司法局，2023-12-19）"
APL = "《中华人民共和国行政处罚法》"
MEASURES = "《生态环境行政处罚办法》（生态环境部令第30号）"
LOCAL = "本地设置（法律未规定具体数值，由各局配置）"

RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("two_certified_handlers", f"{APL}第四十二条",
             "行政处罚应当由具有行政执法资格的执法人员实施。执法人员不得少于两人"),
        Rule("state_order", f"{APL}第五十四条、第五十七条、第五十八条",
             "立案、调查取证、调查终结审查、法制审核、作出决定须依次进行"),
        Rule("reviewer_not_handler", f"{APL}第五十八条",
             "法制审核应当由从事行政处罚决定法制审核的人员进行；本案执法人员不得审核本案"),
        Rule("legal_review_before_decision", f"{APL}第五十八条",
             "未经法制审核或者审核未通过的，不得作出决定"),
        Rule("evidence_required", f"{APL}第五十四条；{PILOT}三（六）",
             "必须全面、客观、公正地调查，收集有关证据；免罚须经立案、调查取证、法制审核、集体讨论等法定程序"),
        Rule("collective_discussion_for_exemption", f"{PILOT}三（六）",
             "免罚须经立案、调查取证、法制审核、集体讨论等法定程序作出不予行政处罚决定"),
        Rule("collective_discussion_for_light_penalty", f"{APL}第五十七条第二款；{PILOT}五（三）",
             "免罚轻罚案件充分运用裁量基准、一案一议、征求意见、集体审议等方式，防范廉政和履职风险"),
        Rule("collective_discussion_quorum", f"{APL}第五十七条第二款；{LOCAL}",
             "行政机关负责人应当集体讨论决定；出席人数与表决规则为本地设置（默认至少三人出席、过半数同意）"),
        Rule("notice_before_penalty", f"{APL}第四十四条、第六十二条",
             "作出行政处罚决定之前应当告知拟作出的处罚内容及陈述、申辩、要求听证等权利；未告知的，不得作出行政处罚决定"),
        Rule("rights_period_running", f"{APL}第六十二条、第六十四条",
             "拒绝听取当事人的陈述、申辩，不得作出行政处罚决定（当事人明确放弃的除外）；当事人要求听证的，应当在告知后五日（工作日）内提出"),
        Rule("hearing_before_decision", f"{APL}第六十三条、第六十四条",
             "当事人要求听证的，行政机关应当组织听证；听证由行政机关指定的非本案调查人员主持"),
        Rule("hearing_right_not_given", f"{APL}第六十三条",
             "拟作出较大数额罚款、吊销许可证件、责令停产停业等处罚的，才告知要求听证的权利（较大数额为本地设置）"),
        Rule("no_heavier_for_defence", f"{APL}第四十五条",
             "行政机关不得因当事人陈述、申辩而给予更重的处罚"),
        Rule("mitigating_circumstance_required", f"{APL}第三十二条",
             "从轻或者减轻行政处罚须具备法定情形之一（案件事实中须有一项为真）"),
        Rule("discretion_calculation_required", f"{APL}第三十四条；{PILOT}三（五）",
             "遵循裁量基准：从轻、减轻处罚须有裁量计算结果在案（含规则版本）"),
        Rule("reason_outside_range", f"{APL}第三十四条；{PILOT}三（五）、五（三）",
             "罚款数额超出裁量基准计算区间的，须书面说明理由"),
        Rule("no_penalty_item_required", f"{APL}第三十三条；{PILOT}三（六）",
             "不予行政处罚须载明所依据的免罚清单事项或法定情形"),
        Rule("no_penalty_conditions_met", f"{APL}第三十三条；{PILOT}三（六）",
             "不予行政处罚的适用条件须由已查明的事实全部满足（缺失的事实不视为满足）"),
        Rule("out_of_list_rectification", f"{PILOT}三（六）、三（七）",
             "免罚清单外符合行政处罚法免罚情形的，企业须完成合规整改（整改经评估通过）"),
        Rule("out_of_list_case_review", f"{PILOT}三（六）",
             "免罚清单外的免罚案件须增加一案一议环节"),
        Rule("out_of_list_opinions", f"{PILOT}三（六）",
             "免罚清单外的免罚案件须增加一案一议、征求意见、集体审议等环节"),
        Rule("no_fine_with_exemption", f"{APL}第三十三条",
             "不予行政处罚决定不得处以罚款"),
        Rule("fine_required", f"{APL}第五十九条",
             "行政处罚决定书应当载明处罚种类和依据；罚款决定须载明罚款数额"),
        Rule("handling_extension_limit", f"{MEASURES}第五十七条",
             "经负责人批准可以延长三十日；经延期仍不能作出处理决定的，由负责人集体讨论决定是否继续延期，继续延长不得超过三十日",
             verified=False),
        Rule("suspension_open", f"{MEASURES}第三十五条",
             "中止、检测、评估、认定期间不计入办案期限；中止须经负责人批准", verified=False),
        Rule("fine_paid_before_closing", f"{APL}第六十七条",
             "当事人应当自收到行政处罚决定书之日起十五日内缴纳罚款；罚款缴纳（执行完毕）后方可结案"),
        Rule("credit_notice_with_decision", "《关于规范苏州市生态环境处罚信息信用公示和修复工作的通知》（苏州，2022）",
             "送达《行政处罚决定书》的同时，将《环保信用失信记录告知书》和《信用修复指引》一并送至企业（三书送达）",
             verified=False),
        Rule("withdraw_before_review", f"{APL}第五十七条第一款第（三）项",
             "违法事实不能成立的，不予行政处罚；撤销立案限于法制审核前"),
        Rule("transfer_suspected_crime", f"{APL}第五十七条第一款第（四）项",
             "违法行为涉嫌犯罪的，移送司法机关"),
        Rule("follow_up_after_closing", f"{PILOT}三（七）",
             "免罚规范流程包括适用情形、启动条件、整改措施、评估流程、跟踪管理"),
    )
}

# Measures every compliance rectification plan (合规整改) contains (DESIGN §3); damage compensation is
# added where the facts record ecological damage.
MANDATORY_MEASURES = ("correct_violation", "eliminate_consequences", "prevention_system")
DAMAGE_MEASURE = "damage_compensation"
RECTIFICATION_RULE = Rule(
    "rectification_plan_measures", f"{PILOT}三（七）",
    "合规整改措施内容至少包括完成环境违法问题整改、消除环境违法后果影响、建立环境违法预防制度等措施，"
    "违反国家规定造成生态环境损害的，应全面履行生态环境损害赔偿责任",
)


def missing_measures(kinds: Iterable[str], facts: Mapping[str, object]) -> list[str]:
    have = set(kinds)
    need = list(MANDATORY_MEASURES) + ([DAMAGE_MEASURE] if facts.get("ecological_damage") is True else [])
    return [k for k in need if k not in have]


_OPEN = OPEN_STATES
# action -> states it may be taken in (the explicit transition table).
ACTION_STATES: dict[str, frozenset[str]] = {
    "add_evidence": frozenset({"filed", "investigated"}),
    "complete_investigation": frozenset({"filed", "investigated"}),
    "legal_review": frozenset({"investigated"}),
    "record_opinion": frozenset({"investigated", "reviewed", "discussed"}),
    "case_review": frozenset({"investigated", "reviewed", "discussed"}),
    "rectification_plan": frozenset({"filed", "investigated", "reviewed", "discussed"}),
    "rectification_assessment": frozenset({"filed", "investigated", "reviewed", "discussed"}),
    "calculate_discretion": frozenset({"investigated", "reviewed", "discussed", "notified"}),
    "collective_discussion": frozenset({"reviewed"}),
    "notice": frozenset({"reviewed", "discussed"}),
    "record_statement": frozenset({"notified"}),
    "request_hearing": frozenset({"notified"}),
    "hold_hearing": frozenset({"notified"}),
    "decide": frozenset({"reviewed", "discussed", "notified"}),
    "serve": frozenset({"decided"}),
    "record_payment": frozenset({"served"}),
    "close": frozenset({"served", "executing"}),
    "withdraw": frozenset({"filed", "investigated"}),
    "transfer": frozenset({"filed", "investigated", "reviewed", "discussed"}),
    "extend_handling": _OPEN,
    "suspend": _OPEN,
    "resume": _OPEN,
    "economic_impact": _OPEN | {"decided"},
    "schedule_follow_up": frozenset({"closed"}),
    "record_follow_up": frozenset({"closed"}),
}

# action -> state after it (None: the state does not change).
NEXT_STATE: dict[str, str | None] = {a: None for a in ACTION_STATES} | {
    "complete_investigation": "investigated",
    "legal_review": "reviewed",  # "return" sends the case back to investigated (see next_state)
    "collective_discussion": "discussed",
    "notice": "notified",
    "decide": "decided",
    "serve": "served",
    "record_payment": "executing",
    "close": "closed",
    "withdraw": "withdrawn",
    "transfer": "transferred",
}


@dataclass(frozen=True)
class Discretion:
    """The discretion calculation on record (checklist ``POST /discretion/calculate``)."""

    fine_min: float | None
    fine_max: float | None
    rule_version: str | None = None


@dataclass(frozen=True)
class CaseView:
    """What the rules need to know of a case."""

    state: str
    handlers: tuple[str, ...]
    steps: tuple[str, ...] = ()
    facts: Mapping[str, object] = field(default_factory=dict)
    rights_over: bool = False  # statement and hearing-request periods have run out
    hearing_requested: bool = False
    hearing_right: bool = False
    intended_fine: float | None = None  # the fine the 事先告知 announced
    discretion: Discretion | None = None
    handling_extensions: tuple[str, ...] = ()
    suspended: bool = False
    fine_due: bool = False
    paid: bool = False


class Refusal(Exception):
    """An action the rules do not allow now; carries the rule that blocks it."""

    def __init__(self, case: CaseView, action: str, rule: Rule, detail: str) -> None:
        super().__init__(detail)
        self.state = case.state
        self.action = action
        self.rule = rule
        self.detail = detail
        self.allowed = allowed_actions(case)


def allowed_actions(case: CaseView) -> list[str]:
    return [a for a, states in ACTION_STATES.items() if case.state in states]


def next_state(case: CaseView, action: str, *, opinion: str | None = None) -> str:
    if action == "legal_review" and opinion == "return":
        return "investigated"
    nxt = NEXT_STATE[action]
    return case.state if nxt is None else nxt


def _require_state(case: CaseView, action: str) -> None:
    if case.state not in ACTION_STATES[action]:
        rule = {"withdraw": "withdraw_before_review", "close": "state_order"}.get(action, "state_order")
        raise Refusal(case, action, RULES[rule], f"'{action}' is not allowed in state '{case.state}'")


def check_handlers(handlers: Iterable[str]) -> list[str]:
    """第四十二条: at least two distinct enforcement officers. Returns the de-duplicated list."""
    out: list[str] = []
    for h in handlers:
        if h and h not in out:
            out.append(h)
    return out


def uncertified(handlers: Iterable[str], certified: Mapping[str, str | None]) -> list[str]:
    """第四十二条 持证上岗: handlers with no 执法证号 on record (``certified``: sub → cert_no)."""
    return [h for h in handlers if not certified.get(h)]


def check(case: CaseView, action: str, *, actor: str, **kw: object) -> None:
    """Rules of every action except the decision (which has ``check_decision``)."""
    _require_state(case, action)
    if action == "legal_review" and actor in case.handlers:
        raise Refusal(case, action, RULES["reviewer_not_handler"], f"{actor} is a handler of this case and cannot review it")
    if action == "legal_review" and kw.get("opinion") == "approve" and "evidence" not in case.steps:
        raise Refusal(case, action, RULES["evidence_required"], "no evidence is on record: the review cannot approve the case")
    if action == "hold_hearing":
        if not case.hearing_requested:
            raise Refusal(case, action, RULES["hearing_before_decision"], "no hearing has been requested")
        presider = kw.get("presided_by")
        if presider in case.handlers:
            raise Refusal(case, action, RULES["hearing_before_decision"],
                          f"{presider} investigated this case and cannot preside over its hearing")
    if action == "request_hearing" and not case.hearing_right:
        raise Refusal(case, action, RULES["hearing_right_not_given"],
                      "the intended penalty carries no right to a hearing")
    if action == "request_hearing" and case.rights_over:
        raise Refusal(case, action, RULES["rights_period_running"], "the hearing-request period has run out")
    if action == "extend_handling":
        kind = kw.get("kind")
        exts = case.handling_extensions
        if kind == "head_approval" and exts:
            raise Refusal(case, action, RULES["handling_extension_limit"],
                          "the head's 30-day extension was already granted; a further one needs a collective discussion")
        if kind == "collective_discussion" and exts != ("head_approval",):
            raise Refusal(case, action, RULES["handling_extension_limit"],
                          "a collective-discussion extension follows the head's extension, once")
    if action == "suspend" and case.suspended:
        raise Refusal(case, action, RULES["suspension_open"], "the case is already suspended")
    if action == "resume" and not case.suspended:
        raise Refusal(case, action, RULES["suspension_open"], "the case is not suspended")
    if action == "close" and case.fine_due and not case.paid:
        raise Refusal(case, action, RULES["fine_paid_before_closing"], "the fine has not been paid")
    if action == "record_payment" and not case.fine_due:
        raise Refusal(case, action, RULES["fine_paid_before_closing"], "the decision imposes no fine to pay")


@dataclass(frozen=True)
class NoPenaltyBasis:
    """The no-penalty item a decision relies on, as the checklist service evaluated it."""

    code: str
    kind: Literal["list", "statutory"]
    eligible: bool
    unmet: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    item_version: int | None = None


# The steps each kind of decision needs, in the order of the law (for the decided event and the tests).
def required_steps(decision_type: str, no_penalty_kind: str | None = None) -> list[str]:
    steps = ["filing", "evidence", "investigation", "legal_review"]
    if decision_type == EXEMPTION:
        if no_penalty_kind == "statutory":
            steps += ["rectification_assessed", "case_review", "opinions"]
        return [*steps, "collective_discussion"]
    if decision_type in LIGHT_PENALTIES:
        steps += ["collective_discussion", "discretion"]
    return [*steps, "notice"]


def check_decision(
    case: CaseView,
    *,
    decision_type: str,
    mitigating_keys: Iterable[str] = (),
    no_penalty: NoPenaltyBasis | None = None,
    fine_amount: float | None = None,
    reason: str | None = None,
) -> None:
    """The decision rules of DESIGN §3. Raises ``Refusal`` with the first rule that blocks it."""
    action = "decide"
    _require_state(case, action)
    steps = set(case.steps)
    if "legal_review" not in steps:
        raise Refusal(case, action, RULES["legal_review_before_decision"], "the case has not passed legal review")
    if decision_type == EXEMPTION or decision_type in LIGHT_PENALTIES:
        if "collective_discussion" not in steps:
            rule = "collective_discussion_for_exemption" if decision_type == EXEMPTION else "collective_discussion_for_light_penalty"
            raise Refusal(case, action, RULES[rule], f"a '{decision_type}' decision needs a collective discussion first")
    if decision_type in LIGHT_PENALTIES:
        keys = set(mitigating_keys)
        if not any(case.facts.get(k) is True for k in keys):
            raise Refusal(
                case, action, RULES["mitigating_circumstance_required"],
                f"none of the mitigating circumstances {sorted(keys)} is established in the case facts",
            )
    if "evidence" not in steps:
        raise Refusal(case, action, RULES["evidence_required"], "no evidence has been recorded on the case (调查取证)")
    if decision_type == EXEMPTION:
        _check_exemption(case, steps, no_penalty, fine_amount)
        return
    # Every penalty: the party told of it and heard (第四十四条、第六十二条、第六十三条).
    if "notice" not in steps:
        raise Refusal(case, action, RULES["notice_before_penalty"], "the party has not been notified (事先告知)")
    if case.hearing_requested and "hearing" not in steps:
        raise Refusal(case, action, RULES["hearing_before_decision"], "the party requested a hearing; it has not been held")
    if not case.rights_over and "rights_waived" not in steps and "hearing" not in steps:
        raise Refusal(case, action, RULES["rights_period_running"],
                      "the statement/hearing-request period has not run out and the party has not waived its rights")
    if "statement" in steps and case.intended_fine is not None and (fine_amount or 0) > case.intended_fine:
        raise Refusal(case, action, RULES["no_heavier_for_defence"],
                      f"the fine {fine_amount} exceeds the {case.intended_fine} announced before the party's statement")
    if decision_type in LIGHT_PENALTIES and case.discretion is None:
        raise Refusal(case, action, RULES["discretion_calculation_required"],
                      "no discretion calculation is on record for this case")
    d = case.discretion
    if d is not None and fine_amount is not None and d.fine_min is not None and d.fine_max is not None:
        if not d.fine_min <= fine_amount <= d.fine_max and not (reason or "").strip():
            raise Refusal(case, action, RULES["reason_outside_range"],
                          f"the fine {fine_amount} is outside the calculated range [{d.fine_min}, {d.fine_max}] "
                          f"(rule {d.rule_version}); give a written reason")


def _check_exemption(case: CaseView, steps: set[str], no_penalty: NoPenaltyBasis | None, fine_amount: float | None) -> None:
    action = "decide"
    if fine_amount:
        raise Refusal(case, action, RULES["no_fine_with_exemption"], "an exemption cannot carry a fine")
    if no_penalty is None:
        raise Refusal(case, action, RULES["no_penalty_item_required"], "name the no-penalty item relied on")
    if not no_penalty.eligible:
        raise Refusal(
            case, action, RULES["no_penalty_conditions_met"],
            f"conditions of {no_penalty.code} not met: unmet {list(no_penalty.unmet)}, unknown {list(no_penalty.unknown)}",
        )
    if no_penalty.kind == "statutory":
        if "rectification_assessed" not in steps:
            raise Refusal(case, action, RULES["out_of_list_rectification"],
                          "an exemption outside the list needs the compliance rectification completed and assessed")
        if "case_review" not in steps:
            raise Refusal(case, action, RULES["out_of_list_case_review"],
                          "an exemption outside the list needs a case-by-case review record (一案一议)")
        if "opinions" not in steps:
            raise Refusal(case, action, RULES["out_of_list_opinions"],
                          "an exemption outside the list needs opinions solicited and recorded (征求意见)")


# -- collective discussion quorum (local settings, labelled) ----------------------------------------
QUORUM_DEFAULT = 3


def check_discussion(case: CaseView, *, participants: int, quorum: int = QUORUM_DEFAULT) -> None:
    _require_state(case, "collective_discussion")
    if participants < quorum:
        raise Refusal(case, "collective_discussion", RULES["collective_discussion_quorum"],
                      f"{participants} participants; the quorum is {quorum}")


def discussion_approves(*, participants: int, votes_for: int) -> bool:
    """Majority of the participants (local setting): otherwise the discussion is recorded as not approving."""
    return votes_for * 2 > participants

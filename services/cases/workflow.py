"""案件办理流程 — the case workflow as a pure state machine: states, actions, and the rules that allow
or refuse each action, every rule with the article it enforces. No I/O: the service layer loads
the case, asks ``check``, and writes the result with its event in one transaction.

States (API.md, DESIGN §3): filed (立案) → investigated (调查终结) → reviewed (法制审核通过) →
discussed (集体讨论) → notified (事先告知) → decided …, plus withdrawn (撤销立案). A legal review that
returns the case sends it back to ``investigated``. Not every case passes every state, so the case
also records the ``steps`` done, and the decision rules read the steps.
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


@dataclass(frozen=True)
class Rule:
    code: str
    article: str
    text: str

    def cite(self) -> str:
        return f"{self.article}：{self.text}"


PILOT = "《苏州市生态环境领域涉企行政合规指导工作试点方案》（苏州市生态环境局、苏州市司法局，2023）"
APL = "《中华人民共和国行政处罚法》"

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
        Rule("collective_discussion_for_exemption", f"{PILOT}三（六）",
             "免罚须经立案、调查取证、法制审核、集体讨论等法定程序作出不予行政处罚决定"),
        Rule("collective_discussion_for_light_penalty", f"{APL}第五十七条第二款；{PILOT}五（三）",
             "免罚轻罚案件充分运用裁量基准、一案一议、征求意见、集体审议等方式，防范廉政和履职风险"),
        Rule("notice_before_penalty", f"{APL}第四十四条、第六十二条",
             "作出行政处罚决定之前应当告知拟作出的处罚内容及陈述、申辩、要求听证等权利；未告知的，不得作出行政处罚决定"),
        Rule("mitigating_circumstance_required", f"{APL}第三十二条",
             "从轻或者减轻行政处罚须具备法定情形之一（案件事实中须有一项为真）"),
        Rule("no_penalty_item_required", f"{APL}第三十三条；{PILOT}三（六）",
             "不予行政处罚须载明所依据的免罚清单事项或法定情形"),
        Rule("no_penalty_conditions_met", f"{APL}第三十三条；{PILOT}三（六）",
             "不予行政处罚的适用条件须由已查明的事实全部满足（缺失的事实不视为满足）"),
        Rule("out_of_list_rectification", f"{PILOT}三（六）",
             "免罚清单外符合行政处罚法免罚情形的，企业须完成合规整改（整改经评估通过）"),
        Rule("out_of_list_opinions", f"{PILOT}三（六）",
             "免罚清单外的免罚案件须增加一案一议、征求意见、集体审议等环节"),
        Rule("no_fine_with_exemption", f"{APL}第三十三条",
             "不予行政处罚决定不得处以罚款"),
    )
}

# Measures every compliance rectification plan (合规整改) contains (DESIGN §3); damage compensation is
# added where the facts record ecological damage (《中华人民共和国民法典》第一千二百三十四条: 修复责任).
MANDATORY_MEASURES = ("correct_violation", "eliminate_consequences", "prevention_system")
DAMAGE_MEASURE = "damage_compensation"
RECTIFICATION_RULE = Rule(
    "rectification_plan_measures", f"{PILOT}三（六）；《中华人民共和国民法典》第一千二百三十四条",
    "合规整改计划至少包括：纠正违法行为、消除危害后果、建立防范制度；造成生态环境损害的，还须承担修复/赔偿责任",
)


def missing_measures(kinds: Iterable[str], facts: Mapping[str, object]) -> list[str]:
    have = set(kinds)
    need = list(MANDATORY_MEASURES) + ([DAMAGE_MEASURE] if facts.get("ecological_damage") is True else [])
    return [k for k in need if k not in have]


# action -> states it may be taken in (the explicit transition table).
ACTION_STATES: dict[str, frozenset[str]] = {
    "add_evidence": frozenset({"filed", "investigated"}),
    "complete_investigation": frozenset({"filed", "investigated"}),
    "legal_review": frozenset({"investigated"}),
    "record_opinion": frozenset({"investigated", "reviewed", "discussed"}),
    "rectification_plan": frozenset({"filed", "investigated", "reviewed", "discussed"}),
    "rectification_assessment": frozenset({"filed", "investigated", "reviewed", "discussed"}),
    "collective_discussion": frozenset({"reviewed"}),
    "notice": frozenset({"reviewed", "discussed"}),
    "decide": frozenset({"reviewed", "discussed", "notified"}),
    "withdraw": frozenset({"filed", "investigated"}),
}

# action -> state after it (None: the state does not change).
NEXT_STATE: dict[str, str | None] = {
    "add_evidence": None,
    "complete_investigation": "investigated",
    "legal_review": "reviewed",  # "return" sends the case back to investigated (see next_state)
    "record_opinion": None,
    "rectification_plan": None,
    "rectification_assessment": None,
    "collective_discussion": "discussed",
    "notice": "notified",
    "decide": "decided",
    "withdraw": "withdrawn",
}


@dataclass(frozen=True)
class CaseView:
    """What the rules need to know of a case."""

    state: str
    handlers: tuple[str, ...]
    steps: tuple[str, ...] = ()
    facts: Mapping[str, object] = field(default_factory=dict)


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
        raise Refusal(
            case, action, RULES["state_order"],
            f"'{action}' is not allowed in state '{case.state}'",
        )


def check_handlers(handlers: Iterable[str]) -> list[str]:
    """第四十二条: at least two distinct enforcement officers. Returns the de-duplicated list."""
    out: list[str] = []
    for h in handlers:
        if h and h not in out:
            out.append(h)
    return out


def check(case: CaseView, action: str, *, actor: str) -> None:
    """Rules common to every action except the decision (which has ``check_decision``)."""
    _require_state(case, action)
    if action == "legal_review" and actor in case.handlers:
        raise Refusal(
            case, action, RULES["reviewer_not_handler"],
            f"{actor} is a handler of this case and cannot review it",
        )


@dataclass(frozen=True)
class NoPenaltyBasis:
    """The no-penalty item a decision relies on, as the checklist service evaluated it."""

    code: str
    kind: Literal["list", "statutory"]
    eligible: bool
    unmet: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    item_version: int | None = None


def check_decision(
    case: CaseView,
    *,
    decision_type: str,
    mitigating_keys: Iterable[str] = (),
    no_penalty: NoPenaltyBasis | None = None,
    fine_amount: float | None = None,
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
    if decision_type in PENALTIES and "notice" not in steps:
        raise Refusal(case, action, RULES["notice_before_penalty"], "the party has not been notified (事先告知)")
    if decision_type in LIGHT_PENALTIES:
        keys = set(mitigating_keys)
        if not any(case.facts.get(k) is True for k in keys):
            raise Refusal(
                case, action, RULES["mitigating_circumstance_required"],
                f"none of the mitigating circumstances {sorted(keys)} is established in the case facts",
            )
    if decision_type == EXEMPTION:
        if fine_amount:
            raise Refusal(case, action, RULES["no_fine_with_exemption"], "an exemption cannot carry a fine")
        if no_penalty is None:
            raise Refusal(case, action, RULES["no_penalty_item_required"], "name the no-penalty item relied on")
        if not no_penalty.eligible:
            raise Refusal(
                case, action, RULES["no_penalty_conditions_met"],
                f"conditions of {no_penalty.code} not met: unmet {list(no_penalty.unmet)}, "
                f"unknown {list(no_penalty.unknown)}",
            )
        if no_penalty.kind == "statutory":
            if "rectification_assessed" not in steps:
                raise Refusal(
                    case, action, RULES["out_of_list_rectification"],
                    "an exemption outside the list needs the compliance rectification completed and assessed",
                )
            if "opinions" not in steps:
                raise Refusal(
                    case, action, RULES["out_of_list_opinions"],
                    "an exemption outside the list needs opinions solicited and recorded (征求意见)",
                )

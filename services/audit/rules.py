"""Integrity-risk rules for decided cases — each a small named pure function with the rule it enforces.

Every decision in ``FLAGGED_DECISIONS`` (exemption 不予处罚, 从轻, 减轻) is flagged for supervision
review; the other rules add what the case's recorded ``steps`` lack. A rule returns a ``RuleHit`` or
None. Later rules (repeated exemptions, fine below the benchmark, overdue …) need history and go in
the same list with their own facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from shared.contracts import FLAGGED_DECISIONS, CaseDecided

RuleSeverity = Literal["review", "warning", "high"]

PILOT = "《苏州市生态环境领域涉企行政合规指导工作试点方案》（苏州市生态环境局、苏州市司法局，2023-12-19）"
APL = "《中华人民共和国行政处罚法》"
EXEMPTION = "no_penalty"


@dataclass(frozen=True)
class CaseFacts:
    """The facts of a decided case the rules read (from ``ecocomply.case.decided.v1``)."""

    decision_type: str
    steps: frozenset[str]

    @classmethod
    def from_event(cls, decided: CaseDecided) -> CaseFacts:
        return cls(decision_type=decided.decision_type, steps=frozenset(decided.steps))


@dataclass(frozen=True)
class RuleHit:
    code: str
    severity: RuleSeverity
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "detail": self.detail}


Rule = Callable[[CaseFacts], RuleHit | None]


def exemption_or_light_penalty(facts: CaseFacts) -> RuleHit | None:
    """免罚、轻罚 — every exemption and light penalty goes in front of a supervisor."""
    if facts.decision_type not in FLAGGED_DECISIONS:
        return None
    return RuleHit(
        "exemption_or_light_penalty",
        "review",
        f"{PILOT}三（十）：试点单位要建立廉政风险和履职风险防控机制，加强对免罚、轻罚案件的监督审核"
        f"（决定类型：{facts.decision_type}）",
    )


def missing_legal_review(facts: CaseFacts) -> RuleHit | None:
    """法制审核 — no legal review recorded before the decision."""
    if "legal_review" in facts.steps:
        return None
    return RuleHit(
        "missing_legal_review",
        "high",
        f"案件步骤中无法制审核（legal_review）。{APL}第五十八条：应当进行法制审核的，未经法制审核或者审核未通过的，不得作出决定；"
        f"{PILOT}三（六）：免罚须经立案、调查取证、法制审核、集体讨论等法定程序",
    )


def missing_collective_discussion(facts: CaseFacts) -> RuleHit | None:
    """集体讨论 — no collective discussion recorded for an exemption or light penalty."""
    if "collective_discussion" in facts.steps:
        return None
    if facts.decision_type == EXEMPTION:
        basis = f"{PILOT}三（六）：免罚须经立案、调查取证、法制审核、集体讨论等法定程序作出不予行政处罚决定；清单外免罚还须集体审议"
    else:
        basis = (
            f"{APL}第五十七条第二款：对情节复杂或者重大违法行为给予行政处罚，行政机关负责人应当集体讨论决定；"
            f"{PILOT}五（三）：办理免罚轻罚案件充分运用裁量基准、一案一议、征求意见、集体审议等方式"
        )
    return RuleHit(
        "missing_collective_discussion", "high", f"案件步骤中无集体讨论（collective_discussion）。{basis}"
    )


# Evaluation order = the order of ``rules`` on a flag.
RULES: tuple[Rule, ...] = (exemption_or_light_penalty, missing_legal_review, missing_collective_discussion)
RULE_CODES: tuple[str, ...] = tuple(r.__name__ for r in RULES)


def evaluate(facts: CaseFacts) -> list[RuleHit]:
    """The hits for one decided case; empty (no flag) unless the decision is an exemption or light penalty."""
    if facts.decision_type not in FLAGGED_DECISIONS:
        return []
    return [hit for rule in RULES if (hit := rule(facts)) is not None]

"""Integrity-risk rules as pure functions."""

from __future__ import annotations

import pytest

from services.audit.rules import (
    RULE_CODES,
    RULES,
    CaseFacts,
    evaluate,
    exemption_or_light_penalty,
    missing_collective_discussion,
    missing_legal_review,
)

ALL_STEPS = frozenset({"filed", "investigated", "legal_review", "collective_discussion", "notice"})


def codes(decision_type: str, steps=ALL_STEPS) -> list[str]:
    return [h.code for h in evaluate(CaseFacts(decision_type, frozenset(steps)))]


@pytest.mark.parametrize("decision_type", ["no_penalty", "lighter", "mitigated"])
def test_every_exemption_and_light_penalty_is_flagged_for_review(decision_type):
    assert codes(decision_type) == ["exemption_or_light_penalty"]
    hit = exemption_or_light_penalty(CaseFacts(decision_type, ALL_STEPS))
    assert hit is not None and hit.severity == "review"
    assert "三（十）" in hit.detail and "加强对免罚、轻罚案件的监督审核" in hit.detail


@pytest.mark.parametrize("decision_type", ["penalty", "heavier"])
def test_penalties_and_heavier_penalties_are_not_flagged(decision_type):
    assert codes(decision_type) == []
    assert codes(decision_type, steps=set()) == []


def test_missing_steps_add_their_rules_in_order():
    assert codes("no_penalty", steps={"filed", "investigated"}) == [
        "exemption_or_light_penalty",
        "missing_legal_review",
        "missing_collective_discussion",
    ]
    assert codes("lighter", steps=ALL_STEPS - {"legal_review"}) == [
        "exemption_or_light_penalty",
        "missing_legal_review",
    ]


def test_each_rule_cites_its_source():
    review = missing_legal_review(CaseFacts("lighter", frozenset()))
    assert review is not None and "第五十八条" in review.detail and review.severity == "high"
    exemption = missing_collective_discussion(CaseFacts("no_penalty", frozenset()))
    assert exemption is not None and "三（六）" in exemption.detail
    light = missing_collective_discussion(CaseFacts("mitigated", frozenset()))
    assert light is not None and "第五十七条第二款" in light.detail
    assert missing_collective_discussion(CaseFacts("no_penalty", ALL_STEPS)) is None


def test_rule_codes_are_the_function_names_and_unique():
    assert RULE_CODES == (
        "exemption_or_light_penalty",
        "missing_legal_review",
        "missing_collective_discussion",
    )
    assert len(set(RULE_CODES)) == len(RULES)
    for rule in RULES:
        hit = rule(CaseFacts("no_penalty", frozenset()))
        assert hit is not None and hit.code == rule.__name__
        assert set(hit.as_dict()) == {"code", "severity", "detail"}

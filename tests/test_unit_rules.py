"""Pure rules: USCC check characters (GB 32100-2015) and the case workflow's decision rules."""

from __future__ import annotations

import pytest

from services.cases import workflow as wf
from shared import uscc


@pytest.mark.parametrize("code", ["91330100716105852F", "9144030071526726XG", "91110000802100433B"])
def test_real_uscc_codes_validate(code):
    assert uscc.validate(code.lower()) == code


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91330100716105852G", "check character"),
        ("9133010071610585", "18 characters"),
        ("91330100716105852I", "outside"),
        ("913301AB716105852F", "administrative division"),
    ],
)
def test_bad_uscc_says_what_is_wrong(code, fragment):
    with pytest.raises(uscc.USCCError, match=fragment):
        uscc.validate(code)


def test_every_single_character_change_is_detected():
    good = "91330100716105852F"
    for i in range(17):
        for ch in uscc.ALPHABET:
            if ch == good[i] or (2 <= i < 8 and not ch.isdigit()):
                continue
            with pytest.raises(uscc.USCCError):
                uscc.validate(good[:i] + ch + good[i + 1:])


def view(state="reviewed", steps=("filing", "investigation", "legal_review"), facts=None):
    return wf.CaseView(state=state, handlers=("a", "b"), steps=tuple(steps), facts=facts or {})


def test_decision_needs_legal_review_and_cites_article_58():
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(view(state="investigated", steps=("filing", "investigation")), decision_type="penalty")
    assert "第五十八条" in e.value.rule.article or e.value.rule.code == "state_order"
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(view(state="notified", steps=("filing", "notice")), decision_type="penalty")
    assert e.value.rule.code == "legal_review_before_decision" and "第五十八条" in e.value.rule.cite()


@pytest.mark.parametrize("t", ["no_penalty", "lighter", "mitigated"])
def test_exemption_and_light_penalty_need_collective_discussion(t):
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(view(steps=("filing", "investigation", "legal_review", "notice")), decision_type=t,
                          mitigating_keys=["k"], no_penalty=wf.NoPenaltyBasis("X", "list", True))
    assert e.value.rule.code.startswith("collective_discussion")
    assert "decide" not in e.value.allowed or e.value.state == "reviewed"


def test_light_penalty_needs_an_established_mitigating_fact():
    steps = ("filing", "evidence", "investigation", "legal_review", "collective_discussion", "notice", "rights_waived")
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(view(state="notified", steps=steps, facts={"k": None}), decision_type="lighter",
                          mitigating_keys=["k"])
    assert e.value.rule.code == "mitigating_circumstance_required" and "第三十二条" in e.value.rule.article
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(view(state="notified", steps=steps, facts={"k": True}), decision_type="lighter",
                          mitigating_keys=["k"])
    assert e.value.rule.code == "discretion_calculation_required"
    v = wf.CaseView(state="notified", handlers=("a", "b"), steps=steps, facts={"k": True},
                    discretion=wf.Discretion(1000.0, 5000.0, "v1"))
    wf.check_decision(v, decision_type="lighter", mitigating_keys=["k"], fine_amount=3000.0)


def test_out_of_list_exemption_needs_rectification_and_opinions():
    steps = ["filing", "evidence", "investigation", "legal_review", "collective_discussion"]
    basis = wf.NoPenaltyBasis("APL33.minor_corrected_no_harm", "statutory", True)
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(view(state="discussed", steps=steps), decision_type="no_penalty", no_penalty=basis)
    assert e.value.rule.code == "out_of_list_rectification"
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(view(state="discussed", steps=[*steps, "rectification_assessed", "case_review"]),
                          decision_type="no_penalty", no_penalty=basis)
    assert e.value.rule.code == "out_of_list_opinions"
    wf.check_decision(view(state="discussed", steps=[*steps, "rectification_assessed", "case_review", "opinions"]),
                      decision_type="no_penalty", no_penalty=basis)


def test_ineligible_in_list_exemption_is_refused_with_unknown_facts_named():
    steps = ("filing", "evidence", "investigation", "legal_review", "collective_discussion")
    basis = wf.NoPenaltyBasis("NP-EX-002", "list", False, unmet=(), unknown=("first_offence",))
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(view(state="discussed", steps=steps), decision_type="no_penalty", no_penalty=basis)
    assert "first_offence" in e.value.detail and e.value.rule.code == "no_penalty_conditions_met"


def test_handler_cannot_review_own_case():
    with pytest.raises(wf.Refusal) as e:
        wf.check(view(state="investigated"), "legal_review", actor="a")
    assert e.value.rule.code == "reviewer_not_handler"
    wf.check(view(state="investigated"), "legal_review", actor="c")


def test_rectification_plan_measures():
    assert wf.missing_measures(["correct_violation"], {}) == ["eliminate_consequences", "prevention_system"]
    assert wf.missing_measures(list(wf.MANDATORY_MEASURES), {"ecological_damage": True}) == ["damage_compensation"]
    assert wf.missing_measures(list(wf.MANDATORY_MEASURES), {}) == []

"""Pure rules: USCC check characters (GB 32100-2015) and the case workflow's decision gate — every gate rule
refuses the case it forbids (naming its article and what would be lawful) and lets the lawful neighbour pass."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.cases import workflow as wf
from services.cases.workflow.machine import MANDATORY_MEASURES
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


def view(state="reviewed", steps=("filing", "investigation", "legal_review"), facts=None, **kw):
    return wf.CaseView(state=state, handlers=("a", "b"), steps=tuple(steps), facts=facts or {}, **kw)


# -- the decision gate (services/cases/workflow/gate.py) ------------------------------------------------
# One lawful case per decision kind; each test changes one thing and expects the rule that forbids it.
ART32, HEAVY = "k_art32", "k_aggravating"
CIRC = wf.Circumstances(article_32=frozenset({ART32}), aggravating=frozenset({HEAVY}))
RANGE = wf.FineRange(statutory_min=1000.0, statutory_max=10000.0, fine_min=2000.0, fine_max=5000.0,
                     rule_version="v1", article="《某污染防治法》第某条")
DONE = ("filing", "evidence", "investigation", "legal_review")
WIDE_NOTICE = wf.NoticeTerms("heavier", 10000.0, ("warning", "fine"))
IN_LIST = wf.NoPenaltyBasis("NP-EX-001", "list", True, covers=True, article_33_met=True)
STATUTORY = wf.NoPenaltyBasis("APL33.minor_corrected_no_harm", "statutory", True)
MUST_EXEMPT = {"violation_minor": True, "corrected_in_time": True, "no_harm": True}  # 第三十三条第一款第一句


def penalised(t="penalty", steps=(), facts=None, **kw) -> wf.CaseView:
    """Reviewed with the proposal ``t``, notified of up to a heavier 10,000-yuan fine (warning and fine),
    rights waived."""
    kw = {"notice": WIDE_NOTICE, "review": wf.Proposal(t), **kw}
    return view(state="notified", steps=(*DONE, "notice", "rights_waived", *steps), facts=facts, **kw)


def lightened(t="lighter", steps=(), facts=None, **kw) -> wf.CaseView:
    """A light-penalty case: a 第三十二条 ground on the facts, a discussion that concluded ``t``."""
    kw = {"discussion": wf.Proposal(t), **kw}
    return penalised(t, steps=("collective_discussion", *steps), facts={ART32: True} if facts is None else facts, **kw)


def exempted(kind="list", steps=(), facts=None, **kw) -> wf.CaseView:
    """Reviewed and discussed, both concluding no_penalty; out of the list also assessed, reviewed, consulted."""
    extra = ("rectification_assessed", "case_review", "opinions") if kind == "statutory" else ()
    kw = {"review": wf.Proposal("no_penalty"), "discussion": wf.Proposal("no_penalty"), **kw}
    return view(state="discussed", steps=(*DONE, *extra, "collective_discussion", *steps), facts=facts, **kw)


def decision(t="penalty", fine=3000.0, *, by="l1", leader=True, reason=None, kinds=None) -> wf.Decision:
    if kinds is None:
        kinds = () if t == "no_penalty" else (("fine",) if fine else ("warning",))
    return wf.Decision(t, by, leader, fine_amount=fine, reason=reason, penalty_kinds=tuple(kinds))


def record(**kw) -> wf.Record:
    return wf.Record(**{"fine_range": RANGE, "circumstances": CIRC, **kw})


def exemption(basis=IN_LIST, **kw) -> tuple[wf.Decision, wf.Record]:
    return decision("no_penalty", None, **kw), record(no_penalty=basis)


def refused(code: str, case: wf.CaseView, d: wf.Decision, rec: wf.Record) -> wf.Refusal:
    """The gate refuses with ``code``, cites the rule's article and says what would make the decision lawful;
    a rule that is our reading says so and is never marked verified."""
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(case, d, rec)
    r = e.value
    assert r.rule.code == code, f"{r.rule.code}: {r.detail}"
    assert wf.RULES[code] is r.rule and r.rule.article and r.rule.article in r.rule.cite() and r.detail
    assert r.rule.remedy, f"the refusal by {code} does not say what would be lawful"
    assert r.code == "illegal_transition"
    if r.rule.reading:
        assert r.rule.verified is False and "本系统解读" in r.rule.cite()
    assert r.extra["action"] == "decide" and r.extra["state"] == case.state and r.extra["allowed_actions"] == wf.allowed_actions(case)
    return r


def test_the_lawful_baselines_pass():
    wf.check_decision(penalised(), decision(), record())
    wf.check_decision(lightened(), decision("lighter"), record())
    wf.check_decision(lightened("mitigated"), decision("mitigated", 500.0, reason="第三十二条第（一）项"), record())
    wf.check_decision(penalised("heavier", facts={HEAVY: True}), decision("heavier", 5000.0), record())
    wf.check_decision(exempted(), *exemption())
    wf.check_decision(exempted("statutory"), *exemption(STATUTORY))


# -- the cases of the old API, ported -------------------------------------------------------------------
def test_decision_needs_legal_review_and_cites_article_58():
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(view(state="investigated", steps=("filing", "evidence", "investigation")), decision(), record())
    assert e.value.rule.code == "state_order" and "decide" not in e.value.extra["allowed_actions"] and e.value.rule.remedy
    unreviewed = view(state="notified", steps=("filing", "evidence", "investigation", "notice", "rights_waived"),
                      notice=WIDE_NOTICE)
    r = refused("legal_review_before_decision", unreviewed, decision(), record())
    assert "第五十八条" in r.rule.cite()
    refused("evidence_required", view(state="reviewed", steps=("filing", "investigation", "legal_review"),
                                      review=wf.Proposal("penalty")), decision(), record())


@pytest.mark.parametrize("t", ["lighter", "mitigated"])
def test_light_penalty_needs_collective_discussion(t):
    fine, reason = (3000.0, None) if t == "lighter" else (500.0, "理由")
    refused("collective_discussion_for_light_penalty", penalised(t, facts={ART32: True}),
            decision(t, fine, reason=reason), record())
    # a conclusion on the view without the discussion step does not count
    refused("collective_discussion_for_light_penalty", penalised(t, facts={ART32: True}, discussion=wf.Proposal(t)),
            decision(t, fine, reason=reason), record())
    wf.check_decision(lightened(t), decision(t, fine, reason=reason), record())


def test_exemption_needs_collective_discussion():
    reviewed = {"review": wf.Proposal("no_penalty")}
    refused("collective_discussion_for_exemption", view(state="reviewed", steps=DONE, **reviewed), *exemption())
    refused("collective_discussion_for_exemption",
            view(state="reviewed", steps=DONE, discussion=wf.Proposal("no_penalty"), **reviewed), *exemption())


def test_light_penalty_needs_an_established_mitigating_fact():
    for facts in ({ART32: None}, {ART32: False}, {}):
        r = refused("mitigating_circumstance_required", lightened(facts=facts), decision("lighter"), record())
        assert "第三十二条" in r.rule.article
    # a fine needs the statutory range the checklist calculates (was: the discretion on record)
    r = refused("statutory_range_required", lightened(), decision("lighter"),
                record(fine_range=None, range_error="base_amount_cny is not recorded"))
    assert "base_amount_cny" in r.detail
    wf.check_decision(lightened(), decision("lighter", 3000.0), record())


def test_out_of_list_exemption_needs_rectification_case_review_and_opinions():
    steps = (*DONE, "collective_discussion")
    agreed = {"review": wf.Proposal("no_penalty"), "discussion": wf.Proposal("no_penalty")}
    refused("out_of_list_rectification", view(state="discussed", steps=steps, **agreed), *exemption(STATUTORY))
    refused("out_of_list_case_review", view(state="discussed", steps=(*steps, "rectification_assessed"), **agreed),
            *exemption(STATUTORY))
    refused("out_of_list_opinions",
            view(state="discussed", steps=(*steps, "rectification_assessed", "case_review"), **agreed),
            *exemption(STATUTORY))
    wf.check_decision(view(state="discussed", steps=(*steps, "rectification_assessed", "case_review", "opinions"),
                           **agreed), *exemption(STATUTORY))


def test_ineligible_in_list_exemption_is_refused_with_unknown_facts_named():
    basis = wf.NoPenaltyBasis("NP-EX-002", "list", False, unknown=("first_offence",), covers=True, article_33_met=True)
    r = refused("no_penalty_conditions_met", exempted(), *exemption(basis))
    assert "first_offence" in r.detail
    ineligible = wf.NoPenaltyBasis("NP-EX-002", "list", False, covers=True, article_33_met=True)
    refused("no_penalty_conditions_met", exempted(), *exemption(ineligible))
    refused("no_penalty_item_required", exempted(), decision("no_penalty", None), record())
    refused("no_fine_with_exemption", exempted(), decision("no_penalty", 100.0), record(no_penalty=IN_LIST))


# -- who decides ----------------------------------------------------------------------------------------
def test_decider_is_leader():
    r = refused("decider_is_leader", penalised(), decision(by="r1", leader=False), record())
    assert "第五十七条" in r.rule.cite() and "r1" in r.detail
    wf.check_decision(penalised(), decision(by="r1", leader=True), record())


def test_decider_not_handler():
    r = refused("decider_not_handler", penalised(), decision(by="a", leader=True), record())
    assert "a is a handler" in r.detail
    refused("decider_not_handler", exempted(), *exemption(by="b"))
    wf.check_decision(penalised(), decision(by="l1", leader=True), record())


# -- legal review and collective discussion bind the decision -------------------------------------------
def test_review_binds_decision_type_and_fine():
    refused("review_binds_decision", penalised(review=wf.Proposal("heavier")), decision(), record())
    refused("review_binds_decision", exempted(review=wf.Proposal("penalty", 3000.0)), *exemption())
    r = refused("review_binds_decision", penalised(review=wf.Proposal("penalty", 3000.0)), decision(fine=4000.0), record())
    assert "3000" in r.detail
    refused("review_binds_decision", penalised(review=wf.Proposal("penalty", 3000.0)),
            decision(fine=None, kinds=("warning",)), record())
    for unnamed in (None, wf.Proposal(None)):  # the review must name what it approved
        r = refused("review_binds_decision", penalised(review=unnamed), decision(), record())
        assert "named no proposed decision" in r.detail
    wf.check_decision(penalised(review=wf.Proposal("penalty", 3000.0)), decision(fine=3000.0), record())
    wf.check_decision(penalised(review=wf.Proposal("penalty")), decision(fine=4000.0), record())  # no fine named


def test_review_after_hearing():
    heard = penalised(steps=("hearing",), hearing_requested=True, review_before_hearing=True)
    r = refused("review_after_hearing", heard, decision(), record())
    assert "第五十八条" in r.rule.cite()
    wf.check_decision(replace(heard, review_before_hearing=False), decision(), record())


def test_discussion_binds_decision_type_fine_and_needs_a_concluded_type():
    refused("discussion_binds_decision", exempted(discussion=wf.Proposal("penalty")), *exemption())
    refused("discussion_binds_decision", lightened(discussion=wf.Proposal("mitigated")), decision("lighter"), record())
    r = refused("discussion_binds_decision", lightened(discussion=wf.Proposal("lighter", 2500.0)),
                decision("lighter", 3000.0), record())
    assert "2500" in r.detail
    r = refused("discussion_binds_decision", exempted(discussion=wf.Proposal(None)), *exemption())
    assert "no decision type" in r.detail
    refused("discussion_binds_decision", lightened(discussion=wf.Proposal(None)), decision("lighter"), record())
    # a discussion on record binds a plain penalty too
    refused("discussion_binds_decision", penalised(steps=("collective_discussion",), discussion=wf.Proposal("lighter")),
            decision(), record())
    wf.check_decision(lightened(discussion=wf.Proposal("lighter", 3000.0)), decision("lighter", 3000.0), record())
    wf.check_decision(penalised(steps=("collective_discussion",), discussion=wf.Proposal(None)), decision(), record())


def test_discussion_participants_not_handlers_and_quorum():
    with pytest.raises(wf.Refusal) as e:
        wf.check_discussion(view(), participants=["a", "l2", "l3"])
    assert e.value.rule.code == "discussion_participants_not_handlers" and "a" in e.value.detail and e.value.rule.remedy
    with pytest.raises(wf.Refusal) as e:
        wf.check_discussion(view(), participants=["l1", "l2"])
    assert e.value.rule.code == "collective_discussion_quorum" and e.value.rule.reading
    wf.check_discussion(view(), participants=["l1", "l2", "l3"])


# -- exemptions -----------------------------------------------------------------------------------------
def test_first_offence_against_record():
    claimed = {"first_offence": True}
    r = refused("first_offence_against_record", exempted(facts=claimed), decision("no_penalty", None),
                record(no_penalty=IN_LIST, earlier_decisions=("苏环罚〔2024〕12号",), first_offence_window="3 年（本地设置）"))
    assert "苏环罚〔2024〕12号" in r.detail and "3 年" in r.detail
    refused("first_offence_against_record", penalised(facts=claimed), decision(), record(earlier_decisions=("X-1",)))
    wf.check_decision(exempted(facts=claimed), *exemption())  # no earlier decision on record
    wf.check_decision(penalised(facts={"first_offence": False}), decision(), record(earlier_decisions=("X-1",)))


def test_no_penalty_item_covers_violation():
    basis = wf.NoPenaltyBasis("NP-EX-001", "list", True, covers=False, not_covered=("GI-AIR-001",),
                              article_33_met=True)
    r = refused("no_penalty_item_covers_violation", exempted(), *exemption(basis))
    assert "GI-AIR-001" in r.detail
    wf.check_decision(exempted(), *exemption(wf.NoPenaltyBasis("NP-EX-001", "list", True, covers=None,
                                                               article_33_met=True)))


def test_article_33_facts_required_for_an_in_list_exemption():
    for met in (None, False):
        basis = wf.NoPenaltyBasis("NP-EX-001", "list", True, covers=True, article_33_met=met)
        r = refused("article_33_facts_required", exempted(), *exemption(basis))
        assert "第三十三条第一款" in r.rule.cite() and r.rule.verified
    wf.check_decision(exempted(), *exemption(IN_LIST))
    # a list item on 第三十三条第二款 (没有主观过错): the refusal names that paragraph, not 第一款
    second = wf.NoPenaltyBasis("NP-X", "list", True, covers=True, article_33_met=False, article_33_paragraphs=("第二款",))
    r = refused("article_33_facts_required", exempted(), *exemption(second))
    assert "第三十三条第二款" in r.detail and "第一款" not in r.detail and "第二款" in r.rule.cite()
    wf.check_decision(exempted(), *exemption(wf.NoPenaltyBasis("NP-X", "list", True, covers=True, article_33_met=True,
                                                              article_33_paragraphs=("第二款",))))
    # the statutory ground is itself 第三十三条: its own evaluation decides
    wf.check_decision(exempted("statutory"), *exemption(STATUTORY))


def test_harm_recorded_defeats_an_exemption_unless_established_as_minor():
    for facts in ({"ecological_damage": True}, {"ecological_damage": True, "harm_minor": False},
                  {"ecological_damage": True, "harm_minor": None},
                  {"ecological_damage": True, "harm_minor": True, "no_harm": True}):  # no_harm cannot hold
        refused("harm_recorded", exempted(facts=facts), *exemption())
        refused("harm_recorded", exempted("statutory", facts=facts), *exemption(STATUTORY))
    # 试点方案 三（七）: the damage compensated (rule damage_compensation_required)
    refused("damage_compensation_required", exempted(facts={"ecological_damage": True, "harm_minor": True}),
            *exemption())
    wf.check_decision(exempted(facts={"ecological_damage": True, "harm_minor": True}, damage_compensated=True),
                      *exemption())
    wf.check_decision(exempted(facts={"ecological_damage": False}), *exemption())
    # no_harm establishes harm_minor (shared.facts.IMPLIED_BY) — but never beside recorded damage
    refused("harm_recorded", exempted(facts={"ecological_damage": True, "no_harm": True}), *exemption())
    wf.check_decision(exempted(facts={"ecological_damage": False, "no_harm": True}), *exemption())
    wf.check_decision(penalised(facts={"ecological_damage": True}), decision(), record())  # a penalty is not defeated


def test_article_33_requires_exemption_when_its_must_ground_is_established():
    for t in ("penalty", "lighter"):
        case = lightened(facts={ART32: True, **MUST_EXEMPT}) if t == "lighter" else penalised(facts=MUST_EXEMPT)
        refused("article_33_requires_exemption", case, decision(t), record())
    no_fault = {"no_fault_proven": True, "other_law_provides_otherwise": False}
    refused("article_33_requires_exemption", penalised(facts=no_fault), decision(), record())
    # a ground only partly established, or an open question of other law, does not force the exemption
    wf.check_decision(penalised(facts={**MUST_EXEMPT, "no_harm": None}), decision(), record())
    wf.check_decision(penalised(facts={"no_fault_proven": True}), decision(), record())


# -- circumstances: lighter, mitigated, heavier ---------------------------------------------------------
def test_mitigating_circumstance_required_and_rectification_counts_only_once_assessed():
    refused("mitigating_circumstance_required", lightened(facts={}), decision("lighter"), record())
    # the rectification fact alone (the enterprise's word) is not the passed assessment step
    refused("mitigating_circumstance_required", lightened(facts={"compliance_rectification_passed": True}),
            decision("lighter"), record())
    wf.check_decision(lightened(steps=("rectification_assessed",), facts={}), decision("lighter"), record())
    wf.check_decision(lightened(facts={ART32: True}), decision("lighter"), record())


def test_mitigation_needs_article_32_and_rectification_alone_never_mitigates():
    r = refused("mitigation_needs_article_32", lightened("mitigated", steps=("rectification_assessed",), facts={}),
                decision("mitigated", 500.0, reason="整改"), record())
    assert "lightens only within the range" in r.detail
    refused("mitigation_needs_article_32", lightened("mitigated", facts={ART32: False}),
            decision("mitigated", 500.0, reason="理由"), record())
    wf.check_decision(lightened("mitigated"), decision("mitigated", 500.0, reason="理由"), record())


def test_article_32_requires_lighter():
    refused("article_32_requires_lighter", penalised(facts={ART32: True}), decision(), record())
    refused("article_32_requires_lighter", penalised("heavier", facts={ART32: True, HEAVY: True}),
            decision("heavier", 5000.0), record())
    wf.check_decision(lightened(facts={ART32: True, HEAVY: True}), decision("lighter"), record())


@pytest.mark.parametrize("fine", [1000.0, 3000.0, 10000.0])
def test_mitigated_below_minimum(fine):
    r = refused("mitigated_below_minimum", lightened("mitigated"), decision("mitigated", fine, reason="理由"), record())
    assert "1000" in r.detail
    wf.check_decision(lightened("mitigated"), decision("mitigated", 999.0, reason="理由"), record())


def test_aggravating_circumstance_required():
    for facts in ({}, {HEAVY: False}, {HEAVY: None}):
        refused("aggravating_circumstance_required", penalised("heavier", facts=facts), decision("heavier", 5000.0),
                record())
    wf.check_decision(penalised("heavier", facts={HEAVY: True}), decision("heavier", 5000.0), record())
    # the benchmark's calculation itself came out heavier
    wf.check_decision(penalised("heavier"), decision("heavier", 5000.0), record(fine_range=replace(RANGE, level="heavier")))


# -- the fine -------------------------------------------------------------------------------------------
FACTS_FOR = {"penalty": {}, "lighter": {ART32: True}, "mitigated": {ART32: True}, "heavier": {HEAVY: True}}


def _any_penalty(t, **kw):
    return lightened(t, facts=FACTS_FOR[t], **kw) if t in ("lighter", "mitigated") else penalised(t, facts=FACTS_FOR[t],
                                                                                                  **kw)


@pytest.mark.parametrize(("t", "lawful"), [("penalty", 10000.0), ("lighter", 5000.0), ("mitigated", 999.0),
                                           ("heavier", 10000.0)])
def test_fine_above_statutory_maximum_is_refused_for_every_type_even_with_a_reason(t, lawful):
    big = wf.NoticeTerms("heavier", 1e9, ("fine",))
    r = refused("fine_within_statutory_range", _any_penalty(t, notice=big),
                decision(t, 10001.0, reason="情节特别严重"), record())
    assert "10000" in r.detail and RANGE.article in r.detail
    wf.check_decision(_any_penalty(t, notice=big), decision(t, lawful, reason="理由"), record())


@pytest.mark.parametrize("t", ["penalty", "lighter", "heavier"])
def test_fine_below_statutory_minimum_only_when_mitigated(t):
    r = refused("fine_within_statutory_range", _any_penalty(t), decision(t, 999.0, reason="理由"), record())
    assert "only a mitigated" in r.detail


def test_fine_below_statutory_minimum_when_mitigated_needs_an_article_32_ground():
    refused("mitigation_needs_article_32", lightened("mitigated", facts={}), decision("mitigated", 999.0, reason="理由"),
            record())
    wf.check_decision(lightened("mitigated"), decision("mitigated", 999.0, reason="理由"), record())


def test_lighter_stays_within_the_calculated_lighter_range():
    r = refused("lighter_within_lighter_range", lightened(), decision("lighter", 6000.0, reason="理由"), record())
    assert "5000" in r.detail
    wf.check_decision(lightened(), decision("lighter", 1500.0, reason="理由"), record())  # below: with a reason


def test_a_prescribed_fine_is_not_met_by_a_warning():
    for t in ("penalty", "mitigated"):
        r = refused("fine_kinds_required", _any_penalty(t), decision(t, None, kinds=("warning",)), record())
        assert "1000" in r.detail
    wf.check_decision(penalised(), decision(fine=None), record(fine_range=replace(RANGE, statutory_min=0.0)))


def test_statutory_range_required():
    r = refused("statutory_range_required", penalised(), decision(), record(fine_range=None, range_error="base missing"))
    assert "base missing" in r.detail
    refused("statutory_range_required", penalised(), decision(), record(fine_range=None))
    refused("fine_required", penalised(), decision(fine=None, kinds=("fine",)), record())


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reason_outside_range(reason):
    for fine in (1500.0, 8000.0):  # inside the statutory range, outside the recommended [2000, 5000]
        r = refused("reason_outside_range", penalised(), decision(fine=fine, reason=reason), record())
        assert "v1" in r.detail
        d = decision(fine=fine, reason="书面理由")
        wf.check_decision(penalised(), d, record())
        assert wf.fine_outside_calculation(d, RANGE)
    assert not wf.fine_outside_calculation(decision(fine=3000.0), RANGE)


# -- the notice and the rights periods ------------------------------------------------------------------
NOTICE = wf.NoticeTerms("penalty", 3000.0, ("fine",))


@pytest.mark.parametrize(("spoke", "code"), [(False, "notice_binds_decision"), (True, "no_heavier_for_defence")])
@pytest.mark.parametrize(("t", "d", "facts"), [
    ("heavier", decision("heavier", 3000.0), {HEAVY: True}),  # a heavier type
    ("penalty", decision("penalty", 4000.0), {}),  # a larger fine
    ("penalty", decision("penalty", 3000.0, kinds=("fine", "confiscation")), {}),  # a kind not announced
], ids=["type", "amount", "kinds"])
def test_notice_binds_decision_with_or_without_a_statement(t, d, facts, spoke, code):
    case = penalised(t, steps=("statement",) if spoke else (), facts=facts, notice=NOTICE)
    r = refused(code, case, d, record())
    assert "notice" in r.detail


def test_a_notice_binds_the_kinds_it_implied():
    """A notice that named no kinds announced a fine if it named an amount, otherwise only a warning."""
    r = refused("notice_binds_decision", penalised(notice=wf.NoticeTerms("penalty", 3000.0, ())),
                decision(kinds=("fine", "restrict_practice")), record())
    assert "restrict_practice" in r.detail
    refused("notice_binds_decision", penalised(notice=wf.NoticeTerms("penalty", None, ())),
            decision(fine=None, kinds=("confiscation",)), record(fine_range=replace(RANGE, statutory_min=0.0)))
    wf.check_decision(penalised(notice=wf.NoticeTerms("penalty", 3000.0, ())), decision(), record())


def test_a_decision_no_heavier_than_the_notice_passes():
    wf.check_decision(penalised(notice=NOTICE), decision("penalty", 3000.0), record())
    wf.check_decision(penalised(notice=NOTICE), decision("penalty", 2000.0), record())
    wf.check_decision(lightened(notice=NOTICE), decision("lighter", 2500.0), record())
    refused("notice_binds_decision", penalised(notice=wf.NoticeTerms("penalty", None, ())), decision("penalty", 3000.0),
            record())  # the notice announced no fine at all


def test_rights_deadline_provisional_blocks_unless_waived_or_heard():
    steps, terms = (*DONE, "notice"), {"notice": WIDE_NOTICE, "review": wf.Proposal("penalty")}
    provisional = view(state="notified", steps=steps, rights_over=True, rights_provisional_year=2031, **terms)
    r = refused("rights_deadline_provisional", provisional, decision(), record())
    assert "2031" in r.detail
    wf.check_decision(penalised(rights_over=True, rights_provisional_year=2031), decision(), record())  # waived
    heard = view(state="notified", steps=(*steps, "hearing"), hearing_requested=True, rights_provisional_year=2031,
                 **terms)
    wf.check_decision(heard, decision(), record())
    wf.check_decision(view(state="notified", steps=steps, rights_over=True, **terms), decision(), record())


def test_rights_period_running():
    terms = {"notice": WIDE_NOTICE, "review": wf.Proposal("penalty")}
    for steps in ((*DONE, "notice"), (*DONE, "notice", "statement")):  # a statement does not end the periods
        refused("rights_period_running", view(state="notified", steps=steps, **terms), decision(), record())
    refused("notice_before_penalty", view(state="discussed", steps=DONE, review=wf.Proposal("penalty")), decision(),
            record())
    requested = view(state="notified", steps=(*DONE, "notice", "rights_waived"), hearing_requested=True, **terms)
    refused("hearing_before_decision", requested, decision(), record())


# -- the machine ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("action", "kw"), [("extend_handling", {"kind": "head_approval", "leader": True}),
                                         ("suspend", {"leader": True})])
def test_no_retroactive_extension_or_suspension_once_the_handling_period_has_run_out(action, kw):
    with pytest.raises(wf.Refusal) as e:
        wf.check(view(state="investigated", handling_over=True), action, actor="l1", **kw)
    r = e.value
    assert r.rule.code == "no_retroactive_extension" and r.rule.article in r.rule.cite()
    assert r.rule.reading and not r.rule.verified and "本系统解读" in r.rule.cite()
    assert "stays overdue" in r.detail  # no remedy exists: the overdue case stays overdue
    wf.check(view(state="investigated"), action, actor="l1", **kw)


@pytest.mark.parametrize(("action", "kw"), [("extend_handling", {"kind": "head_approval"}), ("suspend", {})])
def test_time_limits_are_stopped_or_extended_by_a_leader_who_does_not_handle_the_case(action, kw):
    """《处罚办法》第三十五条、第五十七条 (经负责人批准, read in interpretations): an officer, or a leader who handles
    the case, is refused; a leader who does not handle it is allowed."""
    case = view(state="investigated")
    for actor, leader in (("l1", False), (case.handlers[0], True)):
        with pytest.raises(wf.Refusal) as e:
            wf.check(case, action, actor=actor, leader=leader, **kw)
        assert e.value.rule.code == "time_limit_approved_by_leader" and "第三十五条" in e.value.rule.article
    wf.check(case, action, actor="l1", leader=True, **kw)


def test_next_state_for_legal_review_and_discussion():
    for state in ("investigated", "reviewed", "discussed", "notified"):
        assert wf.next_state(view(state=state), "legal_review", opinion="return") == "investigated"
    assert wf.next_state(view(state="investigated"), "legal_review", opinion="approve") == "reviewed"
    for state in ("reviewed", "discussed", "notified"):  # a further review leaves the case where it is
        assert wf.next_state(view(state=state), "legal_review", opinion="approve") == state
    for state in ("reviewed", "discussed"):
        assert wf.next_state(view(state=state), "collective_discussion", approved=False) == state
        assert wf.next_state(view(state=state), "collective_discussion", approved=True) == "discussed"
    assert not wf.discussion_approves(participants=4, votes_for=2)
    assert wf.discussion_approves(participants=3, votes_for=2)


def test_handler_cannot_review_own_case():
    with pytest.raises(wf.Refusal) as e:
        wf.check(view(state="investigated"), "legal_review", actor="a")
    assert e.value.rule.code == "reviewer_not_handler"
    wf.check(view(state="investigated"), "legal_review", actor="c")


def test_rectification_plan_measures():
    assert wf.missing_measures(["correct_violation"], {}) == ["eliminate_consequences", "prevention_system"]
    assert wf.missing_measures(list(MANDATORY_MEASURES), {"ecological_damage": True}) == ["damage_compensation"]
    assert wf.missing_measures(list(MANDATORY_MEASURES), {}) == []


def test_a_warning_only_penalty_needs_a_known_statutory_range():
    """Without the range the gate cannot tell whether the penalty article prescribes a fine."""
    v = wf.CaseView(state="notified", handlers=("h1", "h2"),
                    steps=("filing", "evidence", "investigation", "legal_review", "notice", "rights_waived"),
                    review=wf.Proposal("penalty"), notice=wf.NoticeTerms("penalty", None, ("warning",)))
    with pytest.raises(wf.Refusal) as e:
        wf.check_decision(v, wf.Decision("penalty", "l1", True, penalty_kinds=("warning",)),
                          wf.Record(fine_range=None, range_error="base_amount_cny is not recorded"))
    assert e.value.rule.code == "statutory_range_required" and "base_amount_cny" in e.value.detail


# -- issue 23 item 5: the notice and the hearing as the statute writes them --------------------------------
def refused_action(code: str, case: wf.CaseView, action: str, **kw) -> wf.Refusal:
    with pytest.raises(wf.Refusal) as e:
        wf.check(case, action, actor="l1", **kw)
    r = e.value
    assert r.rule.code == code, f"{r.rule.code}: {r.detail}"
    assert wf.RULES[code] is r.rule and r.rule.article in r.rule.cite() and r.rule.remedy
    return r


PENALTY_ARTS = {"GI-WAT-001": [("中华人民共和国水污染防治法", "第八十三条")]}


def test_notice_states_basis_needs_a_penalty_article_of_each_violation():
    case = view(state="reviewed")
    with pytest.raises(wf.Refusal) as e:
        wf.check_notice_basis(case, [("中华人民共和国行政处罚法", "第四十四条")], PENALTY_ARTS)
    assert e.value.rule.code == "notice_states_basis" and "basis" in e.value.detail
    with pytest.raises(wf.Refusal):  # a penalty article of one violation does not cover the other
        wf.check_notice_basis(case, [("水污染防治法", "第八十三条")],
                              {**PENALTY_ARTS, "GI-AIR-001": [("中华人民共和国大气污染防治法", "第九十九条")]})
    wf.check_notice_basis(case, [("《水污染防治法》", "第八十三条")], PENALTY_ARTS)
    wf.check_notice_basis(case, [], {})  # no violation names a penalty article: nothing to require


ANSWERED = wf.NoticeTerms("penalty", 100000.0, ("fine",))


@pytest.mark.parametrize("terms", [wf.NoticeTerms("penalty", 500000.0, ("fine",)),
                                   wf.NoticeTerms("heavier", 100000.0, ("fine",)),
                                   wf.NoticeTerms("penalty", 100000.0, ("fine", "suspend_production"))],
                         ids=["fine", "type", "kinds"])
def test_heavier_renotice_needs_new_evidence_and_changed_facts(terms):
    for a in (wf.AnsweredNotice(ANSWERED), wf.AnsweredNotice(ANSWERED, new_evidence=True),
              wf.AnsweredNotice(ANSWERED, changed_facts=("k",))):
        refused_action("heavier_renotice_needs_new_facts", view(state="reviewed", answered=(a,)), "notice",
                       terms=terms)
    renewed = wf.AnsweredNotice(ANSWERED, new_evidence=True, changed_facts=("k",))
    wf.check(view(state="reviewed", answered=(renewed,)), "notice", actor="h1", terms=terms)
    wf.check(view(state="reviewed", answered=(wf.AnsweredNotice(ANSWERED),)), "notice", actor="h1", terms=ANSWERED)


def test_no_heavier_than_the_first_answered_notice_without_new_facts():
    wide = wf.NoticeTerms("penalty", 10000.0, ("fine",))
    first = wf.NoticeTerms("penalty", 3000.0, ("fine",))
    case = penalised(notice=wide, answered=(wf.AnsweredNotice(first),))
    r = refused("no_heavier_for_defence", case, decision(fine=4000.0), record())
    assert "statement" in r.detail
    wf.check_decision(case, decision(fine=3000.0), record())
    renewed = wf.AnsweredNotice(first, new_evidence=True, changed_facts=("k",))
    wf.check_decision(replace(case, answered=(renewed,)), decision(fine=4000.0), record())


def test_the_hearing_is_scheduled_seven_working_days_ahead_and_held_as_scheduled():
    from datetime import date
    asked = view(state="notified", steps=(*DONE, "notice"), hearing_requested=True)
    kw = {"presided_by": "p1", "earliest": date(2026, 6, 10), "provisional": None}
    refused_action("hearing_before_decision", replace(asked, hearing_requested=False), "schedule_hearing",
                   hearing_on=date(2026, 6, 10), **kw)
    refused_action("hearing_notice_seven_days", asked, "schedule_hearing", hearing_on=date(2026, 6, 9), **kw)
    r = refused_action("hearing_notice_seven_days", asked, "schedule_hearing", hearing_on=date(2032, 1, 20),
                       **{**kw, "provisional": 2032})
    assert "2032" in r.detail
    refused_action("hearing_presider_not_investigator", asked, "schedule_hearing", hearing_on=date(2026, 6, 10),
                   **{**kw, "presided_by": "a"})
    wf.check(asked, "schedule_hearing", actor="l1", hearing_on=date(2026, 6, 10), **kw)
    rec = {"presided_by": "p1", "record": "笔录", "party_statements": "申辩", "signature": "signed"}
    refused_action("hearing_notice_seven_days", asked, "hold_hearing", **rec)  # not scheduled
    scheduled = replace(asked, hearing_scheduled=True)
    refused_action("hearing_notice_seven_days", scheduled, "hold_hearing", **rec)  # before the notified time
    due = replace(scheduled, hearing_time_reached=True)
    refused_action("hearing_presider_not_investigator", due, "hold_hearing", **{**rec, "presided_by": "b"})
    for missing in ("record", "party_statements", "signature"):
        refused_action("hearing_record_required", due, "hold_hearing", **{**rec, missing: ""})
    refused_action("hearing_record_required", due, "hold_hearing", **{**rec, "signature": "refused"})
    wf.check(due, "hold_hearing", actor="l1", **{**rec, "signature": "refused", "refusal_note": "拒签，主持人注明"})
    wf.check(due, "hold_hearing", actor="l1", **rec)
    refused_action("state_order", replace(due, steps=(*due.steps, "hearing")), "hold_hearing", **rec)  # held once


def test_the_decision_rests_on_the_hearing_record():
    heard = penalised(steps=("hearing",), hearing_requested=True, facts={"k": True},
                      heard=wf.Heard(wf.NoticeTerms("penalty", 3000.0, ("fine",)), {"k": True}))
    wf.check_decision(heard, decision(fine=3000.0), record())
    r = refused("decision_on_hearing_record", replace(heard, facts={"k": True, "new": True}), decision(fine=3000.0),
                record())
    assert "new" in r.detail
    refused("decision_on_hearing_record", heard, decision(fine=4000.0), record())  # heavier than at issue
    assert wf.RULES["decision_on_hearing_record"].reading  # our reading of 第六十五条, said so


def test_reinvestigation_goes_back_to_investigation_and_evidence_is_allowed_there():
    for state in ("reviewed", "discussed", "notified"):
        case = view(state=state)
        wf.check(case, "reinvestigate", actor="h1")
        assert wf.next_state(case, "reinvestigate") == "investigated"
    refused_action("state_order", view(state="decided"), "reinvestigate")


# -- issue 23 (3, 4): the act and its dates, the law in time, one act one fine ---------------------------
def test_act_date_limitation_and_one_act_one_fine():
    from datetime import date

    day = date(2026, 3, 1)
    undated = record(acts=(wf.Act("GI-WAT-001"),), discovered_on=date(2026, 5, 1))
    r = refused("act_date_required", penalised(), decision(), undated)
    assert "violations[0]" in r.detail and "occurred_on" in r.detail
    refused("act_date_required", exempted(), decision("no_penalty", None), replace(undated, no_penalty=IN_LIST))
    old = record(acts=(wf.Act("GI-WAT-001", date(2023, 1, 1)),), discovered_on=date(2026, 5, 1))
    refused("limitation_at_decision", penalised(), decision(), old)
    wf.check_decision(penalised(facts={"life_health_or_financial_safety_with_harm": True}), decision(), old)
    dated = record(acts=(wf.Act("GI-WAT-001", day, date(2026, 3, 9)),), discovered_on=date(2026, 5, 1))
    wf.check_decision(penalised(), decision(), dated)
    fined = replace(dated, prior_fines=(wf.PriorFine("X-9", wf.Act("GI-WAT-001", date(2026, 3, 9))),))
    assert "X-9" in refused("one_act_one_fine", penalised(), decision(), fined).detail
    other = replace(dated, prior_fines=(wf.PriorFine("X-9", wf.Act("GI-WAT-001", date(2026, 3, 10))),))
    wf.check_decision(penalised(), decision(), other)
    wf.check_decision(penalised(), decision(), replace(fined, prior_fines=(
        wf.PriorFine("X-9", wf.Act("GI-AIR-001", day)),)))


def test_law_at_time_of_act_and_list_item_in_force():
    from datetime import date

    # The applied range (RANGE, up to 10,000) is the lighter; the act date's law went up to 20,000.
    lighter = wf.LawInTime(act_range=(1000.0, 20000.0), decision_range=(RANGE.statutory_min, RANGE.statutory_max),
                           applied="decision", reason="新的规定较轻")
    r = refused("law_at_time_of_act", penalised(), decision(fine=15000.0, reason="理由"), record(law=lighter))
    assert "act date [1000, 20000]" in r.detail and "decision date [1000, 10000]" in r.detail
    refused("fine_within_statutory_range", penalised(), decision(fine=25000.0, reason="理由"), record(law=lighter))
    wf.check_decision(penalised(), decision(), record(law=lighter))
    late = replace(IN_LIST, in_force=False, effective_from=date(2026, 7, 1))
    assert "2026-07-01" in refused("list_item_in_force", exempted(), *exemption(late)).detail
    wf.check_decision(exempted(), *exemption(replace(IN_LIST, in_force=True)))


# -- endings before a decision and changes after one (gate.check_ending, gate.check_change) --------------------
FILED = wf.CaseView(state="filed", handlers=("h1", "h2"), steps=("filing",))
INVESTIGATED = replace(FILED, state="investigated", steps=("filing", "evidence", "investigation"))
LEADER = ("l1", True)


def _end(case: wf.CaseView, kind: str, who: tuple[str, bool] = LEADER) -> None:
    wf.check_ending(case, wf.Ending(kind=kind, decided_by=who[0], decider_is_leader=who[1]))  # type: ignore[arg-type]


def _refused_ending(code: str, case: wf.CaseView, kind: str, who: tuple[str, bool] = LEADER) -> wf.Refusal:
    with pytest.raises(wf.Refusal) as e:
        _end(case, kind, who)
    r = e.value
    assert r.rule.code == code and r.rule.article in r.rule.cite() and r.detail and r.rule.remedy
    assert r.extra["allowed_actions"] == wf.allowed_actions(case)
    return r


def reviewed_for(kind: str) -> wf.CaseView:
    return replace(INVESTIGATED, state="reviewed", steps=(*INVESTIGATED.steps, "legal_review"), review_ending=kind)


@pytest.mark.parametrize("kind", ["withdrawn", "terminated"])
def test_filed_withdrawal_by_leader(kind):
    """Before the investigation: a leader who does not handle the case withdraws or terminates it, no review."""
    for who in (("h1", True), ("h2", False), ("r1", False)):
        assert "负责人" in _refused_ending("filed_withdrawal_by_leader", FILED, kind, who).rule.text
    _end(FILED, kind)


@pytest.mark.parametrize("kind", ["withdrawn", "facts_not_established", "terminated", "transferred"])
def test_ending_decided_by_leader(kind):
    """After the investigation (and for any transfer): the leader decides; a handler-leader or an officer may not."""
    case = INVESTIGATED if kind == "transferred" else reviewed_for(kind)
    for who in (("h1", True), ("l1", False), ("r1", False)):
        r = _refused_ending("ending_decided_by_leader", case, kind, who)
        assert "第五十七条" in r.rule.article
    _end(case, kind)
    if kind == "transferred":
        _refused_ending("ending_decided_by_leader", FILED, kind, ("h1", False))
        _end(FILED, kind)


@pytest.mark.parametrize("kind", ["withdrawn", "facts_not_established", "terminated"])
def test_ending_legal_review(kind):
    """An unpenalised ending after the investigation needs legal review approving that very ending, still standing
    (a re-investigation drops it); a transfer needs none."""
    r = _refused_ending("ending_legal_review", INVESTIGATED, kind)
    assert "第五十八条" in r.rule.article and "none" in r.detail
    other = next(k for k in ("withdrawn", "facts_not_established", "terminated") if k != kind)
    _refused_ending("ending_legal_review", reviewed_for(other), kind)
    voided = replace(reviewed_for(kind), state="investigated",
                     steps=("filing", "evidence", "investigation", "reinvestigation"))  # 复核 dropped the review step
    _refused_ending("ending_legal_review", voided, kind)
    _end(reviewed_for(kind), kind)
    _end(INVESTIGATED, "transferred")


def test_facts_not_established_is_a_finding_of_the_investigation():
    assert _refused_ending("state_order", FILED, "facts_not_established").rule.code == "state_order"
    _end(reviewed_for("facts_not_established"), "facts_not_established")


@pytest.mark.parametrize("state", ["decided", "served", "executing", "closed", "withdrawn", "terminated", "transferred"])
def test_ending_before_decision(state):
    """No ending after a decision (a change of the decision is recorded instead) or after another ending."""
    case = replace(reviewed_for("withdrawn"), state=state)
    r = _refused_ending("ending_before_decision", case, "withdrawn")
    assert "decision/change" in r.rule.remedy
    _end(reviewed_for("withdrawn"), "withdrawn")


DECIDED = replace(INVESTIGATED, state="decided", steps=(*INVESTIGATED.steps, "legal_review", "notice", "decision"),
                  fine_due=True)


def _change(case: wf.CaseView, source: str, outcome: str, who: tuple[str, bool] = LEADER) -> None:
    wf.check_change(case, wf.Change(source=source, outcome=outcome, decided_by=who[0], decider_is_leader=who[1]))  # type: ignore[arg-type]


def _refused_change(code: str, case: wf.CaseView, source: str, outcome: str, who=LEADER) -> wf.Refusal:
    with pytest.raises(wf.Refusal) as e:
        _change(case, source, outcome, who)
    assert e.value.rule.code == code and e.value.rule.article in e.value.rule.cite() and e.value.detail
    return e.value


@pytest.mark.parametrize("outcome", ["changed", "revoked"])
def test_change_after_decision_by_the_bureau(outcome):
    """The bureau changes or revokes its decision: a leader who does not handle the case, on a legal review
    approving that change; it never 'upholds' itself; nothing is left to change after a revocation."""
    reviewed = replace(DECIDED, review_change=outcome)
    for who in (("h1", True), ("l1", False)):
        _refused_change("change_after_decision", reviewed, "bureau", outcome, who)
    _refused_change("change_after_decision", DECIDED, "bureau", outcome)  # no review
    other = "revoked" if outcome == "changed" else "changed"
    assert "proposes: " + other in _refused_change("change_after_decision", replace(DECIDED, review_change=other),
                                                   "bureau", outcome).detail
    _refused_change("change_after_decision", reviewed, "bureau", "upheld")
    _refused_change("change_after_decision", replace(reviewed, decision_status="revoked"), "bureau", outcome)
    for state in ("decided", "served", "executing", "closed"):
        _change(replace(reviewed, state=state), "bureau", outcome)
    _refused_change("state_order", replace(reviewed, state="notified"), "bureau", outcome)


@pytest.mark.parametrize("source", ["reconsideration", "litigation"])
@pytest.mark.parametrize("outcome", ["upheld", "changed", "revoked", "confirmed_illegal", "redo"])
def test_change_after_decision_by_reconsideration_or_litigation(source, outcome):
    """复议/诉讼 outcomes are recorded by a leader who does not handle the case, with no legal review of ours."""
    _refused_change("change_after_decision", DECIDED, source, outcome, ("h1", True))
    _refused_change("change_after_decision", replace(DECIDED, decision_status="revoked"), source, outcome)
    _change(DECIDED, source, outcome)
    _change(replace(DECIDED, decision_status="changed"), source, outcome)


@pytest.mark.parametrize("action", ["serve", "record_payment"])
def test_revocation_stops_execution(action):
    """A revoked (or confirmed illegal) decision is neither served nor collected; it may be closed."""
    case = replace(DECIDED, state="decided" if action == "serve" else "served")
    r = _refused_action_after(replace(case, decision_status="revoked"), action)
    assert r.rule.code == "revocation_stops_execution" and "第四十八条第二款" in r.rule.article
    wf.check(case, action, actor="h1")
    wf.check(replace(case, decision_status="changed"), action, actor="h1")
    wf.check(replace(DECIDED, decision_status="revoked"), "close", actor="h1")
    with pytest.raises(wf.Refusal):
        wf.check(DECIDED, "close", actor="h1")  # an unrevoked decision is served first


def _refused_action_after(case: wf.CaseView, action: str) -> wf.Refusal:
    with pytest.raises(wf.Refusal) as e:
        wf.check(case, action, actor="h1")
    return e.value


def _changed(case: wf.CaseView, source: str = "reconsideration", **terms) -> None:
    wf.check_change(case, wf.Change(source=source, outcome="changed", decided_by="l1", decider_is_leader=True,  # type: ignore[arg-type]
                                    **terms))


@pytest.mark.parametrize("source", ["bureau", "reconsideration", "litigation"])
def test_change_never_heavier(source):
    """A change never raises the fine now due, adds a penalty kind or turns an exemption into a penalty; a lower
    fine, fewer kinds, or the same terms are lawful (第四十四条、第四十五条、第五十七条; 复议法第六十三条; 诉讼法第七十七条)."""
    case = replace(DECIDED, review_change="changed") if source == "bureau" else DECIDED
    fine = {"decision_type": "penalty", "fine_before": 150000.0, "kinds_before": ("warning", "fine")}

    def refused(**terms) -> wf.Refusal:
        with pytest.raises(wf.Refusal) as e:
            _changed(case, source, **terms)
        r = e.value
        assert r.rule.code == "change_never_heavier" and not r.rule.verified and r.rule.remedy
        assert all(a in r.rule.article for a in ("第四十四条", "第四十五条", "第五十七条", "第六十三条", "第七十七条"))
        return r

    assert "900000" in (r := refused(**fine, fine_after=900000.0)).detail and "150000" in r.detail
    assert "suspend_for_rectification" in refused(**fine, fine_after=100000.0,
                                                  kinds_after=("warning", "fine", "suspend_for_rectification")).detail
    exempt = {"decision_type": "no_penalty", "fine_before": None, "kinds_before": ()}
    assert "exemption" in refused(**exempt, fine_after=500000.0).detail
    assert "exemption" in refused(**exempt, fine_after=0.0, kinds_after=("warning",)).detail
    _changed(case, source, **fine, fine_after=100000.0)  # kinds unchanged (None)
    _changed(case, source, **fine, fine_after=150000.0, kinds_after=("fine",))  # a kind dropped
    _changed(case, source, **fine, fine_after=150000.0, kinds_after=("warning", "fine"))  # the same terms
    _changed(case, source, **exempt, fine_after=0.0, kinds_after=())
    # only a change (outcome changed) states new terms: a revocation, 确认违法 or 责令重作 ends the decision instead
    for outcome in ("revoked",) if source == "bureau" else ("upheld", "revoked", "confirmed_illegal", "redo"):
        c = replace(case, review_change=outcome) if source == "bureau" else case
        wf.check_change(c, wf.Change(source=source, outcome=outcome, decided_by="l1",  # type: ignore[arg-type]
                                     decider_is_leader=True, **fine, fine_after=900000.0))

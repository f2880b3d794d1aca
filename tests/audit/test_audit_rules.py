"""Integrity-risk rules as pure functions: each with a case it hits, a case it does not, and its source."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.audit.config import AuditSettings
from services.audit.flags.rules import (
    DECISION_RULES,
    RULE_CODES,
    Decision,
    History,
    PersonShare,
    case_overdue,
    decider_handled_case,
    decision_differs_from_discussion,
    evaluate,
    exemption_or_light_penalty,
    facts_key,
    fine_below_range_without_reason,
    fine_outside_calculated_range,
    fine_outside_statutory_range,
    first_offence_against_record,
    missing_collective_discussion,
    missing_legal_review,
    missing_notice,
    out_of_list_steps_missing,
    recorded_interference,
    relapse_found,
    repeated_exemption,
    similar_case_disparity,
    unusual_exemption_share,
)

ALL_STEPS = frozenset({"filed", "investigated", "legal_review", "collective_discussion", "notice"})
CFG = AuditSettings()
D0 = date(2026, 6, 15)


def dec(decision_type="no_penalty", steps=ALL_STEPS, **kw) -> Decision:
    kw.setdefault("case_id", "case-0")
    kw.setdefault("uscc", "91320509000000001X")
    kw.setdefault("bureau", "320509")
    kw.setdefault("decision_date", D0)
    kw.setdefault("decided_at", datetime.combine(kw["decision_date"], datetime.min.time(), UTC) + timedelta(hours=2))
    return Decision(decision_type=decision_type, steps=frozenset(steps), **kw)


def codes(d: Decision, h: History | None = None) -> list[str]:
    return [x.code for x in evaluate(d, h or History(), CFG)]


@pytest.mark.parametrize("decision_type", ["no_penalty", "lighter", "mitigated"])
def test_every_exemption_and_light_penalty_is_flagged_for_review(decision_type):
    steps = ALL_STEPS if decision_type == "no_penalty" else ALL_STEPS
    assert codes(dec(decision_type, steps)) == ["exemption_or_light_penalty"]
    hit = exemption_or_light_penalty(dec(decision_type), History(), CFG)
    assert hit is not None and hit.severity == "review"
    assert "三（十）" in hit.detail and "加强对免罚、轻罚案件的监督审核" in hit.detail


@pytest.mark.parametrize("decision_type", ["penalty", "heavier"])
def test_a_lawful_plain_penalty_is_not_flagged(decision_type):
    assert codes(dec(decision_type)) == []
    assert exemption_or_light_penalty(dec(decision_type), History(), CFG) is None


def test_missing_steps_add_their_rules_in_order():
    assert codes(dec("no_penalty", {"filed", "investigated"})) == [
        "exemption_or_light_penalty", "missing_legal_review", "missing_collective_discussion"]
    assert codes(dec("lighter", ALL_STEPS - {"legal_review"})) == ["exemption_or_light_penalty", "missing_legal_review"]


def test_legal_review_and_collective_discussion_rules_cite_their_sources():
    review = missing_legal_review(dec("lighter", set()), History(), CFG)
    assert review is not None and "第五十八条" in review.detail and review.severity == "high"
    assert missing_legal_review(dec("lighter"), History(), CFG) is None
    assert missing_legal_review(dec("penalty", set()), History(), CFG) is None  # the workflow's rule, not this one
    exemption = missing_collective_discussion(dec("no_penalty", set()), History(), CFG)
    assert exemption is not None and "三（六）" in exemption.detail
    light = missing_collective_discussion(dec("mitigated", set()), History(), CFG)
    assert light is not None and "第五十七条第二款" in light.detail
    assert missing_collective_discussion(dec("no_penalty"), History(), CFG) is None


def test_out_of_list_exemption_needs_rectification_opinions_and_deliberation():
    d = dec("no_penalty", ALL_STEPS, no_penalty_kind="statutory")
    hit = out_of_list_steps_missing(d, History(), CFG)
    assert hit is not None and hit.severity == "high"
    assert "合规整改完成并经评估" in hit.detail and "征求意见" in hit.detail and "三（六）" in hit.detail
    assert "一案一议" not in hit.detail.split("缺少")[1].split("。")[0]  # deliberation was recorded
    done = dec("no_penalty", ALL_STEPS | {"rectification_assessed", "opinions"}, no_penalty_kind="statutory")
    assert out_of_list_steps_missing(done, History(), CFG) is None
    assert out_of_list_steps_missing(dec("no_penalty", ALL_STEPS, no_penalty_kind="list"), History(), CFG) is None


def test_a_penalty_without_prior_notice_is_flagged_even_when_plain():
    hit = missing_notice(dec("penalty", ALL_STEPS - {"notice"}), History(), CFG)
    assert hit is not None and "第四十四条" in hit.detail and "第六十二条" in hit.detail
    assert codes(dec("penalty", ALL_STEPS - {"notice"})) == ["missing_notice"]
    assert missing_notice(dec("penalty"), History(), CFG) is None
    assert missing_notice(dec("no_penalty", ALL_STEPS - {"notice"}), History(), CFG) is None  # 免罚无需告知


def test_repeated_exemption_of_one_enterprise_within_the_window():
    first = dec("no_penalty", case_id="a", decision_date=D0 - timedelta(days=300))
    second = dec("no_penalty", case_id="b", facts_key="first_offence|x")
    hit = repeated_exemption(second, History(same_enterprise=(first,)), CFG)
    assert hit is not None and hit.severity == "high" and "初次违法" in hit.detail and "第三十三条" in hit.detail
    assert "本地设置" in hit.detail
    # Negative: the first one is not a repeat; an old one is outside the window; another enterprise does not count.
    assert repeated_exemption(first, History(same_enterprise=(second,)), CFG) is None
    old = dec("no_penalty", case_id="c", decision_date=D0 - timedelta(days=CFG.repeat_window_days + 1))
    assert repeated_exemption(second, History(same_enterprise=(old,)), CFG) is None
    other = dec("no_penalty", case_id="d", uscc="91320509000000002X", decision_date=D0 - timedelta(days=3))
    assert repeated_exemption(second, History(same_enterprise=(other,)), CFG) is None
    fined = dec("penalty", case_id="e", decision_date=D0 - timedelta(days=3))
    assert repeated_exemption(second, History(same_enterprise=(fined,)), CFG) is None


def test_unusual_share_of_exemptions_by_one_leader_is_explained_with_its_statistic():
    d = dec("no_penalty", decided_by="leader-x")
    unusual = History(shares=(PersonShare("leader-x", mine=10, mine_flagged=8, others=30, others_flagged=3),))
    hit = unusual_exemption_share(d, unusual, CFG)
    assert hit is not None and "leader-x" in hit.detail and "80%" in hit.detail and "z=" in hit.detail
    assert "五（三）" in hit.detail
    usual = History(shares=(PersonShare("leader-x", mine=10, mine_flagged=3, others=30, others_flagged=9),))
    assert unusual_exemption_share(d, usual, CFG) is None
    too_few = History(shares=(PersonShare("leader-x", mine=3, mine_flagged=3, others=30, others_flagged=1),))
    assert unusual_exemption_share(d, too_few, CFG) is None


def test_fine_below_the_benchmark_range_needs_a_written_reason():
    low = dec("lighter", fine_amount=8_000.0, fine_min=10_000.0, fine_max=50_000.0)
    hit = fine_below_range_without_reason(low, History(), CFG)
    assert hit is not None and "10,000.00" in hit.detail and "三（五）" in hit.detail and "（十四）" in hit.detail
    with_reason = dec("lighter", fine_amount=8_000.0, fine_min=10_000.0, reason="当事人主动消除危害后果，经集体讨论减轻")
    assert fine_below_range_without_reason(with_reason, History(), CFG) is None
    inside = dec("penalty", fine_amount=10_000.0, fine_min=10_000.0)
    assert fine_below_range_without_reason(inside, History(), CFG) is None
    assert codes(dec("penalty", fine_amount=1_000.0, fine_min=10_000.0)) == ["fine_below_range_without_reason"]


def _peers(values, **kw):
    return tuple(dec("penalty", case_id=f"p{i}", violation="GI-WAT-001", facts_key="corrected_within_24h",
                     fine_amount=v, decision_date=D0 - timedelta(days=10 + i), **kw) for i, v in enumerate(values))


def test_similar_cases_with_far_apart_outcomes_are_flagged_with_median_and_mad():
    peers = _peers([100_000, 110_000, 95_000, 105_000, 100_000, 98_000])
    low = dec("penalty", violation="GI-WAT-001", facts_key="corrected_within_24h", fine_amount=20_000.0)
    hit = similar_case_disparity(low, History(similar=peers), CFG)
    assert hit is not None and "中位数 100,000" in hit.detail and "类案不同罚" in hit.detail and "稳健 z=" in hit.detail
    exempted = dec("no_penalty", violation="GI-WAT-001", facts_key="corrected_within_24h")
    assert similar_case_disparity(exempted, History(similar=peers), CFG) is not None
    # Negative: an outcome among the peers, too few peers, or different facts.
    near = dec("penalty", violation="GI-WAT-001", facts_key="corrected_within_24h", fine_amount=90_000.0)
    assert similar_case_disparity(near, History(similar=peers), CFG) is None
    assert similar_case_disparity(low, History(similar=peers[:3]), CFG) is None
    other_facts = dec("penalty", violation="GI-WAT-001", facts_key="first_offence", fine_amount=20_000.0)
    assert similar_case_disparity(other_facts, History(similar=peers), CFG) is None
    # Spread-out peers: 20,000 is within their ordinary range.
    spread = _peers([20_000, 150_000, 60_000, 200_000, 90_000, 30_000])
    assert similar_case_disparity(dec("penalty", violation="GI-WAT-001", facts_key="corrected_within_24h",
                                      fine_amount=25_000.0), History(similar=spread), CFG) is None


def test_event_rules_cite_their_sources():
    overdue = case_overdue("handling", date(2026, 9, 13))
    assert overdue.code == "case_overdue" and "办案期限" in overdue.detail and "第六十条" in overdue.detail
    relapse = relapse_found(datetime(2026, 8, 1, tzinfo=UTC), "出水化学需氧量再次超标")
    assert relapse.severity == "high" and "三（七）" in relapse.detail and "再次超标" in relapse.detail
    interference = recorded_interference("某副局长", "副局长", date(2026, 5, 2), "电话要求从轻")
    assert interference.severity == "high" and "（二十二）" in interference.detail


def test_facts_key_keeps_the_established_facts_only():
    assert facts_key({"b": True, "a": True, "c": False, "d": "yes"}) == "a|b"
    # graded facts (discretion levels) make cases different; amounts in yuan do not
    assert facts_key({"a": True, "harm_degree": 5, "base_amount_cny": 2_000_000}) == "a|harm_degree=5"
    assert facts_key(None) == ""


def test_rule_codes_are_the_function_names_and_unique():
    assert len(set(RULE_CODES)) == len(RULE_CODES)
    for rule in DECISION_RULES:
        d = dec("no_penalty", set(), no_penalty_kind="statutory", fine_amount=1.0, fine_min=2.0)
        hit = rule(d, History(), CFG)
        if hit is not None:
            assert hit.code == rule.__name__ and set(hit.as_dict()) == {"code", "severity", "detail"}


# -- what slipped past the decision gate (issue 11): each rule proves the gate held ----------------
def test_a_fine_outside_the_statutory_range_is_flagged_high():
    above = dec("penalty", fine_amount=5_000_000.0, statutory_min=100_000.0, statutory_max=1_000_000.0)
    hit = fine_outside_statutory_range(above, History(), CFG)
    assert hit is not None and hit.severity == "high" and "1,000,000.00" in hit.detail and "第三十二条" in hit.detail
    below = dec("lighter", fine_amount=1.0, statutory_min=100_000.0, statutory_max=1_000_000.0)
    assert fine_outside_statutory_range(below, History(), CFG) is not None
    # 减轻 may go below the minimum; inside the range, or an older event without the range, is not flagged
    mitigated = dec("mitigated", fine_amount=50_000.0, statutory_min=100_000.0, statutory_max=1_000_000.0)
    assert fine_outside_statutory_range(mitigated, History(), CFG) is None
    inside = dec("penalty", fine_amount=150_000.0, statutory_min=100_000.0, statutory_max=1_000_000.0)
    assert fine_outside_statutory_range(inside, History(), CFG) is None
    assert fine_outside_statutory_range(dec("penalty", fine_amount=5_000_000.0), History(), CFG) is None
    assert codes(above) == ["fine_outside_statutory_range"]


def test_a_fine_outside_the_calculated_range_is_put_before_a_supervisor_even_with_a_reason():
    high = dec("penalty", fine_amount=800_000.0, fine_min=100_000.0, fine_max=550_000.0, reason="情节严重")
    hit = fine_outside_calculated_range(high, History(), CFG)
    assert hit is not None and hit.severity == "review" and "情节严重" in hit.detail and "三（五）" in hit.detail
    assert fine_outside_calculated_range(dec("penalty", fine_amount=300_000.0, fine_min=100_000.0,
                                             fine_max=550_000.0), History(), CFG) is None
    # below without a reason: the graver rule speaks, once
    assert codes(dec("penalty", fine_amount=1_000.0, fine_min=10_000.0, fine_max=50_000.0)) == [
        "fine_below_range_without_reason"]


def test_a_first_offence_claim_against_the_audit_record_is_flagged():
    earlier = dec("penalty", case_id="c-earlier", number="320509-2026-00001", violation="GI-WAT-001",
                  decision_date=D0 - timedelta(days=100))
    claim = dec("no_penalty", violation="GI-WAT-001", first_offence_claimed=True)
    hit = first_offence_against_record(claim, History(same_enterprise=(earlier,)), CFG)
    assert hit is not None and hit.severity == "high" and "320509-2026-00001" in hit.detail and "第三十三条" in hit.detail
    # no claim, another violation, a later case, or one outside the window: nothing
    assert first_offence_against_record(dec("no_penalty", violation="GI-WAT-001"), History(same_enterprise=(earlier,)),
                                        CFG) is None
    other = dec("no_penalty", violation="GI-AIR-001", first_offence_claimed=True)
    assert first_offence_against_record(other, History(same_enterprise=(earlier,)), CFG) is None
    later = dec("penalty", case_id="c-later", violation="GI-WAT-001", decision_date=D0 + timedelta(days=1))
    assert first_offence_against_record(claim, History(same_enterprise=(later,)), CFG) is None
    old = dec("penalty", case_id="c-old", violation="GI-WAT-001",
              decision_date=D0 - timedelta(days=CFG.repeat_window_days + 1))
    assert first_offence_against_record(claim, History(same_enterprise=(old,)), CFG) is None


def test_a_decision_other_than_the_discussion_concluded_is_flagged():
    hit = decision_differs_from_discussion(dec("no_penalty", discussion_type="penalty"), History(), CFG)
    assert hit is not None and hit.severity == "high" and "第五十七条第二款" in hit.detail and "本系统解读" in hit.detail
    fine_changed = dec("lighter", fine_amount=110_000.0, discussion_type="lighter", discussion_fine=120_000.0)
    assert decision_differs_from_discussion(fine_changed, History(), CFG) is not None
    same = dec("lighter", fine_amount=120_000.0, discussion_type="lighter", discussion_fine=120_000.0)
    assert decision_differs_from_discussion(same, History(), CFG) is None
    assert decision_differs_from_discussion(dec("penalty"), History(), CFG) is None  # no discussion held


def test_a_decider_who_handled_the_case_is_flagged():
    d = dec("penalty", decided_by="officer-a", case_handlers=("officer-a", "officer-b"))
    hit = decider_handled_case(d, History(), CFG)
    assert hit is not None and hit.severity == "high" and "officer-a" in hit.detail and "第五十七条" in hit.detail
    assert codes(d) == ["decider_handled_case"]
    assert decider_handled_case(dec("penalty", decided_by="leader-1", case_handlers=("officer-a", "officer-b")),
                                History(), CFG) is None

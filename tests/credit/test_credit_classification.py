"""Credit classification as pure, dated data: rule-set switch, grades, publicity periods, month arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.credit.models import CreditRecord
from services.credit.records.notice import build_notice
from services.credit.records.rules import (
    ORDER_36,
    ORDER_58,
    RULE_SETS,
    DecisionFacts,
    NoRuleSetInForce,
    add_months,
    cited,
    classify,
    current_status,
    repair_available_from,
    rule_set_on,
)


def facts(day: date, fine: float | None = 50_000.0, **basis) -> DecisionFacts:
    return DecisionFacts.from_basis(decision_type="penalty", decision_date=day, fine_amount=fine, basis=basis)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 4, 15), 3, date(2026, 7, 15)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),  # year wrap
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # month-end clamp
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap February
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # from a leap day, one year
        (date(2028, 2, 29), 36, date(2031, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 8, 31), 0, date(2026, 8, 31)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
    ],
)
def test_add_months_keeps_the_corresponding_day_or_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_rule_set_switches_from_order_58_to_order_36_on_2026_04_01():
    assert rule_set_on(date(2023, 5, 1)) is ORDER_58
    assert rule_set_on(date(2026, 3, 31)) is ORDER_58
    assert rule_set_on(date(2026, 4, 1)) is ORDER_36
    assert rule_set_on(date(2031, 1, 1)) is ORDER_36
    with pytest.raises(NoRuleSetInForce, match="2023-04-30"):
        rule_set_on(date(2023, 4, 30))
    # Rule sets never overlap: exactly one in force on each boundary day.
    for day in (date(2023, 5, 1), date(2026, 3, 31), date(2026, 4, 1)):
        assert sum(rs.in_force_on(day) for rs in RULE_SETS) == 1


def test_order_36_general_penalty_is_published_three_months_to_one_year():
    c = classify(facts(date(2026, 4, 1)))
    assert (c.rule_set, c.severity, c.published) == (ORDER_36, "general", True)
    assert c.publicity_from == date(2026, 4, 1)
    assert (c.publicity_min_until, c.publicity_max_until) == (date(2026, 7, 1), date(2027, 4, 1))
    assert c.criterion_code == "ndrc-order-36-2025/general_penalty"
    assert "令第36号" in c.criterion and "未核实来源" in c.criterion
    assert not c.verified  # Order 36's periods are known from news reports only


def test_same_decision_a_day_earlier_falls_under_order_58_three_months_to_three_years():
    c = classify(facts(date(2026, 3, 31)))
    assert (c.rule_set, c.severity, c.published) == (ORDER_58, "general", True)
    assert (c.publicity_min_until, c.publicity_max_until) == (date(2026, 6, 30), date(2029, 3, 31))
    assert c.criterion_code == "ndrc-order-58-2023/published_penalty"


@pytest.mark.parametrize("day", [date(2025, 6, 1), date(2026, 6, 1)])
def test_fine_within_the_summary_procedure_scope_is_minor_and_not_published(day):
    c = classify(facts(day, 3000.0))
    assert (c.severity, c.published) == ("minor", False)
    assert c.criterion_code.endswith("/summary_procedure_scope")
    assert c.publicity_min_until is None and c.publicity_max_until is None
    assert any("第五十一条" in s.cite() and s.verified for s in c.sources)
    assert len(set(c.sources)) == len(c.sources)
    # One yuan more is outside 第五十一条's 3,000 yuan for organisations.
    assert classify(facts(day, 3000.01)).severity == "general"


def test_stated_procedure_wins_over_the_amount_inference():
    assert classify(facts(date(2026, 6, 1), 2000.0, procedure="general")).severity == "general"
    summary = classify(facts(date(2026, 6, 1), 2000.0, procedure="summary"))
    assert (summary.severity, summary.criterion_code) == ("minor", "ndrc-order-36-2025/summary_procedure")


def test_warning_only_is_minor_but_a_non_fine_penalty_kind_is_not():
    assert classify(facts(date(2026, 6, 1), None)).criterion_code.endswith("/warning_only")
    assert classify(facts(date(2026, 6, 1), 0, penalty_kinds=["warning"])).severity == "minor"
    stop = classify(facts(date(2026, 6, 1), None, penalty_kinds=["suspend_production"]))
    assert (stop.severity, stop.published) == ("general", True)


def test_revoked_permit_is_serious_under_order_36_only():
    c = classify(facts(date(2026, 5, 20), 200_000.0, penalty_kinds=["fine", "revoke_permit"]))
    assert (c.severity, c.published) == ("serious", True)
    assert (c.publicity_min_until, c.publicity_max_until) == (date(2027, 5, 20), date(2029, 5, 20))
    # Order 58 sets one period for all published penalty information.
    old = classify(facts(date(2025, 5, 20), 200_000.0, penalty_kinds=["revoke_permit"]))
    assert (old.severity, old.publicity_max_until) == ("general", date(2028, 5, 20))


def test_no_amount_makes_a_decision_serious():
    """巨额罚款 has no amount in the data: a huge fine alone stays 'general'."""
    assert classify(facts(date(2026, 6, 1), 10_000_000.0)).severity == "general"


def test_every_source_carries_a_verified_flag_and_where_it_comes_from():
    for rs in RULE_SETS:
        sources = [rs.source, rs.categories, rs.not_published, rs.repair_route, *rs.materials]
        sources += [p.source for p in rs.publicity.values()] + [c.source for c in rs.repair_conditions]
        for s in sources:
            assert s.cite() and s.url.startswith("http") and isinstance(s.verified, bool)


def test_status_expires_after_the_maximum_period():
    kw = dict(stored="published", published=True, max_until=date(2027, 4, 1))
    assert current_status(**kw, today=date(2027, 4, 1)) == "published"
    assert current_status(**kw, today=date(2027, 4, 2)) == "expired"
    assert current_status(
        stored="not_published", published=False, max_until=None, today=date(2040, 1, 1)
    ) == ("not_published")
    assert repair_available_from(date(2026, 7, 1)) == date(2026, 7, 2)
    assert repair_available_from(None) is None


def _record(c, **kw) -> CreditRecord:
    return CreditRecord(
        id="rec-1",
        case_id="case-1",
        case_number="吴环罚〔2026〕1号",
        uscc="91320509MA1XXXXXXX",
        bureau="320509",
        decision_type="penalty",
        fine_amount=kw.get("fine", 50_000.0),
        decision_date=c.publicity_from,
        severity=c.severity,
        published=c.published,
        criterion_code=c.criterion_code,
        criterion=c.criterion,
        sources=[cited(s) for s in c.sources],
        rule_set=c.rule_set.code,
        publicity_from=c.publicity_from,
        publicity_min_until=c.publicity_min_until,
        publicity_max_until=c.publicity_max_until,
        status="published" if c.published else "not_published",
        source_event_id="e",
        created_at=datetime.now(UTC),
    )


def test_notice_names_period_repair_date_conditions_and_credit_china():
    rec = _record(classify(facts(date(2026, 4, 1))))
    n = build_notice(rec, today=date(2026, 4, 2))
    assert n.served_with == ["行政处罚决定书", "环保信用失信记录告知书", "信用修复指引"]
    assert n.credit_record_notice.title == "环保信用失信记录告知书"
    assert n.credit_record_notice.severity_label == "一般失信信息"
    assert "2027-04-01" in n.credit_record_notice.text
    g = n.credit_repair_guidance
    assert g.title == "信用修复指引" and g.repair_available_from == date(2026, 7, 2)
    assert g.rule_set.code == "ndrc-order-36-2025"
    assert [c.key for c in g.conditions] == [
        "minimum_period_served",
        "obligations_fulfilled",
        "credit_commitment",
        "other_legal_conditions",
    ]
    assert all(c.applies and c.source.verified is False for c in g.conditions)
    assert "信用中国" in g.where.cite and g.where.verified is True
    assert [d["kind"] for d in g.documents] == ["commitment", "identity", "fine_receipt"]


def test_notice_for_an_unpublished_minor_record_says_so_and_needs_no_minimum_period():
    rec = _record(classify(facts(date(2026, 6, 1), 1000.0)), fine=1000.0)
    n = build_notice(rec, today=date(2026, 6, 2))
    assert n.credit_record_notice.published is False and "不予公示" in n.credit_record_notice.text
    g = n.credit_repair_guidance
    assert g.repair_available_from is None
    assert {c.key: c.applies for c in g.conditions}["minimum_period_served"] is False


def test_order_58_record_gets_the_repair_rules_in_force_when_repair_can_first_be_applied_for():
    rec = _record(classify(facts(date(2025, 6, 1))))
    assert (
        build_notice(rec, today=date(2025, 6, 2)).credit_repair_guidance.rule_set.code == "ndrc-order-58-2023"
    )
    assert (
        build_notice(rec, today=date(2026, 11, 22)).credit_repair_guidance.rule_set.code
        == "ndrc-order-36-2025"
    )
    assert (
        build_notice(rec, today=date(2026, 11, 22)).credit_record_notice.rule_set.code == "ndrc-order-58-2023"
    )


def test_an_order_58_notice_states_no_grade_that_order_does_not_define():
    """Order 58 (2023) does not grade penalty information 轻微/一般/严重: its notice must not say one."""
    rec = _record(classify(facts(date(2025, 6, 1))))
    assert rec.rule_set == "ndrc-order-58-2023"
    n = build_notice(rec, today=date(2025, 6, 2))
    label, text = n.credit_record_notice.severity_label, n.credit_record_notice.text
    assert label == "予以公示的行政处罚信息"
    assert not any(g in label + text.replace("不区分轻微、一般、严重失信信息", "") for g in ("轻微失信", "一般失信", "严重失信"))
    assert "不区分轻微、一般、严重" in text and "令第58号" in text

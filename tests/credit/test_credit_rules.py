"""Pure rules: classification from the decided event's own facts (with the older-event fallback), period
boundaries (leap years, Asia/Shanghai dates), and the repair application's rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.credit.config import RepairSettings
from services.credit.records.rules import DecisionFacts, add_months, classify, repair_available_from
from services.credit.repair import rules as repair
from shared.clock import local_date
from shared.contracts import PENALTY_DECISIONS, CaseDecided


def decided(**over) -> CaseDecided:
    fields = dict(
        case_id="c",
        number="n",
        uscc="u",
        bureau="320509",
        decision_type="penalty",
        fine_amount=50_000.0,
        steps=[],
        decided_by="l",
        decided_at=datetime(2026, 6, 15, 2, tzinfo=UTC),
    )
    fields.update(over)
    return CaseDecided.model_validate(fields)  # as a consumer parses the event's data


def grade(**over):
    return classify(DecisionFacts.from_decided(decided(**over), decision_date=date(2026, 6, 15)))


def test_event_facts_decide_the_grade_and_basis_is_only_a_fallback():
    assert grade(procedure="summary", fine_amount=2000.0).criterion_code.endswith("/summary_procedure")
    assert grade(procedure="general", fine_amount=2000.0).severity == "general"
    assert grade(penalty_kinds=["fine", "restrict_practice"]).severity == "serious"
    assert grade(penalty_kinds=["warning"], fine_amount=None).criterion_code.endswith("/warning_only")
    # An older event (no procedure key) carrying the facts in basis.
    assert grade(basis={"procedure": "summary"}, fine_amount=2000.0).severity == "minor"
    assert grade(basis={"penalty_kinds": ["revoke_permit"]}).severity == "serious"
    # An older event with neither: the amount is within 第五十一条's scope, and the criterion says it inferred.
    inferred = grade(fine_amount=2000.0)
    assert inferred.criterion_code.endswith("/summary_procedure_scope") and "推定" in inferred.criterion
    # A stated procedure wins over basis.
    assert (
        grade(procedure="general", basis={"procedure": "summary"}, fine_amount=2000.0).severity == "general"
    )


@pytest.mark.parametrize("decision_type", ["penalty", "lighter", "mitigated", "heavier", "no_penalty"])
def test_every_decision_type_is_a_penalty_or_an_exemption(decision_type):
    # Penalties get a record (classified by their facts, never by the type); an exemption gets none.
    assert (decision_type in PENALTY_DECISIONS) is (decision_type != "no_penalty")
    if decision_type != "no_penalty":
        assert grade(decision_type=decision_type).severity == "general"


@pytest.mark.parametrize(
    ("day", "kinds", "min_until", "max_until"),
    [
        (date(2028, 2, 29), [], date(2028, 5, 29), date(2029, 2, 28)),  # general, from a leap day
        (date(2028, 2, 29), ["revoke_permit"], date(2029, 2, 28), date(2031, 2, 28)),  # serious
        (date(2027, 11, 30), [], date(2028, 2, 29), date(2028, 11, 30)),  # into a leap February
        (date(2026, 12, 31), ["revoke_permit"], date(2027, 12, 31), date(2029, 12, 31)),
    ],
)
def test_order_36_periods_at_leap_year_and_month_end_boundaries(day, kinds, min_until, max_until):
    c = classify(
        DecisionFacts(
            decision_type="penalty",
            decision_date=day,
            fine_amount=10_000.0,
            procedure="general",
            penalty_kinds=frozenset(kinds),
        )
    )
    assert (c.publicity_from, c.publicity_min_until, c.publicity_max_until) == (day, min_until, max_until)


def test_decision_date_is_the_date_in_asia_shanghai():
    assert local_date(datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC)) == date(2026, 3, 31)
    assert local_date(datetime(2026, 3, 31, 16, 0, tzinfo=UTC)) == date(2026, 4, 1)
    assert local_date(datetime(2028, 2, 28, 16, 0, tzinfo=UTC)) == date(2028, 2, 29)


@given(
    day=st.dates(min_value=date(2023, 5, 1), max_value=date(2040, 12, 31)),
    kinds=st.sets(st.sampled_from(["fine", "warning", "revoke_permit", "restrict_practice", "confiscate"])),
    fine=st.one_of(st.none(), st.floats(min_value=0, max_value=1e7)),
    procedure=st.sampled_from([None, "general", "summary"]),
)
def test_published_periods_are_ordered_and_repair_opens_the_day_after_the_minimum(
    day, kinds, fine, procedure
):
    c = classify(
        DecisionFacts(
            decision_type="penalty",
            decision_date=day,
            fine_amount=fine,
            procedure=procedure,
            penalty_kinds=frozenset(kinds),
        )
    )
    if c.published:
        assert day < c.publicity_min_until < c.publicity_max_until
        assert repair_available_from(c.publicity_min_until) == c.publicity_min_until + timedelta(days=1)
    else:
        assert c.publicity_min_until is None and c.publicity_max_until is None and c.severity == "minor"
    assert c.criterion.startswith(f"[{c.criterion_code}]")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 48))
def test_add_months_never_goes_back_and_lands_in_the_right_month(day, months):
    out = add_months(day, months)
    assert out >= day and (out.year * 12 + out.month) - (day.year * 12 + day.month) == months
    assert out.day == day.day or out.day < day.day and (out + timedelta(days=1)).day == 1


# -- repair rules -----------------------------------------------------------------------------------
def test_minimum_period_boundary_and_unrepairable_records():
    kw = dict(status="published", published=True, min_until=date(2026, 9, 15))
    with pytest.raises(repair.Refusal) as e:
        repair.check_can_apply(**kw, today=date(2026, 9, 15))
    assert e.value.code == "minimum_period_not_served" and "最短公示期" in e.value.rule.cite()
    repair.check_can_apply(**kw, today=date(2026, 9, 16))
    repair.check_can_apply(status="not_published", published=False, min_until=None, today=date(2026, 6, 16))
    for status in ("repaired", "expired"):
        with pytest.raises(repair.Refusal) as e:
            repair.check_can_apply(
                status=status, published=True, min_until=date(2026, 9, 15), today=date(2027, 1, 1)
            )
        assert e.value.code == "record_not_repairable"


def test_obligations_prefer_the_case_read_and_fall_back_to_events():
    def keys(**kw):
        return [c.key for c in repair.unmet(repair.obligation_checks(**kw))]

    base = dict(fine_amount=50_000.0, case_read=None, fine_paid_event=False, rectification_event=None)
    assert keys(**base) == ["fine_paid"]
    assert keys(**{**base, "fine_paid_event": True}) == []
    assert keys(**{**base, "case_read": {"execution": {"fine_paid": True}}}) == []
    assert keys(**{**base, "fine_amount": None}) == []
    assert keys(**{**base, "fine_paid_event": True, "rectification_event": False}) == ["rectification_passed"]
    read = {"execution": {"fine_paid": True}, "rectification": {"assessment": None}}
    assert keys(**{**base, "case_read": read, "rectification_event": True}) == ["rectification_passed"]
    read["rectification"] = {"assessment": {"passed": True}}
    assert keys(**{**base, "case_read": read}) == []


def test_documents_depend_on_the_fine():
    assert [d.kind for d in repair.required_documents(None)] == ["identity"]
    assert [d.kind for d in repair.missing_documents(1.0, ["identity"])] == ["fine_receipt"]
    assert all(d.source.url.startswith("http") for d in repair.required_documents(1.0))


def test_workflow_transitions_and_overdue_boundaries():
    assert repair.allowed_actions("submitted") == ["accept", "reject"]
    assert repair.allowed_actions("accepted") == ["approve", "reject"]
    assert repair.allowed_actions("approved") == repair.allowed_actions("rejected") == []
    with pytest.raises(repair.Refusal) as e:
        repair.check_transition("rejected", "approve")
    assert (e.value.code, e.value.extra["allowed_actions"]) == ("illegal_transition", [])
    s = RepairSettings()
    due = repair.accept_due(date(2026, 12, 29), s)
    assert due == date(2027, 1, 3)
    assert repair.overdue_deadlines(status="submitted", accept_due=due, decide_due=None, today=due) == []
    assert repair.overdue_deadlines(
        status="submitted", accept_due=due, decide_due=None, today=due + timedelta(days=1)
    ) == ["accept"]
    assert repair.overdue_deadlines(
        status="accepted", accept_due=due, decide_due=date(2027, 1, 20), today=date(2027, 1, 21)
    ) == ["decide"]
    assert (
        repair.overdue_deadlines(
            status="approved", accept_due=due, decide_due=date(2027, 1, 20), today=date(2030, 1, 1)
        )
        == []
    )


def test_time_limits_are_a_labelled_local_setting(monkeypatch):
    monkeypatch.setenv("ECOCOMPLY_CREDIT_REPAIR_ACCEPT_DAYS", "3")
    assert repair.accept_due(date(2026, 9, 16), RepairSettings()) == date(2026, 9, 19)
    assert "本地设置" in repair.LOCAL_TIME_LIMITS.cite() and "NOT_FOUND" in repair.LOCAL_TIME_LIMITS.cite()
    assert repair.LOCAL_TIME_LIMITS.verified is False

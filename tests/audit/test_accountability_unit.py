"""The pure parts of 错案责任倒查 (issue 27 point 4): each person's parts read from a case's events, a finding's
required outcome, the 容错 conditions of 试点方案 五（三） (all of them, each with evidence) and a person's standing
(已免责 never counted as 有责任)."""

from __future__ import annotations

import pytest

from services.audit.accountability import law, people, rules
from services.audit.accountability.schemas import ExcuseCreate, ResponsibilityCreate
from shared.problems import Problem


def test_each_persons_parts_come_from_the_case_events_in_order():
    found = people.from_events([
        ("ecocomply.case.filed.v1", {"handlers": ["a", "b"], "filed_by": "a"}),
        ("ecocomply.case.legal_reviewed.v1", {"reviewer": "r"}),
        ("ecocomply.case.collective_discussed.v1", {"participants": ["l2", "l3"], "recorded_by": "l2"}),
        ("ecocomply.case.decided.v1", {"handlers": ["a", "b"], "decided_by": "l1"}),
        ("ecocomply.case.served.v1", {"served_by": "x"}),  # no part of the decision: not listed
        ("ecocomply.case.ended.v1", {"decided_by": "system", "legal_review_by": None}),
    ])
    assert found == {"a": ["handler", "filer"], "b": ["handler"], "r": ["legal_reviewer"],
                     "l2": ["discussion_participant", "discussion_recorder"], "l3": ["discussion_participant"],
                     "l1": ["decider"]}


def test_a_finding_of_responsibility_names_its_outcome_and_no_responsibility_names_none():
    with pytest.raises(Problem) as e:
        rules.check_finding(ResponsibilityCreate(person="a", finding="responsible", reason="理由"))
    assert e.value.code == "outcome_required" and "错案责任倒查" in e.value.extra["rule"]
    rules.check_finding(ResponsibilityCreate(person="a", finding="responsible", outcome="circulated", reason="理由"))
    with pytest.raises(Problem):
        rules.check_finding(ResponsibilityCreate(person="a", finding="none", outcome="circulated", reason="理由"))
    rules.check_finding(ResponsibilityCreate(person="a", finding="none", reason="理由"))


def _excuse(**answers) -> ExcuseCreate:
    return ExcuseCreate(person="a", relief="exempted", reason="理由", conditions=answers)


def test_an_excuse_needs_every_condition_affirmed_with_evidence():
    every = {c.code: {"affirmed": True, "evidence": "证据"} for c in law.EXCUSE_CONDITIONS}
    rules.check_excuse(_excuse(**every))
    assert [c.label for c in rules.missing_conditions(_excuse(**{**every, "diligent": {"affirmed": True,
                                                                                        "evidence": ""}}))] == ["勤勉尽责"]
    absent = {k: v for k, v in every.items() if k != "corrected_in_time"}
    with pytest.raises(Problem) as e:
        rules.check_excuse(_excuse(**absent))
    assert e.value.code == "excuse_condition_not_met" and "能够及时纠错改正" in e.value.detail
    assert "五（三）" in e.value.extra["rule"] and e.value.extra["missing"][0]["verified"] is True


def test_standing_counts_an_excused_person_apart():
    assert rules.standing(None, None) == "pending"
    assert rules.standing("none", None) == "not_responsible"
    assert rules.standing("responsible", None) == "responsible"
    assert rules.standing("responsible", "lightened") == "lightened"
    assert rules.standing("responsible", "exempted") == "excused"


def test_every_outcome_and_condition_names_its_source():
    for item in (*law.OUTCOMES, *law.EXCUSE_CONDITIONS, *law.RELIEFS, *law.FINDINGS):
        assert item.source and item.label and isinstance(item.verified, bool)
    # 政务处分法, 公务员法, 监察法 were read in full (LawRefBook/Laws); the 问责条例's current text was not.
    assert {o.code for o in law.OUTCOMES if not o.verified} == {"circulated"}


def test_each_outcome_names_the_statute_it_comes_from_and_only_what_was_read_is_verified():
    o = law.by_code(law.OUTCOMES)
    for code in ("talk_reminder", "criticism_education", "ordered_self_examination", "admonishment"):
        assert "公务员法》第五十七条第二款" in o[code].source and "监察法》第五十二条" in o[code].source
        assert "政务处分法》第十二条" in o[code].source and o[code].verified
    for code in ("warning", "demerit", "major_demerit", "demotion", "removal_from_post", "expulsion"):
        assert "政务处分法》第七条" in o[code].source and "公务员法》第六十二条" in o[code].source and o[code].verified
    assert "第五十七条第三款" in o["referred_to_discipline"].source and o["referred_to_discipline"].verified
    assert "第五十七条第二款" in o["organisational_adjustment"].source
    # 通报 of a person is party accountability, whose current text was not read — and not the 干预 records' 通报.
    assert "问责条例" in o["circulated"].source and "（二十二）" not in o["circulated"].source
    assert not o["circulated"].verified
    assert "第七十六条" in law.catalog()["liability"] and "第八十三条" in law.catalog()["liability"]


def test_an_excuse_needs_the_competent_organ_after_a_referral_or_a_sanction_and_not_otherwise():
    assert rules.needs_organ("referred", "talk_reminder") and rules.needs_organ("issue_found", "demerit")
    assert rules.needs_organ("issue_found", "referred_to_discipline")
    assert not rules.needs_organ("issue_found", "admonishment") and not rules.needs_organ("issue_found", "other")
    with pytest.raises(Problem) as e:
        rules.check_organ("referred", "talk_reminder", " ")
    assert e.value.status == 422 and "政务处分法》第二条、第三条" in e.value.extra["rule"]
    rules.check_organ("referred", "talk_reminder", "区纪委监委：容错免责")
    rules.check_organ("issue_found", "admonishment", None)


def test_a_trace_on_a_review_stands_only_while_the_flag_is_still_found_wrong():
    from types import SimpleNamespace
    for status, wrong in (("issue_found", True), ("referred", True), ("open", False), ("in_review", False),
                          ("cleared", False)):
        assert rules.still_wrong(SimpleNamespace(status=status), "issue_found") is wrong
    assert rules.still_wrong(SimpleNamespace(status="open"), "casefile_unqualified")  # a rule's ground stands


def test_an_excuse_relieves_the_finding_it_was_decided_on_and_never_a_later_one_whatever_the_clock():
    from datetime import UTC, datetime

    from services.audit.accountability.figures import standings
    from services.audit.accountability.models import ExcuseDecision, ResponsibilityFinding

    at = datetime(2026, 6, 10, tzinfo=UTC)

    def finding(id_, person="a"):
        return ResponsibilityFinding(id=id_, trace_id="t", person=person, finding="responsible", recorded_at=at)

    def excuse(id_, finding_id, person="a", relief="exempted"):
        return ExcuseDecision(id=id_, trace_id="t", person=person, finding_id=finding_id, relief=relief, decided_at=at)

    # Excused, then found responsible again at the same instant: the new finding is not relieved.
    assert standings([finding(1), finding(2)], [excuse(1, 1)]) == {("t", "a"): "responsible"}
    # The excuse of the latest finding counts even if its clock reads earlier; lightened stays apart from both.
    assert standings([finding(1), finding(2)], [excuse(1, 2)]) == {("t", "a"): "excused"}
    assert standings([finding(3, "b")], [excuse(2, 3, "b", "lightened")]) == {("t", "b"): "lightened"}

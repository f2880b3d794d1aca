"""Issue 25 S10 in the cases workflow: a separation-of-duties check compares subjects as one person whatever
their case (``shared.auth.same_subject``) — a handler ``h1`` acting as ``H1`` is still the case's handler."""

from __future__ import annotations

import pytest

from services.cases import workflow as wf

CASE = dict(handlers=("h1", "h2"))


def refused(fn, *args, **kw) -> wf.Refusal:
    with pytest.raises(wf.Refusal) as e:
        fn(*args, **kw)
    return e.value


@pytest.mark.parametrize("actor", ["H1", " h1"])
def test_a_handler_under_another_case_does_not_review_or_approve_the_case(actor):
    """Rules reviewer_not_handler (行政处罚法第五十八条, our reading: no handler reviews the case) and
    time_limit_approved_by_leader (办法第三十五条、第五十七条 as the rule cites them: a leader who is not a
    handler approves a suspension)."""
    investigated = wf.CaseView(state="investigated", **CASE)
    assert refused(wf.check, investigated, "legal_review", actor=actor).rule.code == "reviewer_not_handler"
    wf.check(investigated, "legal_review", actor="r1")  # beside it: another person reviews
    r = refused(wf.check, investigated, "suspend", actor=actor, leader=True)
    assert r.rule.code == "time_limit_approved_by_leader" and "handler" in r.detail
    wf.check(investigated, "suspend", actor="l1", leader=True)


def test_a_handler_under_another_case_does_not_end_the_case():
    """Rule filed_withdrawal_by_leader (行政处罚法第五十四条、第五十七条): the leader who ends a case is not
    one of its handlers."""
    filed = wf.CaseView(state="filed", **CASE)
    r = refused(wf.check_ending, filed, wf.Ending("withdrawn", "H2", True))
    assert "handler" in r.detail
    wf.check_ending(filed, wf.Ending("withdrawn", "l1", True))


def test_discussion_participants_are_people_not_spellings():
    """行政处罚法第五十七条第二款 (rules discussion_participants_not_handlers, collective_discussion_quorum): no handler sits in the collective discussion, and ``L1`` and ``l1`` are one participant
    toward the quorum."""
    reviewed = wf.CaseView(state="reviewed", **CASE)
    r = refused(wf.check_discussion, reviewed, participants=["l1", "H1", "l2"], quorum=3)
    assert r.rule.code == "discussion_participants_not_handlers"
    r = refused(wf.check_discussion, reviewed, participants=["l1", "L1", "l2"], quorum=3)
    assert r.rule.code == "collective_discussion_quorum"
    wf.check_discussion(reviewed, participants=["l1", "l2", "l3"], quorum=3)

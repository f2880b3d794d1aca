"""Hypothesis state machine over the pure workflow (``services.cases.workflow``): random actions by random
actors over random facts, review proposals, discussion conclusions, notices, rights periods, fine ranges,
no-penalty bases and earlier decisions. Whenever the decision gate accepts a decision, every precondition
of the law held — checked by an oracle written here from DESIGN §3 and issue 11, independently of the
gate's own helpers. Every refusal changes nothing and names a rule with its article.

The walk reaches the gate through whole sequences; a second property puts each kind of lawful decision
before the gate (it must pass), then every neighbour one or two terms away from it (it passes only if the
oracle finds it lawful), so that no single precondition depends on the walk happening upon it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from services.cases import workflow as wf

HANDLERS = ("h1", "h2")
ACTORS = ("h1", "h2", "r1", "l1")
PEOPLE = ("l1", "l2", "l3", "l4", "h1", "r1")  # who may be asked to sit in a collective discussion
ART32, REC_KEY, HEAVY = "k_art32", "compliance_rectification_passed", "k_aggravating"
CIRCUMSTANCES = wf.Circumstances(article_32=frozenset({ART32}), rectification_key=REC_KEY,
                                 aggravating=frozenset({HEAVY}))
FACT_KEYS = (ART32, REC_KEY, HEAVY, "first_offence", "harm_minor", "ecological_damage", "violation_minor",
             "corrected_in_time", "no_harm", "no_fault_proven", "other_law_provides_otherwise")
# 第三十三条's "不予" grounds (the oracle's own copy): when their facts are established, no penalty may be given.
MUST_NOT_PENALISE = ({"violation_minor": True, "corrected_in_time": True, "no_harm": True},
                     {"no_fault_proven": True, "other_law_provides_otherwise": False})
PENALTY_TYPES = ("mitigated", "lighter", "penalty", "heavier")  # lightest first: the oracle's own order
LIGHT = {"lighter", "mitigated"}
TYPES = ("no_penalty", *PENALTY_TYPES)
AMOUNTS = (None, 0.0, 500.0, 999.0, 1000.0, 3000.0, 5000.0, 8000.0, 10000.0, 10001.0, 200000.0)
KINDS = ((), ("warning",), ("fine",), ("warning", "fine"), ("fine", "suspend_production"))
REASONS = (None, "", "  ", "书面理由")
FULL_RECORD = {"record": "笔录", "party_statements": "申辩", "signature": "signed"}
RECORDS = (FULL_RECORD, FULL_RECORD, {**FULL_RECORD, "signature": None}, {**FULL_RECORD, "party_statements": ""},
           {**FULL_RECORD, "signature": "refused"}, {**FULL_RECORD, "signature": "refused", "refusal_note": "拒签"})
# (who, holds the leader role): a leader, a leader who handles the case, a reviewer, a leader acting without the role
DECIDERS = (("l1", True), ("h2", True), ("r1", False), ("l1", False))
EARLIER = "苏环罚〔2024〕7号"
# What the head start may draw at random instead of following its plan.
ASPECTS = ("fine range", "fine", "kinds", "facts", "facts", "needed facts", "basis", "earlier", "out-of-list steps",
           "proposal", "conclusion", "notice", "answer", "decider", "reason")

# Facts that decide a case on their own (the law's grounds, harm, circumstances).
RISKY_FACTS = (*MUST_NOT_PENALISE, {"ecological_damage": True}, {"ecological_damage": True, "harm_minor": True},
               {"ecological_damage": True, "harm_minor": True, "no_harm": True}, {"ecological_damage": True,
               "harm_minor": False}, {ART32: True}, {HEAVY: True}, {REC_KEY: True}, {"first_offence": True})
facts_st = st.dictionaries(st.sampled_from(FACT_KEYS), st.sampled_from([True, True, False, None]))
proposal_st = st.builds(wf.Proposal, st.sampled_from((None, *TYPES)), st.sampled_from(AMOUNTS))
notice_st = st.builds(wf.NoticeTerms, st.sampled_from((None, *PENALTY_TYPES)), st.sampled_from(AMOUNTS),
                      st.sampled_from(KINDS))


def _fine_range(statutory: tuple[float, float], band: tuple[float, float], level: str) -> wf.FineRange:
    """A statutory range and the benchmark's recommended band in it (a negative band: below the minimum, as a
    calculation for 减轻 gives)."""
    lo, hi = statutory
    at = [max(lo + (hi - lo) * f, 0.0) if f >= 0 else max(lo * (1 + f), 0.0) for f in band]
    return wf.FineRange(statutory_min=lo, statutory_max=hi, fine_min=at[0], fine_max=at[1], level=level,
                        rule_version="v1", article="《某法》第某条")


STATUTORY = ((1000.0, 10000.0), (0.0, 5000.0), (100000.0, 1000000.0))
BANDS, BELOW = ((0.0, 0.3), (0.2, 0.5), (0.5, 1.0)), (-0.5, -0.1)
LEVELS = st.sampled_from(["standard", "heavier", "lighter"])
fine_range_st = st.builds(_fine_range, st.sampled_from(STATUTORY), st.sampled_from((*BANDS, BELOW)), LEVELS)
range_st = st.one_of(fine_range_st, fine_range_st, fine_range_st, st.none())  # none: the range cannot be determined
basis_st = st.none() | st.builds(
    wf.NoPenaltyBasis, code=st.just("NP-X"), kind=st.sampled_from(["list", "statutory"]), eligible=st.booleans(),
    unmet=st.sampled_from([(), ("violation_minor",)]), unknown=st.sampled_from([(), ("no_harm",)]),
    covers=st.sampled_from([None, True, False]), article_33_met=st.sampled_from([None, True, False]),
)


def edges(r: wf.FineRange | None) -> list[float | None]:
    """Fines worth trying: none, zero, the edges of both ranges and one yuan beyond them, and fixed amounts."""
    if r is None:
        return list(AMOUNTS)
    return [None, 0.0, r.fine_min, max(r.fine_min - 1, 0.0), r.fine_max, r.fine_max + 1, r.statutory_min,
            max(r.statutory_min - 1, 0.0), r.statutory_max, r.statutory_max + 1, 3000.0]


def flawed_bases(b: wf.NoPenaltyBasis, *, random: bool = True) -> st.SearchStrategy[wf.NoPenaltyBasis | None]:
    """No basis, a basis with one flaw (the item does not cover the violation, 第三十三条 not established, not
    eligible, the other kind), or (``random``) a random one."""
    flaws = st.sampled_from([
        None, replace(b, covers=False, not_covered=("GI-X",)), replace(b, covers=None), replace(b, article_33_met=None),
        replace(b, article_33_met=False), replace(b, eligible=False), replace(b, eligible=False, unknown=("no_harm",)),
        replace(b, kind="statutory" if b.kind == "list" else "list", article_33_met=None),
    ])
    return flaws | basis_st if random else flaws


def _binds(p: wf.Proposal | None, d: wf.Decision) -> None:
    """What a review or discussion named is what is decided: the type, and the fine where one was named."""
    if p is not None and p.decision_type is not None:
        assert p.decision_type == d.decision_type
        assert p.fine_amount is None or d.fine_amount == p.fine_amount


def _heavier(d: wf.Decision | wf.NoticeTerms, n: wf.NoticeTerms) -> bool:
    """The oracle's own "heavier than the notice": a heavier type, a larger fine, or a kind not announced."""
    t, fine, kinds = ((d.decision_type, d.fine_amount, d.penalty_kinds) if isinstance(d, wf.Decision)
                      else (d.intended_type, d.intended_fine, d.penalty_kinds))
    if None not in (t, n.intended_type) and PENALTY_TYPES.index(t) > PENALTY_TYPES.index(n.intended_type):
        return True
    if (fine or 0.0) > (n.intended_fine or 0.0):
        return True
    return not set(kinds) <= (set(n.penalty_kinds) or ({"fine"} if n.intended_fine else {"warning"}))


def assert_lawful(v: wf.CaseView, d: wf.Decision, rec: wf.Record) -> None:
    """The oracle: every precondition of an accepted decision (DESIGN §3 "The decision gate", issue 11)."""
    t, steps, facts, fine = d.decision_type, set(v.steps), v.facts, d.fine_amount
    art32, assessed = facts.get(ART32) is True, "rectification_assessed" in steps
    assert v.state in {"reviewed", "discussed", "notified"}
    if suspension_blocks():
        assert not v.suspended
    assert d.decider_is_leader and d.decided_by not in v.handlers
    assert {"evidence", "legal_review"} <= steps
    assert v.review is not None and v.review.decision_type is not None  # the review named what it approved
    _binds(v.review, d)
    assert not v.review_before_hearing  # a hearing held after the review needs a new review
    _binds(v.discussion, d)
    if facts.get("first_offence") is True:
        assert not rec.earlier_decisions
    if t == "no_penalty" or t in LIGHT:
        assert "collective_discussion" in steps and v.discussion is not None and v.discussion.decision_type == t
    if t == "no_penalty":
        b = rec.no_penalty
        assert not fine and b is not None and b.eligible and b.covers is not False
        if facts.get("ecological_damage") is True:  # harm recorded: only a minor one, never "no harm"
            assert facts.get("harm_minor") is True and facts.get("no_harm") is not True
        if b.kind == "list":
            assert b.article_33_met is True
        else:
            assert {"rectification_assessed", "case_review", "opinions"} <= steps
        return
    # penalties: the law's own grounds first
    for ground in MUST_NOT_PENALISE:
        assert not all(facts.get(k) is val for k, val in ground.items())
    if t in {"penalty", "heavier"}:
        assert not art32  # 第三十二条: 应当从轻或者减轻
    if t == "lighter":
        assert art32 or assessed
    if t == "mitigated":
        assert art32
    if t == "heavier":
        assert facts.get(HEAVY) is True or (rec.fine_range is not None and rec.fine_range.level == "heavier")
    # the notice and the party's rights
    n = v.notice
    assert "notice" in steps and n is not None
    if n.intended_type is not None:
        assert PENALTY_TYPES.index(t) <= PENALTY_TYPES.index(n.intended_type)
    assert (fine or 0.0) <= (n.intended_fine or 0.0)
    assert set(d.penalty_kinds) <= (set(n.penalty_kinds) or ({"fine"} if n.intended_fine else {"warning"}))
    if v.hearing_requested:
        assert "hearing" in steps
    assert steps & {"rights_waived", "hearing"} or (v.rights_over and v.rights_provisional_year is None)
    # 第四十五条: no heavier than a notice the party answered, unless evidence was added and facts changed since
    for a in v.answered:
        if not (a.new_evidence and a.changed_facts):
            assert not _heavier(d, a.terms)
    # 第六十五条: after a hearing, on the facts it was held on, no heavier than the penalty at issue
    if "hearing" in steps and v.heard is not None:
        assert dict(v.heard.facts) == dict(facts)
        assert v.heard.at_issue is None or not _heavier(d, v.heard.at_issue)
    # the fine
    r = rec.fine_range
    if "fine" in d.penalty_kinds:
        assert fine
    if not fine:  # no fine: only where the penalty article prescribes none
        assert r is None or r.statutory_min <= 0
        return
    assert r is not None and fine <= r.statutory_max
    if fine < r.statutory_min:
        assert t == "mitigated" and art32
    if t == "mitigated":
        assert fine < r.statutory_min
    if t == "lighter":
        assert fine <= r.fine_max
    if not r.fine_min <= fine <= r.fine_max:
        assert d.reason and d.reason.strip()


# -- endings before a decision and changes after one (issue 23 item 2): the oracle's own reading ---------------
# 第五十七条: the 负责人 decides how an investigated case ends; 第五十八条 (our reading): an ending without a penalty
# after the investigation passes legal review approving that ending; 第四十八条第二款: a revoked decision is
# no longer executed. The oracle's own tables, not the product's.
PRE_DECISION = {"filed", "investigated", "reviewed", "discussed", "notified"}
AFTER_DECISION = {"decided", "served", "executing", "closed"}
ENDED_IN = {"withdrawn": "withdrawn", "facts_not_established": "withdrawn", "terminated": "terminated",
            "transferred": "transferred"}
UNPENALISED = {"withdrawn", "facts_not_established", "terminated"}  # a transfer hands the case on
NO_LONGER_STANDS = {"revoked", "confirmed_illegal", "redo"}  # 撤销, 确认违法, 撤销并责令重作
OUTCOMES = ("upheld", "changed", "revoked", "confirmed_illegal", "redo")
SOURCES = ("bureau", "reconsideration", "litigation")
CHANGED_FINES = (0.0, 1000.0, 3000.0, 5000.0)
# The events the audit flags (the flag itself is counted through the API in tests/cases/test_endings.py).
ENDED_FLAG, CHANGED_FLAG = "case_ended_without_penalty", "decision_revoked_or_reduced"


def suspension_blocks() -> bool:
    """Whether the gate carries 《处罚办法》第三十五条's "no decision while suspended" (issue 23 item 5B, another
    branch): once it does, the oracle holds every decision and ending to it."""
    return "suspension_blocks_decision" in wf.RULES


def assert_lawful_ending(v: wf.CaseView, e: wf.Ending, approved_ending: str | None) -> None:
    """The oracle of an accepted ending: before any decision, decided by a leader who did not handle the case; 违法
    事实不能成立 only on an investigation; after the investigation, an unpenalised ending only on a legal review
    approving that very ending and still standing (``approved_ending``: the model's own record of it)."""
    assert v.state in PRE_DECISION and "decision" not in v.steps
    assert e.decider_is_leader and e.decided_by not in v.handlers
    if e.kind == "facts_not_established":
        assert "investigation" in v.steps
    if "investigation" in v.steps and e.kind in UNPENALISED:
        assert approved_ending == e.kind, f"ended as {e.kind} on the approving review of {approved_ending}"
    if suspension_blocks():
        assert not v.suspended


def assert_lawful_change(v: wf.CaseView, c: wf.Change, approved_change: str | None) -> None:
    """The oracle of an accepted change of the decision: after a decision that still stands, recorded by a leader
    who did not handle the case; the bureau itself only changes or revokes, each time on a legal review approving
    that change given since the last change; 复议/诉讼 outcomes as the body decided them."""
    assert v.state in AFTER_DECISION and "decision" in v.steps
    assert v.decision_status != "revoked"
    assert c.decider_is_leader and c.decided_by not in v.handlers
    if c.source == "bureau":
        assert c.outcome in {"changed", "revoked"}
        assert approved_change == c.outcome, f"the bureau {c.outcome} the decision on the approving review of {approved_change}"
    if c.outcome == "changed":  # change_never_heavier: never above the fine now due, never an exemption into a fine
        assert (c.fine_after or 0.0) <= (c.fine_before or 0.0), f"a change raised the fine {c.fine_before} to {c.fine_after}"
        assert c.decision_type != wf.EXEMPTION or not c.fine_after, "an exemption changed into a fine"


class CaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.reviewed_by: list[str] = []
        self.refused: list[str] = []
        self.all_decided: list[tuple[wf.CaseView, wf.Decision, wf.Record]] = []
        self.cases = 0
        self.endings: list[str] = []  # every ending of every case (the walk is not vacuous)
        self.all_changes: list[tuple[str, str]] = []
        self._new_case()

    def _new_case(self) -> None:
        self.v = wf.CaseView(state="filed", handlers=HANDLERS, steps=("filing",))
        self.rec = wf.Record(circumstances=CIRCUMSTANCES, first_offence_window="3 年（本地设置）")
        self.plan: tuple[str, float | None, tuple[str, ...]] = ("penalty", None, ("warning",))
        self.decided: list[tuple[wf.CaseView, wf.Decision, wf.Record]] = []  # this case's decision
        self.current_answered = False  # the last of ``v.answered`` is the current notice's
        # the model's own record of what legal review approved (an ending before, a change after the decision): a
        # return, a re-investigation (for an ending) or any change recorded (for a change) makes it count no more
        self.ending_review: str | None = None
        self.change_review: str | None = None
        self.ending: str | None = None  # how this case ended
        self.fine: float | None = None  # the fine the decision (as changed) imposes
        self.changes: list[tuple[wf.Change, bool]] = []  # accepted changes, and whether each ends or reduces the penalty
        self.expected_flags: list[str] = []  # the events the audit flags, as the model expects them
        self.cases += 1

    # -- helpers ----------------------------------------------------------------------------------
    def _apply(self, action: str, *add: str, drop: tuple[str, ...] = (), transition: dict | None = None,
               **changes) -> None:
        """Apply an accepted action: the state is the one ``next_state`` gives, never set by hand."""
        kept = tuple(s for s in self.v.steps if s not in drop)
        steps = kept + tuple(s for s in add if s not in kept)
        state = wf.next_state(self.v, action, **(transition or {}))
        self.v = replace(self.v, steps=steps, state=state, **changes)

    def _try(self, fn, *args, **kw) -> bool:
        before, rec = self.v, self.rec
        try:
            fn(*args, **kw)
        except wf.Refusal as r:
            self.refused.append(r.rule.code)
            assert r.rule.code in wf.RULES and wf.RULES[r.rule.code] is r.rule
            assert r.rule.article and r.rule.article in r.rule.cite() and r.detail
            assert r.extra["allowed_actions"] == wf.allowed_actions(before) and r.extra["state"] == before.state
            assert self.v == before and self.rec == rec  # a refusal changes nothing
            return False
        return True

    def _simple(self, action: str, actor: str, **kw) -> bool:
        return self._try(wf.check, self.v, action, actor=actor, **kw)

    # -- the actions (plain methods: the rules below and the head start call them) -----------------
    def add_evidence(self, actor: str) -> None:
        if self._simple("add_evidence", actor):  # evidence after every statement on record
            self._apply("add_evidence", "evidence",
                        answered=tuple(replace(a, new_evidence=True) for a in self.v.answered))

    def complete_investigation(self, actor: str, facts: dict) -> None:
        if self._simple("complete_investigation", actor):
            new = {**self.v.facts, **facts}
            changed = tuple(k for k in facts if self.v.facts.get(k) != facts[k])
            self._apply("complete_investigation", "investigation", facts=new, answered=tuple(
                replace(a, changed_facts=tuple(sorted({*a.changed_facts, *changed}))) for a in self.v.answered))

    # what voids the notice voids its hearing, schedule and the party's answer to it
    VOIDED = dict(notice=None, intended_fine=None, hearing_requested=False, review_before_hearing=False,
                  rights_over=False, rights_provisional_year=None, hearing_scheduled=False,
                  hearing_time_reached=False, heard=None)

    def reinvestigate(self, actor: str) -> None:
        """复核 (第四十五条): back to investigation; review, discussion and notice no longer count."""
        if self._simple("reinvestigate", actor):
            self.current_answered = False
            self.ending_review = None  # the model: a review before the re-investigation no longer counts

            self._apply("reinvestigate", "reinvestigation",
                        drop=("legal_review", "collective_discussion", "notice", "statement", "rights_waived",
                              "hearing"), review=None, discussion=None, **self.VOIDED)
            assert self.v.state == "investigated"

    def review(self, actor: str, opinion: str, proposal: wf.Proposal | None) -> None:
        if not self._simple("legal_review", actor, opinion=opinion):
            return
        assert actor not in HANDLERS
        if opinion == "approve":
            assert "evidence" in self.v.steps
            self.reviewed_by.append(actor)
            self._apply("legal_review", "legal_review", transition={"opinion": opinion}, review=proposal,
                        review_before_hearing=False, review_ending=None, review_change=None)
            self.change_review = None
            assert self.v.state != "investigated"
        else:  # back to investigation: the approval, the discussion and the notice no longer count
            self.current_answered = False
            self._apply("legal_review", "legal_review_returned",
                        drop=("legal_review", "collective_discussion", "statement", "rights_waived", "hearing"),
                        transition={"opinion": opinion}, review=None, discussion=None, review_ending=None,
                        review_change=None, **self.VOIDED)
            self.change_review = None
            assert self.v.state == "investigated"

    def out_of_list_step(self, actor: str, which: str) -> None:
        """一案一议, 征求意见, a (new) rectification plan, a passed or failed rectification assessment."""
        if which == "case_review" and self._simple("case_review", actor):
            self._apply("case_review", "case_review")
        elif which == "opinions" and self._simple("record_opinion", actor):
            self._apply("record_opinion", "opinions")
        elif which == "plan" and self._simple("rectification_plan", actor):  # a new plan voids the assessment
            self._apply("rectification_plan", "rectification_plan", drop=("rectification_assessed",))
        elif which.startswith("assessment") and self._simple("rectification_assessment", actor):
            self._apply("rectification_assessment", *(["rectification_assessed"] if which == "assessment passed" else []))

    def discuss(self, participants: tuple[str, ...], votes_for: int, conclusion: wf.Proposal) -> None:
        if not self._try(wf.check_discussion, self.v, participants=list(participants)):
            return
        assert len(participants) >= wf.machine.QUORUM_DEFAULT and not set(participants) & set(HANDLERS)
        before = self.v.state
        if wf.discussion_approves(participants=len(participants), votes_for=min(votes_for, len(participants))):
            self._apply("collective_discussion", "collective_discussion", transition={"approved": True},
                        discussion=conclusion)
            assert self.v.state == "discussed"
        else:  # recorded; it voids the earlier conclusion and does not move the case
            self._apply("collective_discussion", drop=("collective_discussion",), transition={"approved": False},
                        discussion=None)
            assert self.v.state == before

    def give_notice(self, actor: str, terms: wf.NoticeTerms, hearing_right: bool) -> None:
        """A (further) notice replaces the earlier one and gives the party its rights again."""
        if self._simple("notice", actor, terms=terms):
            for a in self.v.answered:  # 第四十五条: heavier only on new facts
                assert (a.new_evidence and a.changed_facts) or not _heavier(terms, a.terms)
            self.current_answered = False
            self._apply("notice", "notice", drop=("statement", "rights_waived", "hearing"),
                        **{**self.VOIDED, "notice": terms, "intended_fine": terms.intended_fine},
                        hearing_right=hearing_right)

    def party(self, answer: str) -> None:
        """The party states its case, waives its rights, or asks for a hearing."""
        if answer == "hearing request":
            if self._simple("request_hearing", "party"):
                assert self.v.hearing_right and not self.v.rights_over
                self._apply("request_hearing", hearing_requested=True)
        elif self._simple("record_statement", "party"):
            answered = self.v.answered
            if answer != "waiver" and self.v.notice is not None:  # a (later) defence on the current notice
                kept = answered[:-1] if self.current_answered else answered
                answered = (*kept, wf.AnsweredNotice(self.v.notice))
                self.current_answered = True
            self._apply("record_statement", "rights_waived" if answer == "waiver" else "statement", answered=answered)

    def schedule(self, presider: str, days_ahead: int) -> None:
        """听证通知: ``days_ahead`` working days after the notification (7 is the statute's minimum)."""
        from datetime import date, timedelta
        earliest = date(2026, 6, 10)
        if self._simple("schedule_hearing", "l1", presided_by=presider, earliest=earliest, provisional=None,
                        hearing_on=earliest + timedelta(days=days_ahead - 7)):
            assert self.v.hearing_requested and presider not in HANDLERS and days_ahead >= 7
            self._apply("schedule_hearing", hearing_scheduled=True, hearing_time_reached=False)

    def hearing(self, presider: str, record: dict) -> None:
        if self._simple("hold_hearing", "l1", presided_by=presider, **record):
            assert self.v.hearing_requested and presider not in HANDLERS
            assert self.v.hearing_scheduled and self.v.hearing_time_reached
            assert record.get("record") and record.get("party_statements") and record.get("signature")
            # 第五十八条第一款第（二）项: the approving review now predates the hearing
            self._apply("hold_hearing", "hearing", review_before_hearing=self.v.review is not None,
                        heard=wf.Heard(self.v.notice, dict(self.v.facts)))

    def rights_clock(self, event: str) -> None:
        """The statement and hearing-request periods end (on a year with no holiday schedule: provisionally),
        or the year's schedule is loaded."""
        if event == "calendar loaded":
            self.v = replace(self.v, rights_provisional_year=None)
        elif self.v.notice is not None:
            self.v = replace(self.v, rights_over=True, rights_provisional_year=2031 if event == "provisional" else None)

    def decide_now(self, d: wf.Decision, rec: wf.Record | None = None) -> bool:
        """Ask the gate; ``rec``: what the service loaded for this attempt, if not the case's usual record (a
        decision may, say, rely on another no-penalty item)."""
        before, rec = self.v, rec or self.rec
        if not self._try(wf.check_decision, before, d, rec):
            return False
        assert_lawful(before, d, rec)
        self.decided.append((before, d, rec))
        self.all_decided.append((before, d, rec))
        self._apply("decide", "decision", fine_due=bool(d.fine_amount))
        self.fine = d.fine_amount
        assert self.v.state == "decided"
        return True

    def review_outcome(self, actor: str, opinion: str, ending: str | None, change: str | None) -> None:
        """Legal review of an ending (``proposed_ending``) or of a change of the decision (``proposed_change``). The
        view keeps the latest approving review as the service does (``CaseRecords.approved_review``)."""
        if not self._simple("legal_review", actor, opinion=opinion, proposed_change=change):
            return
        assert actor not in HANDLERS
        if opinion == "approve":
            assert "evidence" in self.v.steps
            if self.v.state in AFTER_DECISION:
                assert change is not None, "after the decision a review approves only a change"
            else:
                assert change is None, "a change approved before any decision"
            self.reviewed_by.append(actor)
            self._apply("legal_review", "legal_review", transition={"opinion": opinion}, review=None,
                        review_before_hearing=False, review_ending=ending, review_change=change)
            self.ending_review, self.change_review = ending, change
        else:
            self.review(actor, opinion, None)  # (refused above already if unlawful; the same return as any review)

    def end(self, kind: str, decider: tuple[str, bool]) -> None:
        """撤销立案 / 违法事实不能成立 / 终止 / 移送, asked of the gate."""
        e = wf.Ending(kind=kind, decided_by=decider[0], decider_is_leader=decider[1])  # type: ignore[arg-type]
        before = self.v
        if not self._try(wf.check_ending, before, e):
            return
        assert_lawful_ending(before, e, self.ending_review)
        self._apply(wf.gate.ENDING_ACTION[kind], "ending")
        assert self.v.state == ENDED_IN[kind]
        self.ending = kind
        self.endings.append(kind)
        self.expected_flags.append(ENDED_FLAG)  # ecocomply.case.ended.v1: every ending goes before a supervisor

    def change(self, source: str, outcome: str, decider: tuple[str, bool], fine_after: float) -> None:
        """变更/撤销 by the bureau, or the outcome of 行政复议/行政诉讼, asked of the gate."""
        decided = self.decided[-1][1] if self.decided else None
        c = wf.Change(source=source, outcome=outcome, decided_by=decider[0], decider_is_leader=decider[1],  # type: ignore[arg-type]
                      decision_type=decided.decision_type if decided else None, fine_before=self.fine,
                      kinds_before=tuple(decided.penalty_kinds) if decided else (),
                      fine_after=fine_after if outcome == "changed" else None)
        before = self.v
        if not self._try(wf.check_change, before, c):
            return
        assert_lawful_change(before, c, self.change_review)
        revoked = outcome in NO_LONGER_STANDS
        after = None if revoked else fine_after if outcome == "changed" else self.fine
        ends_or_reduces = revoked or (outcome == "changed" and self.fine is not None and fine_after < self.fine)
        status = "revoked" if revoked else "changed" if outcome == "changed" else before.decision_status
        # the service's view: the decision's status, the fine due, and no approving review of a change any more
        # (the review approved the change now recorded)
        self._apply("change_decision", "decision_change", decision_status=status,
                    fine_due=bool(after) if outcome == "changed" else before.fine_due, review_change=None)
        assert self.v.state == before.state  # a change leaves the state
        self.fine = after
        self.change_review = None
        self.changes.append((c, ends_or_reduces))
        self.all_changes.append((source, outcome))
        if ends_or_reduces:
            self.expected_flags.append(CHANGED_FLAG)  # ecocomply.case.decision_changed.v1 with reduces

    def execute(self, action: str) -> None:
        """送达, the fine paid, 结案 — after a revocation none of the first two (第四十八条第二款)."""
        before = self.v
        if not self._simple(action, "h1"):
            return
        assert before.decision_status != "revoked" or action == "close", f"{action} after the decision was revoked"
        if action == "record_payment":
            assert before.fine_due and self.fine
        if action == "close":
            assert before.state in {"served", "executing"} or before.decision_status == "revoked"
            assert before.paid or not before.fine_due or before.decision_status == "revoked"
        self._apply(action, {"serve": "service", "record_payment": "execution", "close": "closing"}[action],
                    **({"paid": True} if action == "record_payment" else {}))

    # -- a random head start ----------------------------------------------------------------------
    @initialize(data=st.data())
    def head_start(self, data):
        self.start(data.draw)

    @rule(data=st.data())
    def another_case(self, data):
        """The bureau takes up another case (of another enterprise): a fresh case with its own head start."""
        self._new_case()
        self.start(data.draw)

    def start(self, draw) -> None:
        """Draw a plan (a decision type, fine and kinds) and walk lawful officers through the first stages with
        contents that follow the plan (the facts its type needs, a proposal and a conclusion agreeing with it, a
        notice announcing it, a waiver or the periods run out, a lawful basis, no earlier decision) — except for
        up to two drawn aspects, which are random, so that the gate sees cases one or two steps from lawful. At
        stage 5 a decider asks the gate at once, first for up to three variants one term away from the plan,
        then for the plan; at lower stages the random actions that follow take the case on. Stage 0 starts at
        filing."""
        # each of two draws deviates with probability 1/2: no, one or two aspects of the plan are random
        deviating = {draw(st.sampled_from((None,) * len(ASPECTS) + ASPECTS), label=f"random aspect {i}")
                     for i in (1, 2)}

        def pick(planned, random, aspect):
            return draw(random if aspect in deviating else planned, label=aspect)

        t = draw(st.sampled_from(TYPES), label="planned type")
        planned_range = (st.builds(_fine_range, st.sampled_from(STATUTORY[::2]), st.just(BELOW), LEVELS)
                         if t == "mitigated" else st.builds(_fine_range, st.sampled_from(STATUTORY),
                                                            st.sampled_from(BANDS), LEVELS))
        fine_range = pick(planned_range, range_st, "fine range")
        lawful_fine = None if fine_range is None else (fine_range.fine_min + fine_range.fine_max) / 2
        amounts = st.sampled_from(edges(fine_range))
        fine = None if t == wf.EXEMPTION else pick(st.just(lawful_fine), amounts, "fine")
        kinds = () if t == wf.EXEMPTION else pick(st.just(("fine",) if fine else ("warning",)), st.sampled_from(KINDS),
                                                 "kinds")
        self.plan = (t, fine, kinds)
        needed = {"lighter": {ART32: True}, "mitigated": {ART32: True}, "heavier": {HEAVY: True}}.get(t, {})
        harmless = st.fixed_dictionaries({"first_offence": st.sampled_from([True, None])}, optional=dict.fromkeys(
            ["violation_minor", "corrected_in_time", "no_harm", REC_KEY], st.sampled_from([True, False, None])))
        one_more = st.dictionaries(st.sampled_from(FACT_KEYS), st.sampled_from([True, False, None]), min_size=1,
                                   max_size=1)
        risky = st.sampled_from(RISKY_FACTS)
        facts = {**draw(harmless, label="harmless facts"), **pick(st.just({}), st.one_of(risky, one_more, facts_st),
                                                                  "facts"),
                 **pick(st.just(needed), st.just({}), "needed facts")}
        kind = draw(st.sampled_from(["list", "statutory"]), label="basis kind")
        lawful = wf.NoPenaltyBasis("NP-X", kind, True, covers=True, article_33_met=True)
        flawed = flawed_bases(lawful)
        self.rec = replace(self.rec, fine_range=fine_range, no_penalty=pick(st.just(lawful), flawed, "basis"),
                           earlier_decisions=pick(st.just(()), st.just((EARLIER,)), "earlier"))
        stage = draw(st.sampled_from([5, 5, 5, 5, 4, 4, 3, 2, 1, 0]), label="stage")
        if stage >= 1:
            self.add_evidence("h1")
            self.complete_investigation("h1", facts)
            if pick(st.just(kind == "statutory"), st.booleans(), "out-of-list steps"):
                for which in ("plan", "assessment passed", "case_review", "opinions"):
                    self.out_of_list_step("h1", which)
        agreeing = st.sampled_from([wf.Proposal(t, fine), wf.Proposal(t)])
        other = st.sampled_from([None, wf.Proposal(None), wf.Proposal(t, (fine or 0.0) + 1)]) | proposal_st
        if stage >= 2:
            self.review("r1", "approve", pick(agreeing, other, "proposal"))
        if stage >= 3:
            self.discuss(("l1", "l2", "l3"), 2, pick(agreeing, other.filter(bool), "conclusion"))
        if stage >= 4 and t != wf.EXEMPTION:
            planned = wf.NoticeTerms(t, fine, kinds)
            wider = wf.NoticeTerms("heavier", (fine or 0.0) * 2 or None, ("warning", "fine", "suspend_production"))
            narrower = st.one_of(  # one term of the planned notice changed
                st.builds(lambda x: replace(planned, intended_type=x), st.sampled_from((None, *PENALTY_TYPES))),
                st.builds(lambda x: replace(planned, intended_fine=x), st.sampled_from(AMOUNTS)),
                st.builds(lambda x: replace(planned, penalty_kinds=x), st.sampled_from(KINDS)), notice_st)
            self.give_notice("h1", pick(st.sampled_from([planned, wider]), narrower, "notice"), True)
            answer = pick(st.sampled_from(["waiver", "ran out"]), st.sampled_from(["provisional", "statement", "none"]),
                          "answer")
            if answer in {"waiver", "statement"}:
                self.party(answer)
            elif answer != "none":
                self.rights_clock(answer)
        if stage < 5 and draw(st.booleans(), label="ends instead"):
            # the case ends before a decision: legal review approves the planned ending (or, drawn, another one),
            # a suspension may be open, and a leader (or, drawn, another decider) ends it
            kind = draw(st.sampled_from(sorted(ENDED_IN)), label="ending")
            if stage >= 1 and kind in UNPENALISED:
                approved = pick(st.just(kind), st.sampled_from([None, *UNPENALISED]), "proposal")
                self.review_outcome("r1", "approve", approved, None)
            if draw(st.integers(0, 4), label="suspended") == 0:
                self.handling_period("suspend")
            self.end(kind, pick(st.just(DECIDERS[0]), st.sampled_from(DECIDERS), "decider"))
            return
        if stage >= 5:
            decider = pick(st.just(DECIDERS[0]), st.sampled_from(DECIDERS), "decider")
            reason = pick(st.sampled_from([None, "书面理由"]), st.sampled_from(REASONS), "reason")
            # first up to three decisions one term away from the plan (a refusal changes nothing), then the plan
            d = wf.Decision(t, decider[0], decider[1], fine_amount=fine, reason=reason, penalty_kinds=kinds)
            rec = self.rec
            for _ in range(draw(st.integers(0, 3), label="variants")):
                self.decide_now(*draw(st.one_of(
                    st.builds(lambda x: (replace(d, decision_type=x), rec), st.sampled_from(TYPES)),
                    st.builds(lambda x: (replace(d, fine_amount=x), rec), amounts),
                    st.builds(lambda x: (replace(d, penalty_kinds=x), rec), st.sampled_from(KINDS)),
                    st.builds(lambda x: (replace(d, reason=x), rec), st.sampled_from(REASONS)),
                    st.builds(lambda x: (replace(d, decided_by=x[0], decider_is_leader=x[1]), rec),
                              st.sampled_from(DECIDERS)),
                    st.builds(lambda x: (d, replace(rec, no_penalty=x)), flawed),  # relying on another item
                    st.builds(lambda x: (d, replace(rec, earlier_decisions=x)), st.just((EARLIER,))),
                    st.builds(lambda x: (d, replace(rec, fine_range=x)), range_st),
                ), label="variant"))
            if self.decide_now(d) and draw(st.booleans(), label="changed after"):
                # after the decision: the bureau changes or revokes it on a review (approving, drawn, another change),
                # or 复议/诉讼 decide an outcome; then the decision is perhaps served
                source = draw(st.sampled_from(SOURCES), label="source")
                outcome = draw(st.sampled_from(OUTCOMES), label="outcome")
                if source == "bureau":
                    self.review_outcome("r1", "approve", None, pick(st.sampled_from(["changed", "revoked"]),
                                                                    st.sampled_from([None, "changed", "revoked"]),
                                                                    "proposal"))
                self.change(source, outcome, pick(st.just(DECIDERS[0]), st.sampled_from(DECIDERS), "decider"),
                            draw(st.sampled_from(CHANGED_FINES), label="fine after"))

    # -- random actions by random actors ----------------------------------------------------------
    @rule(actor=st.sampled_from(ACTORS))
    def evidence(self, actor):
        self.add_evidence(actor)

    @rule(actor=st.sampled_from(ACTORS), facts=facts_st)
    def investigate(self, actor, facts):
        self.complete_investigation(actor, facts)

    @rule(actor=st.sampled_from(ACTORS), opinion=st.sampled_from(["approve", "approve", "return"]),
          proposal=st.none() | proposal_st)
    def legal_review(self, actor, opinion, proposal):
        self.review(actor, opinion, proposal)

    @rule(actor=st.sampled_from(ACTORS),
          which=st.sampled_from(["case_review", "opinions", "plan", "assessment passed", "assessment failed"]))
    def out_of_list(self, actor, which):
        self.out_of_list_step(actor, which)

    @rule(participants=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=5, unique=True),
          votes_for=st.integers(0, 5), conclusion=proposal_st)
    def discussion(self, participants, votes_for, conclusion):
        self.discuss(tuple(participants), votes_for, conclusion)

    @rule(actor=st.sampled_from(ACTORS), terms=notice_st, hearing_right=st.booleans())
    def notice(self, actor, terms, hearing_right):
        self.give_notice(actor, terms, hearing_right)

    @rule(answer=st.sampled_from(["statement", "waiver", "hearing request", "schedule", "time comes", "hearing"]),
          presider=st.sampled_from((*ACTORS, "p1")), days_ahead=st.sampled_from([6, 7, 9]),
          record=st.sampled_from(RECORDS))
    def party_and_hearing(self, answer, presider, days_ahead, record):
        if answer == "hearing":
            self.hearing(presider, record)
        elif answer == "schedule":
            self.schedule(presider, days_ahead)
        elif answer == "time comes":
            if self.v.hearing_scheduled:
                self.v = replace(self.v, hearing_time_reached=True)
        else:
            self.party(answer)

    @rule(actor=st.sampled_from(ACTORS))
    def re_investigation(self, actor):
        self.reinvestigate(actor)

    @rule(event=st.sampled_from(["ran out", "provisional", "calendar loaded"]))
    def rights_period(self, event):
        self.rights_clock(event)

    @rule(fine_range=range_st, basis=basis_st, earlier=st.sampled_from([(), (EARLIER,)]),
          what=st.sampled_from(["range", "basis", "earlier"]))
    def the_record_changes(self, fine_range, basis, earlier, what):
        """What the service loads for the gate (the checklist's calculation and evaluation, the enterprise's
        earlier decisions) changes."""
        self.rec = replace(self.rec, **{"range": {"fine_range": fine_range}, "basis": {"no_penalty": basis},
                                        "earlier": {"earlier_decisions": earlier}}[what])

    @rule(t=st.sampled_from(TYPES), decider=st.sampled_from(DECIDERS), data=st.data(),
          reason=st.sampled_from(REASONS), kinds=st.sampled_from(KINDS))
    def decide(self, t, decider, data, reason, kinds):
        fine = data.draw(st.sampled_from(edges(self.rec.fine_range)), label="fine")
        self.decide_now(wf.Decision(t, decider[0], decider[1], fine_amount=fine, reason=reason,
                                    penalty_kinds=() if t == wf.EXEMPTION else kinds))

    @rule(decider=st.sampled_from(((("l1", True),) * 3) + DECIDERS), reason=st.sampled_from(REASONS))
    def decide_the_plan(self, decider, reason):
        """Decide what the head start planned (the walk may since have changed the case)."""
        t, fine, kinds = self.plan
        self.decide_now(wf.Decision(t, decider[0], decider[1], fine_amount=fine, reason=reason, penalty_kinds=kinds))

    @rule(event=st.sampled_from(["runs out", "head_approval", "collective_discussion", "suspend", "resume"]),
          leader=st.sampled_from([True, True, False]))
    def handling_period(self, event, leader=True):
        """The handling period (办案期限) runs out; or an extension or a suspension is asked for — never after
        it has run out, and only by a leader (《处罚办法》第三十五条、第五十七条: 经负责人批准)."""
        before = self.v
        if event == "runs out":
            self.v = replace(self.v, handling_over=True)
        elif event in {"suspend", "resume"}:
            if self._simple(event, "l1", leader=leader):
                assert event == "resume" or not (before.handling_over or before.suspended)
                assert event == "resume" or leader, "a suspension without a leader's approval"
                self._apply(event, suspended=event == "suspend")
        elif self._simple("extend_handling", "l1", kind=event, leader=leader):
            assert leader, "an extension without a leader's approval"
            assert not before.handling_over, "an overdue case was extended retroactively"
            assert (event, before.handling_extensions) in {("head_approval", ()),
                                                           ("collective_discussion", ("head_approval",))}
            self._apply("extend_handling", handling_extensions=(*before.handling_extensions, event))


    @rule(actor=st.sampled_from(ACTORS), opinion=st.sampled_from(["approve", "approve", "return"]),
          ending=st.sampled_from([None, *UNPENALISED]), change=st.sampled_from([None, None, "changed", "revoked"]))
    def legal_review_of_an_outcome(self, actor, opinion, ending, change):
        self.review_outcome(actor, opinion, ending, change)

    @rule(kind=st.sampled_from(sorted(ENDED_IN)), decider=st.sampled_from(((("l1", True),) * 2) + DECIDERS))
    def ending(self, kind, decider):
        self.end(kind, decider)

    @rule(source=st.sampled_from(SOURCES), outcome=st.sampled_from(OUTCOMES),
          decider=st.sampled_from(((("l1", True),) * 2) + DECIDERS), fine_after=st.sampled_from(CHANGED_FINES))
    def change_of_decision(self, source, outcome, decider, fine_after):
        self.change(source, outcome, decider, fine_after)

    @rule(action=st.sampled_from(["serve", "record_payment", "close"]))
    def execution(self, action):
        self.execute(action)

    # -- properties -------------------------------------------------------------------------------
    @invariant()
    def no_handler_reviewed(self):
        assert not set(self.reviewed_by) & set(HANDLERS)

    @invariant()
    def decided_once_and_only_through_the_gate(self):
        assert len(self.decided) <= 1
        assert (self.v.state in AFTER_DECISION) == bool(self.decided) == ("decision" in self.v.steps)

    @invariant()
    def an_ended_case_stays_ended_and_is_flagged_once(self):
        """Ended ⇒ in the ending's state for good, with exactly one ended event for the audit; every revocation or
        reduction of a decision one decision_changed event that the audit flags."""
        if self.ending is not None:
            assert self.v.state == ENDED_IN[self.ending] and not self.decided
        assert self.expected_flags.count(ENDED_FLAG) == (self.ending is not None)
        assert self.expected_flags.count(CHANGED_FLAG) == sum(r for _, r in self.changes)
        if self.v.decision_status == "revoked":
            assert self.changes and self.changes[-1][0].outcome in NO_LONGER_STANDS
            assert sum(c.outcome in NO_LONGER_STANDS for c, _ in self.changes) == 1  # revoked once: nothing after it


CaseMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None, derandomize=True)
TestCaseWorkflow = CaseMachine.TestCase


def _walk(t: str, kind: str = "list") -> CaseMachine:
    """A directed walk through the machine's own actions to a lawful decision of type ``t``."""
    m = CaseMachine()
    fine = {"penalty": 3000.0, "lighter": 2500.0, "mitigated": 800.0, "heavier": 5000.0}.get(t)
    m.plan = (t, fine, () if t == wf.EXEMPTION else ("fine",))
    m.add_evidence("h1")
    m.complete_investigation("h1", {"lighter": {ART32: True}, "mitigated": {ART32: True}, "heavier": {HEAVY: True},
                                    "no_penalty": {"violation_minor": True, "corrected_in_time": True,
                                                   "no_harm": True}}.get(t, {}))
    if kind == "statutory":
        for which in ("plan", "assessment passed", "case_review", "opinions"):
            m.out_of_list_step("h1", which)
    m.review("r1", "approve", wf.Proposal(t, fine))
    m.rec = replace(m.rec, fine_range=wf.FineRange(1000.0, 10000.0, 500.0, 5000.0, rule_version="v1"))
    if t in {"no_penalty", "lighter", "mitigated"}:
        m.discuss(("l1", "l2", "l3"), 2, wf.Proposal(t, fine))
    if t == wf.EXEMPTION:
        m.rec = replace(m.rec, no_penalty=wf.NoPenaltyBasis("NP-X", kind, True, covers=True,
                                                            article_33_met=True if kind == "list" else None))
    else:
        m.give_notice("h1", wf.NoticeTerms(t, fine, ("fine",)), True)
        m.rights_clock("ran out")
    m.decide_the_plan(("l1", True), None)
    return m


def test_the_machine_reaches_decisions_of_every_kind():
    """The random walk is not vacuous: its own actions reach each decision kind, and the oracle holds there."""
    for t, kind in (("penalty", "list"), ("lighter", "list"), ("mitigated", "list"), ("heavier", "list"),
                    ("no_penalty", "list"), ("no_penalty", "statutory")):
        m = _walk(t, kind)
        assert m.refused == [] and len(m.decided) == 1, (t, kind, m.refused)
        _, d, rec = m.decided[0]
        assert d.decision_type == t and m.v.state == "decided"
        if t == wf.EXEMPTION:
            assert rec.no_penalty is not None and rec.no_penalty.kind == kind


def test_the_machine_walks_the_hearing_and_the_re_notice():
    """Directed walks through the new steps: a requested hearing scheduled, held with its record and decided on
    it; a heavier re-notice after a defence refused until a re-investigation added evidence and changed facts."""
    m = CaseMachine()
    m.rec = replace(m.rec, fine_range=wf.FineRange(1000.0, 10000.0, 500.0, 5000.0, rule_version="v1"))
    m.plan = ("penalty", 3000.0, ("fine",))
    m.add_evidence("h1")
    m.complete_investigation("h1", {})
    m.review("r1", "approve", wf.Proposal("penalty", 3000.0))
    m.give_notice("h1", wf.NoticeTerms("penalty", 3000.0, ("fine",)), True)
    m.party("hearing request")
    m.hearing("p1", FULL_RECORD)
    m.schedule("h2", 9)
    m.schedule("p1", 6)
    assert m.refused == ["hearing_notice_seven_days", "hearing_presider_not_investigator", "hearing_notice_seven_days"]
    m.schedule("p1", 7)
    m.hearing("p1", FULL_RECORD)
    m.party_and_hearing("time comes", "p1", 7, FULL_RECORD)
    m.hearing("p1", {**FULL_RECORD, "signature": None})
    m.hearing("p1", FULL_RECORD)
    assert m.refused[3:] == ["hearing_notice_seven_days", "hearing_record_required"] and "hearing" in m.v.steps
    m.review("r1", "approve", wf.Proposal("penalty", 3000.0))
    m.decide_the_plan(("l1", True), None)
    assert m.v.state == "decided" and m.decided[0][0].heard is not None

    m = CaseMachine()
    m.rec = replace(m.rec, fine_range=wf.FineRange(1000.0, 10000.0, 500.0, 5000.0, rule_version="v1"))
    m.plan = ("penalty", 5000.0, ("fine",))
    m.add_evidence("h1")
    m.complete_investigation("h1", {})
    m.review("r1", "approve", wf.Proposal("penalty", 5000.0))
    m.give_notice("h1", wf.NoticeTerms("penalty", 3000.0, ("fine",)), False)
    m.party("statement")
    heavier = wf.NoticeTerms("penalty", 5000.0, ("fine",))
    m.give_notice("h1", heavier, False)
    m.reinvestigate("h1")
    m.add_evidence("h1")
    m.complete_investigation("h1", {"first_offence": False})  # a fact changed after the statement
    m.review("r1", "approve", wf.Proposal("penalty", 5000.0))
    m.give_notice("h1", heavier, False)
    assert m.refused == ["heavier_renotice_needs_new_facts"] and m.v.notice == heavier
    m.party("waiver")
    m.decide_the_plan(("l1", True), None)
    assert m.v.state == "decided" and m.decided[0][0].answered[0].renewed


def test_the_oracle_is_not_vacuous():
    """The oracle rejects what the gate must refuse, so an unlawful decision the gate let through would fail."""
    view, d, rec = _walk("penalty").decided[0]
    assert_lawful(view, d, rec)
    for bad in (replace(d, decided_by="h1"), replace(d, decider_is_leader=False), replace(d, fine_amount=4000.0),
                replace(d, decision_type="heavier"), replace(d, penalty_kinds=("fine", "suspend_production"))):
        try:
            assert_lawful(view, bad, rec)
        except AssertionError:
            continue
        raise AssertionError(f"the oracle accepted {bad}")


# -- the neighbours of a lawful decision ----------------------------------------------------------------
# Cases one or two terms away from a lawful decision of each kind: a fact, a step, the review, the discussion,
# the notice, the rights, the decision, the record.
@st.composite
def lawful_decisions(draw, t: str) -> tuple[wf.CaseView, wf.Decision, wf.Record]:
    kind = draw(st.sampled_from(["list", "statutory"]))
    # the ground of a lighter penalty: a 第三十二条 circumstance, or a passed rectification assessment
    rectified = t == "lighter" and draw(st.booleans())
    facts = {"lighter": {} if rectified else {ART32: True}, "mitigated": {ART32: True}, "heavier": {HEAVY: True}}.get(t, {})
    facts |= draw(st.fixed_dictionaries({}, optional={"first_offence": st.just(True), REC_KEY: st.booleans(),
                                                      "violation_minor": st.booleans(), "harm_minor": st.booleans()}))
    steps = ["filing", "evidence", "investigation", "legal_review"]
    if t == "no_penalty" and kind == "statutory" or rectified or draw(st.booleans()):
        steps += ["rectification_plan", "rectification_assessed", "case_review", "opinions"]
    rng = draw(st.builds(_fine_range, st.sampled_from(STATUTORY[::2]), st.just(BELOW), LEVELS) if t == "mitigated"
               else st.builds(_fine_range, st.sampled_from(STATUTORY), st.sampled_from(BANDS), LEVELS))
    fine = None if t == "no_penalty" else draw(st.sampled_from([rng.fine_min, (rng.fine_min + rng.fine_max) / 2,
                                                                rng.fine_max]))
    kinds = () if t == "no_penalty" else ("fine",) if fine else ("warning",)
    discussion = None
    if t in {"no_penalty", "lighter", "mitigated"} or draw(st.booleans()):
        steps.append("collective_discussion")
        discussion = draw(st.sampled_from([wf.Proposal(t), wf.Proposal(t, fine)]))
    notice, extra = None, {}
    if t != "no_penalty":
        steps.append("notice")
        notice = draw(st.sampled_from([wf.NoticeTerms(t, fine, kinds), wf.NoticeTerms(None, fine, ()),
                                       wf.NoticeTerms("heavier", fine * 2, ("warning", "fine", "suspend_production"))]))
        answer = draw(st.sampled_from(["rights_waived", "hearing", "ran out"]))
        if answer == "ran out":
            extra = {"rights_over": True}
        else:
            steps.append(answer)
            extra = {"hearing_requested": answer == "hearing"}
    view = wf.CaseView(state="notified" if notice else "discussed" if discussion else "reviewed", handlers=HANDLERS,
                       steps=tuple(steps), facts=facts, notice=notice, discussion=discussion,
                       review=draw(st.sampled_from([wf.Proposal(t), wf.Proposal(t, fine)])), **extra)
    basis = wf.NoPenaltyBasis("NP-X", kind, True, covers=draw(st.sampled_from([True, None])), article_33_met=True)
    d = wf.Decision(t, "l1", True, fine_amount=fine, reason=draw(st.sampled_from([None, "书面理由"])), penalty_kinds=kinds)
    return view, d, wf.Record(no_penalty=basis if t == "no_penalty" else None, fine_range=rng,
                              circumstances=CIRCUMSTANCES)


CHANGES = ("fact", "facts", "grounds", "drop step", "add step", "review", "discussion", "notice", "rights", "type", "fine",
           "agreed fine", "kinds", "reason", "decider", "basis", "earlier", "range", "state")


def _neighbour(draw, v: wf.CaseView, d: wf.Decision, rec: wf.Record, what: str):
    """One term of (case, decision, record) changed: ``what``."""
    proposal = st.sampled_from([None, wf.Proposal(None), wf.Proposal("penalty"), wf.Proposal("heavier"),
                                wf.Proposal(d.decision_type, (d.fine_amount or 0.0) + 1)]) | proposal_st
    if what == "fact":
        k, val = draw(st.sampled_from(FACT_KEYS)), draw(st.sampled_from([True, False, None]))
        v = replace(v, facts={**v.facts, k: val})
    elif what == "grounds":  # the circumstances on record undone
        facts = {**v.facts, **draw(st.fixed_dictionaries({}, optional={ART32: st.sampled_from([False, None]),
                                                                        HEAVY: st.sampled_from([False, None])}))}
        steps = v.steps if draw(st.booleans()) else tuple(s for s in v.steps if s != "rectification_assessed")
        v = replace(v, facts=facts, steps=steps)
    elif what == "facts":
        v = replace(v, facts={**v.facts, **draw(st.sampled_from(RISKY_FACTS))})
    elif what == "drop step" and v.steps:
        v = replace(v, steps=tuple(s for s in v.steps if s != draw(st.sampled_from(v.steps))))
    elif what == "add step":
        v = replace(v, steps=(*v.steps, draw(st.sampled_from(["statement", "collective_discussion", "notice",
                                                             "rectification_assessed", "hearing"]))))
    elif what == "review":
        v = replace(v, review=draw(proposal), review_before_hearing=draw(st.booleans()))
    elif what == "discussion":
        v = replace(v, discussion=draw(proposal))
    elif what == "notice":
        v = replace(v, notice=draw(st.none() | notice_st))
    elif what == "rights":
        v = replace(v, rights_over=draw(st.booleans()), rights_provisional_year=draw(st.sampled_from([None, 2031])),
                    hearing_requested=draw(st.booleans()))
    elif what == "type":
        d = replace(d, decision_type=draw(st.sampled_from(TYPES)))
    elif what == "fine":
        d = replace(d, fine_amount=draw(st.sampled_from(edges(rec.fine_range))))
    elif what == "agreed fine" and d.decision_type != "no_penalty":  # review, discussion, notice and decision agree
        f = draw(st.sampled_from(edges(rec.fine_range)))
        kinds = ("fine",) if f else ("warning",)

        def agreed(p):
            return replace(p, fine_amount=f) if p is not None and p.fine_amount is not None else p
        n = v.notice and replace(v.notice, intended_fine=f, penalty_kinds=kinds if v.notice.penalty_kinds else ())
        v = replace(v, review=agreed(v.review), discussion=agreed(v.discussion), notice=n)
        d = replace(d, fine_amount=f, penalty_kinds=kinds)
    elif what == "kinds":
        d = replace(d, penalty_kinds=draw(st.sampled_from(KINDS)))
    elif what == "reason":
        d = replace(d, reason=draw(st.sampled_from(REASONS)))
    elif what == "decider":
        who, leader = draw(st.sampled_from(DECIDERS))
        d = replace(d, decided_by=who, decider_is_leader=leader)
    elif what == "basis":
        rec = replace(rec, no_penalty=draw(flawed_bases(rec.no_penalty, random=False) if rec.no_penalty else basis_st))
    elif what == "earlier":
        rec = replace(rec, earlier_decisions=(EARLIER,))
    elif what == "range":
        rec = replace(rec, fine_range=draw(range_st))
    elif what == "state":
        v = replace(v, state=draw(st.sampled_from(["filed", "investigated", "reviewed", "discussed", "notified",
                                                   "decided"])))
    return v, d, rec


@pytest.mark.parametrize("what", CHANGES)
@pytest.mark.parametrize("t", TYPES)
@settings(max_examples=40, deadline=None, derandomize=True)
@given(data=st.data())
def test_the_gate_accepts_lawful_decisions_and_no_unlawful_neighbour(t, what, data):
    """Each kind of decision, lawful, passes the gate; changed in ``what`` (and perhaps one more term), it
    passes only if the oracle finds it still lawful."""
    v, d, rec = data.draw(lawful_decisions(t), label="lawful")
    wf.check_decision(v, d, rec)  # the lawful decision passes (the gate does not over-refuse)
    assert_lawful(v, d, rec)
    v, d, rec = _neighbour(data.draw, v, d, rec, what)
    if data.draw(st.booleans(), label="one more change"):
        v, d, rec = _neighbour(data.draw, v, d, rec, data.draw(st.sampled_from(CHANGES), label="what else"))
    try:
        wf.check_decision(v, d, rec)
    except wf.Refusal as r:
        assert r.rule.code in wf.RULES and r.rule.article in r.rule.cite() and r.detail
        return
    assert_lawful(v, d, rec)


def _investigated(m: CaseMachine | None = None) -> CaseMachine:
    m = m or CaseMachine()
    m.add_evidence("h1")
    m.complete_investigation("h1", {})
    return m


def test_the_machine_walks_every_ending():
    """Directed walks through the endings: a handler, a leader who handles the case and a reviewer are refused;
    before the investigation a leader withdraws alone (filed_withdrawal_by_leader); after it an unpenalised ending
    needs legal review approving that very ending (ending_legal_review) — and a re-investigation voids that review;
    a transfer needs no review; a suspended case is not ended while the gate blocks it; an ended case stays ended
    and is flagged once."""
    m = CaseMachine()
    for decider in (("h1", True), ("r1", False), ("l1", False)):
        m.end("withdrawn", decider)
    m.end("facts_not_established", ("l1", True))  # a finding of the investigation: none yet
    assert m.refused == ["filed_withdrawal_by_leader"] * 3 + ["state_order"]
    m.end("withdrawn", ("l1", True))
    assert m.v.state == "withdrawn" and m.expected_flags == [ENDED_FLAG]
    m.end("transferred", ("l1", True))
    m.execute("serve")
    assert m.refused[-2:] == ["ending_before_decision", "state_order"] and m.expected_flags == [ENDED_FLAG]

    for kind in sorted(UNPENALISED):
        m = _investigated()
        m.end(kind, ("l1", True))
        m.review_outcome("r1", "approve", "withdrawn" if kind != "withdrawn" else "terminated", None)
        m.end(kind, ("l1", True))
        m.end(kind, ("h2", True))
        assert m.refused == ["ending_legal_review"] * 2 + ["ending_decided_by_leader"], kind
        m.review_outcome("r1", "approve", kind, None)
        m.end(kind, ("l1", True))
        assert m.v.state == ENDED_IN[kind] and m.expected_flags == [ENDED_FLAG], kind

    m = _investigated()  # a review approving 违法事实不能成立, then a re-investigation: the review no longer counts
    m.review_outcome("r1", "approve", "facts_not_established", None)
    m.reinvestigate("h1")
    m.add_evidence("h1")
    m.complete_investigation("h1", {"first_offence": True})
    m.end("facts_not_established", ("l1", True))
    assert m.refused == ["ending_legal_review"] and m.ending is None
    m.review_outcome("r1", "approve", "facts_not_established", None)
    m.end("facts_not_established", ("l1", True))
    assert m.ending == "facts_not_established"

    m = _investigated()  # a transfer: a leader, no review; and none while suspended once the gate blocks it
    m.handling_period("suspend")
    m.end("transferred", ("l1", True))
    if suspension_blocks():
        assert m.refused == ["suspension_blocks_decision"]
        m.handling_period("resume")
        m.end("transferred", ("l1", True))
    assert m.v.state == "transferred" and m.expected_flags == [ENDED_FLAG]


def test_the_machine_walks_the_changes_of_a_decision():
    """Directed walks through the changes after a decision: nothing to change before it; the bureau changes only
    on an approving review of that change, each change on its own review; a revocation stops service and payment
    and allows closing; 复议/诉讼 outcomes without a review; nothing after a revocation; each revocation or reduction
    flagged once."""
    m = _walk("penalty")  # fine 3000
    m.change("bureau", "changed", ("l1", True), 1000.0)
    m.review_outcome("r1", "approve", None, "changed")
    m.change("bureau", "revoked", ("l1", True), 0.0)  # the review approved a change, not a revocation
    m.change("bureau", "changed", ("h2", True), 1000.0)
    m.change("bureau", "upheld", ("l1", True), 0.0)
    assert m.refused == ["change_after_decision"] * 4
    m.change("bureau", "changed", ("l1", True), 1000.0)
    assert m.v.decision_status == "changed" and m.fine == 1000.0 and m.expected_flags == [CHANGED_FLAG]
    m.change("bureau", "changed", ("l1", True), 500.0)  # the review was used up by the change it approved
    assert m.refused[-1] == "change_after_decision"
    m.execute("serve")
    m.change("reconsideration", "upheld", ("l1", True), 0.0)
    m.change("litigation", "changed", ("l1", True), 3000.0)  # above the 1000 now due (change_never_heavier)
    assert m.refused[-1] == "change_never_heavier" and m.fine == 1000.0
    m.change("litigation", "revoked", ("l1", True), 0.0)
    assert m.v.decision_status == "revoked" and m.expected_flags == [CHANGED_FLAG] * 2
    m.execute("record_payment")
    m.change("litigation", "confirmed_illegal", ("l1", True), 0.0)
    assert m.refused[-2:] == ["revocation_stops_execution", "change_after_decision"]
    m.execute("close")
    assert m.v.state == "closed"

    m = _walk("penalty")
    m.review_outcome("r1", "approve", None, "revoked")
    m.change("bureau", "revoked", ("l1", True), 0.0)
    m.execute("serve")
    assert m.refused == ["revocation_stops_execution"]
    m.execute("close")
    assert m.v.state == "closed" and m.expected_flags == [CHANGED_FLAG]

    m = _investigated()
    m.review_outcome("r1", "approve", None, "revoked")
    m.change("reconsideration", "revoked", ("l1", True), 0.0)
    assert m.refused == ["state_order", "state_order"]


def test_the_walk_reaches_endings_and_changes():
    """The random walk is not vacuous for the new steps: with a fixed seed it ends cases of every kind, changes and
    revokes decisions (counted over one run of the machine)."""
    seen: dict[str, set] = {"endings": set(), "changes": set()}

    class Counting(CaseMachine):
        def teardown(self):
            seen["endings"] |= set(self.endings)
            seen["changes"] |= {o for _, o in self.all_changes}

    run_state_machine_as_test(Counting, settings=settings(max_examples=400, stateful_step_count=40, deadline=None,
                                                          derandomize=True))
    assert seen["endings"] == set(ENDED_IN), seen
    assert {"changed", "revoked"} <= seen["changes"], seen

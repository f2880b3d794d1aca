"""Hypothesis state machine over the pure workflow: random actions by random actors never reach a
decided exemption or light penalty without every required step, never let a handler review their
own case, and every refused action names a rule with its article."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from services.cases import workflow as wf

HANDLERS = ("h1", "h2")
ACTORS = ("h1", "h2", "r1", "r2", "l1")
FACT_KEYS = ("k_mitigating", "violation_minor", "ecological_damage")


class CaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.v = wf.CaseView(state="filed", handlers=HANDLERS, steps=("filing",))
        self.reviewed_by: list[str] = []
        self.decision: dict | None = None
        self.refusals = 0

    # -- helpers ----------------------------------------------------------------------------------
    def _step(self, *steps: str, **changes) -> None:
        new = tuple(self.v.steps) + tuple(s for s in steps if s not in self.v.steps)
        self.v = replace(self.v, steps=new, **changes)

    def _try(self, fn, *args, **kw) -> bool:
        before = self.v
        try:
            fn(*args, **kw)
        except wf.Refusal as r:
            self.refusals += 1
            assert r.rule.code in wf.RULES and wf.RULES[r.rule.code] is r.rule
            assert r.rule.article and r.rule.article in r.rule.cite() and r.detail
            assert r.allowed == wf.allowed_actions(before) and r.state == before.state
            assert self.v == before  # a refusal changes nothing
            return False
        return True

    def _simple(self, action: str, actor: str, **kw) -> bool:
        return self._try(wf.check, self.v, action, actor=actor, **kw)

    # -- actions ----------------------------------------------------------------------------------
    @rule(actor=st.sampled_from(ACTORS))
    def evidence(self, actor):
        if self._simple("add_evidence", actor):
            self._step("evidence")

    @rule(actor=st.sampled_from(ACTORS), facts=st.dictionaries(st.sampled_from(FACT_KEYS), st.booleans()))
    def investigate(self, actor, facts):
        if self._simple("complete_investigation", actor):
            self._step("investigation", state="investigated", facts={**self.v.facts, **facts})

    @rule(actor=st.sampled_from(ACTORS), opinion=st.sampled_from(["approve", "return"]))
    def legal_review(self, actor, opinion):
        if self._simple("legal_review", actor, opinion=opinion):
            if opinion == "approve":
                self.reviewed_by.append(actor)
                self._step("legal_review", state="reviewed")
            else:
                self.v = replace(self.v, state="investigated",
                                 steps=tuple(s for s in self.v.steps if s != "legal_review") + ("legal_review_returned",))

    @rule(actor=st.sampled_from(ACTORS))
    def opinions(self, actor):
        if self._simple("record_opinion", actor):
            self._step("opinions")

    @rule(actor=st.sampled_from(ACTORS))
    def case_review(self, actor):
        if self._simple("case_review", actor):
            self._step("case_review")

    @rule(n=st.integers(1, 5))
    def discussion(self, n):
        if self._try(wf.check_discussion, self.v, participants=n):
            self._step("collective_discussion", state="discussed")

    @rule(actor=st.sampled_from(ACTORS), passed=st.booleans())
    def rectification(self, actor, passed):
        if self._simple("rectification_assessment", actor) and passed:
            self._step("rectification_assessed")

    @rule(actor=st.sampled_from(ACTORS))
    def calculate(self, actor):
        if self._simple("calculate_discretion", actor):
            self._step("discretion", discretion=wf.Discretion(1000.0, 5000.0, "v1"))

    @rule(actor=st.sampled_from(ACTORS), fine=st.sampled_from([None, 3000.0]))
    def notice(self, actor, fine):
        if self._simple("notice", actor):
            self._step("notice", state="notified", intended_fine=fine, hearing_right=True)

    @rule(waived=st.booleans())
    def statement(self, waived):
        if self._simple("record_statement", "party"):
            self._step("rights_waived" if waived else "statement")

    @rule()
    def rights_run_out(self):
        if self.v.state == "notified":
            self.v = replace(self.v, rights_over=True)

    @rule(t=st.sampled_from(sorted(wf.PENALTIES | {wf.EXEMPTION})), kind=st.sampled_from(["list", "statutory"]),
          eligible=st.booleans(), fine=st.sampled_from([None, 0.0, 500.0, 3000.0, 9000.0]),
          reason=st.sampled_from([None, "", "书面理由"]))
    def decide(self, t, kind, eligible, fine, reason):
        basis = wf.NoPenaltyBasis("X", kind, eligible) if t == wf.EXEMPTION else None
        if self._try(wf.check_decision, self.v, decision_type=t, mitigating_keys=["k_mitigating"], no_penalty=basis,
                     fine_amount=fine, reason=reason):
            self.decision = {"type": t, "kind": kind, "eligible": eligible, "fine": fine, "reason": reason,
                             "view": self.v}
            self._step("decision", state="decided")

    # -- properties -------------------------------------------------------------------------------
    @invariant()
    def no_handler_reviewed(self):
        assert not set(self.reviewed_by) & set(HANDLERS)

    @invariant()
    def decisions_have_every_required_step(self):
        if self.decision is None:
            return
        d, steps = self.decision, set(self.decision["view"].steps)
        assert {"evidence", "legal_review"} <= steps
        if d["type"] == wf.EXEMPTION:
            assert d["eligible"] and not d["fine"] and "collective_discussion" in steps
            if d["kind"] == "statutory":
                assert {"rectification_assessed", "case_review", "opinions"} <= steps
        else:
            assert "notice" in steps
            assert d["view"].rights_over or steps & {"rights_waived", "hearing"}
        if d["type"] in wf.LIGHT_PENALTIES:
            assert "collective_discussion" in steps and d["view"].discretion is not None
            assert d["view"].facts.get("k_mitigating") is True
            if d["fine"] is not None and not 1000.0 <= d["fine"] <= 5000.0:
                assert d["reason"]


CaseMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
TestCaseWorkflow = CaseMachine.TestCase


def test_the_machine_reaches_decisions_of_every_kind():
    """The random walk is not vacuous: a directed walk reaches each flagged decision kind."""
    for t, kind in (("no_penalty", "list"), ("no_penalty", "statutory"), ("lighter", "list"), ("mitigated", "list")):
        m = CaseMachine()
        m.evidence("h1")
        m.investigate("h1", {"k_mitigating": True})
        m.rectification("h1", True)
        m.case_review("h1")
        m.opinions("h1")
        m.legal_review("r1", "approve")
        m.discussion(3)
        m.calculate("h1")
        if t != "no_penalty":
            m.notice("h1", 3000.0)
            m.statement(True)
        m.decide(t, kind, True, None if t == "no_penalty" else 3000.0, None)
        assert m.decision is not None and m.decision["type"] == t
        m.decisions_have_every_required_step()

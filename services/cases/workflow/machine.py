"""案件办理流程 — the case workflow as a pure state machine: states, actions, the transition each action
makes, and the rules that allow or refuse each action (every rule with its article, ``rules.py``). No
I/O: the service layer loads the case, asks ``check`` (or ``gate.check_decision``), and applies
``next_state`` with the action's event in one transaction — it never sets a state by hand.

States (API.md, DESIGN §3): filed (立案) → investigated (调查终结) → reviewed (法制审核通过) →
discussed (集体讨论) → notified (事先告知) → decided → served (送达) → executing (执行) → closed (结案),
plus the endings before a decision — withdrawn (撤销立案, incl. 违法事实不能成立), terminated (终止) and
transferred (移送), each decided by a leader (``gate.check_ending``) — and the changes after a decision
(``change_decision``: 变更/撤销 by the bureau, outcomes of 行政复议/行政诉讼; ``gate.check_change``), which
leave the state as it is and record the decision's status (in force, changed, revoked). A legal review that returns the case sends it back
to ``investigated``. Not every case passes every state, so the case also records the ``steps`` done,
and the decision rules read the steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from services.cases.damage.workflow import Standing
from services.cases.workflow.rules import RULES
from shared import contracts, vocabulary
from shared.rules import Refusal, Rule
from shared.subjects import among, subject_key
from shared.vocabulary import CaseState

State = Literal[tuple(s.value for s in CaseState)]  # type: ignore[valid-type]
DecisionType = contracts.DecisionType

EXEMPTION = vocabulary.DecisionType.EXEMPTION
LIGHT_PENALTIES = vocabulary.LIGHT_PENALTIES
PENALTIES = vocabulary.PENALTIES
DECISION_TYPES = frozenset(vocabulary.DecisionType)
OPEN_STATES = vocabulary.OPEN_STATES

# Measures every compliance rectification plan (合规整改) contains (DESIGN §3); damage compensation is
# added where the facts record ecological damage.
MANDATORY_MEASURES = ("correct_violation", "eliminate_consequences", "prevention_system")
DAMAGE_MEASURE = "damage_compensation"


def missing_measures(kinds: Iterable[str], facts: Mapping[str, object]) -> list[str]:
    have = set(kinds)
    need = list(MANDATORY_MEASURES) + ([DAMAGE_MEASURE] if facts.get("ecological_damage") is True else [])
    return [k for k in need if k not in have]


_OPEN = OPEN_STATES
# After a decision: only a legal review approving a change of the decision (proposed_change) is taken here.
POST_DECISION = frozenset({"decided", "served", "executing", "closed"})
# action -> states it may be taken in (the explicit transition table).
ACTION_STATES: dict[str, frozenset[str]] = {
    "add_evidence": frozenset({"filed", "investigated"}),
    "complete_investigation": frozenset({"filed", "investigated"}),
    # A later review (of a changed proposal) may follow an approval; it replaces the earlier one.
    "legal_review": frozenset({"investigated", "reviewed", "discussed", "notified", *POST_DECISION}),
    "record_opinion": frozenset({"investigated", "reviewed", "discussed"}),
    "case_review": frozenset({"investigated", "reviewed", "discussed"}),
    "rectification_plan": frozenset({"filed", "investigated", "reviewed", "discussed"}),
    "rectification_assessment": frozenset({"filed", "investigated", "reviewed", "discussed"}),
    "calculate_discretion": frozenset({"investigated", "reviewed", "discussed", "notified"}),
    "collective_discussion": frozenset({"reviewed", "discussed"}),
    # A new notice (e.g. of a heavier penalty) replaces the old one and restarts the rights periods.
    "notice": frozenset({"reviewed", "discussed", "notified"}),
    "record_statement": frozenset({"notified"}),
    "request_hearing": frozenset({"notified"}),
    "schedule_hearing": frozenset({"notified"}),
    "hold_hearing": frozenset({"notified"}),
    # 复核 (第四十五条) or any new facts after review: back to investigation; the review, the discussion and
    # the notice (with the party's statement and hearing) no longer count.
    "reinvestigate": frozenset({"reviewed", "discussed", "notified"}),
    "decide": frozenset({"reviewed", "discussed", "notified"}),
    "serve": frozenset({"decided"}),
    "record_payment": frozenset({"served"}),
    "close": frozenset({"served", "executing", "decided"}),  # decided: only once the decision was revoked
    # Endings before a decision (gate.check_ending: who may, after which steps).
    "withdraw": frozenset({"filed", "investigated", "reviewed", "discussed", "notified"}),
    "terminate": frozenset({"filed", "investigated", "reviewed", "discussed", "notified"}),
    "transfer": frozenset({"filed", "investigated", "reviewed", "discussed", "notified"}),
    # Changes after a decision (gate.check_change): the state stays, the decision's status changes.
    "change_decision": frozenset({"decided", "served", "executing", "closed"}),
    "extend_handling": _OPEN,
    "suspend": _OPEN,
    "resume": _OPEN,
    "economic_impact": _OPEN | {"decided"},
    "schedule_follow_up": frozenset({"closed"}),
    "record_follow_up": frozenset({"closed"}),
}

# action -> state after it (None: the state does not change).
NEXT_STATE: dict[str, str | None] = {a: None for a in ACTION_STATES} | {
    "complete_investigation": "investigated",
    "reinvestigate": "investigated",
    "legal_review": "reviewed",  # "return" sends the case back to investigated (see next_state)
    "collective_discussion": "discussed",  # only when the discussion approves (see next_state)
    "notice": "notified",
    "decide": "decided",
    "serve": "served",
    "record_payment": "executing",
    "close": "closed",
    "withdraw": "withdrawn",
    "terminate": "terminated",
    "transfer": "transferred",
}


@dataclass(frozen=True)
class Discretion:
    """The discretion calculation on record (checklist ``POST /discretion/calculate``)."""

    fine_min: float | None
    fine_max: float | None
    rule_version: str | None = None


@dataclass(frozen=True)
class Proposal:
    """What a legal review or a collective discussion approved: a decision type, and a fine where one is named."""

    decision_type: str | None
    fine_amount: float | None = None
    penalty_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoticeTerms:
    """The 事先告知 on record (第四十四条): what the party was told it would get."""

    intended_type: str | None = None
    intended_fine: float | None = None
    penalty_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnsweredNotice:
    """A notice the party answered with a statement or defence (第四十五条), and what was established after
    that statement: whether evidence was added, and which facts changed."""

    terms: NoticeTerms
    new_evidence: bool = False
    changed_facts: tuple[str, ...] = ()

    @property
    def renewed(self) -> bool:
        return self.new_evidence and bool(self.changed_facts)


@dataclass(frozen=True)
class Heard:
    """The hearing held (第六十五条): the penalty at issue (the notice's terms) and the facts it was held on."""

    at_issue: NoticeTerms | None = None
    facts: Mapping[str, object] = field(default_factory=dict)


# How heavy each decision type is, for "no heavier than notified" (第四十四条、第四十五条).
SEVERITY = {"mitigated": 1, "lighter": 2, "penalty": 3, "heavier": 4}


def heavier(t: str | None, fine: float | None, kinds: Iterable[str], than: NoticeTerms) -> str | None:
    """Why a penalty (type ``t``, ``fine``, ``kinds``) is heavier than the notice ``than`` — or None."""
    if than.intended_type and SEVERITY.get(t or "", 0) > SEVERITY.get(than.intended_type, 0):
        return f"'{t}' is heavier than the '{than.intended_type}' announced"
    if (fine or 0.0) > (than.intended_fine or 0.0) + 0.005:
        announced = f"{than.intended_fine:g} yuan" if than.intended_fine is not None else "no fine"
        return f"the fine {fine or 0.0:g} exceeds the {announced} announced"
    # The kinds a notice announced (one naming only an amount announced a fine); one that announced nothing
    # leaves only a warning, the lightest kind.
    announced_kinds = set(than.penalty_kinds) or ({"fine"} if than.intended_fine else {"warning"})
    extra = sorted(set(kinds) - announced_kinds)
    if extra:
        return f"the penalty kinds {extra} were not announced ({sorted(announced_kinds)})"
    return None


@dataclass(frozen=True)
class CaseView:
    """What the rules need to know of a case."""

    state: str
    handlers: tuple[str, ...]
    steps: tuple[str, ...] = ()
    facts: Mapping[str, object] = field(default_factory=dict)
    rights_over: bool = False  # statement and hearing-request periods have run out
    rights_provisional_year: int | None = None  # a rights period ends in a year with no holiday schedule
    hearing_requested: bool = False
    hearing_right: bool = False
    hearing_scheduled: bool = False  # the time and place were notified (第六十四条第（二）项)
    hearing_time_reached: bool = False  # the scheduled time has come
    heard: Heard | None = None  # the hearing held on the current notice (第六十五条)
    answered: tuple[AnsweredNotice, ...] = ()  # notices the party answered with a statement (第四十五条)
    intended_fine: float | None = None  # the fine the 事先告知 announced
    notice: NoticeTerms | None = None
    review: Proposal | None = None  # the approving legal review's proposal
    review_before_hearing: bool = False  # a hearing was held after the approving review (第五十八条（二）)
    discussion: Proposal | None = None  # the approving collective discussion's conclusion
    discretion: Discretion | None = None
    handling_extensions: tuple[str, ...] = ()
    handling_over: bool = False  # the handling period (办案期限) has run out
    suspended: bool = False  # a suspension (中止) is open: no decision, withdrawal or transfer until resumed
    uncounted_evidence: tuple[str, ...] = ()  # collectors of recorded evidence that does not count (第四十二条)
    damage_compensated: bool = False  # a damage_compensation measure is planned and the rectification passed
    damage_matter: Standing | None = None  # the case's damage-compensation matter (一案双查), when there is one
    fine_due: bool = False
    paid: bool = False
    review_ending: str | None = None  # the ending the approving legal review approved (proposed_ending)
    review_change: str | None = None  # the change of the decision the approving legal review approved
    decision_status: str = "in_force"  # in_force | changed | revoked (after change_decision)


def refusal(case: CaseView, action: str, rule: Rule, detail: str) -> Refusal:
    """The action is not allowed now: ``shared.rules.Refusal`` with the workflow's problem code
    (``illegal_transition``), the case's state, the action and the actions allowed instead."""
    return Refusal(rule, detail, code="illegal_transition", state=case.state, action=action,
                   allowed_actions=allowed_actions(case))


def allowed_actions(case: CaseView) -> list[str]:
    return [a for a, states in ACTION_STATES.items() if case.state in states]


def next_state(case: CaseView, action: str, *, opinion: str | None = None, approved: bool = True) -> str:
    """The state ``action`` leads to: a returned legal review goes back to ``investigated``; a discussion
    that does not approve leaves the state as it was."""
    if action == "legal_review" and opinion == "return":
        return "investigated"
    if action == "legal_review" and case.state != "investigated":
        return case.state  # a further review leaves the case where it is
    if action == "collective_discussion" and not approved:
        return case.state
    nxt = NEXT_STATE[action]
    return case.state if nxt is None else nxt


def _require_state(case: CaseView, action: str) -> None:
    if case.state not in ACTION_STATES[action]:
        rule = "ending_before_decision" if action in ("withdraw", "terminate", "transfer") else "state_order"
        raise refusal(case, action, RULES[rule], f"'{action}' is not allowed in state '{case.state}'")


def check_handlers(handlers: Iterable[str]) -> list[str]:
    """第四十二条: at least two distinct enforcement officers. Returns the de-duplicated list, one person
    once whatever the case of their subject (``OFF-A`` is ``off-a``: ``subject_key``), as first spelt."""
    out: list[str] = []
    seen: set[str] = set()
    for h in handlers:
        key = subject_key(h)
        if key and key not in seen:
            seen.add(key)
            out.append(h)
    return out


def uncertified(handlers: Iterable[str], certified: Mapping[str, str | None]) -> list[str]:
    """第四十二条 持证上岗: handlers with no 执法证号 on record (``certified``: sub → cert_no)."""
    return [h for h in handlers if not certified.get(h)]


def of_other_bureau(handlers: Iterable[str], registered_bureau: Mapping[str, str], bureau: str) -> list[str]:
    """第四十二条 执法人员: handlers the register puts in another bureau than the case's (``registered_bureau``:
    sub → bureau). The case's officers are its own bureau's: another bureau's officer cannot even read it."""
    return [h for h in handlers if h in registered_bureau and registered_bureau[h] != bureau]


# Actions that end a case (besides the decision, checked in ``gate``): none while a suspension is open.
ENDING_ACTIONS = frozenset({"withdraw", "transfer"})


def uncounted_detail(case: CaseView) -> str:
    return (f"the only evidence on record was collected by {sorted(set(case.uncounted_evidence))}, who are not "
            f"certified handlers of this case (handlers {list(case.handlers)}): it does not count")


def check(case: CaseView, action: str, *, actor: str, **kw: object) -> None:
    """Rules of every action except the decision (which has ``gate.check_decision``)."""
    _require_state(case, action)
    if action == "legal_review" and among(actor, case.handlers):
        raise refusal(case, action, RULES["reviewer_not_handler"], f"{actor} is a handler of this case and cannot review it")
    if action == "legal_review" and case.state in POST_DECISION and not (
            kw.get("opinion") == "approve" and kw.get("proposed_change")):
        raise refusal(case, action, RULES["state_order"],
                      "after the decision a legal review only approves a change of it (opinion approve, proposed_change)")
    if action == "legal_review" and kw.get("proposed_change") and case.state not in POST_DECISION:
        raise refusal(case, action, RULES["state_order"], "there is no decision yet to change")
    if action == "close" and case.state == "decided" and case.decision_status != "revoked":
        raise refusal(case, action, RULES["state_order"], "serve the decision first")
    if action == "legal_review" and kw.get("opinion") == "approve" and "evidence" not in case.steps:
        if case.uncounted_evidence:
            raise refusal(case, action, RULES["evidence_by_certified_handlers"], uncounted_detail(case))
        raise refusal(case, action, RULES["evidence_required"], "no evidence is on record: the review cannot approve the case")
    if action in ENDING_ACTIONS and case.suspended:
        raise refusal(case, action, RULES["suspension_blocks_decision"],
                      f"the case is suspended (中止): '{action}' waits until it is resumed")
    if action in ("schedule_hearing", "hold_hearing"):
        _check_hearing(case, action, kw)
    if action == "notice":
        _check_renotice(case, kw.get("terms"))
    if action == "request_hearing" and not case.hearing_right:
        raise refusal(case, action, RULES["hearing_right_not_given"],
                      "the intended penalty carries no right to a hearing")
    if action == "request_hearing" and case.rights_over:
        raise refusal(case, action, RULES["rights_period_running"], "the hearing-request period has run out")
    if action in ("extend_handling", "suspend"):
        if not kw.get("leader"):
            raise refusal(case, action, RULES["time_limit_approved_by_leader"],
                          f"{actor} is not a leader (行政机关负责人): only a leader approves '{action}'")
        if among(actor, case.handlers):
            raise refusal(case, action, RULES["time_limit_approved_by_leader"],
                          f"{actor} is a handler of this case and cannot approve '{action}'")
    if action == "extend_handling":
        _check_extension(case, kw.get("kind"))
    if action == "suspend" and case.handling_over:
        raise refusal(case, action, RULES["no_retroactive_extension"],
                      "the handling period has already run out: the case stays overdue")
    if action == "suspend" and case.suspended:
        raise refusal(case, action, RULES["suspension_open"], "the case is already suspended")
    if action == "resume" and not case.suspended:
        raise refusal(case, action, RULES["suspension_open"], "the case is not suspended")
    if action in ("serve", "record_payment") and case.decision_status == "revoked":
        raise refusal(case, action, RULES["revocation_stops_execution"],
                      "the decision was revoked (or confirmed illegal): it is not served and no fine is collected")
    if action == "close" and case.fine_due and not case.paid and case.decision_status != "revoked":
        raise refusal(case, action, RULES["fine_paid_before_closing"], "the fine has not been paid")
    if action == "record_payment" and not case.fine_due:
        raise refusal(case, action, RULES["fine_paid_before_closing"], "the decision imposes no fine to pay")


def _check_hearing(case: CaseView, action: str, kw: Mapping[str, object]) -> None:
    """第六十四条: a requested hearing, scheduled with seven working days' notice of time and place, held no
    earlier than scheduled, presided by a non-investigator, recorded (笔录, checked and signed or the refusal noted)."""
    if not case.hearing_requested:
        raise refusal(case, action, RULES["hearing_before_decision"], "no hearing has been requested")
    if "hearing" in case.steps:
        raise refusal(case, action, RULES["state_order"], "the hearing on this notice has already been held")
    presider = kw.get("presided_by")
    if among(presider if isinstance(presider, str) else None, case.handlers):
        raise refusal(case, action, RULES["hearing_presider_not_investigator"],
                      f"{presider} is a handler (调查人员) of this case and cannot preside over its hearing")
    rule = RULES["hearing_notice_seven_days"]
    if action == "schedule_hearing":
        earliest, on, provisional = kw.get("earliest"), kw.get("hearing_on"), kw.get("provisional")
        if provisional:
            raise refusal(case, action, rule, f"the seven working days from the notification run into a year whose "
                                              f"holiday schedule is not loaded ({provisional}): load it first")
        if earliest is not None and on is not None and on < earliest:  # type: ignore[operator]
            raise refusal(case, action, rule, f"the hearing on {on} is less than seven working days after the party "
                                              f"was notified; the earliest lawful day is {earliest}")
        return
    if not case.hearing_scheduled:
        raise refusal(case, action, rule, "the hearing was not scheduled: notify its time and place first")
    if not case.hearing_time_reached:
        raise refusal(case, action, rule, "the hearing cannot be held before the time notified to the party")
    missing = [k for k in ("record", "party_statements", "signature") if not kw.get(k)]
    if kw.get("signature") == "refused" and not kw.get("refusal_note"):
        missing.append("refusal_note")
    if missing:
        raise refusal(case, action, RULES["hearing_record_required"],
                      f"the hearing record lacks {missing} (笔录, the party's statements, its signature or the "
                      "presider's note of its refusal)")


def _check_renotice(case: CaseView, terms: object) -> None:
    """第四十五条: after a statement or defence, a heavier notice needs new facts established after it."""
    if not isinstance(terms, NoticeTerms):
        return
    for a in case.answered:
        why = heavier(terms.intended_type, terms.intended_fine, terms.penalty_kinds, a.terms)
        if why and not a.renewed:
            lacking = ([] if a.new_evidence else ["no evidence added"]) + ([] if a.changed_facts else ["no fact changed"])
            raise refusal(case, "notice", RULES["heavier_renotice_needs_new_facts"],
                          f"the party answered an earlier notice with a statement; {why} there, and since that "
                          f"statement: {', '.join(lacking)}")


def penalty_articles_missing(basis: Iterable[tuple[str, str]],
                             penalty_articles: Mapping[str, Iterable[tuple[str, str]]]) -> list[str]:
    """第四十四条: the violations none of whose penalty articles the notice's basis names. Laws compare by
    name without 《》 and the 中华人民共和国 prefix; articles by their number (第某条)."""
    named = {(law_key(law), article.strip()) for law, article in basis}
    return [code for code, arts in penalty_articles.items()
            if not any((law_key(law), article.strip()) in named for law, article in arts)]


def law_key(law: str) -> str:
    return law.strip().strip("《》").removeprefix("中华人民共和国")


def check_notice_basis(case: CaseView, basis: Iterable[tuple[str, str]],
                       penalty_articles: Mapping[str, Iterable[tuple[str, str]]]) -> None:
    """The notice names at least one penalty article of each violation of the case (第四十四条: 依据)."""
    missing = penalty_articles_missing(basis, penalty_articles)
    if missing:
        arts = {c: sorted({f"《{law}》{a}" for law, a in penalty_articles[c]}) for c in missing}
        raise refusal(case, "notice", RULES["notice_states_basis"],
                      f"basis: the notice names no penalty article of {missing}: name one of {arts}")


def _check_extension(case: CaseView, kind: object) -> None:
    action = "extend_handling"
    if case.handling_over:
        raise refusal(case, action, RULES["no_retroactive_extension"],
                      "the handling period has already run out: the case stays overdue")
    exts = case.handling_extensions
    if kind == "head_approval" and exts:
        raise refusal(case, action, RULES["handling_extension_limit"],
                      "the head's 30-day extension was already granted; a further one needs a collective discussion")
    if kind == "collective_discussion" and exts != ("head_approval",):
        raise refusal(case, action, RULES["handling_extension_limit"],
                      "a collective-discussion extension follows the head's extension, once")


# -- collective discussion quorum (local settings, labelled) ----------------------------------------
QUORUM_DEFAULT = 3


def check_discussion(case: CaseView, *, participants: int | Iterable[str], quorum: int = QUORUM_DEFAULT,
                     leaders: Iterable[str] | None = None) -> None:
    """``leaders``: the participants who are registered leaders (负责人) of the case's bureau; None: not checked."""
    _require_state(case, "collective_discussion")
    people = [] if isinstance(participants, int) else list(participants)
    # Distinct people: ``L1`` and ``l1`` are one participant (shared.auth.subject_key, issue 25 S10).
    count = participants if isinstance(participants, int) else len({subject_key(p) for p in people})
    handlers = sorted(p for p in set(people) if among(p, case.handlers))
    if handlers:
        raise refusal(case, "collective_discussion", RULES["discussion_participants_not_handlers"],
                      f"{handlers} handled this case and cannot sit in its collective discussion")
    if leaders is not None:
        others = sorted(set(people) - set(leaders))
        if others:
            raise refusal(case, "collective_discussion", RULES["discussion_participants_leaders"],
                          f"{others} are not registered leaders (负责人) of the case's bureau")
    if count < quorum:
        raise refusal(case, "collective_discussion", RULES["collective_discussion_quorum"],
                      f"{count} participants; the quorum is {quorum}")


def discussion_approves(*, participants: int, votes_for: int) -> bool:
    """Majority of the participants (local setting): otherwise the discussion is recorded as not approving."""
    return votes_for * 2 > participants

"""The law of the case workflow as pure code — one package, no I/O:

* ``rules``   — every rule with its article, ``verified`` flag and remedy (our readings labelled);
* ``machine`` — states, actions, the transition table and the rules of every action but the decision;
* ``gate``    — every precondition of a decision (DESIGN §3 "The decision gate").

The service layer loads facts, asks these modules, and applies the state they return."""

from services.cases.workflow.gate import (
    REVOKING,
    Act,
    Change,
    Circumstances,
    Decision,
    Ending,
    FineRange,
    LawInTime,
    NoPenaltyBasis,
    PriorFine,
    Record,
    check_change,
    check_correction_order,
    check_decision,
    check_ending,
    fine_outside_calculation,
    required_steps,
)
from services.cases.workflow.machine import (
    ACTION_STATES,
    DAMAGE_MEASURE,
    DECISION_TYPES,
    EXEMPTION,
    LIGHT_PENALTIES,
    NEXT_STATE,
    OPEN_STATES,
    PENALTIES,
    AnsweredNotice,
    CaseView,
    Discretion,
    Heard,
    NoticeTerms,
    Proposal,
    Refusal,
    allowed_actions,
    check,
    check_discussion,
    check_handlers,
    check_notice_basis,
    discussion_approves,
    heavier,
    missing_measures,
    next_state,
    of_other_bureau,
    refusal,
    uncertified,
)
from services.cases.workflow.rules import RECTIFICATION_RULE, REMEDIES, RULES, Rule

__all__ = [
    "ACTION_STATES", "DAMAGE_MEASURE", "DECISION_TYPES", "EXEMPTION", "LIGHT_PENALTIES", "NEXT_STATE", "OPEN_STATES",
    "PENALTIES", "RECTIFICATION_RULE", "REMEDIES", "REVOKING", "RULES", "Act", "AnsweredNotice", "CaseView", "Change",
    "Circumstances", "Decision", "Discretion", "Ending", "Heard", "LawInTime", "PriorFine", "check_change",
    "check_correction_order",
    "check_ending", "check_notice_basis", "heavier",
    "FineRange", "NoPenaltyBasis", "NoticeTerms", "Proposal", "Record", "Refusal", "Rule", "allowed_actions", "check",
    "check_decision", "check_discussion", "check_handlers", "discussion_approves", "fine_outside_calculation",
    "missing_measures", "next_state", "of_other_bureau", "refusal", "required_steps", "uncertified",
]

"""The event contracts between services: one pydantic model per CloudEvents type.

Events are contracts, not serializer output: they are written here on purpose, versioned in the
type name, and never derived from an API schema. Adding an optional field keeps the version; any
other change is a new ``.vN`` type with an upcaster on the consumer side.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from shared.events import EventPayload, event_type

DecisionType = Literal["penalty", "no_penalty", "lighter", "mitigated", "heavier"]
# Decisions that the audit service must put in front of a supervisor (试点方案 三（十）: 加强对免罚、轻罚案件的监督审核).
FLAGGED_DECISIONS: frozenset[str] = frozenset({"no_penalty", "lighter", "mitigated"})
# Decisions that impose a penalty (and so create a credit record); an exemption creates none.
PENALTY_DECISIONS: frozenset[str] = frozenset({"penalty", "lighter", "mitigated", "heavier"})


# -- checklist -------------------------------------------------------------------------------------
@event_type("ecocomply.checklist.item_published.v1")
class ChecklistItemPublished(EventPayload):
    code: str
    version: int
    kind: Literal["guidance", "no_penalty"] = "guidance"
    title: str
    published_at: datetime


# -- cases -----------------------------------------------------------------------------------------
@event_type("ecocomply.case.filed.v1")
class CaseFiled(EventPayload):
    case_id: str
    number: str
    uscc: str
    bureau: str
    violations: list[str]
    handlers: list[str]
    filed_by: str
    filed_at: datetime


@event_type("ecocomply.case.investigation_completed.v1")
class CaseInvestigationCompleted(EventPayload):
    case_id: str
    number: str
    bureau: str
    facts: dict[str, object] = Field(default_factory=dict)
    completed_by: str
    completed_at: datetime


@event_type("ecocomply.case.legal_reviewed.v1")
class CaseLegalReviewed(EventPayload):
    case_id: str
    number: str
    bureau: str
    opinion: Literal["approve", "return"]
    reviewer: str
    reviewed_at: datetime


@event_type("ecocomply.case.collective_discussed.v1")
class CaseCollectiveDiscussed(EventPayload):
    case_id: str
    number: str
    bureau: str
    participants: list[str]
    conclusion: str
    votes: dict[str, int]
    recorded_by: str
    discussed_at: datetime


class DiscretionRange(EventPayload):
    """The discretion calculation a decision relied on (checklist ``POST /discretion/calculate``)."""

    fine_min: float | None = None
    fine_max: float | None = None
    recommended: float | None = None
    rule_version: str | None = None


@event_type("ecocomply.case.decided.v1")
class CaseDecided(EventPayload):
    case_id: str
    number: str
    uscc: str
    bureau: str
    decision_type: DecisionType
    fine_amount: float | None = None
    basis: dict[str, object] = Field(default_factory=dict)
    discretion: DiscretionRange = Field(default_factory=DiscretionRange)
    steps: list[str]
    handlers: list[str] = Field(default_factory=list)
    decided_by: str
    decided_at: datetime
    decision_date: date | None = None
    # Added for credit classification and audit rules (optional: older events lack them).
    violations: list[str] = Field(default_factory=list)  # guidance item codes
    procedure: Literal["general", "summary"] = "general"  # 普通程序 / 简易程序 (《行政处罚法》第五十一条)
    penalty_kinds: list[str] = Field(default_factory=list)  # e.g. fine, warning, revoke_permit, restrict_practice
    reason: str | None = None  # written reason (required when the fine is outside the discretion range)


@event_type("ecocomply.case.served.v1")
class CaseServed(EventPayload):
    """送达 — the decision served, with the documents delivered together (三书同时送达 for a penalty)."""

    case_id: str
    number: str
    uscc: str
    bureau: str
    decision_type: DecisionType
    documents: list[str]
    served_at: datetime


@event_type("ecocomply.case.fine_paid.v1")
class CaseFinePaid(EventPayload):
    case_id: str
    number: str
    uscc: str
    bureau: str
    amount: float
    paid_at: datetime


@event_type("ecocomply.case.closed.v1")
class CaseClosed(EventPayload):
    case_id: str
    number: str
    uscc: str
    bureau: str
    closed_at: datetime


@event_type("ecocomply.case.overdue.v1")
class CaseOverdue(EventPayload):
    """A time limit passed with the step not done (emitted once per case and deadline)."""

    case_id: str
    number: str
    uscc: str
    bureau: str
    deadline: str  # e.g. handling, filing, service
    due_date: date
    detected_at: datetime


@event_type("ecocomply.case.relapse_found.v1")
class CaseRelapseFound(EventPayload):
    """A follow-up check after rectification found the violation again."""

    case_id: str
    number: str
    uscc: str
    bureau: str
    found_at: datetime
    detail: str


@event_type("ecocomply.case.notified.v1")
class CaseNotified(EventPayload):
    case_id: str
    number: str
    bureau: str
    notified_by: str
    notified_at: datetime


@event_type("ecocomply.case.opinion_recorded.v1")
class CaseOpinionRecorded(EventPayload):
    case_id: str
    number: str
    bureau: str
    opinion_from: str
    recorded_by: str
    recorded_at: datetime


@event_type("ecocomply.case.rectification_assessed.v1")
class CaseRectificationAssessed(EventPayload):
    case_id: str
    number: str
    uscc: str
    bureau: str
    passed: bool
    assessed_by: str
    assessed_at: datetime


# -- credit ----------------------------------------------------------------------------------------
@event_type("ecocomply.credit.record_created.v1")
class CreditRecordCreated(EventPayload):
    record_id: str
    case_id: str
    uscc: str
    severity: Literal["minor", "general", "serious"]
    published: bool
    criterion: str
    publicity_from: date
    publicity_min_until: date | None = None
    publicity_max_until: date | None = None


# -- audit -----------------------------------------------------------------------------------------
@event_type("ecocomply.audit.flag_raised.v1")
class AuditFlagRaised(EventPayload):
    flag_id: str
    case_id: str
    number: str
    uscc: str
    bureau: str
    decision_type: str
    rules: list[dict[str, str]]
    raised_at: datetime


@event_type("ecocomply.audit.flag_reviewed.v1")
class AuditFlagReviewed(EventPayload):
    flag_id: str
    case_id: str
    number: str
    bureau: str
    outcome: Literal["cleared", "issue_found"]
    reviewed_by: str
    reviewed_at: datetime

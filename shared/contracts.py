"""The event contracts between services: one pydantic model per CloudEvents type.

Events are contracts, not serializer output: they are written here on purpose, versioned in the
type name, and never derived from an API schema. Adding an optional field keeps the version; any
other change is a new ``.vN`` type with an upcaster on the consumer side.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from shared import vocabulary
from shared.events import EventPayload, event_type

# The decision types as the events carry them (``shared.vocabulary.DecisionType``, defined there once).
DecisionType = Literal[tuple(t.value for t in vocabulary.DecisionType)]  # type: ignore[valid-type]
# Decisions that the audit service must put in front of a supervisor (试点方案 三（十）: 加强对免罚、轻罚案件的监督审核).
FLAGGED_DECISIONS = vocabulary.FLAGGED_DECISIONS
# Decisions that impose a penalty (and so create a credit record); an exemption creates none.
PENALTY_DECISIONS = vocabulary.PENALTIES


# -- checklist -------------------------------------------------------------------------------------
@event_type("ecocomply.checklist.item_published.v1")
class ChecklistItemPublished(EventPayload):
    code: str
    version: int
    kind: Literal["guidance", "no_penalty"] = "guidance"
    title: str
    published_at: datetime
    # Added by the checklist service (optional): the version's content hash, batch and risk level.
    content_hash: str | None = None
    batch: str | None = None
    risk_level: str | None = None


@event_type("ecocomply.checklist.item_retired.v1")
class ChecklistItemRetired(EventPayload):
    """A guidance item left the published catalog (its versions stay readable with ``?version=``)."""

    code: str
    last_version: int
    retired_by: str
    retired_at: datetime


class SelfCheckRisk(EventPayload):
    item_code: str
    item_version: int
    risk_level: Literal["high", "medium", "low"]


@event_type("ecocomply.checklist.self_check_submitted.v1")
class ChecklistSelfCheckSubmitted(EventPayload):
    """自查自纠 — an enterprise's self-check result; the cases service can target guidance with it."""

    self_check_id: str
    uscc: str
    industry: str
    score: float
    risks: list[SelfCheckRisk] = Field(default_factory=list)
    unanswered: int = 0
    submitted_at: datetime


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
    proposed_type: DecisionType | None = None  # the decision the review approved (binds the decision)
    proposed_fine: float | None = None


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
    decision_type: DecisionType | None = None  # the decision type concluded by majority (binds the decision)
    fine_amount: float | None = None


class DiscretionRange(EventPayload):
    """The discretion calculation a decision relied on (checklist ``POST /discretion/calculate``)."""

    fine_min: float | None = None
    fine_max: float | None = None
    recommended: float | None = None
    rule_version: str | None = None


class DamageAtDecision(EventPayload):
    """The case's damage-compensation matter when the decision was taken (一案双查)."""

    facts_record_damage: bool = False  # ecological_damage: true on the case's facts
    matter_id: str | None = None
    status: str | None = None  # the matter's status; None: no matter
    ground: str | None = None  # 不启动 ground, if recorded
    paid_total: float = 0.0  # compensation actually paid on the matter


class ActPeriod(EventPayload):
    """The act (违法行为) a violation of a decided case names: its code and dates (第二十九条 one act, one fine)."""

    code: str
    occurred_on: date | None = None
    ended_on: date | None = None
    act: str | None = None  # the label shared by the violations of one act in the case


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
    # Added by the decision gate (issue 11), for the audit rules that prove it held.
    statutory_min: float | None = None  # the violation's statutory fine range on the case's facts
    statutory_max: float | None = None
    discussion_type: DecisionType | None = None  # what the collective discussion concluded, if one was held
    discussion_fine: float | None = None
    first_offence_claimed: bool = False  # the facts claimed 初次违法 (checked against the record by the gate)
    # Added for 第二十九条 (issue 23): each violation's act dates; empty in older events.
    acts: list[ActPeriod] = Field(default_factory=list)
    # Added for 一案双查 (issue 27): the damage matter as it stood at the decision, and the part of a lighter or
    # mitigated fine the decision records as reduced on account of damage compensation. None in older events.
    damage: DamageAtDecision | None = None
    compensation_reduction: float | None = None


EndingKind = Literal["withdrawn", "facts_not_established", "terminated", "transferred"]


@event_type("ecocomply.case.ended.v1")
class CaseEnded(EventPayload):
    """A case ended before a decision: 撤销立案 (withdrawn), 违法事实不能成立 (facts_not_established, 第五十七条
    第一款第（三）项), 终止 (terminated) or 移送 (transferred, 第五十七条第一款第（四）项、第二十七条) — decided by
    a leader; after the investigation an unpenalised ending carries the legal review that approved it."""

    case_id: str
    number: str
    uscc: str
    bureau: str
    kind: EndingKind
    reason: str
    decided_by: str
    ended_at: datetime
    state_before: str
    transferred_to: str | None = None
    legal_review_by: str | None = None  # the approving legal review (第五十八条), when one was required
    legal_review_at: datetime | None = None
    handlers: list[str] = Field(default_factory=list)
    violations: list[str] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)


GateAction = Literal["decide", "withdraw", "terminate", "transfer", "change_decision"]


@event_type("ecocomply.case.gate_refused.v1")
class CaseGateRefused(EventPayload):
    """A decision, an ending (撤销立案, 违法事实不能成立, 终止, 移送) or a change of a decision that the decision
    gate refused: who attempted what on which case, and the rule (its code, article and citation) that refused
    it. The case itself is unchanged; the attempt is kept so that supervisors see repeated refused exemption
    attempts (试点方案 三（十）: 加强对免罚、轻罚案件的监督审核)."""

    refusal_id: str
    case_id: str
    number: str
    uscc: str
    bureau: str
    state: str  # the case's state when the attempt was refused
    action: GateAction
    attempted_by: str
    attempted_at: datetime
    # What was attempted, as given: a decision's type, fine and penalty kinds; an ending's kind; a change's
    # source and outcome (with the fine and kinds it asked for).
    decision_type: DecisionType | None = None
    fine_amount: float | None = None
    penalty_kinds: list[str] = Field(default_factory=list)
    ending_kind: EndingKind | None = None
    change_source: str | None = None
    change_outcome: str | None = None
    rule_code: str
    article: str
    rule: str = ""  # the rule's citation as the refusal carried it (its article and text)
    detail: str
    handlers: list[str] = Field(default_factory=list)


class DecisionDocument(EventPayload):
    """The decision document of the body that changed the decision (复议决定书, 判决书, or the bureau's own)."""

    body: str
    number: str
    issued_on: date
    text: str | None = None
    reference: str | None = None


@event_type("ecocomply.case.decision_changed.v1")
class CaseDecisionChanged(EventPayload):
    """A decided case's decision changed: by the bureau itself (变更/撤销, 自行纠错) or by the outcome of
    行政复议/行政诉讼 (维持/变更/撤销/确认违法/责令重作). The original decision is kept on the case;
    ``revoked``: it no longer stands (第四十八条第二款: publicity withdrawn, execution stops);
    ``reduces``: the penalty is ended or lighter than before (a lower fine or a penalty kind dropped)."""

    case_id: str
    number: str
    uscc: str
    bureau: str
    source: Literal["bureau", "reconsideration", "litigation"]
    outcome: Literal["upheld", "changed", "revoked", "confirmed_illegal", "redo"]
    decision_type: DecisionType
    fine_before: float | None = None
    fine_after: float | None = None
    kinds_before: list[str] | None = None  # the penalty kinds in force before / after the change (None: not stated)
    kinds_after: list[str] | None = None
    revoked: bool = False
    reduces: bool = False
    reason: str
    document: DecisionDocument
    decided_by: str
    changed_at: datetime
    legal_review_by: str | None = None
    sequence: int = 1  # the change's number on the case (1 for the first)


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


@event_type("ecocomply.case.document_issued.v1")
class CaseDocumentIssued(EventPayload):
    """A 文书 rendered once as issued and stored: its SHA-256 goes into the audit log, and every later read
    serves exactly these bytes. ``replaces``: the 文号 of the document a corrected one replaces. An advice
    letter's document has ``letter_id`` (and ``case_id`` of the case it belongs to, if any)."""

    case_id: str | None = None
    letter_id: str | None = None
    case_number: str | None = None
    bureau: str
    kind: str
    number: str = Field(description="the document's 文号 (the case or letter number for a kind without one)")
    sha256: str
    size: int
    replaces: str | None = None
    issued_at: datetime
    rendered_at: datetime


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


@event_type("ecocomply.case.risk_warning_received.v1")
class CaseRiskWarningReceived(EventPayload):
    """A risk warning (环保脸谱) from the provincial platform, stored on the enterprise. It opens no
    case: an officer may open an inspection with a compliance advice letter from it."""

    warning_id: str
    uscc: str
    bureau: str
    level: Literal["high", "medium", "low"]
    indicators: list[str]
    source: str
    issued_at: datetime
    received_at: datetime


@event_type("ecocomply.case.damage_opened.v1")
class CaseDamageOpened(EventPayload):
    """一案双查 (工作要点（十三）): a damage-compensation matter opened beside the case — by the facts
    (``ecological_damage`` recorded, trigger ``facts``) or by an officer (``officer``), in 线索筛查."""

    matter_id: str
    case_id: str
    number: str
    uscc: str
    bureau: str
    trigger: Literal["facts", "officer"]
    opened_by: str
    opened_at: datetime


@event_type("ecocomply.case.damage_step_recorded.v1")
class CaseDamageStepRecorded(EventPayload):
    """A step of the damage-compensation matter (启动/不启动索赔, 调查/鉴定评估, 磋商, 赔偿协议, 司法确认, 诉讼,
    修复, 修复效果评估, 赔偿金缴纳): who, when, the status before and after, and what it recorded."""

    matter_id: str
    case_id: str
    number: str
    uscc: str
    bureau: str
    action: str
    status_from: str
    status_to: str
    recorded_by: str
    recorded_at: datetime
    note: str = ""
    ground: str | None = None  # 不启动: the ground's code
    ground_source: str | None = None
    document_number: str | None = None
    document_title: str | None = None
    simplified: bool | None = None
    assessed_amount: float | None = None
    agreed_amount: float | None = None
    evaluation_passed: bool | None = None
    paid_amount: float | None = None
    paid_total: float = 0.0


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


@event_type("ecocomply.credit.publicity_expired.v1")
class CreditPublicityExpired(EventPayload):
    """最长公示期届满后自动停止公示 — the maximum publicity period ran out (emitted once per record)."""

    record_id: str
    case_id: str
    uscc: str
    bureau: str
    publicity_max_until: date
    expired_on: date
    rule: str


@event_type("ecocomply.credit.repair_application_submitted.v1")
class CreditRepairApplicationSubmitted(EventPayload):
    application_id: str
    record_id: str
    case_id: str
    uscc: str
    bureau: str
    attempt: int
    accept_due: date
    submitted_at: datetime


@event_type("ecocomply.credit.repair_application_decided.v1")
class CreditRepairApplicationDecided(EventPayload):
    """A repair application accepted (受理), approved or rejected (with the reason)."""

    application_id: str
    record_id: str
    case_id: str
    uscc: str
    bureau: str
    action: Literal["accept", "approve", "reject"]
    reason: str | None = None
    late: bool = False
    decided_by: str
    decided_at: datetime


@event_type("ecocomply.credit.repair_overdue.v1")
class CreditRepairOverdue(EventPayload):
    """A repair application passed a time limit (acceptance or decision) still open (once per deadline)."""

    application_id: str
    record_id: str
    uscc: str
    bureau: str
    deadline: Literal["accept", "decide"]
    due_date: date
    detected_on: date


@event_type("ecocomply.credit.repaired.v1")
class CreditRepaired(EventPayload):
    """信用修复 approved: the record's publicity ends (终止公示) on ``repaired_on``."""

    record_id: str
    case_id: str
    uscc: str
    bureau: str
    application_id: str
    previous_status: str
    repaired_on: date
    approved_by: str
    approved_at: datetime
    rule: str


@event_type("ecocomply.credit.positive_list_changed.v1")
class CreditPositiveListChanged(EventPayload):
    """正面清单 membership added or removed (动态调整)."""

    entry_id: str
    uscc: str
    action: Literal["added", "removed"]
    reason_code: str
    valid_from: date
    valid_until: date
    inspection_frequency: Literal["reduced", "normal"]
    changed_by: str
    changed_at: datetime


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
    # 无问题 / 发现问题并责令纠正 / 移送纪检监察 (issue 26); a later review of a reopened flag emits another.
    outcome: Literal["cleared", "issue_found", "referred"]
    reviewed_by: str
    reviewed_at: datetime


@event_type("ecocomply.audit.flag_review_started.v1")
class AuditFlagReviewStarted(EventPayload):
    """An auditor started reviewing a flag (the assignee, or an auditor who took an unassigned flag)."""

    flag_id: str
    case_id: str
    bureau: str
    started_by: str
    started_at: datetime


@event_type("ecocomply.audit.flag_reopened.v1")
class AuditFlagReopened(EventPayload):
    """An auditor reopened a reviewed flag for a later review; ``outcome`` (the earlier review's) stands
    until that review records another."""

    flag_id: str
    case_id: str
    number: str
    bureau: str
    outcome: str
    reason: str
    reopened_by: str
    reopened_at: datetime


@event_type("ecocomply.audit.flag_attachment_added.v1")
class AuditFlagAttachmentAdded(EventPayload):
    """A document attached to a flag's review, named by its SHA-256 (the bytes stay in the audit)."""

    flag_id: str
    case_id: str
    bureau: str
    attachment_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


@event_type("ecocomply.audit.flag_assigned.v1")
class AuditFlagAssigned(EventPayload):
    flag_id: str
    case_id: str
    bureau: str
    assignee: str
    assigned_by: str
    due_at: datetime
    assigned_at: datetime


@event_type("ecocomply.audit.interference_recorded.v1")
class AuditInterferenceRecorded(EventPayload):
    """领导干部干预插手案件记录 (工作要点（二十二）): who interfered in which case, recorded by whom."""

    record_id: str
    case_id: str
    number: str
    bureau: str
    person: str
    position: str
    occurred_on: date
    recorded_by: str
    recorded_at: datetime


@event_type("ecocomply.audit.tree_head_signed.v1")
class AuditTreeHeadSigned(EventPayload):
    """A signed tree head of the audit log (RFC 6962 root, Ed25519), emitted for every head signed: an
    outside party (the provincial platform's webhook subscription) keeps these as a witness, and
    ``ecocomply audit verify --against`` proves the log a consistent extension of each. The signature
    covers ``b"ecocomply-audit-log/v1\\n" + f"{tree_size}\\n{root}\\n{timestamp_ms}"`` and ``key_id``
    names the key (its public key is ``public_key``; all keys at ``GET /audit/v1/log/public-key``).
    It concerns every bureau and carries none's data, so bureau-scoped subscriptions receive it too."""

    every_bureau: ClassVar[bool] = True
    tree_size: int
    root: str
    timestamp_ms: int
    key_id: str
    signature: str
    public_key: str


# -- audit: 错案责任倒查与容错纠错 (issue 27 point 4) ---------------------------------------------------------
@event_type("ecocomply.audit.accountability_trace_opened.v1")
class AuditAccountabilityTraceOpened(EventPayload):
    """错案责任倒查 opened on a flag (工作要点（二十二）): the case's people with their parts, as the audit's records
    show them; ``ground``: the review's outcome (issue_found, referred) or the rule that made the flag traceable."""

    trace_id: str
    flag_id: str
    case_id: str
    number: str
    bureau: str
    ground: str
    people: list[dict[str, object]]
    opened_by: str
    opened_at: datetime


@event_type("ecocomply.audit.responsibility_recorded.v1")
class AuditResponsibilityRecorded(EventPayload):
    """责任认定 on one person of a trace (a change is a new one; the latest counts)."""

    trace_id: str
    case_id: str
    bureau: str
    person: str
    finding: Literal["none", "responsible"]
    kind: str | None = None
    outcome: str | None = None
    outcome_text: str | None = None
    recorded_by: str
    recorded_at: datetime


@event_type("ecocomply.audit.excuse_decided.v1")
class AuditExcuseDecided(EventPayload):
    """容错纠错: a person excused (试点方案 五（三）: 免除相关责任 or 从轻减轻处理), every condition affirmed."""

    trace_id: str
    case_id: str
    bureau: str
    person: str
    relief: Literal["exempted", "lightened"]
    conditions: list[str]
    decided_by: str
    decided_at: datetime
@event_type("ecocomply.audit.casefile_review_campaign_created.v1")
class AuditCasefileReviewCampaignCreated(EventPayload):
    """案卷评查活动 created (工作要点（十九）): its period, seed, standard version and the files drawn per bureau."""

    campaign_id: str
    title: str
    period_from: date
    period_to: date
    seed: str
    standard_version: int
    drawn: dict[str, int]  # bureau -> files drawn
    created_by: str
    created_at: datetime


@event_type("ecocomply.audit.casefile_scored.v1")
class AuditCasefileScored(EventPayload):
    """A drawn case file scored item by item against the campaign's standard version."""

    campaign_id: str
    file_id: str
    case_id: str
    number: str
    bureau: str
    standard_version: int
    total: float
    max_total: float
    passed: bool
    vetoed: list[str]
    scored_by: str
    scored_at: datetime


@event_type("ecocomply.audit.casefile_failed.v1")
class AuditCasefileFailed(EventPayload):
    """A scored case file is 不合格 (a veto item not met, or under the pass mark): the case's flag carries rule
    ``casefile_review_failed``."""

    campaign_id: str
    file_id: str
    case_id: str
    number: str
    bureau: str
    total: float
    max_total: float
    vetoed: list[str]
    flag_id: str
    failed_at: datetime
@event_type("ecocomply.audit.complaint_filed.v1")
class AuditComplaintFiled(EventPayload):
    """投诉举报 received (工作要点（二十一）): about which bureau, which category, through which channel. Never who
    complained: the complainant's identity stays with the handling office."""

    complaint_id: str
    bureau: str
    category: str
    channel: Literal["public", "enterprise"]
    case_number: str | None = None
    received_at: datetime
    due_at: datetime | None = None


@event_type("ecocomply.audit.complaint_handled.v1")
class AuditComplaintHandled(EventPayload):
    """A step of a complaint's handling (accept, refuse, investigate, extend, conclude, answer) by the handling
    office; ``finding`` once concluded, ``flag_id`` when a substantiated complaint on a case raised a flag."""

    complaint_id: str
    bureau: str
    category: str
    action: Literal["accept", "refuse", "investigate", "extend", "conclude", "answer"]
    status: str
    actor: str
    at: datetime
    due_at: datetime | None = None
    finding: str | None = None
    case_id: str | None = None
    flag_id: str | None = None

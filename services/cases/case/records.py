"""The per-step records of a case (``Case.records``), typed: one model per step, ``CaseRecords`` holding
one optional field per step (a list where the step is repeated). Read with ``case_records(case)``, write
with ``save_records(case, recs)``: every write is validated, and the stored JSON keeps the keys the API
has always shown (``records.notice.hearing_right``, ``records.suspensions[0].from`` …), so the
``records`` field of a case read is unchanged. Migration 0006 brought the stored rows to this shape.

Dates are ``date``s; times are ``datetime``s stored as ``isoformat()`` (as they always were). A step's
shape is ``extra="forbid"`` where this service writes all of it; the parts copied from another service
(the discretion calculation, the credit notice) are kept as they came."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

if TYPE_CHECKING:
    from services.cases.models import Case

# A time as the service has always stored it (``datetime.isoformat()``: "+00:00", not pydantic's "Z"); aware,
# so that two steps' times always compare (第五十八条: the review after the hearing) and migration 0006 names
# a row whose time has no zone instead of a decision failing on it.
Stamp = Annotated[AwareDatetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")]
# A figure that came from elsewhere (an int stays an int, a float a float).
Num = int | float


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)


class LimitationRecord(Step):
    """追责时效 (第三十六条), checked at filing — or why not."""

    checked: bool
    basis: str
    runs_from: date | None = None
    years: int | None = None
    expires: date | None = None
    note: str | None = None


class ApprovalRecord(Step):
    """负责人批准延长立案期限 (第十八条)."""

    approved_by: str
    reason: str


class ExtensionRecord(Step):
    """办案期限延长 (第五十七条)."""

    kind: str
    approved_by: str
    reason: str
    by: str
    at: Stamp


class SuspensionRecord(Step):
    """中止/检测/评估/认定 (第三十五条): open while ``to`` is None."""

    kind: str
    reason: str
    approved_by: str
    from_: date = Field(alias="from")
    to: date | None = None
    by: str


class BasisArticle(Step):
    """One provision a notice states as its basis (第四十四条: 依据)."""

    law: str
    article: str
    clause: str | None = None
    role: str | None = None  # obligation (the violated provision) | penalty (the penalty article) | related
    violation: str | None = None  # the guidance item it came from, when the system filled it in


class NewFacts(Step):
    """What was established after the party's statement on an earlier notice (第四十五条): evidence added and
    facts changed since ``since`` (the statement's time)."""

    since: Stamp
    evidence: list[str] = Field(default_factory=list)
    changed: dict[str, Any] = Field(default_factory=dict)


class NoticeRecord(Step):
    """事先告知 (第四十四条): the intended penalty, and its facts, reasons and basis."""

    intended_type: str | None = None
    intended_fine: float | None = None
    penalty_kinds: list[str] = Field(default_factory=list)
    facts_and_reasons: str = ""
    facts: str = ""
    reasons: str = ""
    basis: list[BasisArticle] = Field(default_factory=list)
    basis_source: str | None = None  # "given" | "guidance_items" (filled in from the violations' items)
    new_facts: NewFacts | None = None  # a notice after the party's statement: what is new since
    on: date
    by: str
    hearing_right: bool
    hearing_right_basis: str
    number: str | None = None  # 文号 (the bureau's notice prefix, 〔year〕, 第n号); none on notices before issue 24


class StatementRecord(Step):
    """陈述、申辩 (第四十五条), or the explicit waiver (第六十二条)."""

    waived: bool = False
    content: str = ""
    by: str
    recorded_by: str
    at: Stamp


class HearingRecord(Step):
    """听证: requested (第六十四条第（一）项), scheduled with its time and place notified (（二）), and held —
    presided by a non-investigator (（四）), recorded (笔录, （八）) with the facts and the penalty at issue
    (第六十五条: the decision rests on the record)."""

    requested_on: date | None = None
    requested_via: str | None = None
    scheduled_at: Stamp | None = None
    place: str | None = None
    designated_presider: str | None = None
    notified_on: date | None = None
    earliest_lawful_day: date | None = None
    scheduled_by: str | None = None
    number: str | None = None  # 听证通知书文号 (the bureau's hearing_notice prefix), issued with the schedule
    held_on: date | None = None
    held_at: Stamp | None = None
    presided_by: str | None = None
    record: str | None = None
    party_statements: str | None = None
    signature: str | None = None  # "signed" | "refused"
    refusal_note: str | None = None
    at_issue: dict[str, Any] | None = None  # the notice's terms the hearing was held on
    facts: dict[str, Any] | None = None  # the case's facts when the hearing was held


class FactEntry(Step):
    """One step of the investigation that establishes facts: evidence added, or facts changed
    (``changed``: key → {from, to}). Read after a statement (第四十五条) and a hearing (第六十五条)."""

    kind: str  # "evidence" | "facts"
    at: Stamp
    by: str
    evidence: str | None = None
    changed: dict[str, Any] = Field(default_factory=dict)


class EarlierNotice(NoticeRecord):
    """A notice replaced by a later one (or voided by a returned review), with what the party did on it."""

    statement: StatementRecord | None = None
    hearing: HearingRecord | None = None


class LegalReviewRecord(Step):
    """法制审核 (第五十八条)."""

    opinion: str
    notes: str = ""
    by: str
    at: Stamp
    proposed_type: str | None = None
    proposed_fine: float | None = None
    proposed_ending: str | None = None  # an ending before a decision the review approves (第五十八条, our reading)
    proposed_change: str | None = None  # a change of the decision by the bureau the review approves


class OpinionRecord(Step):
    from_: str = Field(alias="from")
    content: str
    recorded_by: str
    at: Stamp


class CaseReviewRecord(Step):
    """一案一议 (试点方案 三（六）)."""

    analysis: str
    conclusion: str
    by: str
    at: Stamp


class Votes(Step):
    for_: int = Field(alias="for")
    against: int
    abstain: int


class DiscussionRecord(Step):
    """集体讨论 (第五十七条第二款)."""

    participants: list[str]
    conclusion: str
    votes: Votes
    minutes: str
    approved: bool
    recorded_by: str
    at: Stamp
    decision_type: str | None = None
    fine_amount: float | None = None


class ReasonRecord(Step):
    """撤销立案 (withdrawal)."""

    reason: str
    by: str
    at: Stamp


class TransferRecord(ReasonRecord):
    """移送."""

    to: str


class EndingRecord(ReasonRecord):
    """How the case ended before a decision (撤销立案, 违法事实不能成立, 终止, 移送), decided by a leader: the
    reason, who and when of every ending, with its kind."""

    kind: str
    state_before: str
    to: str | None = None
    legal_review_by: str | None = None
    legal_review_at: Stamp | None = None


class DecisionDocumentRecord(Step):
    body: str
    number: str
    issued_on: date
    text: str | None = None
    reference: str | None = None


class DecisionChangeRecord(Step):
    """One change of the decision (the decision itself, ``Case.decision``, is never overwritten)."""

    source: str
    outcome: str
    reason: str
    document: DecisionDocumentRecord
    fine_before: float | None = None
    fine_after: float | None = None
    kinds_before: list[str] | None = None  # the penalty kinds in force before and after the change
    kinds_after: list[str] | None = None
    revoked: bool = False
    reduces: bool = False
    by: str
    at: Stamp
    legal_review_by: str | None = None
    legal_review_at: Stamp | None = None  # the approving review this change used up (a bureau change)
    publication_withdrawn: bool = False
    # The bureau's corrected decision (a change it made itself): its 文号 and the 文号 it replaces (issue 24).
    document_number: str | None = None
    replaces: str | None = None


class EconomicImpactRecord(Step):
    """经济影响评估 (试点方案 三（八）), ``economic_impact.assess`` and who assessed it."""

    inputs: dict[str, Any]
    fine_amount: float | None = None
    fine_to_revenue: float | None = None
    fine_to_net_profit: float | None = None
    fine_per_employee: float | None = None
    credit_consequences: list[str] = Field(default_factory=list)
    other_consequences: list[str] = Field(default_factory=list)
    measures_to_reduce_impact: list[str] = Field(default_factory=list)
    thresholds: Any = None
    basis: str
    by: str
    at: Stamp


class DiscretionRecord(Step):
    """裁量: the checklist's calculation as it came (its own keys), and for which violation, by whom."""

    fine_min: Num | None = None
    fine_max: Num | None = None
    recommended: Num | None = None
    currency: str | None = None
    level: str | None = None
    factors: Any = None
    basis: Any = None
    rule_version: str | None = None
    rule_set: Any = None
    violation: Any = None
    statutory_min: Num | None = None
    statutory_max: Num | None = None
    settings: Any = None
    notes: Any = None
    violation_code: str
    by: str
    at: Stamp
    mitigation: str | None = None


class ServedDocument(Step):
    kind: str
    url: str
    title: str
    number: str | None = None  # its 文号, where the kind is numbered


class ServiceRecord(Step):
    """送达 — the documents served, with the credit service's notice for a penalty."""

    on: date
    at: Stamp
    by: str
    documents: list[ServedDocument]
    credit_notice: dict[str, Any] | None = None


class ExecutionRecord(Step):
    """执行 — the fine paid (``paid_at`` is the day paid)."""

    fine_paid: bool
    amount: float
    paid_at: date
    receipt: str = ""
    recorded_by: str


class ClosingRecord(Step):
    notes: str = ""
    by: str
    at: Stamp


class FollowUpOutcome(Step):
    relapse: bool
    notes: str
    by: str
    at: Stamp


class FollowUpRecord(Step):
    """跟踪管理 — one follow-up check; ``setting`` names the local setting when closing scheduled it."""

    due: date
    scheduled_by: str
    setting: str | None = None
    result: FollowUpOutcome | None = None


class RelapseRecord(Step):
    found_at: Stamp
    detail: str
    by: str


class CaseRecords(Step):
    """Every step's record of one case. Absent steps are None (or empty lists) and are not stored."""

    limitation: LimitationRecord | None = None
    filing_extension: ApprovalRecord | None = None
    handler_certificates: dict[str, str | None] | None = None
    # collectors of recorded evidence that does not count: not a certified handler of the case (第四十二条)
    uncounted_evidence: list[str] = Field(default_factory=list)
    extensions: list[ExtensionRecord] = Field(default_factory=list)
    suspensions: list[SuspensionRecord] = Field(default_factory=list)
    notice: NoticeRecord | None = None
    statement: StatementRecord | None = None
    hearing: HearingRecord | None = None
    earlier_notices: list[EarlierNotice] = Field(default_factory=list)
    fact_log: list[FactEntry] = Field(default_factory=list)
    reinvestigations: list[ReasonRecord] = Field(default_factory=list)
    legal_reviews: list[LegalReviewRecord] = Field(default_factory=list)
    opinions: list[OpinionRecord] = Field(default_factory=list)
    case_review: CaseReviewRecord | None = None
    collective_discussions: list[DiscussionRecord] = Field(default_factory=list)
    withdrawal: ReasonRecord | None = None
    transfer: TransferRecord | None = None
    ending: EndingRecord | None = None
    decision_changes: list[DecisionChangeRecord] = Field(default_factory=list)
    economic_impact: EconomicImpactRecord | None = None
    discretion: DiscretionRecord | None = None
    service: ServiceRecord | None = None
    execution: ExecutionRecord | None = None
    closing: ClosingRecord | None = None
    follow_ups: list[FollowUpRecord] = Field(default_factory=list)
    relapses: list[RelapseRecord] = Field(default_factory=list)
    overdue_emitted: list[str] = Field(default_factory=list)

    def stored(self) -> dict[str, Any]:
        """The JSON stored in ``Case.records``: the steps that happened (an empty list stays only when it
        was written or read as such)."""
        dumped = self.model_dump(mode="json", by_alias=True)
        return {k: v for k, v in dumped.items()
                if v is not None and (v != [] or k in self.model_fields_set)}

    # -- what the rules ask of the records ---------------------------------------------------------------
    def approved_review(self) -> LegalReviewRecord | None:
        """The latest legal review, when it approved (a later return voids earlier approvals)."""
        last = self.legal_reviews[-1] if self.legal_reviews else None
        return last if last is not None and last.opinion == "approve" else None

    def approved_discussion(self) -> DiscussionRecord | None:
        """The latest collective discussion, when it approved by majority (a later one that did not voids it)."""
        last = self.collective_discussions[-1] if self.collective_discussions else None
        return last if last is not None and last.approved else None

    def kinds_in_force(self, decision: dict | None) -> list[str]:
        """The penalty kinds now in force: those of the last change that stated them, else the decision's
        (none after a revocation)."""
        if self.decision_status() == "revoked":
            return []
        for c in reversed(self.decision_changes):
            if c.kinds_after is not None:
                return list(c.kinds_after)
        return list((decision or {}).get("penalty_kinds") or [])

    def decision_status(self) -> str:
        """in_force | changed | revoked — after the changes recorded on the decision."""
        if any(c.revoked for c in self.decision_changes):
            return "revoked"
        return "changed" if any(c.outcome == "changed" for c in self.decision_changes) else "in_force"

    def review_before_hearing(self) -> bool:
        """第五十八条第一款第（二）项: a hearing held after the approving review needs a new review."""
        review, held = self.approved_review(), self.hearing.held_at if self.hearing else None
        return bool(review and held and review.at < held)


def case_records(case: Case) -> CaseRecords:
    """The case's records, validated."""
    return CaseRecords.model_validate(case.records or {})


def save_records(case: Case, recs: CaseRecords) -> None:
    """Store ``recs`` on the case (a new dict, so the JSON column is written)."""
    case.records = recs.stored()


@contextmanager
def edit_records(case: Case) -> Iterator[CaseRecords]:
    """``with edit_records(case) as recs: recs.notice = NoticeRecord(...)`` — read, change, store."""
    recs = case_records(case)
    yield recs
    save_records(case, recs)

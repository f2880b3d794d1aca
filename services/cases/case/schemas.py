"""Request and response models of the cases API (API.md "cases"). Never the ORM object out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from shared import contracts, fields, vocabulary

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
FactValue = bool | int | float | fields.Text | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnterpriseCreate(Strict):
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=40)]
    name: Text200
    bureau: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    industry: Text200
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None


class EnterpriseRead(BaseModel):
    uscc: str
    name: str
    bureau: str
    industry: str
    address: str | None
    created_at: datetime


class ViolationRef(Strict):
    """A violation of the case (a guidance item's code) with the dates of the act (违法行为) it names: the
    limitation (第三十六条) and the law in force (第三十七条) run from them, and one act is fined once (第二十九条)."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    occurred_on: date | None = Field(default=None, description="违法行为发生之日; default: the case's occurred_on")
    ended_on: date | None = Field(default=None, description="连续或者继续状态终了之日; default: the case's ended_on")
    act: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = Field(
        default=None, description="a label of the act: violations with the same label are ONE act violating several "
                                  "articles, fined by the article with the highest maximum (第二十九条); they must have "
                                  "the same dates. Without a label each violation is an act of its own (fines summed)")


class ActDates(Strict):
    """The investigation's finding on the dates of one violation's act (sets or corrects the filing's)."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = Field(
        description="a violation code of the case")
    occurred_on: date = Field(description="违法行为发生之日 (第三十六条、第三十七条)")
    ended_on: date | None = Field(default=None, description="连续或者继续状态终了之日 (null: a single act, or none recorded)")
    act: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = Field(
        default=None, description="the act's label (see CaseCreate.violations[].act); null: an act of its own")


class Approval(Strict):
    """An approval by the bureau's head (负责人批准) with its reason."""

    approved_by: Text200
    reason: LongText


class CaseCreate(Strict):
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=40)]
    bureau: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    source: Text200
    summary: LongText
    violations: list[ViolationRef] = Field(min_length=1, max_length=20)
    handlers: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]]
    facts: dict[fields.Code, FactValue] = Field(default_factory=dict)
    clue_received_on: date | None = Field(default=None, description="线索受理日: the filing time limit runs from it")
    filing_extension: Approval | None = Field(default=None, description="负责人批准延长立案期限十五日")
    occurred_on: date | None = Field(default=None, description="违法行为发生之日 (第三十六条 limitation): the default "
                                     "for every violation that gives none of its own")
    ended_on: date | None = Field(default=None, description="违法行为连续或者继续状态终了之日: the default for every violation "
                                  "that gives none of its own")


class OfficerCreate(Strict):
    sub: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    name: Text200
    bureau: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    cert_no: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=60)]
    active: bool = True


class OfficerRead(BaseModel):
    sub: str
    name: str
    bureau: str
    cert_no: str | None
    active: bool
    registered_via: str
    updated_at: datetime


class DueDate(BaseModel):
    date: date
    provisional: bool
    basis: str
    done: bool = False
    working_days: bool = False
    verified: bool = True
    local_setting: bool = False
    suspended: bool = False


class TimelineRead(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class CaseRead(BaseModel):
    id: str
    number: str
    uscc: str
    bureau: str
    state: str
    source: str
    summary: str
    handlers: list[str]
    violations: list[dict[str, Any]]
    facts: dict[str, Any]
    steps: list[str]
    decision: dict[str, Any] | None
    due: dict[str, DueDate]
    overdue: bool
    overdue_deadlines: list[str] = Field(default_factory=list)
    allowed_actions: list[str]
    filed_at: datetime
    clue_received_on: date | None = None
    rectification: dict[str, Any] | None = None
    execution: dict[str, Any] = Field(default_factory=dict)
    records: dict[str, Any] = Field(default_factory=dict)
    timeline: list[TimelineRead] = Field(default_factory=list)


class CaseSummary(BaseModel):
    id: str
    number: str
    uscc: str
    bureau: str
    state: str
    decision_type: str | None
    filed_at: datetime
    decided_at: datetime | None
    overdue: bool
    next_due: date | None = None
    due_provisional: bool = False


class CaseList(BaseModel):
    items: list[CaseSummary]
    total: int
    next: str | None = Field(default=None, description="cursor of the next page (pass as `cursor`); null on the last")


class EvidenceCreate(Strict):
    kind: Text200
    description: LongText
    collected_by: Text200


class InvestigationComplete(Strict):
    facts: dict[fields.Code, FactValue] = Field(default_factory=dict)
    violations: list[ActDates] | None = Field(
        default=None, max_length=20,
        description="the act dates the investigation found, per violation code of the case (sets or corrects the "
                    "filing's; violations not named keep theirs). A decision needs every violation's occurred_on "
                    "(第三十六条、第三十七条)")


# Derived from ``shared.vocabulary`` (in its order): every decision type, those that impose a penalty, the light ones.
DecisionTypeName = contracts.DecisionType
PenaltyTypeName = Literal[tuple(t.value for t in vocabulary.DecisionType if t in vocabulary.PENALTIES)]  # type: ignore[valid-type]
LightPenaltyName = Literal[tuple(t.value for t in vocabulary.DecisionType if t in vocabulary.LIGHT_PENALTIES)]  # type: ignore[valid-type]
# A collective discussion's conclusion may be given as the decision type itself, in English or Chinese.
CONCLUSION_TYPES: dict[str, str] = {
    **{t.value: t.value for t in vocabulary.DecisionType},
    "行政处罚": "penalty", "不予行政处罚": "no_penalty", "不予处罚": "no_penalty", "从轻处罚": "lighter",
    "减轻处罚": "mitigated", "从重处罚": "heavier",
}


class LegalReview(Strict):
    """法制审核 (第五十八条). An approval names the proposed decision it approves (type, and the fine where
    there is one); the decision is then bound to it, or goes back through review."""

    opinion: Literal["approve", "return"]
    notes: Annotated[str, StringConstraints(max_length=20000)] = ""
    proposed_type: DecisionTypeName | None = Field(default=None, description="the decision type the review approves")
    proposed_fine: float | None = Field(default=None, ge=0, le=1e10, description="the fine (yuan) the review approves")

    @model_validator(mode="after")
    def _proposal_with_approval(self) -> LegalReview:
        if self.opinion == "return" and (self.proposed_type or self.proposed_fine is not None):
            raise ValueError("a returned review approves no proposal (proposed_type/proposed_fine)")
        if self.proposed_fine and self.proposed_type == "no_penalty":
            raise ValueError("an exemption (no_penalty) carries no fine")
        return self


class OpinionCreate(Strict):
    from_: Text200 = Field(alias="from")
    content: LongText

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Votes(Strict):
    for_: int = Field(alias="for", ge=0)
    against: int = Field(ge=0)
    abstain: int = Field(ge=0)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CollectiveDiscussion(Strict):
    participants: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]] = Field(
        min_length=1
    )
    conclusion: LongText
    votes: Votes
    minutes: LongText
    decision_type: DecisionTypeName | None = Field(
        default=None, description="the decision type concluded by majority; may also be given as the conclusion "
        "itself (e.g. \"no_penalty\" or \"不予行政处罚\"). An exemption or light penalty needs one")
    fine_amount: float | None = Field(default=None, ge=0, le=1e10, description="the fine (yuan) concluded, if any")

    def concluded_type(self) -> str | None:
        return self.decision_type or CONCLUSION_TYPES.get(self.conclusion.strip())

    @field_validator("participants")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("participants must be distinct")
        return v


class Measure(Strict):
    kind: Literal["correct_violation", "eliminate_consequences", "prevention_system", "damage_compensation"]
    description: LongText
    due: date


class RectificationPlan(Strict):
    measures: list[Measure] = Field(min_length=1, max_length=50)


class RectificationAssessment(Strict):
    passed: bool
    notes: Annotated[str, StringConstraints(max_length=20000)] = ""


class DecisionBasis(Strict):
    no_penalty_item: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    law_article: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None


PenaltyKind = Literal["warning", "fine", "confiscation", "suspend_production", "revoke_permit", "restrict_practice",
                      "detention_transfer", "other"]


class DecisionCreate(Strict):
    type: DecisionTypeName
    basis: DecisionBasis = Field(default_factory=DecisionBasis)
    fine_amount: float | None = Field(default=None, ge=0, le=1e10)
    reason: Annotated[str, StringConstraints(max_length=20000)] | None = None
    penalty_kinds: list[PenaltyKind] | None = None


class NoticeCreate(Strict):
    """事先告知 — the intended penalty (第四十四条: 拟作出的行政处罚内容及事实、理由、依据)."""

    intended_type: PenaltyTypeName | None = None
    intended_fine: float | None = Field(default=None, ge=0, le=1e10)
    penalty_kinds: list[PenaltyKind] = Field(default_factory=list)
    facts_and_reasons: Annotated[str, StringConstraints(max_length=20000)] = ""


class StatementCreate(Strict):
    """陈述、申辩 (第四十五条) — or the party's explicit waiver of its rights (第六十二条)."""

    waived: bool = False
    content: Annotated[str, StringConstraints(max_length=20000)] = ""
    by: Text200


class HearingRecord(Strict):
    presided_by: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    record: LongText


class ExtensionCreate(Strict):
    kind: Literal["head_approval", "collective_discussion"]
    approved_by: Text200
    reason: LongText


class SuspensionCreate(Strict):
    kind: Literal["suspension", "testing", "assessment", "determination"]
    reason: LongText
    approved_by: Text200


class CaseReviewCreate(Strict):
    """一案一议 — the case-by-case analysis for an exemption outside the list."""

    analysis: LongText
    conclusion: LongText


class DiscretionRequest(Strict):
    violation_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None = None
    mitigation: LightPenaltyName | None = None


class CloseCreate(Strict):
    notes: Annotated[str, StringConstraints(max_length=20000)] = ""


class WithdrawCreate(Strict):
    reason: LongText


class TransferCreate(Strict):
    to: Text200
    reason: LongText


class FollowUpCreate(Strict):
    due: date


class FollowUpResult(Strict):
    relapse: bool
    notes: LongText


class PaymentCreate(Strict):
    amount: float = Field(gt=0, le=1e10)
    paid_on: date | None = None
    receipt: Annotated[str, StringConstraints(max_length=200)] = ""


class EconomicImpactCreate(Strict):
    """涉企行政执法案件经济影响评估 — the case's effect on the enterprise, as a structured record."""

    annual_revenue: float = Field(ge=0, le=1e13)
    employees: int = Field(ge=0, le=10_000_000)
    net_profit: float | None = Field(default=None, ge=-1e13, le=1e13)
    credit_consequences: list[Text200] = Field(default_factory=list)
    other_consequences: list[Text200] = Field(default_factory=list)
    measures_to_reduce_impact: list[Text200] = Field(default_factory=list)
    notes: Annotated[str, StringConstraints(max_length=20000)] = ""


class Requirement(Strict):
    text: LongText
    due: date


class AdviceLetterCreate(Strict):
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=40)]
    findings: list[LongText] = Field(min_length=1, max_length=50)
    requirements: list[Requirement | LongText] = Field(min_length=1, max_length=50)
    due: date
    case_id: fields.Code | None = None
    basis: list[Text200] = Field(default_factory=list)


class AdviceFeedback(Strict):
    content: LongText
    completed: bool = False


class AdviceLetterRead(BaseModel):
    id: str
    number: str
    uscc: str
    bureau: str
    case_id: str | None
    findings: list[str]
    requirements: list[dict[str, Any]]
    due: date
    basis: list[str]
    issued_by: str
    issued_at: datetime
    feedback: list[dict[str, Any]]
    status: str
    overdue: bool = False


class CalendarYearCreate(Strict):
    year: int = Field(ge=2000, le=2100)
    source: Text200
    holidays: list[dict[str, Any]] = Field(min_length=1, max_length=366)
    workdays: list[date] = Field(default_factory=list, max_length=366)


class CalendarYearRead(BaseModel):
    year: int
    version: int
    source: str
    holidays: dict[str, str]
    workdays: list[str]
    loaded_by: str
    loaded_at: datetime
    recomputed_cases: int | None = None


class ServiceRead(BaseModel):
    documents: list[dict[str, str]]
    case: CaseRead

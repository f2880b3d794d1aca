"""Request and response models of the cases API (API.md "cases"). Never the ORM object out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from services.cases.damage.schemas import DamageRead
from shared import contracts, fields, vocabulary

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
FactValue = bool | int | float | fields.Text | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


LegalRepresentative = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class EnterpriseCreate(Strict):
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=40)]
    name: Text200
    bureau: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    industry: Text200
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    legal_representative: LegalRepresentative | None = Field(
        default=None, description="法定代表人 — printed in every document's party block (《行政处罚法》第五十九条第（一）项)")


class EnterpriseUpdate(Strict):
    """The enterprise's particulars the documents print (a field left out is kept as it is)."""

    name: Text200 | None = None
    industry: Text200 | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None
    legal_representative: LegalRepresentative | None = Field(default=None, description="法定代表人")


class EnterpriseRead(BaseModel):
    uscc: str
    name: str
    bureau: str
    industry: str
    address: str | None
    legal_representative: str | None = None
    created_at: datetime


class ViolationRef(Strict):
    """A violation of the case (a guidance item's code) with the dates of the act (违法行为) it names: the
    limitation (第三十六条) and the law in force (第三十七条) run from them, and one act is fined once (第二十九条)."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    occurred_on: fields.Day | None = Field(default=None, description="违法行为发生之日; default: the case's occurred_on")
    ended_on: fields.Day | None = Field(default=None, description="连续或者继续状态终了之日; default: the case's ended_on")
    act: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = Field(
        default=None, description="a label of the act: violations with the same label are ONE act violating several "
                                  "articles, fined by the article with the highest maximum (第二十九条); they must have "
                                  "the same dates. Without a label each violation is an act of its own (fines summed)")


class ActDates(Strict):
    """The investigation's finding on the dates of one violation's act (sets or corrects the filing's)."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = Field(
        description="a violation code of the case")
    occurred_on: fields.Day = Field(description="违法行为发生之日 (第三十六条、第三十七条)")
    ended_on: fields.Day | None = Field(default=None, description="连续或者继续状态终了之日 (null: a single act, or none recorded)")
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
    clue_received_on: fields.Day | None = Field(default=None, description="线索受理日: the filing time limit runs from it")
    filing_extension: Approval | None = Field(default=None, description="负责人批准延长立案期限十五日")
    occurred_on: fields.Day | None = Field(default=None, description="违法行为发生之日 (第三十六条 limitation): the default "
                                     "for every violation that gives none of its own")
    ended_on: fields.Day | None = Field(default=None, description="违法行为连续或者继续状态终了之日: the default for every violation "
                                  "that gives none of its own")


class OfficerCreate(Strict):
    sub: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    name: Text200
    bureau: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    cert_no: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=60)]
    active: bool = True
    position: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None = Field(
        default=None, description="职务, e.g. 局长、副局长、执法大队队长")
    leader: bool = Field(default=False, description=(
        "行政机关负责人: may sit in the collective discussion of the bureau's cases (《行政处罚法》第五十七条第二款); "
        "a token with the leader role is remembered as one"))


class OfficerRead(BaseModel):
    sub: str
    name: str
    bureau: str
    cert_no: str | None
    active: bool
    position: str | None = None
    leader: bool = False
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
    execution: dict[str, Any] = Field(default_factory=dict, description=(
        "fine_paid, paid_at, amount; fine_due: the fine now due and penalty_kinds: the kinds now in force "
        "(after any change of the decision)"))
    records: dict[str, Any] = Field(default_factory=dict)
    timeline: list[TimelineRead] = Field(default_factory=list)
    ending: dict[str, Any] | None = Field(default=None, description=(
        "how the case ended before a decision: kind (withdrawn 撤销立案 | facts_not_established 违法事实不能成立 | "
        "terminated 终止 | transferred 移送), reason, by (the leader), legal_review_by/at, to (transfers)"))
    decision_status: Literal["none", "in_force", "changed", "revoked"] = Field(default="none", description=(
        "the decision after the changes recorded on it (POST …/decision/change): revoked = 撤销/确认违法/责令重作 "
        "(第四十八条第二款: publicity withdrawn, execution stopped); the original decision stays in ``decision``"))
    decision_changes: list[dict[str, Any]] = Field(default_factory=list, description=(
        "every change of the decision, oldest first (source, outcome, document, fine_before/after, "
        "kinds_before/after: the penalty kinds in force before and after it, revoked, reduces)"))
    damage: DamageRead | None = Field(default=None, description=(
        "一案双查 (issue 27): the ecological-damage compensation matter linked to the case, if one is open "
        "(GET/POST …/damage)"))


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
    outcome: str | None = Field(default=None, description=(
        "with ``ended=true``: how the penalty was ended or reduced — the ending kind (withdrawn, "
        "facts_not_established, terminated, transferred) or the change (changed, revoked, confirmed_illegal, redo)"))
    outcome_at: datetime | None = Field(default=None, description="with ``ended=true``: when it was ended or changed")


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
    proposed_fine: fields.Amount | None = Field(default=None, ge=0, le=1e10, description="the fine (yuan) the review approves")
    proposed_ending: Literal["withdrawn", "facts_not_established", "terminated"] | None = Field(
        default=None, description="an ending without a decision the review approves (撤销立案, 违法事实不能成立, 终止)")
    proposed_change: Literal["changed", "revoked"] | None = Field(
        default=None, description="after the decision: the bureau's own change (变更) or revocation (撤销) the review approves")

    @model_validator(mode="after")
    def _proposal_with_approval(self) -> LegalReview:
        if self.opinion == "return" and (self.proposed_type or self.proposed_fine is not None
                                         or self.proposed_ending or self.proposed_change):
            raise ValueError("a returned review approves no proposal (proposed_type/proposed_fine/proposed_ending/"
                             "proposed_change)")
        if sum(x is not None for x in (self.proposed_type, self.proposed_ending, self.proposed_change)) > 1:
            raise ValueError("a review approves one proposal: a decision type, an ending or a change")
        if self.proposed_fine and self.proposed_type == "no_penalty":
            raise ValueError("an exemption (no_penalty) carries no fine")
        return self


class OpinionCreate(Strict):
    from_: Text200 = Field(alias="from")
    content: LongText

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Votes(Strict):
    for_: fields.Int32 = Field(alias="for", ge=0)
    against: fields.Int32 = Field(ge=0)
    abstain: fields.Int32 = Field(ge=0)

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
    fine_amount: fields.Amount | None = Field(default=None, ge=0, le=1e10, description="the fine (yuan) concluded, if any")

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
    due: fields.Day


class RectificationPlan(Strict):
    measures: list[Measure] = Field(min_length=1, max_length=50)


class RectificationAssessment(Strict):
    passed: bool
    notes: Annotated[str, StringConstraints(max_length=20000)] = ""


class DecisionBasis(Strict):
    no_penalty_item: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    law_article: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None


# 处罚种类 (《行政处罚法》第九条; Chinese labels: publication.rules.PENALTY_KIND_CN): suspend_production 责令停产停业,
# suspend_for_rectification 责令停产整治 (《环境保护法》第六十条), close_down 责令关闭, revoke_permit 吊销许可证件.
PenaltyKind = Literal["warning", "fine", "confiscation", "suspend_production", "suspend_for_rectification", "close_down",
                      "revoke_permit", "restrict_practice", "detention_transfer", "other"]


class DecisionCreate(Strict):
    type: DecisionTypeName
    basis: DecisionBasis = Field(default_factory=DecisionBasis)
    fine_amount: fields.Amount | None = Field(default=None, ge=0, le=1e10)
    reason: Annotated[str, StringConstraints(max_length=20000)] | None = None
    penalty_kinds: list[PenaltyKind] | None = None
    correction_order: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)] | None = (
        Field(default=None, description="责令改正 — what the party is ordered to correct and by when (《行政处罚法》第二十八条"
                                        "第一款), printed in the decision document"))
    suspension_period: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)] | None = (
        Field(default=None, description="the period of 责令停产整治 / 责令停产停业 (penalty_kinds suspend_for_rectification, "
                                        "suspend_production), printed under 履行方式和期限 (《行政处罚法》第五十九条第（四）项); "
                                        "without it the document says the party performs as decided and reports"))
    compensation_reduction: fields.Amount | None = Field(default=None, ge=0, le=1e10, description=(
        "一案双查 (issue 27): the part of a lighter/mitigated fine the decision reduces on account of ecological-damage "
        "compensation (以生态环境损害赔偿为由从轻、减轻的数额，元). Lawful in itself — 管理规定第十一条 (as quoted, unverified): "
        "积极履行赔偿责任的依法作为从轻、减轻情节; 《行政处罚法》第三十二条第（一）项 — but the light penalty still needs its "
        "own 第三十二条 ground or a passed rectification (the decision gate). Recorded and sent to the audit, whose local "
        "rule compensation_in_lieu_of_penalty (以赔代罚) flags a reduction above the compensation actually paid"))


class BasisArticleIn(Strict):
    """One provision the notice states as its basis."""

    law: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)] = Field(
        description="the law's name, with or without 《》 and the 中华人民共和国 prefix")
    article: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=30)] = Field(
        description="the article as the law numbers it, e.g. 第八十三条")
    clause: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    role: Literal["obligation", "penalty", "related"] | None = Field(
        default=None, description="obligation: the violated provision; penalty: the penalty article")


class NoticeCreate(Strict):
    """事先告知 — the intended penalty (第四十四条: 拟作出的行政处罚内容及事实、理由、依据)."""

    intended_type: PenaltyTypeName | None = None
    intended_fine: fields.Amount | None = Field(default=None, ge=0, le=1e10)
    penalty_kinds: list[PenaltyKind] = Field(default_factory=list)
    facts_and_reasons: Annotated[str, StringConstraints(max_length=20000)] = ""
    facts: Annotated[str, StringConstraints(max_length=20000)] = Field(
        default="", description="事实 — the facts found; omitted: facts_and_reasons, else the case's summary and its "
                                "established facts")
    reasons: Annotated[str, StringConstraints(max_length=20000)] = Field(
        default="", description="理由 — why this penalty; omitted: facts_and_reasons, else a statement built from the "
                                "basis and the intended penalty")
    basis: list[BasisArticleIn] | None = Field(
        default=None, max_length=50,
        description="依据 — the violated provisions and the penalty articles. It must name at least one penalty article "
                    "of each violation (rule notice_states_basis, 第四十四条); omitted: the obligation and penalty "
                    "articles of each violation's guidance item are stated (shown as records.notice.basis)")


class StatementCreate(Strict):
    """陈述、申辩 (第四十五条) — or the party's explicit waiver of its rights (第六十二条)."""

    waived: bool = False
    content: Annotated[str, StringConstraints(max_length=20000)] = ""
    by: Text200


class HearingSchedule(Strict):
    """听证通知 (第六十四条第（二）项): the time and place, notified to the party at least seven working days
    (第八十五条) before the hearing; the presider designated (（四）: not an investigator of the case)."""

    at: fields.Instant = Field(description="when the hearing is held (with its time zone)")
    place: Text200 = Field(description="where the hearing is held")
    presided_by: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="the designated presider: not a handler of the case")
    notified_on: fields.Day | None = Field(
        default=None, description="the day the party was notified of the time and place (default: today); not later "
                                  "than today")

    @field_validator("at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("give the time with its time zone, e.g. 2026-07-20T09:30:00+08:00")
        if not 2000 <= v.year <= 2200:
            raise ValueError("the hearing's time must lie between the years 2000 and 2200")
        return v


class HearingRecord(Strict):
    """听证 held (第六十四条第（七）、（八）项): the record (笔录) with the party's statements, and whether the
    party checked and signed it — or refused, noted by the presider. Missing parts are refused with rule
    hearing_record_required."""

    presided_by: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = Field(
        default=None, description="who presided (default: the designated presider); not a handler of the case")
    record: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)] = Field(
        default="", description="笔录 — the record of the hearing")
    party_statements: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)] = Field(
        default="", description="the party's statements, defence and cross-examination (申辩和质证) at the hearing")
    signature: Literal["signed", "refused"] | None = Field(
        default=None, description="signed: the party (or its agent) checked and signed or sealed the record; "
                                  "refused: it refused, and the presider notes so (refusal_note)")
    refusal_note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = Field(
        default="", description="the presider's note of the refusal to sign (required when signature is refused)")


class ReinvestigateCreate(Strict):
    """复核 / 重新调查 (第四十五条): back to investigation; the review, the discussion and the notice (with the
    party's statement and hearing) no longer count."""

    reason: LongText


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
    """撤销立案, 违法事实不能成立 or 终止 — a leader's decision (第五十七条); after the investigation it needs an
    approving legal review of this ending (POST …/legal-review with proposed_ending)."""

    reason: LongText
    kind: Literal["withdrawn", "facts_not_established", "terminated"] = Field(default="withdrawn", description=(
        "withdrawn: 撤销立案; facts_not_established: 违法事实不能成立（第五十七条第一款第（三）项）; terminated: 终止 "
        "(e.g. the party dissolved; our reading)"))


class TransferCreate(Strict):
    """移送 — a leader's decision (第五十七条第一款第（四）项; 第二十七条)."""

    to: Text200
    reason: LongText


class DecisionDocumentIn(Strict):
    body: Text200 = Field(description="the body whose document it is: the bureau, the 复议机关 or the court")
    number: Text200 = Field(description="the document number (文号 / 案号)")
    issued_on: fields.Day = Field(description="the document's date")
    text: LongText | None = Field(default=None, description="the document text (or give reference)")
    reference: Text200 | None = Field(default=None, description="where the document is kept (or give text)")

    @model_validator(mode="after")
    def _text_or_reference(self) -> DecisionDocumentIn:
        if not self.text and not self.reference:
            raise ValueError("give the document's text or a reference to it")
        return self


class DecisionChangeCreate(Strict):
    """A change after the decision: 变更/撤销 by the bureau itself (自行纠错, after legal review approving it), or
    the outcome of 行政复议/行政诉讼 (维持 upheld, 变更 changed, 撤销 revoked, 确认违法 confirmed_illegal, 责令重作 redo)
    recorded with the body's decision document. A leader who is not a handler records it."""

    source: Literal["bureau", "reconsideration", "litigation"] = Field(
        description="bureau: 自行纠错; reconsideration: 行政复议决定; litigation: 人民法院判决")
    outcome: Literal["upheld", "changed", "revoked", "confirmed_illegal", "redo"] = Field(
        description="upheld 维持 | changed 变更 | revoked 撤销 | confirmed_illegal 确认违法 | redo 撤销并责令重作")
    fine_amount: fields.Amount | None = Field(default=None, ge=0, le=1e10,
                                      description="the fine after a change (outcome changed); omit otherwise. "
                                                  "Never above the fine now due (change_never_heavier)")
    penalty_kinds: list[PenaltyKind] | None = Field(default=None, description=(
        "the penalty kinds after a change (outcome changed); omit to keep those in force (less 'fine' when "
        "fine_amount is 0). Never a kind not in force (change_never_heavier); dropping one is a reduction"))
    reason: LongText
    document: DecisionDocumentIn

    @model_validator(mode="after")
    def _fine_with_change(self) -> DecisionChangeCreate:
        if self.outcome == "changed" and self.fine_amount is None:
            raise ValueError("a change (outcome changed) states the fine after it (fine_amount)")
        if self.outcome != "changed" and self.fine_amount is not None:
            raise ValueError("only a change (outcome changed) states a new fine")
        if self.penalty_kinds is not None:
            if self.outcome != "changed":
                raise ValueError("only a change (outcome changed) states the penalty kinds after it (penalty_kinds)")
            if self.fine_amount and "fine" not in self.penalty_kinds:
                raise ValueError("penalty_kinds: a fine after the change (fine_amount) is the kind 'fine'")
            if not self.fine_amount and "fine" in self.penalty_kinds:
                raise ValueError("penalty_kinds: the kind 'fine' needs a fine after the change (fine_amount above 0)")
        return self


class FollowUpCreate(Strict):
    due: fields.Day


class FollowUpResult(Strict):
    relapse: bool
    notes: LongText


class PaymentCreate(Strict):
    amount: fields.Amount = Field(gt=0, le=1e10)
    paid_on: fields.Day | None = None
    receipt: Annotated[str, StringConstraints(max_length=200)] = ""


class EconomicImpactCreate(Strict):
    """涉企行政执法案件经济影响评估 — the case's effect on the enterprise, as a structured record."""

    annual_revenue: fields.Amount = Field(ge=0, le=1e13)
    employees: fields.Int32 = Field(ge=0, le=10_000_000)
    net_profit: fields.Amount | None = Field(default=None, ge=-1e13, le=1e13)
    credit_consequences: list[Text200] = Field(default_factory=list)
    other_consequences: list[Text200] = Field(default_factory=list)
    measures_to_reduce_impact: list[Text200] = Field(default_factory=list)
    notes: Annotated[str, StringConstraints(max_length=20000)] = ""


class Requirement(Strict):
    text: LongText
    due: fields.Day


class AdviceLetterCreate(Strict):
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=40)]
    findings: list[LongText] = Field(min_length=1, max_length=50)
    requirements: list[Requirement | LongText] = Field(min_length=1, max_length=50)
    due: fields.Day
    case_id: fields.Code | None = None
    basis: list[Text200] = Field(default_factory=list)


class AdviceFeedback(Strict):
    content: LongText
    completed: bool = False


class AdviceLetterRead(BaseModel):
    id: str
    number: str
    document_number: str | None = Field(default=None, description="文号 (the bureau's compliance_advice prefix), e.g. "
                                                                   "吴环合规字〔2026〕第1号; none on letters issued before the registry")
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
    year: fields.Int32 = Field(ge=2000, le=2100)
    source: Text200
    holidays: list[dict[str, Any]] = Field(min_length=1, max_length=366)
    workdays: list[fields.Day] = Field(default_factory=list, max_length=366)


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


class GateRefusalRead(BaseModel):
    """A decision, ending or change of a decision that the decision gate refused (the case was left unchanged)."""

    id: str
    case_id: str
    number: str
    bureau: str
    uscc: str
    state: str = Field(description="the case's state when the attempt was refused")
    at: datetime = Field(description="when it was refused (the service's clock)")
    attempted_by: str = Field(description="the login id (sub) of who attempted it; the officers register names them")
    action: contracts.GateAction
    decision_type: DecisionTypeName | None = None
    fine_amount: float | None = None
    penalty_kinds: list[str] = Field(default_factory=list)
    ending_kind: str | None = None
    change_source: str | None = None
    change_outcome: str | None = None
    rule_code: str = Field(description="the gate rule that refused it (workflow.rules)")
    article: str = Field(description="the article (or document) the rule rests on")
    rule: str = Field(description="the rule's citation as the refusal carried it")
    detail: str


class GateRefusalList(BaseModel):
    items: list[GateRefusalRead]
    total: int

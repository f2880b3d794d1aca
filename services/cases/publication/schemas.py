"""Request and response models of 处罚决定公开: the bureau's view (``/cases/v1/cases/{id}/publication``) and
the public one (``/cases/v1/public/decisions``), each listing exactly what it shows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def _utc(v: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone columns: they were written in UTC."""
    return v.replace(tzinfo=UTC) if v is not None and v.tzinfo is None else v


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]


class PublicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="why the decision is published: the bureau's criterion for "
                           "“具有一定社会影响” (《行政处罚法》第四十八条 does not define it), recorded per decision")
    public_summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)] | None = (
        Field(default=None, description="违法事实 as it should be published; default: the case summary. Personal "
                                        "data patterns are removed from either"))
    redact: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50,
        description="further strings to remove, e.g. names of natural persons other than the party that the case "
                    "does not record (the legal representative and whoever made a statement are removed anyway)")


class WithdrawalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grounds: Literal["changed", "revoked", "confirmed_illegal", "confirmed_invalid"] = Field(
        description="变更 / 撤销 / 确认违法 / 确认无效 (《行政处罚法》第四十八条第二款)")
    reason: Reason = Field(description="the reasons, published in the decision's place (公开说明理由)")


class CreditStateRead(BaseModel):
    record_id: str
    published: bool
    status: str
    publicity_max_until: date | None


class PublicationRead(BaseModel):
    """The bureau's view: the published text, why it was published, its state and what ends it."""

    id: str
    case_id: str
    number: str
    bureau: str
    status: Literal["published", "withdrawn"]
    visible: bool = Field(description="shown on the public page today")
    not_visible_because: str | None = Field(
        description="legal_change | credit_repaired | publicity_expired | retention_ended")
    reason: str
    content: dict[str, Any]
    redactions: list[dict[str, Any]]
    publish_until: date = Field(description="end of website publication (a local setting)")
    published_by: str
    published_at: UtcDatetime
    credit: CreditStateRead | None
    withdrawn_at: UtcDatetime | None = None
    withdrawn_by: str | None = None
    withdrawal_kind: str | None = None
    withdrawal_reason: str | None = None
    withdrawal_rule: str | None = None
    rules: list[dict[str, Any]] = Field(description="the rules publication and redaction follow")
    public_url: str


class RemovedPart(BaseModel):
    """One part of the facts the publication removes — where it is, never what it says."""

    kind: Literal["id_number", "mobile", "landline", "bank_account", "email", "address", "licence_plate",
                  "recorded_name", "name_in_context", "named_by_officer"]
    label: str = Field(description="what it is, in Chinese (e.g. 电话号码)")
    start: int = Field(description="where it begins in source_facts (a character offset)")
    end: int = Field(description="where it ends in source_facts (exclusive)")
    public_start: int = Field(description="where its placeholder begins in content.violation_facts")
    public_end: int = Field(description="where its placeholder ends in content.violation_facts (exclusive)")


class PublicationPreview(BaseModel):
    """What marking the decision would publish (nothing is written): the public text, and each part of the
    facts removed, placed in both texts so that a page can highlight it."""

    case_id: str
    number: str
    content: dict[str, Any] = Field(description="the public text exactly as it would be published")
    redactions: list[dict[str, Any]] = Field(description="what was removed, counted per kind, with its basis")
    source_facts: str = Field(description="the facts before removal (public_summary, or the case summary)")
    removed: list[RemovedPart]
    publish_until: date
    already_marked: bool = Field(description="the decision is marked already (marking again answers 409)")
    rules: list[dict[str, Any]]


class ViolationRef(BaseModel):
    code: str
    title: str | None = None


class PublicDecision(BaseModel):
    """A published penalty decision (处罚决定公开), redacted: the 双公示 data items only."""

    id: str
    decision_number: str
    party_category: str
    party_name: str
    party_uscc: str | None
    legal_representative: str | None = Field(
        default=None, description="法定代表人 of a legal person (双公示 CF_FRDB); never a 个体工商户's operator")
    violation_type: list[ViolationRef]
    violation_facts: str
    penalty_legal_basis: list[str]
    penalty_categories: list[str]
    penalty_content: str
    fine_amount_wan_yuan: float | None
    decision_date: date
    deciding_authority: str
    publicity_end_date: date | None = Field(description="信用公示截止期: the credit record's maximum publicity period")
    published_on: date
    basis: str


class PublicDecisionList(BaseModel):
    items: list[PublicDecision]
    total: int
    basis: str
    note: str
    next: str | None = Field(default=None, description="cursor of the next page (pass as `cursor`); null on the last")

"""Cases service tables: enterprises, officers, cases with their timeline and evidence, per-bureau case
counters, the holiday calendar (by year and version), compliance advice letters and the generations of the
reference data cached from the checklist service."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime
from shared.outbox import OutboxTables, SeqType
from shared.webhooks.tables import WebhookTables


class Base(DeclarativeBase):
    pass


class Enterprise(Base):
    """企业 — identified by its 统一社会信用代码 (USCC)."""

    __tablename__ = "enterprises"
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    industry: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    legal_representative: Mapped[str | None] = mapped_column(String(100))  # 法定代表人 (printed in the party block)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseCounter(Base):
    """Case numbers run per bureau and year."""

    __tablename__ = "case_counters"
    bureau: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Bureau(Base):
    """执法机关 — an enforcement body's settings: its full name, the 文号 prefix of each document kind, address
    and contact, and the 行政复议机关 and 人民法院 its decisions name (第五十九条). ``example``: 示例数据."""

    __tablename__ = "bureaus"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefixes: Mapped[dict] = mapped_column(JSON)  # document kind -> 文号 prefix
    address: Mapped[str | None] = mapped_column(String(300))
    contact: Mapped[str | None] = mapped_column(String(300))
    reconsideration_body: Mapped[str | None] = mapped_column(String(200))
    court: Mapped[str | None] = mapped_column(String(200))
    payment: Mapped[str | None] = mapped_column(String(300))
    example: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    source: Mapped[str | None] = mapped_column(String(300))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DocumentCounter(Base):
    """文号 run per bureau, document kind and year: one row, incremented in the issuing transaction
    (INSERT … ON CONFLICT DO UPDATE … RETURNING) — gapless, and race-free on both databases."""

    __tablename__ = "document_counters"
    bureau: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Case(Base):
    """行政处罚案件 — one enforcement case from 立案 on."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("number", name="uq_cases_number"),
        Index("ix_cases_bureau_filed", "bureau", "filed_at"),
        Index("ix_cases_bureau_state", "bureau", "state"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), index=True)
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    handlers: Mapped[list] = mapped_column(JSON)
    violations: Mapped[list] = mapped_column(JSON)
    facts: Mapped[dict] = mapped_column(JSON)
    steps: Mapped[list] = mapped_column(JSON)
    rectification: Mapped[dict | None] = mapped_column(JSON)
    decision: Mapped[dict | None] = mapped_column(JSON)
    decision_type: Mapped[str | None] = mapped_column(String(20), index=True)
    fine_amount: Mapped[float | None] = mapped_column(Float)
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    # 线索 (clue) received: the filing time limit runs from it.
    clue_received_on: Mapped[date | None] = mapped_column(Date)
    # Per-step records (limitation, notice, statement, hearing, reviews, discussions, service, execution, …):
    # read and written only as ``case.records.CaseRecords`` (``case_records`` / ``edit_records``).
    records: Mapped[dict] = mapped_column(JSON, default=dict)
    # The computed time limits (deadlines.compute) and the earliest pending one, for overdue lists.
    due: Mapped[dict] = mapped_column(JSON, default=dict)
    next_due: Mapped[date | None] = mapped_column(Date, index=True)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TimelineEntry(Base):
    """Every action on a case, with actor and time (案件流转记录)."""

    __tablename__ = "case_timeline"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict] = mapped_column(JSON)


class Evidence(Base):
    """调查取证 — one piece of evidence."""

    __tablename__ = "case_evidence"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    collected_by: Mapped[str] = mapped_column(String(100))
    collected_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Officer(Base):
    """执法人员 — an enforcement officer and the number of their 执法证 (持证上岗, 《行政处罚法》第四十二条)."""

    __tablename__ = "officers"
    sub: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    cert_no: Mapped[str | None] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[str | None] = mapped_column(String(60))  # e.g. 局长、副局长
    leader: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # 负责人 (第五十七条第二款)
    registered_via: Mapped[str] = mapped_column(String(20))  # admin | token
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HolidaySchedule(Base):
    """One version of one year's 法定节假日 and 调休 schedule (the latest version of a year applies)."""

    __tablename__ = "holiday_schedules"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    holidays: Mapped[dict] = mapped_column(JSON)  # ISO date -> name
    workdays: Mapped[list] = mapped_column(JSON)  # ISO dates
    source: Mapped[str] = mapped_column(String(300))
    loaded_by: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AdviceLetter(Base):
    """合规建议书 — non-coercive supervision: findings, requirements with due dates, the enterprise's feedback."""

    __tablename__ = "advice_letters"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    document_number: Mapped[str | None] = mapped_column(String(60))  # 文号 (the bureau's compliance_advice prefix)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), index=True)
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    findings: Mapped[list] = mapped_column(JSON)
    requirements: Mapped[list] = mapped_column(JSON)
    due: Mapped[date] = mapped_column(Date)
    basis: Mapped[list] = mapped_column(JSON)
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    feedback: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20))  # issued | feedback_received | overdue


class RiskWarning(Base):
    """风险预警 (环保脸谱) from the provincial platform: stored on the enterprise, suggests guidance items,
    and may lead to an inspection with a compliance advice letter — never to a case by itself."""

    __tablename__ = "risk_warnings"
    __table_args__ = (Index("ix_risk_warnings_uscc_issued", "uscc", "issued_at"),)
    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # the platform's warning id
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"))
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[str] = mapped_column(String(10))  # high | medium | low
    indicators: Mapped[list] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_by: Mapped[str] = mapped_column(String(100))
    body_sha256: Mapped[str] = mapped_column(String(64))  # the signed body, to tell a replay from a clash
    suggestions: Mapped[list] = mapped_column(JSON, default=list)  # guidance items from the checklist
    suggestions_note: Mapped[str | None] = mapped_column(Text)  # why there are none (checklist down)
    advice_letter_id: Mapped[str | None] = mapped_column(ForeignKey("advice_letters.id"))
    inspected_by: Mapped[str | None] = mapped_column(String(100))
    inspected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class RiskWarningRejection(Base):
    """Every refused inbound warning (bad signature, stale timestamp, unknown enterprise, malformed
    payload, id clash): what was refused and why. The warning itself is not stored."""

    __tablename__ = "risk_warning_rejections"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    status: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text)
    warning_id: Mapped[str | None] = mapped_column(String(100))
    sender: Mapped[str] = mapped_column(String(100))  # token subject
    remote: Mapped[str | None] = mapped_column(String(100))
    body_sha256: Mapped[str] = mapped_column(String(64))


class ReferenceGeneration(Base):
    """How many change events of another service's reference data this service's consumer has counted,
    per kind (``checklist``: guidance items published or retired). The processes that cache that data
    (``ServiceClient.cached``) compare it with the generation their entries were fetched under."""

    __tablename__ = "reference_generations"
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IssuedDocument(Base):
    """文书 as issued: written ``pending`` in the transaction of the step that issues it (the decision, the
    notice, the service of the three documents, an advice letter), rendered once by the cases worker
    (``documents.issued``), then served as stored — the same bytes, their SHA-256 in the audit log. A corrected
    document is a new row with a new 文号 naming the one it ``replaces``. A case's documents have ``case_id``;
    an advice letter's has ``letter_id``. ``number``: the 文号 (the case or letter number for a kind without one).
    ``claim``/``claimed_at``: the worker rendering it (a lease: a worker that died leaves it to the next)."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "number", name="uq_issued_documents_case"),
        UniqueConstraint("letter_id", "kind", "number", name="uq_issued_documents_letter"),
        Index("ix_issued_documents_status", "status"),
    )
    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    letter_id: Mapped[str | None] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(200))
    replaces: Mapped[str | None] = mapped_column(String(200))
    # What the issuing step fixed that the case no longer says (a corrected decision's fine and kinds).
    data: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))  # pending | ready | failed
    sha256: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(String(300))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    rendered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claim: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class GateRefusal(Base):
    """A decision, ending or change of a decision the decision gate refused (``workflow.gate``): who attempted
    what on which case, when, and the rule that refused it. Written in a transaction of its own after the
    request's is rolled back — the case stays as it was — with ``ecocomply.case.gate_refused.v1`` (试点方案
    三（十）: supervisors see repeated refused exemption attempts)."""

    __tablename__ = "gate_refusals"
    __table_args__ = (Index("ix_gate_refusals_case_at", "case_id", "at"),
                      Index("ix_gate_refusals_actor_at", "actor", "at"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    number: Mapped[str] = mapped_column(String(60))
    bureau: Mapped[str] = mapped_column(String(40))
    uscc: Mapped[str] = mapped_column(String(18))
    state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))  # the principal's sub (the register names them)
    action: Mapped[str] = mapped_column(String(30))
    decision_type: Mapped[str | None] = mapped_column(String(20))
    fine_amount: Mapped[float | None] = mapped_column(Float)
    # the rest of the attempt as given: penalty_kinds, ending_kind, change_source, change_outcome
    attempt: Mapped[dict] = mapped_column(JSON, default=dict)
    rule_code: Mapped[str] = mapped_column(String(60))
    article: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(Text)  # the citation the refusal carried (shared.rules.Rule.cite)
    detail: Mapped[str] = mapped_column(Text)


tables = OutboxTables.on(Base.metadata)
webhook_tables = WebhookTables.on(Base.metadata)

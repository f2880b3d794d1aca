"""Audit service tables: supervision flags, their rule hits and review history; the audit's record of
decided cases (for history-based rules, statistics and the annual report); interference records; the
Merkle-tree log with its stored nodes and signed tree heads; daily counters for the dashboard."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import UtcDateTime
from shared.outbox import OutboxTables, SeqType


class Base(DeclarativeBase):
    pass


class Flag(Base):
    """监督审核标记 — exactly one per case that an integrity rule hit (every exemption and light penalty).

    ``case_id`` is unique: duplicate deliveries, replays and later events of the same case add rule
    hits to the one flag. ``decision_type`` is ``undecided`` while only an event before the decision
    (overdue, interference) is known.
    """

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("case_id", name="uq_flags_case_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36))
    number: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    bureau: Mapped[str] = mapped_column(String(40), index=True)
    decision_type: Mapped[str] = mapped_column(String(20), index=True)
    fine_amount: Mapped[float | None] = mapped_column(Float)
    basis: Mapped[dict] = mapped_column(JSON)
    steps: Mapped[list] = mapped_column(JSON)
    # The case's handlers and decider (and other people involved): none of them may review the flag.
    handlers: Mapped[list] = mapped_column(JSON)
    involved: Mapped[list] = mapped_column(JSON)  # legal reviewer, discussion participants, recorders …
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # open | in_review | cleared | issue_found | referred (services.audit.flags.review)
    status: Mapped[str] = mapped_column(String(20), index=True)
    source_event_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    assignee: Mapped[str | None] = mapped_column(String(100), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    review_notes: Mapped[str | None] = mapped_column(Text)
    # The latest review's outcome (cleared | issue_found | referred), NULL until the first review. A reopened
    # flag keeps it — and the annual report counts it — until a later review records another (issue 26).
    outcome: Mapped[str | None] = mapped_column(String(20), index=True)
    review_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    rules: Mapped[list[FlagRule]] = relationship(
        back_populates="flag", order_by="FlagRule.position", lazy="selectin", cascade="all, delete-orphan"
    )


class FlagRule(Base):
    """One integrity-risk rule a flagged case hit (``services.audit.flags.rules``)."""

    __tablename__ = "flag_rules"

    flag_id: Mapped[str] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)

    flag: Mapped[Flag] = relationship(back_populates="rules")


class FlagHistory(Base):
    """审核记录 — every change of a flag: raised, rule added, assigned, reviewed, reopened."""

    __tablename__ = "flag_history"

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    flag_id: Mapped[str] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)


class FlagAttachment(Base):
    """审核附件 — a document an auditor attached to a flag's review (PDF, image, office file), kept in the
    audit's own database with its SHA-256 so that the ledger act that names the hash proves the bytes."""

    __tablename__ = "flag_attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flag_id: Mapped[str] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DecidedCase(Base):
    """The audit's record of every decided case (plain penalties too): what history rules, statistics
    and the annual report read. One row per case, whatever the deliveries."""

    __tablename__ = "decided_cases"
    __table_args__ = (
        Index("ix_decided_cases_bureau_date", "bureau", "decision_date"),
        # The history rules' bounded reads (issue 12): each is a range of one of these indexes, cut by
        # a LIMIT, so the work per decided event does not grow with the history.
        Index("ix_decided_cases_similar", "violation", "facts_key", "decision_date"),
        Index("ix_decided_cases_uscc_date", "uscc", "decision_date"),
        Index("ix_decided_cases_uscc_type_date", "uscc", "decision_type", "decision_date"),
        Index("ix_decided_cases_uscc_violation_date", "uscc", "violation", "decision_date"),
    )

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(String(18))
    bureau: Mapped[str] = mapped_column(String(40))
    decision_type: Mapped[str] = mapped_column(String(20))
    fine_amount: Mapped[float | None] = mapped_column(Float)
    fine_min: Mapped[float | None] = mapped_column(Float)
    fine_max: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    violation: Mapped[str] = mapped_column(String(60))  # first violation item code ('' if none)
    facts_key: Mapped[str] = mapped_column(String(400))  # sorted established fact keys, '|'-joined
    no_penalty_kind: Mapped[str | None] = mapped_column(String(20))
    steps: Mapped[list] = mapped_column(JSON)
    people: Mapped[list] = mapped_column(JSON)  # handlers, decider, legal reviewer, discussion participants
    decided_by: Mapped[str] = mapped_column(String(100), index=True)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decision_date: Mapped[date] = mapped_column(Date, index=True)
    # What the decision gate checked, as the decided event carries it (issue 11): handlers,
    # statutory_min/max, discussion_type/fine, first_offence_claimed. Older decisions: {}.
    gate: Mapped[dict] = mapped_column(JSON, default=dict)


class DecisionPerson(Base):
    """Who handled or decided a case (for the share of exemptions per officer or leader)."""

    __tablename__ = "decision_people"
    __table_args__ = (Index("ix_decision_people_person", "person", "bureau", "decision_date"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("decided_cases.case_id", ondelete="CASCADE"), primary_key=True)
    person: Mapped[str] = mapped_column(String(100), primary_key=True)
    bureau: Mapped[str] = mapped_column(String(40))
    decision_date: Mapped[date] = mapped_column(Date)
    flagged: Mapped[bool] = mapped_column(Boolean)


class CaseContext(Base):
    """What the audit learnt about a case before its decision: established facts and the people involved."""

    __tablename__ = "case_context"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    facts: Mapped[dict] = mapped_column(JSON)
    people: Mapped[list] = mapped_column(JSON)
    # The bureau it was filed in (case.filed), so that scope holds before a decision or flag exists.
    bureau: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Its number and enterprise as filed (case.filed): an interference record takes them from here.
    number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)


class InterferenceRecord(Base):
    """领导干部干预插手案件记录 — a recorded interference in a case (工作要点（二十二）)."""

    __tablename__ = "interference_records"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    number: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(String(18))
    bureau: Mapped[str] = mapped_column(String(40))
    person: Mapped[str] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(100))
    manner: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RefusedAttempt(Base):
    """A decision, ending or change of a decision the cases service's decision gate refused
    (``ecocomply.case.gate_refused.v1``): counted per officer and bureau (``GET /refusals/stats``) and read by
    the rule ``repeated_refused_exemption_attempts`` (试点方案 三（十）). ``exemption``: the attempt was an
    exemption or a light penalty (从轻、减轻)."""

    __tablename__ = "refused_attempts"
    __table_args__ = (Index("ix_refused_attempts_actor_at", "actor", "at"),
                      Index("ix_refused_attempts_bureau_at", "bureau", "at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the cases service's refusal id
    event_id: Mapped[str] = mapped_column(String(36))
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    number: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(String(18))
    bureau: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    action: Mapped[str] = mapped_column(String(30))
    decision_type: Mapped[str | None] = mapped_column(String(20))
    exemption: Mapped[bool] = mapped_column(Boolean)
    rule_code: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text)


class LogEntry(Base):
    """One leaf of the tamper-evident log: the canonical JSON of a consumed event (or an audit act)."""

    __tablename__ = "log_entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    data: Mapped[str] = mapped_column(Text)
    appended_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LogNode(Base):
    """Root of the complete subtree ``(level, idx)`` — leaves ``[idx·2^level, (idx+1)·2^level)``."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class LogState(Base):
    """The log's head (one row): size, the frontier's peaks and the root. Appenders lock this row."""

    __tablename__ = "log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    peaks: Mapped[list] = mapped_column(JSON)
    root: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TreeHead(Base):
    """签名树头 — a signed tree head (Ed25519) published so outsiders can hold the log to its history."""

    __tablename__ = "tree_heads"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class SigningKey(Base):
    """An Ed25519 public key that signed tree heads, recorded with the first head it signs: after a
    rotation (``ecocomply audit rotate-key``) the old keys stay listed, so old heads keep verifying."""

    __tablename__ = "signing_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[str] = mapped_column(Text)  # PEM (SubjectPublicKeyInfo)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DailyCount(Base):
    """Decisions per bureau, day and decision type (the dashboard's and /stats' source)."""

    __tablename__ = "daily_counts"

    bureau: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    decision_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    fines: Mapped[float] = mapped_column(Float)


class PersonDailyCount(Base):
    """Decisions per person (handler, decider, reviewer …), bureau and day, and how many of them were
    exemptions or light penalties: the per-person share reads at most one row per day of its window,
    whatever the number of decisions (the totals per bureau come from ``daily_counts``)."""

    __tablename__ = "person_daily_counts"

    person: Mapped[str] = mapped_column(String(100), primary_key=True)
    bureau: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    flagged: Mapped[int] = mapped_column(Integer)


class DailyRuleCount(Base):
    """Rule hits per bureau, day (the decision's, else the flag's) and rule — ``/stats`` by rule."""

    __tablename__ = "daily_rule_counts"

    bureau: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class ReconciliationRun(Base):
    """完整性核对 — one reconciliation against the cases service, with what it found missing."""

    __tablename__ = "reconciliation_runs"

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime())
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    checked: Mapped[int] = mapped_column(Integer)
    missing: Mapped[list] = mapped_column(JSON)



class WorkspaceAccount(Base):
    """A local account of the supervision workspace (``/workspace``) for the embedded default — auditors, bureau
    leaders, administrators — created with ``ecocomply users add``. The password is kept only as an argon2 hash.
    A bureau running an identity provider signs its people in by OpenID Connect instead (no row here)."""

    __tablename__ = "workspace_accounts"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)  # what the person types; also the token ``sub``
    name: Mapped[str] = mapped_column(String(100))  # 姓名, shown on every page and in the audit log views
    roles: Mapped[list] = mapped_column(JSON)
    bureau: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WorkspaceSession(Base):
    """A signed-in workspace session. The browser holds a random value in an HttpOnly cookie; only its SHA-256
    is stored. Ends at logout, after ``workspace_idle_minutes`` without a request, or at ``expires_at``."""

    __tablename__ = "workspace_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sub: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list] = mapped_column(JSON)
    bureau: Mapped[str | None] = mapped_column(String(40))
    via: Mapped[str] = mapped_column(String(10))  # local | oidc
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SignInFailure(Base):
    """A failed workspace sign-in, by the key it is counted under (the username typed, and the address): five
    within a minute slow the next attempt. Kept a day."""

    __tablename__ = "workspace_signin_failures"

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


tables = OutboxTables.on(Base.metadata)

# 案卷评查 (issue 27): its tables live in its package, on this metadata.
from services.audit.casefile_review import models as _casefile_review_models  # noqa: E402,F401

"""The three tables of outbound webhook delivery, added to a service's own metadata.

* ``webhook_subscriptions`` — who wants what: URL, CloudEvents types (exact, or a ``prefix.*``
  pattern), bureau scope (empty = all bureaus), shared secret (encrypted at rest), on/off;
* ``webhook_deliveries`` — one row per (subscription, event): the state machine
  ``pending → delivered | dead`` with attempts, next attempt time, last error and an admin note;
* ``webhook_event_log`` — every event the service's webhook consumer saw, kept for replay.

Rows are written by the consumer (``recording``) inside its inbox-guarded transaction, so delivery
state lives in the database, not in memory, and survives restarts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared.db import UtcDateTime
from shared.outbox import SeqType

STATUSES = ("pending", "delivered", "dead")


@dataclass(frozen=True)
class WebhookTables:
    subscriptions: Table
    deliveries: Table
    event_log: Table

    @classmethod
    def on(cls, metadata: MetaData) -> WebhookTables:
        subscriptions = Table(
            "webhook_subscriptions",
            metadata,
            Column("id", String(36), primary_key=True),
            Column("url", String(2000), nullable=False),
            Column("event_types", JSON, nullable=False),  # ["ecocomply.case.decided.v1", "ecocomply.audit.*"]
            Column("bureaus", JSON, nullable=False),  # [] = every bureau
            # Fernet token of the shared secret (shared.secrets), never the secret in clear.
            Column("secret", String(500), nullable=False),
            Column("active", Boolean, nullable=False, default=True),
            Column("description", Text, nullable=False, default=""),
            Column("created_by", String(100), nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("updated_at", UtcDateTime(), nullable=True),
        )
        deliveries = Table(
            "webhook_deliveries",
            metadata,
            Column("seq", SeqType, primary_key=True, autoincrement=True),
            Column(
                "subscription_id",
                String(36),
                ForeignKey("webhook_subscriptions.id", name="fk_webhook_deliveries_subscription"),
                nullable=False,
            ),
            Column("event_id", String(36), nullable=False),
            Column("event_type", String(200), nullable=False),
            Column("subject", String(100), nullable=False),  # aggregate id (case id); "" when none
            Column("bureau", String(40), nullable=True),
            Column("event_time", UtcDateTime(), nullable=False),  # order within a subject
            Column("envelope", Text, nullable=False),  # the request body, byte for byte
            Column("status", String(20), nullable=False),  # pending | delivered | dead
            Column("attempts", Integer, nullable=False, default=0),
            Column("next_attempt_at", UtcDateTime(), nullable=True),
            Column("retry_delay_seconds", Float, nullable=True),  # last back-off (decorrelated jitter)
            Column("lease_token", String(36), nullable=True),  # set while a deliverer is sending it
            Column("last_error", Text, nullable=True),
            Column("last_status_code", Integer, nullable=True),
            Column("last_attempt_at", UtcDateTime(), nullable=True),
            Column("note", Text, nullable=True),  # history of manual redeliveries and replays
            Column("created_at", UtcDateTime(), nullable=False),
            Column("queued_at", UtcDateTime(), nullable=False),  # last time it became pending
            Column("delivered_at", UtcDateTime(), nullable=True),
            UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_subscription_event"),
            Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
            Index("ix_webhook_deliveries_order", "subscription_id", "subject", "status", "event_time", "seq"),
        )
        event_log = Table(
            "webhook_event_log",
            metadata,
            Column("event_id", String(36), primary_key=True),
            Column("type", String(200), nullable=False),
            Column("subject", String(100), nullable=False),
            Column("bureau", String(40), nullable=True),
            Column("time", UtcDateTime(), nullable=False),
            Column("envelope", Text, nullable=False),
            Column("logged_at", UtcDateTime(), nullable=False),
            Index("ix_webhook_event_log_time", "time"),
        )
        return cls(subscriptions, deliveries, event_log)

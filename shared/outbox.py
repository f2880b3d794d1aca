"""Transactional outbox, consumer inbox and dead letters: the three tables every service owns.

A state change and its event rows are written in one transaction (``enqueue`` never commits). The
relay (``shared.relay``) publishes unpublished rows and marks them only after the bus acknowledged.
Rows are claimed by their ``published_at IS NULL`` flag, never by "id > last seen" (rows whose
transactions commit out of id order would be skipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import UtcDateTime
from shared.events import CloudEvent, EventPayload, new_event, topic_for

# BIGINT on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY autoincrements).
SeqType = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class OutboxTables:
    outbox: Table
    inbox: Table
    dead_letters: Table

    @classmethod
    def on(cls, metadata: MetaData) -> OutboxTables:
        outbox = Table(
            "outbox",
            metadata,
            Column("seq", SeqType, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False, unique=True),
            Column("topic", String(200), nullable=False),
            Column("key", String(100), nullable=False),
            Column("type", String(200), nullable=False),
            Column("envelope", Text, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("published_at", UtcDateTime(), nullable=True),
            Column("attempts", Integer, nullable=False, default=0),
            Column("last_error", Text, nullable=True),
            Index("ix_outbox_unpublished", "published_at", "seq"),
        )
        inbox = Table(
            "inbox",
            metadata,
            Column("event_id", String(36), primary_key=True),
            Column("consumer", String(100), primary_key=True),
            Column("type", String(200), nullable=False),
            Column("outcome", String(20), nullable=False),  # handled | dead_lettered
            Column("processed_at", UtcDateTime(), nullable=False),
        )
        dead_letters = Table(
            "dead_letters",
            metadata,
            Column("id", SeqType, primary_key=True, autoincrement=True),
            Column("event_id", String(64), nullable=False, index=True),
            Column("consumer", String(100), nullable=False),
            Column("topic", String(200), nullable=False),
            Column("type", String(200), nullable=False),
            Column("envelope", Text, nullable=False),
            Column("error", Text, nullable=False),
            Column("attempts", Integer, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
        )
        return cls(outbox, inbox, dead_letters)


def envelope_json(event: CloudEvent) -> str:
    return event.model_dump_json(exclude_none=True)


async def enqueue(
    session: AsyncSession,
    tables: OutboxTables,
    payload: EventPayload,
    *,
    source: str,
    subject: str,
    topic_prefix: str = "ecocomply",
    now: datetime,
) -> CloudEvent:
    """Write the event for a state change into the outbox, inside the caller's transaction."""
    event = new_event(payload, source=source, subject=subject, time=now)
    # The values as execute parameters, not ``.values(...)``: a statement built per event cost more than
    # the INSERT itself (issue 12's profile).
    await session.execute(insert(tables.outbox), {
        "event_id": event.id, "topic": topic_for(event.type, topic_prefix), "key": subject, "type": event.type,
        "envelope": envelope_json(event), "created_at": now, "attempts": 0,
    })
    await wake_at_commit(session, source.rsplit("/", 1)[-1])
    return event


async def wake_at_commit(session: AsyncSession, service: str) -> None:
    """Wake the service's relay (and its followers, ``PeriodicJob.on_wake``) when this transaction commits."""
    session.info["outbox_pending"] = True
    if session.bind.dialect.name == "postgresql" and not session.info.get("outbox_notified"):
        # Delivered at commit, to relays in other processes (``ecocomply worker``); in-process relays
        # are woken by the session's after_commit signal. Once per transaction — but again after a
        # savepoint, whose rollback would take the notification with it.
        await session.execute(text("SELECT pg_notify(:ch, '')"), {"ch": "ecocomply_outbox_" + service})
        if not session.in_nested_transaction():
            session.info["outbox_notified"] = True


def load_envelope(raw: str | bytes) -> CloudEvent:
    return CloudEvent.model_validate_json(raw)  # pydantic-core's parser: no json.loads + dict walk

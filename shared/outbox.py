"""Transactional outbox, consumer inbox and dead letters: the three tables every service owns.

A state change and its event rows are written in one transaction (``enqueue`` never commits). The
relay (``shared.relay``) publishes unpublished rows and marks them only after the bus acknowledged.
Rows are claimed by their ``published_at IS NULL`` flag, never by "id > last seen" (rows whose
transactions commit out of id order would be skipped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    insert,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import UtcDateTime
from shared.events import CloudEvent, EventPayload, new_event, topic_for
from shared.observability import reset_request_id, set_request_id

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

    @cached_property
    def statements(self) -> OutboxStatements:
        return OutboxStatements(self)


class OutboxStatements:
    """The hot paths' statements, built once per set of tables and executed with parameters (a list of
    them — executemany — for a batch): a statement built per call cost more than its execution (its
    construction and cache key), issue 28's profile. Their compiled form comes from the engine's
    compiled cache, keyed by the statement's memoised cache key."""

    def __init__(self, tables: OutboxTables) -> None:
        o, i = tables.outbox, tables.inbox
        self.enqueue = insert(o)
        self.inbox_insert = insert(i)
        self.dead_letter_insert = insert(tables.dead_letters)
        # :event_id, :consumer → the outcome recorded for the event, if any
        self.inbox_outcome = select(i.c.outcome).where(
            i.c.event_id == bindparam("event_id"), i.c.consumer == bindparam("consumer"))
        # :event_ids (a list), :consumer → those of the events already recorded
        self.inbox_seen = select(i.c.event_id).where(
            i.c.event_id.in_(bindparam("event_ids", expanding=True)), i.c.consumer == bindparam("consumer"))


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
    await session.execute(tables.statements.enqueue, outbox_row(event, subject, topic_prefix, now))
    await wake_at_commit(session, source.rsplit("/", 1)[-1])
    return event


class Emission(NamedTuple):
    """An event to write: its payload, its subject, and the request it follows from (a consumer's batch
    emits each event under its source event's request id, as handling that event alone would)."""

    payload: EventPayload
    subject: str
    requestid: str | None


async def enqueue_many(
    session: AsyncSession,
    tables: OutboxTables,
    items: Sequence[Emission],
    *,
    source: str,
    topic_prefix: str = "ecocomply",
    now: datetime,
) -> list[CloudEvent]:
    """``enqueue`` of each item in turn, in one statement (executemany): the rows and their order (``seq``)
    are those of one call per event."""
    events = []
    for payload, subject, requestid in items:
        token = set_request_id(requestid)
        try:
            events.append(new_event(payload, source=source, subject=subject, time=now))
        finally:
            reset_request_id(token)
    if events:
        await session.execute(tables.statements.enqueue, [
            outbox_row(event, item.subject, topic_prefix, now) for event, item in zip(events, items, strict=True)])
        await wake_at_commit(session, source.rsplit("/", 1)[-1])
    return events


def outbox_row(event: CloudEvent, subject: str, topic_prefix: str, now: datetime) -> dict:
    # execute parameters, never ``.values(...)``: a statement built per event cost more than the INSERT
    # itself (issue 12's profile)
    return {"event_id": event.id, "topic": topic_for(event.type, topic_prefix), "key": subject, "type": event.type,
            "envelope": envelope_json(event), "created_at": now, "attempts": 0}


_NOTIFY = text("SELECT pg_notify(:ch, '')")


async def wake_at_commit(session: AsyncSession, service: str) -> None:
    """Wake the service's relay (and its followers, ``PeriodicJob.on_wake``) when this transaction commits."""
    session.info["outbox_pending"] = True
    if session.bind.dialect.name == "postgresql" and not session.info.get("outbox_notified"):
        # Delivered at commit, to relays in other processes (``ecocomply worker``); in-process relays
        # are woken by the session's after_commit signal. Once per transaction — but again after a
        # savepoint, whose rollback would take the notification with it.
        await session.execute(_NOTIFY, {"ch": "ecocomply_outbox_" + service})
        if not session.in_nested_transaction():
            session.info["outbox_notified"] = True


def load_envelope(raw: str | bytes) -> CloudEvent:
    return CloudEvent.model_validate_json(raw)  # pydantic-core's parser: no json.loads + dict walk

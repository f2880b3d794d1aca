"""The consumer side: every event the service's webhook consumer receives is logged (for replay)
and becomes one pending delivery per matching active subscription, in the consumer's own
inbox-guarded transaction. Delivery state therefore comes from the bus, is in the database before the
event is acknowledged, and survives restarts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import dialect_insert
from shared.events import CloudEvent, EventPayload
from shared.outbox import envelope_json
from shared.webhooks.matching import bureau_in_scope, type_matches
from shared.webhooks.tables import WebhookTables


def utc(dt: datetime) -> datetime:
    """SQLite hands timestamps back naive; they are all stored in UTC."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def as_utc(dt: datetime) -> datetime:
    """Stored in UTC on both dialects (SQLite keeps a timestamp's fields and drops its offset)."""
    return utc(dt).astimezone(UTC)


def event_bureau(event: CloudEvent, payload: EventPayload | None = None) -> str | None:
    value = getattr(payload, "bureau", None) if payload is not None else None
    if value is None:
        value = event.data.get("bureau")
    return str(value) if value else None


async def insert_ignoring_duplicates(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` on both dialects: safe against a concurrent replay
    creating the same row."""
    if not rows:
        return
    await session.execute(dialect_insert(session, table).values(list(rows)).on_conflict_do_nothing(index_elements=list(keys)))


async def log_event(session: AsyncSession, tables: WebhookTables, event: CloudEvent, envelope: str,
                    bureau: str | None, now: datetime) -> None:
    await insert_ignoring_duplicates(
        session,
        tables.event_log,
        [dict(event_id=event.id, type=event.type, subject=event.subject or "", bureau=bureau,
              time=as_utc(event.time), envelope=envelope, logged_at=now)],
        ["event_id"],
    )


def new_delivery(subscription_id: str, *, event_id: str, event_type: str, subject: str, bureau: str | None,
                 event_time: datetime, envelope: str, now: datetime, note: str | None = None) -> dict[str, Any]:
    return dict(
        subscription_id=subscription_id, event_id=event_id, event_type=event_type, subject=subject,
        bureau=bureau, event_time=event_time, envelope=envelope, status="pending", attempts=0,
        next_attempt_at=now, created_at=now, queued_at=now, note=note,
    )


def matching_subscriptions(subs: Iterable[Any], event_type: str, bureau: str | None) -> list[Any]:
    return [s for s in subs if type_matches(s.event_types, event_type) and bureau_in_scope(s.bureaus, bureau, event_type)]


def record_deliveries(tables: WebhookTables):
    """Consumer handler factory: ``ConsumerSpec(handlers={type: record_deliveries(tables), ...})``.

    The bureau of an event is its payload's ``bureau`` field when present. Only subscriptions active
    at this moment get a delivery; events missed while a subscription was off are recovered with a
    replay (``POST /subscriptions/{id}/replay``) from the event log."""

    async def handler(runtime: Any, session: AsyncSession, event: CloudEvent, payload: EventPayload) -> None:
        now = runtime.clock.now()
        bureau = event_bureau(event, payload)
        envelope = envelope_json(event)
        await log_event(session, tables, event, envelope, bureau, now)
        s = tables.subscriptions
        subs = (await session.execute(select(s.c.id, s.c.event_types, s.c.bureaus).where(s.c.active.is_(True)))).all()
        rows = [
            new_delivery(sub.id, event_id=event.id, event_type=event.type, subject=event.subject or "",
                         bureau=bureau, event_time=as_utc(event.time), envelope=envelope, now=now)
            for sub in matching_subscriptions(subs, event.type, bureau)
        ]
        await insert_ignoring_duplicates(session, tables.deliveries, rows, ["subscription_id", "event_id"])

    return handler

"""The consumer side: every event the service's webhook consumer receives is logged (for replay)
and becomes one pending delivery per matching active subscription, in the consumer's own
inbox-guarded transaction. Delivery state therefore comes from the bus, is in the database before the
event is acknowledged, and survives restarts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import insert_for
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


_IGNORING_DUPLICATES: WeakKeyDictionary[Table, dict[tuple[str, tuple[str, ...]], Any]] = WeakKeyDictionary()


def ignoring_duplicates(dialect: str, table: Table, keys: Sequence[str]) -> Any:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` of the dialect, built once per (table, dialect, keys)."""
    built = _IGNORING_DUPLICATES.setdefault(table, {})
    if (stmt := built.get((dialect, tuple(keys)))) is None:
        stmt = built[dialect, tuple(keys)] = insert_for(dialect, table).on_conflict_do_nothing(index_elements=list(keys))
    return stmt


async def insert_ignoring_duplicates(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """The rows in one statement executed with their list of parameters (executemany: no per-statement parameter
    limit, one compiled statement whatever the count), each ignored if its keys exist: safe against a
    concurrent replay creating the same row."""
    if rows:
        await session.execute(ignoring_duplicates(session.bind.dialect.name, table, keys), list(rows))


def log_row(event: CloudEvent, envelope: str, bureau: str | None, now: datetime) -> dict[str, Any]:
    return dict(event_id=event.id, type=event.type, subject=event.subject or "", bureau=bureau,
                time=as_utc(event.time), envelope=envelope, logged_at=now)


def new_delivery(subscription_id: str, *, event_id: str, event_type: str, subject: str, bureau: str | None,
                 event_time: datetime, envelope: str, now: datetime, note: str | None = None) -> dict[str, Any]:
    return dict(
        subscription_id=subscription_id, event_id=event_id, event_type=event_type, subject=subject,
        bureau=bureau, event_time=event_time, envelope=envelope, status="pending", attempts=0,
        next_attempt_at=now, created_at=now, queued_at=now, note=note,
    )


def matching_subscriptions(subs: Iterable[Any], event_type: str, bureau: str | None) -> list[Any]:
    return [s for s in subs if type_matches(s.event_types, event_type) and bureau_in_scope(s.bureaus, bureau, event_type)]


class DeliveryRecorder:
    """Consumer handler: ``ConsumerSpec(handlers={type: record_deliveries(tables), ...})``.

    The bureau of an event is its payload's ``bureau`` field when present. Only subscriptions active
    at this moment get a delivery; events missed while a subscription was off are recovered with a
    replay (``POST /subscriptions/{id}/replay``) from the event log.

    ``many`` records a run of events in three statements whatever its length (the log rows, the active
    subscriptions, the deliveries — each built once, the inserts executed with the run's list of rows), not
    three per event: with no subscription at all the per-event log insert was 7 % of the decision pipeline
    (issue 12's profile). The rows are those of one call per event, in the events' order."""

    def __init__(self, tables: WebhookTables) -> None:
        self.tables = tables
        s = tables.subscriptions
        self._active = select(s.c.id, s.c.event_types, s.c.bureaus).where(s.c.active.is_(True))

    async def __call__(self, runtime: Any, session: AsyncSession, event: CloudEvent, payload: EventPayload) -> None:
        await self.many(runtime, session, [(event, payload)])

    async def many(self, runtime: Any, session: AsyncSession, items: Sequence[tuple[CloudEvent, EventPayload]]) -> None:
        now = runtime.clock.now()
        tables, logged = self.tables, []
        for event, payload in items:
            logged.append((event, event_bureau(event, payload), envelope_json(event)))
        await insert_ignoring_duplicates(session, tables.event_log,
                                         [log_row(e, envelope, bureau, now) for e, bureau, envelope in logged], ["event_id"])
        subs = (await session.execute(self._active)).all()
        if not subs:
            return
        rows = [
            new_delivery(sub.id, event_id=e.id, event_type=e.type, subject=e.subject or "", bureau=bureau,
                         event_time=as_utc(e.time), envelope=envelope, now=now)
            for e, bureau, envelope in logged
            for sub in matching_subscriptions(subs, e.type, bureau)
        ]
        await insert_ignoring_duplicates(session, tables.deliveries, rows, ["subscription_id", "event_id"])


def record_deliveries(tables: WebhookTables) -> DeliveryRecorder:
    return DeliveryRecorder(tables)

"""Idempotent consumer: inbox-guarded handlers, bounded retries, dead-letter queue. Never a silent drop.

For every delivered message:
1. the envelope is parsed; a malformed one, or a known event with an unknown major version, goes
   straight to the DLQ with the reason (DESIGN §2: refuse loudly);
2. the handler runs in one transaction that first records ``(event_id, consumer)`` in ``inbox``; a
   redelivered event finds its row and is a no-op;
3. a failing handler is retried with back-off; after ``max_attempts`` the event is dead-lettered:
   published to ``<topic>.dlq`` (Kafka), stored in ``dead_letters`` with the error, counted in
   ``ecocomply_dlq_events_total`` and logged at ERROR.
Only if even the dead-lettering fails does ``process`` raise, so the bus delivers the message again.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.bus.base import Bus, Message
from shared.clock import Clock
from shared.events import CloudEvent, EventPayload, UnknownEventType, parse_payload, split_type
from shared.observability import DLQ_TOTAL, EVENTS_CONSUMED, reset_request_id, set_request_id
from shared.outbox import OutboxTables, load_envelope

log = logging.getLogger("ecocomply.consumer")

EventHandler = Callable[[AsyncSession, CloudEvent, EventPayload], Awaitable[None]]
# A handler may also take a run of consecutive events at once: ``handler.many(session, [(event, payload), …])``,
# which must leave the database as calling it for each event in turn would (set-based SQL over the run,
# issue 12). The consumer uses it inside a batch's transaction; a lone or retried event gets the plain call.


def bind_runtime(handlers: Mapping[str, Callable[..., Awaitable[None]]], runtime: Any) -> dict[str, EventHandler]:
    """``handler(runtime, session, event, payload)`` → ``handler(session, event, payload)``, keeping ``many``.
    One bound handler per distinct handler, so a run of events of different types but the same handler
    is one ``many`` call."""
    bound: dict[int, EventHandler] = {}
    for h in handlers.values():
        if id(h) not in bound:
            b = functools.partial(h, runtime)
            if (many := getattr(h, "many", None)) is not None:
                b.many = functools.partial(many, runtime)  # type: ignore[attr-defined]
            bound[id(h)] = b
    return {t: bound[id(h)] for t, h in handlers.items()}

# Test seam: called with ("after_commit", event) once the handler's transaction committed and before
# the bus learns of it; raising there is a crash between commit and acknowledgement.
ConsumerFaultHook = Callable[[str, CloudEvent], Awaitable[None]]


class Consumer:
    def __init__(
        self,
        *,
        name: str,
        service: str,
        group: str,
        topics: Sequence[str],
        handlers: Mapping[str, EventHandler],
        sessionmaker: async_sessionmaker[AsyncSession],
        tables: OutboxTables,
        bus: Bus,
        max_attempts: int = 5,
        retry_base_seconds: float = 0.05,
        clock: Clock,
    ) -> None:
        self.name = name
        self.clock = clock
        self.service = service
        self.group = group
        self.topics = list(topics)
        self.handlers = dict(handlers)
        self.sessionmaker = sessionmaker
        self.tables = tables
        self.bus = bus
        self.max_attempts = max_attempts
        self.retry_base_seconds = retry_base_seconds
        self.fault_hook: ConsumerFaultHook | None = None
        self._handled_bases = {split_type(t)[0] for t in self.handlers}

    async def start(self) -> None:
        await self.bus.subscribe(self.group, self.topics, self.process)

    async def stop(self) -> None:
        await self.bus.unsubscribe(self.group)

    async def process(self, batch: Sequence[Message]) -> None:
        """Process a batch: one transaction for all its events when they all succeed (the common
        case, and what makes a consumer keep up), event by event with retries when any fails."""
        todo: list[tuple[Message, CloudEvent, EventPayload, EventHandler]] = []
        for msg in batch:
            item = await self._classify(msg)
            if item is not None:
                todo.append(item)
        if not todo:
            return
        if len(todo) > 1:
            try:
                handled = await self._handle_batch(todo)
            except Exception as e:
                log.info("consumer %s: batch of %d failed (%s); handling one by one", self.name, len(todo), e)
            else:
                for event in handled:
                    if self.fault_hook:
                        await self.fault_hook("after_commit", event)
                return
        for msg, event, payload, handler in todo:
            token = set_request_id(event.requestid)
            try:
                await self._handle_with_retries(msg, event, payload, handler)
            finally:
                reset_request_id(token)

    async def _classify(self, msg: Message) -> tuple[Message, CloudEvent, EventPayload, EventHandler] | None:
        """Parse one message; dead-letter or ignore what this consumer cannot or need not handle."""
        try:
            event = load_envelope(msg.value)
        except (ValueError, ValidationError) as e:
            ident = msg.header("ce_id") or f"{msg.topic}:{msg.partition}:{msg.offset}"
            await self._dead_letter(msg, ident, msg.header("ce_type") or "unknown", f"malformed envelope: {e}", 0)
            return None
        handler = self.handlers.get(event.type)
        if handler is None:
            try:
                base, _ = split_type(event.type)
            except UnknownEventType as e:
                await self._dead_letter(msg, event.id, event.type, str(e), 0)
                return None
            if base in self._handled_bases:
                await self._dead_letter(
                    msg, event.id, event.type,
                    f"unsupported version of {base}: this consumer handles {sorted(self.handlers)}", 0,
                )
            else:
                EVENTS_CONSUMED.labels(self.service, self.name, "ignored").inc()
            return None
        try:
            payload = parse_payload(event)
        except (ValidationError, UnknownEventType) as e:
            await self._dead_letter(msg, event.id, event.type, f"payload does not match {event.type}: {e}", 0)
            return None
        return msg, event, payload, handler

    async def _handle_batch(self, todo: list[tuple[Message, CloudEvent, EventPayload, EventHandler]]) -> list[CloudEvent]:
        sql = self.tables.statements
        handled: list[CloudEvent] = []
        duplicates = 0
        async with self.sessionmaker() as session, session.begin():
            ids = list({event.id for _, event, _, _ in todo})
            seen = set((await session.scalars(sql.inbox_seen, {"event_ids": ids, "consumer": self.name})).all())
            now = self.clock.now()
            fresh = []
            for item in todo:
                if item[1].id in seen:
                    duplicates += 1
                    continue
                seen.add(item[1].id)
                fresh.append(item)
            if fresh:  # the inbox rows of the whole batch in one statement (executemany)
                await session.execute(sql.inbox_insert, [
                    {"event_id": e.id, "consumer": self.name, "type": e.type, "outcome": "handled", "processed_at": now}
                    for _, e, _, _ in fresh
                ])
            for handler, group in itertools.groupby(fresh, key=lambda item: item[3]):
                run = [(event, payload) for _, event, payload, _ in group]
                many = getattr(handler, "many", None)
                if many is not None and len(run) > 1:
                    await many(session, run)
                else:
                    for event, payload in run:
                        token = set_request_id(event.requestid)
                        try:
                            await handler(session, event, payload)
                        finally:
                            reset_request_id(token)
                handled.extend(event for event, _ in run)
        if handled:
            EVENTS_CONSUMED.labels(self.service, self.name, "handled").inc(len(handled))
        if duplicates:
            EVENTS_CONSUMED.labels(self.service, self.name, "duplicate").inc(duplicates)
        return handled

    async def _handle_with_retries(
        self, msg: Message, event: CloudEvent, payload: EventPayload, handler: EventHandler
    ) -> None:
        error: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                outcome = await self._handle_once(event, payload, handler)
            except Exception as e:
                error = e
                log.warning(
                    "consumer %s: %s %s failed (attempt %d/%d): %s",
                    self.name, event.type, event.id, attempt, self.max_attempts, e,
                )
                await asyncio.sleep(self.retry_base_seconds * (2 ** (attempt - 1)))
                continue
            EVENTS_CONSUMED.labels(self.service, self.name, outcome).inc()
            if outcome == "handled" and self.fault_hook:
                await self.fault_hook("after_commit", event)
            return
        await self._dead_letter(msg, event.id, event.type, f"{type(error).__name__}: {error}", self.max_attempts)

    async def _handle_once(self, event: CloudEvent, payload: EventPayload, handler: EventHandler) -> str:
        sql = self.tables.statements
        key = {"event_id": event.id, "consumer": self.name}
        try:
            async with self.sessionmaker() as session, session.begin():
                seen = await session.scalar(sql.inbox_outcome, key)
                if seen is not None:
                    return "duplicate"
                await session.execute(sql.inbox_insert, {
                    **key, "type": event.type, "outcome": "handled", "processed_at": self.clock.now()})
                await handler(session, event, payload)
        except IntegrityError:
            # The same event handled concurrently by another delivery: fine if its inbox row is there.
            async with self.sessionmaker() as session:
                seen = await session.scalar(sql.inbox_outcome, key)
            if seen is not None:
                return "duplicate"
            raise
        return "handled"

    async def _dead_letter(self, msg: Message, event_id: str, type_: str, error: str, attempts: int) -> None:
        log.error(
            "consumer %s: dead-lettering %s %s after %d attempt(s): %s", self.name, type_, event_id, attempts, error
        )
        await self.bus.dead_letter(msg, error)
        now = self.clock.now()
        sql = self.tables.statements
        async with self.sessionmaker() as session, session.begin():
            await session.execute(sql.dead_letter_insert, {
                "event_id": event_id[:64], "consumer": self.name, "topic": msg.topic, "type": type_[:200],
                "envelope": msg.value.decode(errors="replace"), "error": error[:4000], "attempts": attempts,
                "created_at": now,
            })
            if len(event_id) <= 36:
                key = {"event_id": event_id, "consumer": self.name}
                if await session.scalar(sql.inbox_outcome, key) is None:
                    await session.execute(sql.inbox_insert, {
                        **key, "type": type_[:200], "outcome": "dead_lettered", "processed_at": now})
        DLQ_TOTAL.labels(self.service, self.name).inc()

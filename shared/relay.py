"""Outbox relay: publishes unpublished outbox rows in order and marks them only after the bus acked.

Woken on commit (in-process signal from ``shared.db.make_sessionmaker``; across processes by
PostgreSQL ``LISTEN/NOTIFY``), with a fallback poll because notifications are lost while a listener
is disconnected. On PostgreSQL rows are claimed with ``FOR UPDATE SKIP LOCKED`` inside the
transaction that marks them, so several relays can run; on SQLite (embedded mode, one relay per
database) the read and the mark are separate short transactions.

If the process dies between publish and mark, the rows are published again on restart: consumers
de-duplicate by event id (``shared.consumer``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.bus.base import Bus, Message
from shared.clock import Clock
from shared.observability import EVENTS_PUBLISHED, OUTBOX_LAG_SECONDS, OUTBOX_PENDING
from shared.outbox import OutboxTables

log = logging.getLogger("ecocomply.relay")

# Test seam: called with ("before_publish" | "after_publish", [(event id, event type), ...]). Raising from it stops the
# batch at that point exactly as a crash would (asyncio.CancelledError ends the relay task).
FaultHook = Callable[[str, list[tuple[str, str]]], Awaitable[None]]


def notify_channel(service: str) -> str:
    return f"ecocomply_outbox_{service}"


class Relay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        tables: OutboxTables,
        bus: Bus,
        service: str,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        clock: Clock,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.tables = tables
        self.bus = bus
        self.service = service
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.fault_hook: FaultHook | None = None
        self._wake = asyncio.Event()
        # Called on every wake-up too (a commit in this process, a nudge from the API process, a NOTIFY):
        # the jobs that run when there is new work (``PeriodicJob.on_wake``), e.g. rendering issued documents.
        self.followers: list[Callable[[], None]] = []
        self._task: asyncio.Task | None = None
        self._listener = None
        self._pg = engine.dialect.name == "postgresql"
        self._lag_reported = 0.0
        self._stopping = False
        # Built once (issue 28): the claim of a batch, its mark (executemany, one row per parameter set) and
        # the lag query; a statement built per batch cost its construction and cache key every time.
        o = tables.outbox
        self._claim = (
            select(o.c.seq, o.c.event_id, o.c.topic, o.c.key, o.c.type, o.c.envelope)
            .where(o.c.published_at.is_(None))
            .order_by(o.c.seq)
            .limit(batch_size)
        )
        if self._pg:
            self._claim = self._claim.with_for_update(skip_locked=True)
        self._mark_published = (
            update(o).where(o.c.seq == bindparam("b_seq")).values(published_at=bindparam("b_published_at"))
        )
        self._pending = select(func.count(), func.min(o.c.created_at)).where(o.c.published_at.is_(None))

    # -- lifecycle -------------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()
        for follower in self.followers:
            follower()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name=f"relay:{self.service}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            # The flag ends the loop even if the cancellation is lost (it was, with Python 3.11's
            # asyncio.wait_for when the wake-up came in the same tick: the teardown then waited forever).
            self._stopping = True
            self._wake.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._unlisten()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run(self) -> None:
        if self._pg:
            await self._listen()
        backoff = self.poll_seconds
        while not self._stopping:
            self._wake.clear()
            try:
                await self.drain()
                backoff = self.poll_seconds
            except Exception as e:  # broker or DB down: rows stay unpublished, try again later
                log.warning("relay %s: publish failed, will retry: %s", self.service, e)
                backoff = min(max(backoff * 2, 0.1), 10.0)
            if time.monotonic() - self._lag_reported >= 1.0:  # a metric, not worth a query per batch
                self._lag_reported = time.monotonic()
                with contextlib.suppress(Exception):
                    await self.report_lag()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(backoff):  # not wait_for: see stop()
                    await self._wake.wait()

    # -- work ------------------------------------------------------------------------------------
    async def drain(self) -> int:
        total = 0
        while True:
            n = await self.publish_batch()
            total += n
            if n < self.batch_size:
                return total

    async def publish_batch(self) -> int:
        if self._pg:
            async with self.engine.begin() as conn:
                rows = (await conn.execute(self._claim)).all()
                if rows:
                    await self._publish(rows, conn)
                    await self._mark(conn, rows)
        else:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(self._claim)).all()
            if rows:
                await self._publish(rows, None)
                async with self.engine.begin() as conn:
                    await self._mark(conn, rows)
        if rows:
            EVENTS_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    async def _publish(self, rows: Sequence, conn: AsyncConnection | None) -> None:
        ids = [r.event_id for r in rows]
        if self.fault_hook:
            await self.fault_hook("before_publish", [(r.event_id, r.type) for r in rows])
        messages = [
            Message(
                topic=r.topic,
                key=r.key,
                value=r.envelope.encode(),
                headers=[
                    ("ce_id", r.event_id.encode()),
                    ("ce_type", r.type.encode()),
                    ("content-type", b"application/cloudevents+json"),
                ],
            )
            for r in rows
        ]
        try:
            await self.bus.publish(messages)
        except Exception as e:
            await self._record_failure(ids, e)
            raise
        if self.fault_hook:
            await self.fault_hook("after_publish", [(r.event_id, r.type) for r in rows])

    async def _mark(self, conn: AsyncConnection, rows: Sequence) -> None:
        now = self.clock.now()
        await conn.execute(self._mark_published, [{"b_seq": r.seq, "b_published_at": now} for r in rows])

    async def _record_failure(self, ids: list[str], error: Exception) -> None:
        o = self.tables.outbox
        with contextlib.suppress(Exception):
            async with self.engine.begin() as conn:
                await conn.execute(
                    update(o)
                    .where(o.c.event_id.in_(ids))
                    .values(attempts=o.c.attempts + 1, last_error=f"{type(error).__name__}: {error}"[:2000])
                )

    async def pending(self) -> tuple[int, datetime | None]:
        async with self.engine.connect() as conn:
            row = (await conn.execute(self._pending)).one()
        return int(row[0]), row[1]

    async def report_lag(self) -> None:
        count, oldest = await self.pending()
        OUTBOX_PENDING.labels(self.service).set(count)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        OUTBOX_LAG_SECONDS.labels(self.service).set(
            (self.clock.now() - oldest).total_seconds() if oldest else 0.0
        )

    # -- PostgreSQL LISTEN/NOTIFY (another process's commits wake this relay) --------------------
    async def _listen(self) -> None:
        try:
            raw = await self.engine.raw_connection()
            driver = raw.driver_connection  # asyncpg.Connection
            self._on_notify = lambda *_: self.wake()
            await driver.add_listener(notify_channel(self.service), self._on_notify)
            self._listener = raw
        except Exception as e:  # the fallback poll still runs
            log.warning("relay %s: LISTEN failed (%s); relying on the poll", self.service, e)

    async def _unlisten(self) -> None:
        raw, self._listener = self._listener, None
        if raw is not None:
            with contextlib.suppress(Exception):
                await raw.driver_connection.remove_listener(notify_channel(self.service), self._on_notify)
            with contextlib.suppress(Exception):
                raw.detach()  # never hand a listening connection back to the pool
                raw.close()

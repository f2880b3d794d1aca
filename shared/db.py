"""Async engines and sessions for one service's own database (SQLite or PostgreSQL).

SQLite: WAL, foreign keys on, ``BEGIN IMMEDIATE`` for every transaction so that a writer never fails
on a read→write lock upgrade, and one connection per engine: SQLite runs one writer at a time
anyway, and waiting in the pool's FIFO queue is fair and cheap where waiting on ``busy_timeout``
polls with sleeps of up to 100 ms (measured by ``make bench``: p99 of a bare INSERT endpoint 25 ms
with one connection against 230 ms with a pool of ten). ``busy_timeout`` still covers other
processes (``ecocomply migrate`` next to a running server).
PostgreSQL (asyncpg): ``plan_cache_mode=force_custom_plan``, because asyncpg always prepares and a
generic plan makes short Chinese LIKE searches several times slower (RECIPES §2b).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from prometheus_client import Histogram
from sqlalchemy import DateTime, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from shared.clock import as_utc

SQLITE_BEGIN_WAIT = Histogram(
    "ecocomply_sqlite_begin_wait_seconds", "how long a transaction's BEGIN IMMEDIATE waited for SQLite's write lock",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


class UtcDateTime(TypeDecorator):
    """A timestamp stored and returned as UTC on every database.

    PostgreSQL's ``timestamptz`` keeps the instant whatever zone it was given in; SQLite keeps the
    wall-clock text and drops the zone, so an Asia/Shanghai bound compared with UTC text is 8 hours
    off. Normalising every value (and every bound parameter compared with the column) to UTC makes
    both databases agree; naive values read back are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, pool_timeout=60
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every SQLite test
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (SQLAlchemy's aiosqlite recipe)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn):
            t0 = time.perf_counter()
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            # How long the write lock was held by another connection (the pipeline process, a CLI command):
            # SQLite's busy handler sleeps in steps of up to 100 ms meanwhile (issue 28: sqlite busy waits).
            SQLITE_BEGIN_WAIT.observe(time.perf_counter() - t0)

        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
    )


def make_sessionmaker(
    engine: AsyncEngine, *, on_outbox_commit: Callable[[], None] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions whose commit wakes the outbox relay when the transaction wrote outbox rows."""

    class _Session(Session):
        pass

    @event.listens_for(_Session, "after_commit")
    def _after_commit(session: Session) -> None:
        session.info.pop("outbox_notified", None)
        if session.info.pop("outbox_pending", False) and on_outbox_commit is not None:
            on_outbox_commit()

    @event.listens_for(_Session, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop("outbox_pending", None)
        session.info.pop("outbox_notified", None)

    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=_Session)


def dialect_insert(session: AsyncSession, table):
    """The INSERT of the session's dialect (SQLite or PostgreSQL), whose ``on_conflict_do_nothing`` /
    ``on_conflict_do_update`` make a create-or-update one race-free statement: no get-then-insert
    that two concurrent requests both pass and the second one's INSERT fails on the unique key."""
    return insert_for(session.bind.dialect.name, table)


def insert_for(dialect: str, table):
    """``dialect_insert`` by dialect name, for a statement built once and reused (no session at hand)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


async def lock_key(session: AsyncSession, key: str) -> None:
    """Serialise the transactions that check-then-insert under ``key`` when no unique key can say it
    (e.g. "no overlapping period for this enterprise"): a transaction-scoped advisory lock on
    PostgreSQL; on SQLite every transaction already begins IMMEDIATE (one writer at a time)."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy import func, select

        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))

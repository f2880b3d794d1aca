"""Count the SQL statements a piece of code sends (issue 28: a batch in a fixed number of statements, each
from the compiled cache once warm)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[tuple[str, CacheStats]]]:
    """The statements the current task sends to ``engine`` while in the block (a relay, a consumer or a job
    in another task is not counted), each with the compiled cache's answer (``CacheStats``)."""
    task = asyncio.current_task()
    seen: list[tuple[str, CacheStats]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if asyncio.current_task() is task:
            seen.append((statement, context.cache_hit))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def compiled_anew(seen: list[tuple[str, CacheStats]]) -> list[str]:
    """The statements that did not come from the compiled cache (SQLite's ``BEGIN IMMEDIATE``, sent as
    driver SQL, has no compiled form)."""
    return [s for s, hit in seen if hit is not CacheStats.CACHE_HIT and s != "BEGIN IMMEDIATE"]

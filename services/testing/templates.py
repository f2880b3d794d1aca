"""Databases migrated and seeded once per process, copied for each test's stack.

A stack's start runs ``alembic upgrade head`` and the seeds of four services: about two seconds on this kind of
machine, for every test, on each setup. A stack built from a copy of databases this process already migrated
and seeded starts in a tenth of that; its start still runs the migrations and the seeds (which then find
nothing to do), so a change to either still reaches every test. The copy is a plain file copy for SQLite and
``CREATE DATABASE … TEMPLATE`` for PostgreSQL. Stacks with settings overrides never use it (``build_stack``).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from services.composition import Composition
from shared.bus.local import LocalBus
from shared.config import SERVICES, Settings
from shared.testing import postgres as pg_infra

_sqlite: Path | None = None
_postgres: dict[str, str] | None = None


async def _migrate_and_seed(settings: Mapping[str, Settings], secret: str) -> None:
    comp = Composition(settings, bus=LocalBus(), secret=secret, transport_to_self=True)
    await comp.start(workers=False)
    try:
        for name, rt in comp.runtimes.items():  # an event in a template would be published by every copy
            async with rt.engine.connect() as conn:
                if (await conn.execute(select(func.count()).select_from(rt.tables.outbox))).scalar():
                    raise RuntimeError(f"the {name} seeds wrote events: a template database cannot hold them")
    finally:
        await comp.stop()


async def copy_sqlite(settings: Mapping[str, Settings], make: Callable[[Path], Mapping[str, Settings]], *,
                      secret: str) -> None:
    """Fill the (empty) SQLite files of ``settings`` with this process's migrated and seeded databases."""
    global _sqlite
    if _sqlite is None:
        root = Path(tempfile.mkdtemp(prefix="ecocomply-template-"))
        atexit.register(shutil.rmtree, root, True)
        await _migrate_and_seed(make(root / "data"), secret)
        leftovers = [p.name for p in (root / "data").iterdir() if p.name.endswith(("-wal", "-shm", "-journal"))]
        if leftovers:
            raise RuntimeError(f"the template databases were not closed cleanly: {leftovers}")
        _sqlite = root / "data"
    for name, s in settings.items():
        shutil.copyfile(_sqlite / f"{name}.db", make_url(s.database_url).database)  # keeps the file's 0600 mode


async def postgres(make: Callable[[str, str], Settings], *, secret: str) -> dict[str, str]:
    """The names of this process's migrated and seeded template databases, one per service."""
    global _postgres
    if _postgres is None:
        tag = f"template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        urls = await asyncio.gather(*(pg_infra.create_database(f"{tag}_{n}") for n in SERVICES))
        atexit.register(_drop, list(urls))
        await _migrate_and_seed({n: make(n, u) for n, u in zip(SERVICES, urls, strict=True)}, secret)
        _postgres = {n: make_url(u).database for n, u in zip(SERVICES, urls, strict=True)}
    return _postgres


def _drop(urls: list[str]) -> None:
    async def drop() -> None:
        for r in await asyncio.gather(*(pg_infra.drop_database(u) for u in urls), return_exceptions=True):
            if isinstance(r, BaseException):
                print(f"ecocomply tests: could not drop a template database: {r!r}", flush=True)

    asyncio.run(drop())

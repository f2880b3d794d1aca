"""Developer tool: generate a service's Alembic revision by autogenerate against a scratch SQLite DB
migrated to head. ``python -m services.devtools cases "add column x"``."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command

from services.composition import load_spec
from shared.db import make_engine
from shared.migrations import alembic_config, upgrade


async def revision(service: str, message: str, rev_id: str | None = None) -> None:
    spec = load_spec(service)
    with tempfile.TemporaryDirectory() as d:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(d) / 'scratch.db'}")
        await upgrade(engine, spec.migrations_dir)
        cfg = alembic_config(spec.migrations_dir)

        def _run(conn) -> None:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)

        async with engine.begin() as conn:
            await conn.run_sync(_run)
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(revision(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))

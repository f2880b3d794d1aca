"""Alembic per service, run programmatically (the embedded mode migrates on start; tests build every
schema with ``upgrade head``, never ``create_all``).

Each service's ``migrations/env.py`` is two lines: import its metadata and call ``run_env``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import make_engine


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave SQLite FTS5 virtual tables and their shadow tables (``*_fts``, ``*_fts_data`` …) out of
    autogenerate and drift checks: migrations create them with raw SQL; SQLAlchemy cannot model them."""
    return not (type_ == "table" and "_fts" in (name or ""))


def alembic_config(migrations_dir: Path, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    # Date-prefixed revision files (STYLE.md): 2026_11_22_0001_initial.py
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(engine: AsyncEngine, migrations_dir: Path, revision: str = "head", **attributes: Any) -> None:
    """``attributes`` reach the revisions as ``context.config.attributes`` (e.g. ``secret_box`` for a
    revision that encrypts stored secrets)."""
    await _run(command.upgrade, engine, migrations_dir, revision, attributes)


async def downgrade(engine: AsyncEngine, migrations_dir: Path, revision: str, **attributes: Any) -> None:
    await _run(command.downgrade, engine, migrations_dir, revision, attributes)


async def _run(cmd: Any, engine: AsyncEngine, migrations_dir: Path, revision: str, attributes: dict) -> None:
    cfg = alembic_config(migrations_dir)
    cfg.attributes.update(attributes)

    def _go(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        cmd(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_go)


def head_revisions(migrations_dir: Path) -> frozenset[str]:
    """The revision(s) the code's migrations end at."""
    return frozenset(ScriptDirectory.from_config(alembic_config(migrations_dir)).get_heads())


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revision(s) the database was migrated to (empty: never migrated)."""

    def _current(conn: Connection) -> frozenset[str]:
        return frozenset(MigrationContext.configure(conn).get_current_heads())

    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def schema_behind(engine: AsyncEngine, migrations_dir: Path, heads: frozenset[str] | None = None) -> str | None:
    """Why the database's schema does not match the code's head revision, or None when it does."""
    heads = heads if heads is not None else head_revisions(migrations_dir)
    current = await current_revisions(engine)
    if current == heads:
        return None
    at = ", ".join(sorted(current)) or "no revision (never migrated)"
    return f"database at {at}, code at {', '.join(sorted(heads))}"


async def drift(engine: AsyncEngine, metadata: MetaData) -> list:
    """Differences between the migrated schema and the models (empty when migrations are complete)."""

    def _cmp(conn: Connection) -> list:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        return compare_metadata(ctx, metadata)

    async with engine.connect() as conn:
        return await conn.run_sync(_cmp)


def _configure_and_run(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_env(metadata: MetaData) -> None:
    """Body of every service's ``env.py``: use the caller's connection, or connect to the URL given
    to the ``alembic`` command line (``-x url=…`` or ``sqlalchemy.url``) or ``ECOCOMPLY_DATABASE_URL``."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection, metadata)
        return
    import os

    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or context.config.get_main_option("sqlalchemy.url")
        or os.environ.get("ECOCOMPLY_DATABASE_URL")
    )
    if not url:
        raise RuntimeError("no database URL: pass -x url=… or set ECOCOMPLY_DATABASE_URL")

    async def _main() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_configure_and_run, metadata)
        await engine.dispose()

    asyncio.run(_main())

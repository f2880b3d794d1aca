"""Fixtures shared by every test: ``stack`` runs the real composition of the four services (the same
code ``ecocomply serve`` runs) once on each setup — SQLite + in-process bus, and PostgreSQL + the
Kafka protocol — with fresh databases (built by ``alembic upgrade head``) and topics per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.testing.decisions import Decisions
from services.testing.stack import SETUPS, Stack, build_stack

pytest_plugins = ["shared.testing.clock_edges", "shared.testing.watchdog"]


@pytest.fixture(params=SETUPS)
async def stack(request, tmp_path) -> AsyncIterator[Stack]:
    s, cleanup = await build_stack(request.param, tmp_path)
    try:
        await s.comp.start()
        yield s
    finally:
        await cleanup()


@pytest.fixture
async def sqlite_stack(tmp_path) -> AsyncIterator[Stack]:
    s, cleanup = await build_stack("sqlite-local", tmp_path)
    try:
        await s.comp.start()
        yield s
    finally:
        await cleanup()


@pytest.fixture
def decisions(stack) -> Decisions:
    """Write decided events of exact shapes into the cases outbox (the real relay → bus → consumers path)."""
    return Decisions(stack)

"""A running composition of the services for tests and benchmarks, on either setup the contract names:

* ``sqlite-local``: SQLite files + the in-process bus (the embedded default);
* ``postgres-kafka``: one PostgreSQL database per service + the Kafka protocol (librdkafka's mock
  cluster, or a real broker when ``ECOCOMPLY_TEST_KAFKA_BOOTSTRAP`` is set).

Schemas are built by ``alembic upgrade head``; every stack gets fresh databases and its own topics. A stack built
with no overrides starts from a copy of databases this process migrated and seeded once (``services.testing.templates``);
its start still runs the migrations and the seeds, which find nothing left to do.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from services.composition import Composition, embedded_settings
from services.testing import templates
from shared.auth import mint_token
from shared.bus.kafka import KafkaBus
from shared.bus.local import LocalBus
from shared.config import SERVICES, Settings
from shared.testing import kafka as kafka_infra
from shared.testing import postgres as pg_infra

SETUPS = ["sqlite-local", "postgres-kafka"]
SECRET = "test-secret-" + "x" * 32


class Stack:
    """A running composition plus helpers to call it as a client would."""

    def __init__(self, comp: Composition, setup: str) -> None:
        self.comp = comp
        self.setup = setup
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=comp.root), base_url="http://testserver", timeout=30
        )

    @property
    def runtimes(self):
        return self.comp.runtimes

    def token(self, sub: str, *roles: str, **claims: Any) -> str:
        return mint_token(SECRET, sub=sub, roles=list(roles), **claims)

    def auth(self, sub: str, *roles: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(sub, *roles, **claims)}"}

    async def wait_for(
        self, predicate: Callable[[], Awaitable[Any]], *, timeout: float = 30.0, what: str = "condition"
    ) -> Any:
        """Poll ``predicate`` until it returns a truthy value (events cross the bus asynchronously)."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = await predicate()
            if last:
                return last
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")

    async def close(self) -> None:
        await self.client.aclose()
        await self.comp.stop()


async def _drop_later(urls: list[str]) -> None:
    for url in urls:  # dropped on a thread of their own: a finished test need not wait for the checkpoints
        pg_infra.drop_database_later(url)


async def build_stack(setup: str, tmp_path: Path, *, local_calls: bool = True,
                      **overrides: Any) -> tuple[Stack, Callable]:
    """Build (not yet start) the composition for ``setup``; returns the stack and a cleanup coroutine.
    ``overrides`` are ``Settings`` fields for every service (e.g. ``relay_poll_seconds``); ``local_calls``
    false: the services call each other over HTTP (ASGI) as distributed ones do, not in-process."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    # Tests and benchmarks drive many writes with one token quickly: the per-token write limit is
    # tested on its own (tests/test_limits.py) and lifted here.
    common = {"jwt_secret": SECRET, "topic_prefix": prefix, "relay_poll_seconds": 0.2,
              "consumer_retry_base_seconds": 0.01, "write_rate_limit": "100000/second",
              # the tests' webhook receivers listen on loopback (refused by default: shared.webhooks.destinations)
              "webhook_allowed_networks": "127.0.0.0/8", **overrides}
    cleanups: list[Callable[[], Awaitable[None]]] = []
    # Settings that change what the migrations or the seeds write build the stack from nothing.
    template = not overrides
    if setup == "sqlite-local":
        settings = embedded_settings(tmp_path / "data", **common)
        if template:
            await templates.copy_sqlite(settings, lambda data: embedded_settings(data, **{**common, "topic_prefix": "tpl"}),
                                        secret=SECRET)
        bus = LocalBus()
    elif setup == "postgres-kafka":
        settings = {}
        tpl = await templates.postgres(lambda name, url: Settings(
            service=name, database_url=url, event_bus="local", data_dir=tmp_path / "tpl-data", embedded=True,
            **{**common, "topic_prefix": "tpl"}), secret=SECRET) if template else {}
        # The four databases are created (and dropped) at once: each CREATE DATABASE waits mostly on the disk.
        urls = await asyncio.gather(*(pg_infra.create_database(f"{prefix}_{name}", template=tpl.get(name))
                                      for name in SERVICES))
        cleanups.append(lambda: _drop_later(urls))
        for name, url in zip(SERVICES, urls, strict=True):
            settings[name] = Settings(
                service=name, database_url=url, event_bus="kafka", data_dir=tmp_path / "data",
                kafka_bootstrap=kafka_infra.bootstrap(), embedded=True, **common,
            )
        bus = KafkaBus(kafka_infra.bootstrap(), service="test", **kafka_infra.bus_options())
    else:  # pragma: no cover
        raise ValueError(setup)
    comp = Composition(settings, bus=bus, secret=SECRET, transport_to_self=True, local_calls=local_calls)
    stack = Stack(comp, setup)

    async def cleanup() -> None:
        await stack.close()
        for c in cleanups:
            await c()

    return stack, cleanup

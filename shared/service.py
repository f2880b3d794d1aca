"""A service's runtime (engine, sessions, relay, consumers) and its FastAPI app, built the same way
for all four services and for both ways to run (embedded and distributed)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Column, MetaData, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared import openapi
from shared.asyncapi import document
from shared.auth import TokenVerifier
from shared.bus.base import Bus
from shared.clock import Clock
from shared.config import Settings
from shared.consumer import Consumer, bind_runtime
from shared.db import make_engine, make_sessionmaker
from shared.events import CloudEvent, EventPayload
from shared.fields import reject_nul_characters
from shared.http import ServiceClient
from shared.inprocess import LocalRoute
from shared.migrations import head_revisions, schema_behind, upgrade
from shared.observability import RequestContextMiddleware, metrics_response
from shared.ops_access import OpsEndpoints
from shared.outbox import Emission, OutboxTables, enqueue, enqueue_many
from shared.problems import install_problem_handlers
from shared.public import RateLimiter
from shared.secrets import ENV_NAME as SECRETS_KEY_ENV
from shared.secrets import SecretBox
from shared.security_headers import SecurityHeaders
from shared.write_limit import ProblemForTooLarge, WriteRateLimit

log = logging.getLogger("ecocomply.service")

JOB_JITTER = 0.1  # each wait of a periodic job is its interval ±10 %


def job_waits(every_seconds: float, rng: random.Random | None = None):
    """The waits of a periodic job before each run: the first within its first interval (between half and
    all of it), then the interval ±``JOB_JITTER``."""
    rng = rng or random.Random()
    yield every_seconds * rng.uniform(0.5, 1.0)
    while True:
        yield every_seconds * rng.uniform(1 - JOB_JITTER, 1 + JOB_JITTER)


# handler(runtime, session, event, payload)
RuntimeHandler = Callable[["Runtime", AsyncSession, CloudEvent, EventPayload], Awaitable[None]]


@dataclass
class ConsumerSpec:
    name: str
    topics: Sequence[str]  # aggregate topics without prefix, e.g. "case-events"
    handlers: dict[str, RuntimeHandler]


@dataclass
class PeriodicJob:
    """A scheduled job run by the service's workers every ``every_seconds``, spread (``job_waits``): the first
    run after half to one interval, then every interval ±10 %, so that the jobs of every service and replica
    started together do not all run in the same second, hour after hour. Jobs must be idempotent — safe to
    run twice, and on several replicas — and do their writes, with their events, in their own transactions."""

    name: str
    every_seconds: float
    run: Callable[[Runtime], Awaitable[Any]]
    # Also run at once whenever the relay is woken (a commit that wrote outbox rows in this process, a
    # nudge from the API process, PostgreSQL's NOTIFY): for work a request leaves behind (``Relay.followers``).
    on_wake: bool = False


@dataclass
class ServiceSpec:
    name: str
    title: str
    description: str
    metadata: MetaData
    tables: OutboxTables
    migrations_dir: Path
    routers: Sequence[APIRouter]
    consumers: Sequence[ConsumerSpec] = ()
    seed: Callable[[Runtime], Awaitable[None]] | None = None
    extra_routes: Callable[[FastAPI], None] | None = None
    jobs: Sequence[PeriodicJob] = ()
    openapi_tags: list[dict[str, Any]] = field(default_factory=list)
    # Checks the service's own configuration before a process starts (``Runtime.preflight``): raises
    # RuntimeError to refuse the start, returns warnings that ``/readyz`` reports.
    preflight: Callable[[Runtime], Sequence[str]] | None = None
    # Checks ``/readyz`` runs besides the database, schema, bus and relay: name → an async check
    # returning why the service is not ready (e.g. its reference data not seeded), or None.
    ready_checks: dict[str, Callable[[Runtime], Awaitable[str | None]]] = field(default_factory=dict)
    # Columns holding secrets encrypted at rest (shared.secrets): the service needs a key to start, and
    # ``ecocomply secrets rotate`` re-encrypts them.
    encrypted_columns: Sequence[Column] = ()
    # Routes other services of the same process call in-process (the embedded mode; ``shared.inprocess``).
    local_routes: Sequence[LocalRoute] = ()


class Runtime:
    def __init__(
        self,
        spec: ServiceSpec,
        settings: Settings,
        *,
        bus: Bus,
        verifier: TokenVerifier,
        http: ServiceClient | None = None,
        clock: Clock | None = None,
    ) -> None:
        from shared.relay import Relay

        self.spec = spec
        self.name = spec.name
        self.settings = settings
        self.bus = bus
        self.verifier = verifier
        self.http = http
        # The one clock of this runtime: every "now" of its use cases, events, relay and consumers.
        self.clock = clock or Clock()
        self.source = f"/ecocomply/{spec.name}"
        self.tables = spec.tables
        self.engine = make_engine(settings.database_url)
        self.relay = Relay(
            engine=self.engine,
            tables=spec.tables,
            bus=bus,
            service=spec.name,
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
            clock=self.clock,
        )
        # Called after a commit that wrote outbox rows: the relay in this process, and whatever else the
        # composition adds (a nudge to the pipeline process, ``shared.wake``).
        self.outbox_listeners: list[Callable[[], None]] = [self.relay.wake]
        self.sessionmaker = make_sessionmaker(self.engine, on_outbox_commit=self._outbox_committed)
        self.consumers = [
            Consumer(
                name=f"{spec.name}.{c.name}",
                service=spec.name,
                group=f"{settings.topic_prefix}.{spec.name}.{c.name}",
                topics=[f"{settings.topic_prefix}.{t}" for t in c.topics],
                handlers=bind_runtime(c.handlers, self),
                sessionmaker=self.sessionmaker,
                tables=spec.tables,
                bus=bus,
                max_attempts=settings.consumer_max_attempts,
                retry_base_seconds=settings.consumer_retry_base_seconds,
                clock=self.clock,
            )
            for c in spec.consumers
        ]
        self.workers_running = False
        self._job_tasks: list[asyncio.Task] = []
        self._job_wakes = {job.name: asyncio.Event() for job in spec.jobs if job.on_wake}
        self.relay.followers.extend(event.set for event in self._job_wakes.values())
        self.warnings: list[str] = []
        # Encrypts and decrypts secrets at rest; None in a distributed service without ECOCOMPLY_SECRETS_KEY.
        try:
            self.secret_box = SecretBox.from_settings(settings)
        except ValueError as e:  # a malformed key: refuse to start, naming its position only
            raise RuntimeError(f"refusing to start: {e}") from None
        self._heads: frozenset[str] | None = None

    def _outbox_committed(self) -> None:
        for listener in self.outbox_listeners:
            listener()

    def preflight(self) -> None:
        """The service's own start-up checks (``ServiceSpec.preflight``); RuntimeError refuses the start."""
        if self.spec.encrypted_columns and self.secret_box is None:
            raise RuntimeError(f"refusing to start, missing configuration: {SECRETS_KEY_ENV} (the {self.name} "
                               "service keeps secrets encrypted at rest; `ecocomply secrets new-key` makes a key)")
        if self.spec.preflight is not None:
            self.warnings = list(self.spec.preflight(self))

    # -- lifecycle -------------------------------------------------------------------------------
    async def migrate(self) -> None:
        await upgrade(self.engine, self.spec.migrations_dir, secret_box=self.secret_box)

    async def schema_behind(self) -> str | None:
        """Why the schema does not match the code's head migration revision, or None."""
        if self._heads is None:
            self._heads = head_revisions(self.spec.migrations_dir)
        behind = await schema_behind(self.engine, self.spec.migrations_dir, self._heads)
        return None if behind is None else f"{behind}; run `ecocomply migrate --service {self.name}`"

    async def seed(self) -> None:
        if self.spec.seed is not None:
            await self.spec.seed(self)

    async def start_workers(self) -> None:
        for c in self.consumers:
            await c.start()
        self.relay.start()
        self._job_tasks = [
            asyncio.create_task(self._every(job), name=f"job:{self.name}:{job.name}") for job in self.spec.jobs
        ]
        self.workers_running = True

    async def run_job(self, name: str) -> Any:
        """Run one scheduled job now (on demand, and in tests)."""
        for job in self.spec.jobs:
            if job.name == name:
                return await job.run(self)
        raise KeyError(f"{self.name} has no job {name!r}; jobs: {[j.name for j in self.spec.jobs]}")

    async def _every(self, job: PeriodicJob) -> None:
        from shared.loop_watch import job_run  # each run timed, and named while in flight

        wake = self._job_wakes.get(job.name)
        for wait in job_waits(job.every_seconds):
            if wake is None:
                await asyncio.sleep(wait)
            else:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await wake.wait()
                wake.clear()
            try:
                async with job_run(self.name, job.name):
                    await job.run(self)
            except Exception:
                log.exception("%s: scheduled job %s failed; it runs again in %ss", self.name, job.name, job.every_seconds)

    async def stop_workers(self) -> None:
        for task in self._job_tasks:
            task.cancel()
        for task in self._job_tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._job_tasks = []
        await self.relay.stop()
        for c in self.consumers:
            await c.stop()
        self.workers_running = False

    async def close(self) -> None:
        await self.stop_workers()
        await self.engine.dispose()

    # -- helpers for the service layer -----------------------------------------------------------
    async def emit(self, session: AsyncSession, payload: EventPayload, *, subject: str) -> CloudEvent:
        """Write an event into the outbox in the caller's transaction."""
        return await enqueue(
            session, self.tables, payload, source=self.source, subject=subject,
            topic_prefix=self.settings.topic_prefix, now=self.clock.now(),
        )

    async def emit_many(self, session: AsyncSession, items: Sequence[Emission]) -> list[CloudEvent]:
        """``emit`` of each item in turn, in one statement (a consumer's batch)."""
        return await enqueue_many(
            session, self.tables, items, source=self.source,
            topic_prefix=self.settings.topic_prefix, now=self.clock.now(),
        )

    async def ready(self) -> dict[str, Any]:
        """Each check's state: "ok", or why not (``/readyz`` answers 503 unless every one is ok)."""
        checks: dict[str, Any] = {}
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as e:
            checks["database"] = f"error: {e}"
        else:
            checks["schema"] = await self._check(self.schema_behind, "behind")
        checks["bus"] = await self._check(self.bus.health, "unreachable")
        if self.settings.run_workers:
            checks["relay"] = "ok" if self.relay.running else "stopped"
        if checks.get("schema") == "ok":  # the service's own checks read its tables
            for name, check in self.spec.ready_checks.items():
                checks[name] = await self._check(functools.partial(check, self), "failed")
        return checks

    @staticmethod
    async def _check(check: Callable[[], Awaitable[str | None]], label: str) -> str:
        try:
            reason = await check()
        except Exception as e:
            reason = f"{type(e).__name__}: {e}"
        return "ok" if reason is None else f"{label}: {reason}"


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def unit_of_work(request: Request):
    """The project's one transaction rule: a request is one unit of work. Its session's transaction is
    committed when the handler returns and rolled back when it raises (a refusal, a bad input), so a
    request writes all of its rows and outbox events or none. Use cases never begin or commit.

    The dependency is function-scoped (``DbSession``): the commit ends before the answer is sent. FastAPI
    runs a request-scoped dependency's exit after the response, so a client was told 201 before the row was
    committed — its next request could miss it (``bench.load``'s one 422 ``unknown_enterprise`` under load,
    issue 28), and a commit that failed then was a write the client believed done."""
    async with request.app.state.runtime.sessionmaker() as session, session.begin():
        yield session


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
DbSession = Annotated[AsyncSession, Depends(unit_of_work, scope="function")]


class ServiceApp(FastAPI):
    """A service's FastAPI app, its middleware stack wrapped so that every 413 is problem+json."""

    def build_middleware_stack(self):
        return ProblemForTooLarge(super().build_middleware_stack())


def create_app(runtime: Runtime) -> FastAPI:
    spec = runtime.spec
    app = ServiceApp(
        title=spec.title,
        description=spec.description,
        version="1",
        openapi_url="/openapi.json",
        # /openapi.json, /docs, /asyncapi.json and /metrics: shared.ops_access decides who may read them.
        docs_url="/docs",
        redoc_url=None,
        openapi_tags=spec.openapi_tags or None,
        max_body_size=runtime.settings.max_body_bytes,  # 413 past it (shared.write_limit)
        dependencies=[Depends(reject_nul_characters)],
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    openapi.install(app)
    app.add_middleware(WriteRateLimit, limiter=RateLimiter(runtime.settings.write_rate_limit))
    app.add_middleware(RequestContextMiddleware, service=spec.name)
    app.add_middleware(OpsEndpoints, runtime=runtime)
    app.add_middleware(SecurityHeaders)
    for router in spec.routers:
        app.include_router(router, prefix="/v1")
    if spec.extra_routes:
        spec.extra_routes(app)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": spec.name}

    @app.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        checks = await runtime.ready()
        ok = all(v == "ok" for v in checks.values())
        body: dict[str, Any] = {"ready": ok, "checks": checks}
        if not ok:
            body["detail"] = "; ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok")
        if runtime.warnings:  # ready, but running in a mode the operator chose explicitly (e.g. unsigned)
            body["warnings"] = runtime.warnings
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/asyncapi.json", tags=["ops"])
    async def asyncapi() -> dict[str, Any]:
        """AsyncAPI 3.0 description of the events this service publishes and receives."""
        consumed = [t for c in spec.consumers for t in c.handlers]
        return document(spec.name, consumes=consumed, topic_prefix=runtime.settings.topic_prefix,
                        title=f"{spec.title} — events")

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics():
        return metrics_response()

    return app

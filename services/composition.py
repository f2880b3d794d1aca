"""Composition root: wires runtimes, buses and apps for both ways to run the same code.

* embedded (``ecocomply serve``): four services in one process, SQLite files in the data dir, the
  in-process bus, migrated and seeded on first start;
* distributed (``ecocomply serve --service NAME`` / ``worker``): one service from ``ECOCOMPLY_*``.

The public portal (``services.portal``) is mounted at ``/`` after the services' prefixes wherever the
composition holds every service (the embedded mode, the tests); distributed, ``ecocomply portal`` runs it
as a process of its own. It calls the services through its own ``ServiceClient``, as any client would.

Tests build the same ``Composition`` with PostgreSQL URLs and the Kafka bus.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Mapping
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from shared.auth import TokenVerifier, load_or_create_secret
from shared.bus import Bus, make_bus
from shared.bus.local import LocalBus
from shared.config import SERVICES, Settings
from shared.http import ServiceClient
from shared.inprocess import LocalRoutes
from shared.private_files import private_dir, private_file
from shared.problems import http_problem
from shared.service import Runtime, ServiceSpec, create_app

EMBEDDED_BASE = "http://ecocomply.embedded"
log = logging.getLogger("ecocomply.composition")


def load_spec(name: str) -> ServiceSpec:
    if name not in SERVICES:
        raise ValueError(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
    return importlib.import_module(f"services.{name}.app").spec


class Composition:
    """Runtimes for some services, one root ASGI app that mounts each under ``/<name>``."""

    def __init__(
        self,
        settings: Mapping[str, Settings],
        *,
        bus: Bus,
        secret: str,
        transport_to_self: bool,
        local_calls: bool | None = None,
    ) -> None:
        """``local_calls`` (default: ``transport_to_self``): a service's listed routes answer the others in-process
        (``shared.inprocess``); false keeps every call between them a full request (tests compare the two)."""
        self.settings = dict(settings)
        self.bus = bus
        self.secret = secret
        first = next(iter(self.settings.values()))
        verifier = TokenVerifier.from_settings(first, secret=secret)
        routes = [Route("/api", self._index), Route("/healthz", self._healthz)]
        # A path no mount matches (e.g. a newline in a path segment) is a problem+json 404 too.
        self.root = Starlette(routes=routes, lifespan=self._lifespan,
                              exception_handlers={StarletteHTTPException: http_problem})
        if transport_to_self:
            transport: httpx.AsyncBaseTransport | None = httpx.ASGITransport(app=self.root)
            urls = {n: EMBEDDED_BASE for n in SERVICES}
        else:
            transport = None
            urls = {n: first.service_url(n) for n in SERVICES}
        self.runtimes: dict[str, Runtime] = {}
        self.apps = {}
        for name, s in self.settings.items():
            http = ServiceClient(urls, secret=secret, caller=name, transport=transport)
            rt = Runtime(load_spec(name), s, bus=bus, verifier=verifier, http=http)
            self.runtimes[name] = rt
            self.apps[name] = create_app(rt)
            self.root.router.routes.append(Mount(f"/{name}", app=self.apps[name]))
        self.portal_http: ServiceClient | None = None
        if set(self.runtimes) == set(SERVICES):
            from services.portal.app import create_portal
            from services.workspace.app import create_workspace

            self.portal_http = ServiceClient(urls, secret=secret, caller="portal", transport=transport)
            self.workspace = create_workspace(self.portal_http, first)
            self.root.router.routes.append(Mount("/workspace", app=self.workspace))
            self.root.router.routes.append(Mount("/", app=create_portal(self.portal_http, verifier, first)))
        if transport_to_self if local_calls is None else local_calls:  # one process: a service's listed routes answer by a direct call (issue 28)
            clients = [rt.http for rt in self.runtimes.values() if rt.http] + [c for c in (self.portal_http,) if c]
            for name, rt in self.runtimes.items():
                if rt.spec.local_routes:
                    local = LocalRoutes(name, rt, verifier, list(rt.spec.local_routes))
                    for client in clients:
                        client.serve_locally(local)
        self.started = False
        self.loop_watch = None  # shared.loop_watch.LoopWatch once started
        # A served process (``ecocomply serve``) freezes its start-up heap once started (shared.loop_watch).
        self.freeze_heap = False
        # The embedded mode migrates and seeds on start; a distributed service leaves that to
        # `ecocomply migrate` / `seed`, run once per deployment.
        self.auto_migrate = True

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self, *, migrate: bool = True, seed: bool = True, workers: bool | None = None) -> None:
        from shared.loop_watch import LoopWatch  # imported here: the module's imports stay as they were

        # This process's event loop lag, GC pauses and jobs in flight (shared.loop_watch), named for its role.
        who = next(iter(self.runtimes)) if len(self.runtimes) == 1 else "embedded"
        self.loop_watch = LoopWatch(f"{who}-{'worker' if workers else 'api'}")
        self.loop_watch.start()
        await self.bus.start()
        for rt in self.runtimes.values():
            if migrate:
                await rt.migrate()
            else:
                await self._say_if_behind(rt)
            if seed:
                await rt.seed()
        for rt in self.runtimes.values():
            if rt.settings.run_workers if workers is None else workers:
                await rt.start_workers()
        self.started = True

    @staticmethod
    async def _say_if_behind(rt: Runtime) -> None:
        """One line for the operator who started a service before migrating its database."""
        try:
            behind = await rt.schema_behind()
        except Exception as e:  # the database itself is unreachable: /readyz says so
            log.warning("%s: could not read the schema's migration revision: %s", rt.name, e)
            return
        if behind:
            log.warning("%s: the database schema is behind this version of the code (%s); "
                        "until then /readyz answers 503", rt.name, behind)

    async def stop(self) -> None:
        if self.loop_watch is not None:
            await self.loop_watch.stop()
        for rt in self.runtimes.values():
            await rt.stop_workers()
        await self.bus.stop()
        if self.portal_http is not None:
            await self.portal_http.aclose()
        for rt in self.runtimes.values():
            if rt.http:
                await rt.http.aclose()
            await rt.engine.dispose()
        self.started = False

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app):
        owns = not self.started
        if owns:
            await self.start(migrate=self.auto_migrate, seed=self.auto_migrate)
        if self.freeze_heap:
            from shared.loop_watch import freeze_startup_heap

            freeze_startup_heap()
        try:
            yield
        finally:
            if owns:
                await self.stop()

    async def _index(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "name": "EcoComply",
                "portal": "/", "enterprise_page": "/my",
                "services": {
                    n: {"api": f"/{n}/v1", "docs": f"/{n}/docs", "openapi": f"/{n}/openapi.json"}
                    for n in self.runtimes
                },
            }
        )

    async def _healthz(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "services": list(self.runtimes)})


def embedded_settings(data_dir: Path, **overrides) -> dict[str, Settings]:
    data_dir = private_dir(Path(data_dir))  # case and personal data: 0700, each database 0600 (issue 25 S18)
    for n in SERVICES:
        private_file(data_dir / f"{n}.db")
    return {
        n: Settings(
            service=n,
            database_url=f"sqlite+aiosqlite:///{(data_dir / f'{n}.db').resolve()}",
            event_bus="local",
            embedded=True,
            data_dir=data_dir,
            **overrides,
        )
        for n in SERVICES
    }


def embedded(data_dir: Path, **overrides) -> Composition:
    """The embedded default: all four services, SQLite, in-process bus, secret in the data dir."""
    secret = load_or_create_secret(Path(data_dir))
    comp = Composition(embedded_settings(data_dir, **overrides), bus=LocalBus(), secret=secret, transport_to_self=True)
    for rt in comp.runtimes.values():
        rt.preflight()  # e.g. the audit service's signing key is created in the data directory now
    return comp


def single(settings: Settings, *, for_migration: bool = False) -> Composition:
    """One service of a distributed deployment, configured from the environment. ``for_migration``:
    only the database is needed (``ecocomply migrate/seed --service``)."""
    if settings.service is None:
        raise RuntimeError("ECOCOMPLY_SERVICE (or --service) names the service to run")
    if for_migration:
        if not settings.database_url:
            raise RuntimeError("refusing to migrate, missing configuration: ECOCOMPLY_DATABASE_URL")
        return Composition({settings.service: settings}, bus=LocalBus(),
                           secret=settings.jwt_secret or "unused-for-migration", transport_to_self=False)
    settings.validate_for_production()
    bus = make_bus(settings)
    comp = Composition({settings.service: settings}, bus=bus, secret=settings.jwt_secret, transport_to_self=False)
    for rt in comp.runtimes.values():
        rt.preflight()  # e.g. the audit service refuses to start without its signing key
    return comp

"""Load: many concurrent clients for a while with a mix of reads and whole case lifecycles (filing to
decision), against the distributed mode — the four services as ``ecocomply serve --service NAME`` processes
(each with its pipeline process) on PostgreSQL and the Kafka protocol (librdkafka's mock cluster, or a real
broker with ``ECOCOMPLY_TEST_KAFKA_BOOTSTRAP``) — or the embedded one (``--mode embedded``: ``ecocomply
serve`` as ``make run`` starts it, SQLite and the in-process bus, its pipeline process beside it).

Reports errors (target 0), read and write latency p50/p95/p99 (target: read p99 ≤ 300 ms), a table per
endpoint (method and route, ids replaced), and the audit lag after the load stops (target: every flag within
20 s). To find the tail (issue 28 item 1) it samples every second what each process did — its event loop
lag and GC pauses, the periodic jobs that ran, the events its relay published, its CPU
(``shared.loop_watch``, scraped from ``/<service>/metrics`` and the workers' ``ECOCOMPLY_WORKER_METRICS_PORT``)
— PostgreSQL's checkpoints (``pg_stat_bgwriter``) and the machine's CPU, and lists the slowest seconds of
reads beside them.

``python -m bench.load [--clients 200] [--duration 300] [--think 5] [--mode distributed|embedded]``
(issue 13 item 8, issue 28)"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client.parser import text_string_to_metric_families

from bench.stats import pct
from services.testing.factories import CASES, CaseDriver
from services.testing.remote import EXE, came_up, children, free_port
from shared.auth import load_or_create_secret, mint_token
from shared.config import SERVICES
from shared.contracts import FLAGGED_DECISIONS
from shared.testing import kafka as kafka_infra
from shared.testing import postgres as pg_infra

SECRET = "load-bench-secret-" + "x" * 32
TYPES = ("no_penalty", "lighter", "mitigated", "penalty")
READ_TARGET_P99_MS = 300.0
DRAIN_TARGET_S = 20.0


class Routes(httpx.AsyncBaseTransport):
    """Sends ``/<service>/...`` to that service's port, as the deployment's proxy does."""

    def __init__(self, ports: dict[str, int]) -> None:
        self.ports = ports
        self.inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=400, max_keepalive_connections=400))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "load":  # a worker's metrics port is asked directly
            service = request.url.path.split("/")[1]
            request.url = request.url.copy_with(host="127.0.0.1", port=self.ports[service])
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


ID_SEGMENT = re.compile(r"^(?=.*\d)[0-9A-Za-z._:-]{6,}$|^\d+$|^[0-9a-fA-F-]{8,}$")


def route_of(method: str, path: str) -> str:
    """``GET /cases/v1/cases/{id}``: the path with its ids replaced, so that requests group by endpoint."""
    return method + " " + "/".join("{id}" if ID_SEGMENT.match(seg) else seg for seg in path.split("/"))


class Recorder:
    """Every HTTP exchange: when it started (seconds into the load), its endpoint, latency and status."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.calls: list[tuple[float, str, bool, float, int]] = []  # (start, endpoint, is_read, seconds, status)
        self.status: Counter = Counter()
        self.errors: list[str] = []

    async def on_request(self, request: httpx.Request) -> None:
        request.extensions["t0"] = time.perf_counter()

    async def on_response(self, response: httpx.Response) -> None:
        req = response.request
        t0 = req.extensions["t0"]
        self.calls.append((t0 - self.t0, route_of(req.method, req.url.path), req.method == "GET",
                           time.perf_counter() - t0, response.status_code))
        self.status[response.status_code // 100 * 100] += 1
        if response.status_code >= 500 or response.status_code == 429:
            await response.aread()
            self.errors.append(f"{req.method} {req.url.path}: {response.status_code} {response.text[:200]}")

    def during(self, start: float, end: float) -> list[tuple[float, str, bool, float, int]]:
        return [c for c in self.calls if start <= c[0] < end]


def log_fd(path: Path) -> int:
    """A file for a process's stderr (its JSON log: the "event loop blocked" warnings)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


class Cluster:
    """The distributed deployment, started from nothing: databases, topics, keys, migrations, processes."""

    mode = "distributed"

    def __init__(self, tmp: Path, recorder: Recorder) -> None:
        self.tmp = tmp
        self.ports = {n: free_port() for n in SERVICES}
        self.worker_ports = {n: free_port() for n in SERVICES}
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self.dbs: dict[str, str] = {}
        self.client = httpx.AsyncClient(transport=Routes(self.ports), base_url="http://load", timeout=120,
                                        event_hooks={"request": [recorder.on_request], "response": [recorder.on_response]})
        # The samplers' own client: its scrapes are not the load's requests.
        self.scraper = httpx.AsyncClient(transport=Routes(self.ports), base_url="http://load", timeout=5)

    def describe(self) -> str:
        return f"the distributed mode (PostgreSQL + {kafka_infra.describe()})"

    def metric_sources(self) -> dict[str, str]:
        """process name → its Prometheus text URL."""
        out = {f"{n}-api": f"http://load/{n}/metrics" for n in SERVICES}
        out.update({f"{n}-worker": f"http://127.0.0.1:{p}/" for n, p in self.worker_ports.items()})
        return out

    def logs(self) -> list[Path]:
        return [self.tmp / f"{n}.log" for n in SERVICES]

    def pids(self) -> dict[str, int]:
        out = {}
        for n, p in self.procs.items():
            out[f"{n}-api"] = p.pid
            out.update(zip([f"{n}-worker"], children(p.pid), strict=False))
        return out

    def auth(self, sub: str, *roles: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + mint_token(SECRET, sub=sub, roles=list(roles), **claims)}

    def env(self, service: str) -> dict[str, str]:
        key = self.tmp / "audit_signing_key.pem"
        if not key.exists():
            key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        env = {k: v for k, v in os.environ.items() if not k.startswith("ECOCOMPLY_")}
        env.update({
            "ECOCOMPLY_SERVICE": service, "ECOCOMPLY_DATABASE_URL": self.dbs[service],
            "ECOCOMPLY_EVENT_BUS": "kafka", "ECOCOMPLY_KAFKA_BOOTSTRAP": kafka_infra.bootstrap(),
            "ECOCOMPLY_TOPIC_PREFIX": self.prefix, "ECOCOMPLY_JWT_SECRET": SECRET,
            "ECOCOMPLY_SECRETS_KEY": self.secrets_key, "ECOCOMPLY_AUDIT_SIGNING_KEY_FILE": str(key),
            "ECOCOMPLY_WRITE_RATE_LIMIT": "100000/second", "ECOCOMPLY_LOG_LEVEL": "WARNING",
            "ECOCOMPLY_WORKER_METRICS_PORT": str(self.worker_ports[service]),
            **{f"ECOCOMPLY_{n.upper()}_URL": f"http://127.0.0.1:{p}" for n, p in self.ports.items()},
        })
        if kafka_infra.is_mock():
            env.update({"ECOCOMPLY_KAFKA_SESSION_TIMEOUT_MS": "2000", "ECOCOMPLY_KAFKA_HEARTBEAT_INTERVAL_MS": "500"})
        return env

    async def start(self) -> None:
        self.prefix = f"load{uuid.uuid4().hex[:8]}"
        self.secrets_key = Fernet.generate_key().decode()
        for n in SERVICES:
            self.dbs[n] = await pg_infra.create_database(f"load_{n}_{uuid.uuid4().hex[:8]}")
        for n in SERVICES:  # seed: the checklist's lists, the cases service's calendar and example bureaus
            step = "seed" if n in ("checklist", "cases") else "migrate"
            proc = await asyncio.create_subprocess_exec(str(EXE), step, "--service", n, env=self.env(n),
                                                        stdout=asyncio.subprocess.DEVNULL)
            if await proc.wait() != 0:
                raise RuntimeError(f"ecocomply {step} --service {n} failed")
        for n in SERVICES:
            log = log_fd(self.tmp / f"{n}.log")
            try:
                self.procs[n] = await asyncio.create_subprocess_exec(
                    str(EXE), "serve", "--service", n, "--port", str(self.ports[n]), env=self.env(n),
                    stdout=asyncio.subprocess.DEVNULL, stderr=log)
            finally:
                os.close(log)
        deadline = time.monotonic() + 120
        for n in SERVICES:
            while True:
                try:
                    r = await self.client.get(f"/{n}/readyz")
                    if r.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{n} did not become ready")
                await asyncio.sleep(0.5)

    async def checkpoints(self) -> dict[str, float] | None:
        """PostgreSQL's checkpoint counters (the server's, whatever database is asked)."""
        import asyncpg

        if getattr(self, "_pg", None) is None or self._pg.is_closed():
            url = self.dbs["checklist"].replace("postgresql+asyncpg://", "postgresql://")
            self._pg = await asyncpg.connect(url)
        try:
            row = await self._pg.fetchrow(
                "SELECT checkpoints_timed + checkpoints_req AS checkpoints, checkpoint_write_time + "
                "checkpoint_sync_time AS checkpoint_ms, buffers_checkpoint, buffers_backend FROM pg_stat_bgwriter")
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            self._pg.terminate()
            self._pg = None
            raise
        return {k: float(v) for k, v in row.items()}

    async def stop(self) -> None:
        await self.client.aclose()
        await self.scraper.aclose()
        if getattr(self, "_pg", None) is not None:
            await self._pg.close()
        for p in self.procs.values():
            if p.returncode is None:
                p.terminate()
        for p in self.procs.values():
            try:
                await asyncio.wait_for(p.wait(), 30)
            except TimeoutError:
                p.kill()
        for url in self.dbs.values():
            await pg_infra.drop_database(url)


class Embedded:
    """``ecocomply serve`` as ``make run`` starts it: the four services in one process on SQLite and the
    in-process bus, the pipeline (relays, consumers, jobs) in its second process."""

    mode = "embedded"

    def __init__(self, tmp: Path, recorder: Recorder) -> None:
        self.tmp = tmp
        self.data_dir = tmp / "var"
        self.port, self.worker_port = free_port(), free_port()
        self.proc: asyncio.subprocess.Process | None = None
        base = f"http://127.0.0.1:{self.port}"
        limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
        self.client = httpx.AsyncClient(base_url=base, timeout=120, limits=limits,
                                        event_hooks={"request": [recorder.on_request], "response": [recorder.on_response]})
        self.scraper = httpx.AsyncClient(base_url=base, timeout=5)

    def describe(self) -> str:
        return "the embedded mode (SQLite + the in-process bus, pipeline in its own process)"

    def metric_sources(self) -> dict[str, str]:
        return {"embedded-api": f"http://127.0.0.1:{self.port}/checklist/metrics",
                "embedded-worker": f"http://127.0.0.1:{self.worker_port}/"}

    def logs(self) -> list[Path]:
        return [self.tmp / "embedded.log"]

    def pids(self) -> dict[str, int]:
        if self.proc is None:
            return {}
        return {"embedded-api": self.proc.pid, **dict(zip(["embedded-worker"], children(self.proc.pid), strict=False))}

    def auth(self, sub: str, *roles: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + mint_token(self.secret, sub=sub, roles=list(roles), **claims)}

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ECOCOMPLY_")}
        env.update({"ECOCOMPLY_WRITE_RATE_LIMIT": "100000/second", "ECOCOMPLY_LOG_LEVEL": "WARNING",
                    "ECOCOMPLY_WORKER_METRICS_PORT": str(self.worker_port)})
        log = log_fd(self.tmp / "embedded.log")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                str(EXE), "serve", "--port", str(self.port), "--data-dir", str(self.data_dir), env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log)
        finally:
            os.close(log)
        if not await came_up(self.client, self.proc, 120):
            raise RuntimeError("ecocomply serve did not come up: " + (self.tmp / "embedded.log").read_text()[-2000:])
        self.secret = load_or_create_secret(self.data_dir)

    async def checkpoints(self) -> dict[str, float] | None:
        return None  # SQLite checkpoints its WAL inside a committing connection: it shows as that write's time

    async def stop(self) -> None:
        await self.client.aclose()
        await self.scraper.aclose()
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine (/proc/stat): what else runs on the cores shows here."""
    f = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0.0)
    return sum(f) - idle, sum(f)


def runq_wait_s(pid: int) -> float:
    """Seconds the process's threads have waited for a core (``/proc/<pid>/task/*/schedstat``, 2nd field):
    a process that is ready to run but not running — the machine is short of CPU, whatever the code does."""
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e9


def parse_metrics(text: str) -> dict[str, float]:
    """The counters the timeline needs from one process's Prometheus text, summed over their labels but
    the job's name: lag (sum, count, count over 100 ms, last second's max), GC pause seconds, CPU seconds,
    events published, and each periodic job's runs and seconds."""
    out: Counter = Counter()
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            n, lb, v = s.name, s.labels, s.value
            if n == "ecocomply_event_loop_lag_seconds_sum":
                out["lag_s"] += v
            elif n == "ecocomply_event_loop_lag_seconds_count":
                out["lag_n"] += v
            elif n == "ecocomply_event_loop_lag_seconds_bucket" and lb.get("le") == "0.1":
                out["lag_le_100ms"] += v
            elif n == "ecocomply_event_loop_lag_max_seconds":
                out["lag_max_s"] = max(out["lag_max_s"], v)
            elif n == "ecocomply_gc_pause_seconds_sum":
                out["gc_s"] += v
            elif n == "ecocomply_gc_pause_seconds_count" and lb.get("generation") == "2":
                out["gc2_n"] += v
            elif n == "ecocomply_sqlite_begin_wait_seconds_sum":
                out["begin_wait_s"] += v
            elif n == "ecocomply_sqlite_begin_wait_seconds_count":
                out["begins"] += v
            elif n == "process_cpu_seconds_total":
                out["cpu_s"] += v
            elif n == "ecocomply_events_published_total":
                out["published"] += v
            elif n == "ecocomply_job_duration_seconds_count":
                out[f"job:{lb['job']}:n"] += v
            elif n == "ecocomply_job_duration_seconds_sum":
                out[f"job:{lb['job']}:s"] += v
    out["lag_over_100ms"] = out["lag_n"] - out["lag_le_100ms"]
    return dict(out)


class Timeline:
    """Samples every second what each process did (its metrics' deltas) and the machine's CPU."""

    def __init__(self, c: Cluster | Embedded, t0: float) -> None:
        self.c, self.t0 = c, t0
        self.seconds: list[dict] = []
        self.prev: dict[str, dict[str, float]] = {}
        self.prev_pg: dict[str, float] | None = None
        self.prev_cpu = machine_cpu()
        self.prev_gen = time.process_time()
        self.prev_at = 0.0

    async def scrape(self) -> dict[str, dict[str, float]]:
        async def one(name: str, url: str) -> tuple[str, dict[str, float] | None]:
            try:
                r = await self.c.scraper.get(url)
                return name, parse_metrics(r.text) if r.status_code == 200 else None
            except httpx.HTTPError:
                return name, None
        got = await asyncio.gather(*(one(n, u) for n, u in self.c.metric_sources().items()))
        return {n: m for n, m in got if m is not None}

    async def tick(self) -> None:
        now = await self.scrape()
        at = time.perf_counter() - self.t0  # when the counters were read (a scrape can take seconds)
        if not hasattr(self, "pids"):
            self.pids = self.c.pids()
        for name, pid in self.pids.items():
            if name in now:
                now[name]["runq_s"] = runq_wait_s(pid)
        try:
            pg = await self.c.checkpoints()
        except Exception as e:  # the counters are lost for this second, not the processes' metrics
            print(f"[load] checkpoint sample failed: {type(e).__name__}: {e}", file=sys.stderr)
            pg = None
        cpu, gen = machine_cpu(), time.process_time()
        if self.prev:
            # A sample covers (from, t]: under a saturated machine a scrape takes seconds, so its amounts are
            # given per second of its span (CPU, waits, GC) or as totals over it (counts, jobs).
            span = max(at - self.prev_at, 1e-3)
            sec: dict[str, Any] = {"from": round(self.prev_at, 1), "t": round(at, 1), "span_s": round(span, 1),
                                   "procs": {}}
            for name, m in now.items():
                p = self.prev.get(name)
                if p is None:
                    continue
                d = {k: v - p.get(k, 0.0) for k, v in m.items() if k != "lag_max_s"}
                jobs = {k.split(":")[1]: (round(d[k]), round(d.get(k[:-1] + "s", 0.0) * 1000, 1))
                        for k in d if k.startswith("job:") and k.endswith(":n") and d[k] > 0}
                sec["procs"][name] = {
                    "cpu_pct": round(d.get("cpu_s", 0.0) / span * 100),
                    "runq_ms": round(d.get("runq_s", 0.0) / span * 1000),
                    "lag_max_ms": round(m.get("lag_max_s", 0.0) * 1000),
                    "lag_over_100ms": round(d.get("lag_over_100ms", 0.0)),
                    "gc_ms": round(d.get("gc_s", 0.0) / span * 1000, 1),
                    "gc2": round(d.get("gc2_n", 0.0)), "begins": round(d.get("begins", 0.0)),
                    "begin_wait_ms": round(d.get("begin_wait_s", 0.0) / span * 1000, 1),
                    "published": round(d.get("published", 0.0)), "jobs": jobs}
            busy, total = cpu[0] - self.prev_cpu[0], cpu[1] - self.prev_cpu[1]
            sec["machine_cpu_pct"] = round(100 * busy / total * (os.cpu_count() or 1)) if total else None
            sec["loadgen_cpu_pct"] = round((gen - self.prev_gen) / span * 100)
            if pg is not None and self.prev_pg:
                sec["pg"] = {k: v - self.prev_pg[k] for k, v in pg.items()}
            self.seconds.append(sec)
        self.prev, self.prev_cpu, self.prev_gen, self.prev_at = now, cpu, gen, at
        self.prev_pg = pg

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            t = time.monotonic()
            try:
                await self.tick()
            except Exception as e:  # a sample lost is not the load's error
                print(f"[load] timeline sample failed: {type(e).__name__}: {e}", file=sys.stderr)
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - t)))


def blocked_warnings(logs: list[Path], wall0: float) -> list[dict]:
    """The processes' "event loop blocked" and other warnings (JSON log lines), at their second of the load."""
    from datetime import datetime

    out = []
    for path in logs:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            try:
                rec = json.loads(line)
                at = datetime.fromisoformat(rec["ts"]).timestamp() - wall0
            except (ValueError, KeyError, TypeError):
                continue
            if at >= 0:
                exc = str(rec.get("exc") or "").strip().splitlines()
                out.append({"t": round(at, 1), "level": rec.get("level"), "logger": rec.get("logger"),
                            "msg": str(rec.get("msg"))[:200] + (f" ({exc[-1][:200]})" if exc else "")})
    return out


async def flag_total(c: Cluster | Embedded) -> int:
    r = await c.client.get("/audit/v1/flags", params={"size": 1}, headers=c.auth("auditor-1", "auditor"))
    return int(r.json()["total"]) if r.status_code == 200 else -1


async def client_loop(c: Cluster | Embedded, drv: CaseDriver, rng: random.Random, until: float, decided: Counter,
                      rec: Recorder, write_share: float, think: float) -> None:
    officer, auditor = drv.off, c.auth("auditor-1", "auditor")
    reads = [
        lambda: c.client.get("/checklist/v1/guidance-items", params={"q": rng.choice(["废水", "排污", "危险废物", "噪声"])},
                             headers=officer),
        lambda: c.client.get(f"{CASES}/cases", params={"size": 20}, headers=officer),
        lambda: c.client.get("/audit/v1/flags", params={"size": 20}, headers=auditor),
        lambda: c.client.get("/checklist/v1/no-penalty-items", headers=officer),
    ]
    if think > 0:  # the clients arrive over the first think time, not all in the first instant
        await asyncio.sleep(rng.uniform(0, think))
    while time.monotonic() < until:
        try:
            if rng.random() < write_share:
                t = rng.choice(TYPES)
                await drv.decided_case(t)
                decided[t] += 1
            else:
                await rng.choice(reads)()
        except (AssertionError, httpx.HTTPError) as e:
            req = getattr(e, "_request", None)  # an HTTP error: which request, and when in the load
            where = f" on {req.method} {req.url.path} at s={time.perf_counter() - rec.t0:.1f}" if req is not None else ""
            rec.errors.append(f"{type(e).__name__}{where}: {str(e)[:200]}")
        if think > 0:  # a person reads the answer before the next click (exponential, mean ``think``)
            await asyncio.sleep(min(rng.expovariate(1 / think), max(0.0, until - time.monotonic())))


def ms(v: float | None) -> float | None:
    return None if v is None else round(v * 1000, 1)


def lat_summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": ms(pct(values, 50)), "p95_ms": ms(pct(values, 95)),
            "p99_ms": ms(pct(values, 99)), "max_ms": ms(max(values) if values else None)}


def per_endpoint(calls: list) -> list[dict]:
    by: dict[str, list] = {}
    for c in calls:
        by.setdefault(c[1], []).append(c)
    rows = []
    for ep, cs in by.items():
        rows.append({"endpoint": ep, **lat_summary([c[3] for c in cs]),
                     "errors": sum(1 for c in cs if c[4] >= 500 or c[4] == 429)})
    return sorted(rows, key=lambda r: (-(r["p99_ms"] or 0)))


def per_second(calls: list, duration: float) -> list[dict]:
    out = []
    for s in range(int(duration) + 1):
        reads = [c[3] for c in calls if int(c[0]) == s and c[2]]
        writes = [c[3] for c in calls if int(c[0]) == s and not c[2]]
        out.append({"s": s, "reads": len(reads), "reads_p99_ms": ms(pct(reads, 99)),
                    "reads_max_ms": ms(max(reads) if reads else None), "writes": len(writes),
                    "writes_p99_ms": ms(pct(writes, 99))})
    return out


async def run(args: argparse.Namespace) -> dict:
    rec = Recorder()
    with tempfile.TemporaryDirectory() as d:
        c: Cluster | Embedded = (Embedded if args.mode == "embedded" else Cluster)(Path(d), rec)
        t_start = time.monotonic()
        await c.start()
        try:
            drv0 = CaseDriver(c)
            await drv0.certify()
            before = await flag_total(c)
            decided: Counter = Counter()
            until = time.monotonic() + args.duration
            rngs = [random.Random(i) for i in range(args.clients)]
            print(f"[load] {args.clients} clients for {args.duration} s against {c.describe()} "
                  f"(started in {time.monotonic() - t_start:.0f} s)", file=sys.stderr, flush=True)
            rec.calls.clear()
            rec.status.clear()
            load_t0, wall0 = time.perf_counter(), time.time()
            rec.t0 = load_t0  # every call's and error's time: seconds into the load
            timeline = Timeline(c, load_t0)
            sampler = asyncio.create_task(timeline.run(until))
            await asyncio.gather(*(client_loop(c, drv0, rngs[i], until, decided, rec, args.write_share, args.think)
                                   for i in range(args.clients)))
            await sampler
            stopped = time.monotonic()
            expected = before + sum(v for t, v in decided.items() if t in FLAGGED_DECISIONS)
            got = await flag_total(c)
            while got < expected and time.monotonic() - stopped < 300:
                await asyncio.sleep(0.2)  # polling the API, as a dashboard would
                got = await flag_total(c)
            drain = time.monotonic() - stopped
        finally:
            await c.stop()
        warnings = blocked_warnings(c.logs(), wall0)

    calls = rec.calls
    lat = {"read": lat_summary([x[3] for x in calls if x[2]]), "write": lat_summary([x[3] for x in calls if not x[2]])}
    seconds = per_second(calls, args.duration)
    for s in seconds:  # the sample whose span covers the second (per second amounts: see Timeline.tick)
        s["during"] = next((x for x in timeline.seconds if x["from"] < s["s"] + 1 and s["s"] < x["t"]), None)
        s["warnings"] = [w for w in warnings if int(w["t"]) == s["s"]]
    return {"mode": c.mode, "setup": c.describe(), "clients": args.clients, "duration_s": args.duration,
            "think_s": args.think, "errors": len(rec.errors), "error_samples": rec.errors[:10],
            "status": dict(rec.status), "latency": lat, "endpoints": per_endpoint(calls), "seconds": seconds,
            "slowest_requests": [{"t": round(x[0], 1), "endpoint": x[1], "ms": ms(x[3]), "status": x[4]}
                                 for x in sorted(calls, key=lambda x: -x[3])[:15]],
            "warnings": warnings[:200], "decided": dict(decided), "flags_expected": expected - before,
            "flags_seen": got - before, "audit_drain_s": round(drain, 2)}


def describe_second(s: dict) -> str:
    d = s.get("during") or {}
    parts = [f"(sampled over {d['span_s']} s)"] if d.get("span_s", 1.0) > 1.5 else []
    for name, p in sorted((d.get("procs") or {}).items()):
        bits = [f"cpu {p['cpu_pct']}%"] + ([f"waited for a core {p['runq_ms']} ms/s"] if p.get("runq_ms", 0) >= 50 else [])
        if p["lag_max_ms"] >= 20 or p["lag_over_100ms"]:
            bits.append(f"lag max {p['lag_max_ms']} ms")
        if p["gc_ms"] >= 5:
            bits.append(f"gc {p['gc_ms']} ms/s" + (f" (gen2 ×{p['gc2']})" if p["gc2"] else ""))
        if p.get("begin_wait_ms", 0) >= 5:
            bits.append(f"SQLite write lock waited {p['begin_wait_ms']} ms/s over {p['begins']} BEGINs")
        if p["published"]:
            bits.append(f"relay {p['published']} ev")
        for job, (n, jms) in p["jobs"].items():
            if jms >= 5:
                bits.append(f"{job} ×{n} {jms} ms")
        parts.append(f"{name}: " + ", ".join(bits))
    if d.get("pg") and d["pg"].get("checkpoints"):
        parts.append(f"PostgreSQL checkpoint ({d['pg']['checkpoint_ms']:.0f} ms, {d['pg']['buffers_checkpoint']:.0f} buffers)")
    elif d.get("pg") and d["pg"].get("buffers_checkpoint"):
        parts.append(f"PostgreSQL checkpoint writing {d['pg']['buffers_checkpoint']:.0f} buffers")
    if d:
        parts.append(f"machine CPU {d.get('machine_cpu_pct')}% of {(os.cpu_count() or 1) * 100}% "
                     f"(load generator {d.get('loadgen_cpu_pct')}%)")
    for w in s.get("warnings", [])[:3]:
        parts.append(f"log: {w['msg']}")
    return "; ".join(parts)


def report(r: dict) -> list[str]:
    read_p99 = r["latency"]["read"]["p99_ms"] or 0.0
    pace = f"think time {r['think_s']} s (mean)" if r.get("think_s") else "closed loop (no think time)"
    lines = [f"load: {r['clients']} clients × {r['duration_s']} s, {pace}, against {r['setup']}",
             f"  errors: {r['errors']} (target 0: {'PASS' if r['errors'] == 0 else 'MISS'}); statuses {r['status']}"]
    for k, v in r["latency"].items():
        lines.append(f"  {k:5s}: n={v['n']} p50 {v['p50_ms']} ms  p95 {v['p95_ms']} ms  p99 {v['p99_ms']} ms  "
                     f"max {v['max_ms']} ms")
    lines.append(f"  read p99 target <= {READ_TARGET_P99_MS:.0f} ms: {'PASS' if read_p99 <= READ_TARGET_P99_MS else 'MISS'}")
    lines.append(f"  decided {sum(r['decided'].values())} cases {r['decided']}; audit drained "
                 f"{r['flags_seen']}/{r['flags_expected']} flags {r['audit_drain_s']} s after the load stopped "
                 f"(target <= {DRAIN_TARGET_S:.0f} s: {'PASS' if r['audit_drain_s'] <= DRAIN_TARGET_S and r['flags_seen'] >= r['flags_expected'] else 'MISS'})")
    lines.append("  per endpoint (ids replaced), slowest p99 first:")
    lines.append(f"    {'endpoint':60s} {'count':>6s} {'errors':>6s} {'p50':>7s} {'p95':>7s} {'p99':>7s} {'max':>7s}  (ms)")
    for e in r["endpoints"]:
        lines.append(f"    {e['endpoint'][:60]:60s} {e['n']:6d} {e['errors']:6d} {e['p50_ms']:7.1f} {e['p95_ms']:7.1f} "
                     f"{e['p99_ms']:7.1f} {e['max_ms']:7.1f}")
    active = [s for s in r["seconds"] if s["reads"]]
    lines.append("  reads per second: " + " ".join(f"{s['reads']}" for s in active))
    lines.append("  reads p99 per second (ms): " + " ".join(f"{s['reads_p99_ms']:.0f}" for s in active))
    lines.append("  slowest seconds (by reads' max) and what ran in them:")
    for s in sorted(active, key=lambda s: -(s["reads_max_ms"] or 0))[:8]:
        lines.append(f"    s={s['s']:4d}: reads {s['reads']} p99 {s['reads_p99_ms']} max {s['reads_max_ms']} ms, "
                     f"writes {s['writes']} p99 {s['writes_p99_ms']} ms — {describe_second(s)}")
    lines.append("  slowest requests: " + "; ".join(f"{x['endpoint']} {x['ms']} ms at s={x['t']}"
                                                    for x in r["slowest_requests"][:8]))
    for e in r["error_samples"]:
        lines.append(f"    error: {e}")
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--duration", type=float, default=300.0)
    p.add_argument("--mode", choices=("distributed", "embedded"), default="distributed",
                   help="distributed: four `ecocomply serve --service NAME` on PostgreSQL + the Kafka protocol; "
                        "embedded: `ecocomply serve` (SQLite, in-process bus) as `make run` starts it")
    p.add_argument("--write-share", type=float, default=0.05, help="share of client iterations that run a whole "
                   "case lifecycle (about 15 writes) instead of one read")
    p.add_argument("--think", type=float, default=0.0, help="mean seconds a client waits between iterations "
                   "(exponential; 0 = closed loop, every client sends its next request at once)")
    p.add_argument("--out", default=None, help="JSON result (default bench/results/load-<mode>.json)")
    return p.parse_args(argv)


async def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    r = await run(args)
    print("\n".join(report(r)))
    write(Path(args.out or f"bench/results/load-{args.mode}.json"), r)


def write(out: Path, r: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())

"""Load: many concurrent clients for a while against the distributed mode — the four services as
``ecocomply serve --service NAME`` processes (each with its pipeline process) on PostgreSQL and the Kafka
protocol (librdkafka's mock cluster, or a real broker with ``ECOCOMPLY_TEST_KAFKA_BOOTSTRAP``) — with a mix
of reads and whole case lifecycles (filing to decision). Reports errors (target 0), read and write
latency p50/p95/p99 (target: read p99 ≤ 300 ms) and the audit lag after the load stops (target: every
flag within 20 s).

``python -m bench.load [--clients 200] [--duration 300]`` (issue 13 item 8)"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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

from bench.stats import pct
from services.testing.factories import CASES, CaseDriver
from services.testing.remote import EXE, free_port
from shared.auth import mint_token
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
        service = request.url.path.split("/")[1]
        request.url = request.url.copy_with(host="127.0.0.1", port=self.ports[service])
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Recorder:
    """Every HTTP exchange's latency by kind (GET: read; else write) and its status."""

    def __init__(self) -> None:
        self.lat: dict[str, list[float]] = {"read": [], "write": []}
        self.status: Counter = Counter()
        self.errors: list[str] = []

    async def on_request(self, request: httpx.Request) -> None:
        request.extensions["t0"] = time.perf_counter()

    async def on_response(self, response: httpx.Response) -> None:
        kind = "read" if response.request.method == "GET" else "write"
        self.lat[kind].append(time.perf_counter() - response.request.extensions["t0"])
        self.status[response.status_code // 100 * 100] += 1
        if response.status_code >= 500 or response.status_code == 429:
            await response.aread()
            self.errors.append(f"{response.request.method} {response.request.url.path}: "
                               f"{response.status_code} {response.text[:200]}")


class Cluster:
    """The distributed deployment, started from nothing: databases, topics, keys, migrations, processes."""

    def __init__(self, tmp: Path, recorder: Recorder) -> None:
        self.tmp = tmp
        self.ports = {n: free_port() for n in SERVICES}
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self.dbs: dict[str, str] = {}
        self.client = httpx.AsyncClient(transport=Routes(self.ports), base_url="http://load", timeout=120,
                                        event_hooks={"request": [recorder.on_request], "response": [recorder.on_response]})

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
        for n in SERVICES:
            step = "seed" if n == "checklist" else "migrate"
            proc = await asyncio.create_subprocess_exec(str(EXE), step, "--service", n, env=self.env(n),
                                                        stdout=asyncio.subprocess.DEVNULL)
            if await proc.wait() != 0:
                raise RuntimeError(f"ecocomply {step} --service {n} failed")
        for n in SERVICES:
            self.procs[n] = await asyncio.create_subprocess_exec(
                str(EXE), "serve", "--service", n, "--port", str(self.ports[n]), env=self.env(n),
                stdout=asyncio.subprocess.DEVNULL)
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

    async def stop(self) -> None:
        await self.client.aclose()
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


async def flag_total(c: Cluster) -> int:
    r = await c.client.get("/audit/v1/flags", params={"size": 1}, headers=c.auth("auditor-1", "auditor"))
    return int(r.json()["total"]) if r.status_code == 200 else -1


async def client_loop(c: Cluster, drv: CaseDriver, rng: random.Random, until: float, decided: Counter,
                      rec: Recorder, write_share: float, think: float) -> None:
    officer, auditor = drv.off, c.auth("auditor-1", "auditor")
    reads = [
        lambda: c.client.get("/checklist/v1/guidance-items", params={"q": rng.choice(["废水", "排污", "危险废物", "噪声"])},
                             headers=officer),
        lambda: c.client.get(f"{CASES}/cases", params={"size": 20}, headers=officer),
        lambda: c.client.get("/audit/v1/flags", params={"size": 20}, headers=auditor),
        lambda: c.client.get("/checklist/v1/no-penalty-items", headers=officer),
    ]
    while time.monotonic() < until:
        try:
            if rng.random() < write_share:
                t = rng.choice(TYPES)
                await drv.decided_case(t)
                decided[t] += 1
            else:
                await rng.choice(reads)()
        except (AssertionError, httpx.HTTPError) as e:
            rec.errors.append(f"{type(e).__name__}: {str(e)[:200]}")
        if think > 0:  # a person reads the answer before the next click (exponential, mean ``think``)
            await asyncio.sleep(min(rng.expovariate(1 / think), max(0.0, until - time.monotonic())))


async def run(args: argparse.Namespace) -> dict:
    rec = Recorder()
    with tempfile.TemporaryDirectory() as d:
        c = Cluster(Path(d), rec)
        t_start = time.monotonic()
        await c.start()
        try:
            drv0 = CaseDriver(c)
            await drv0.certify()
            before = await flag_total(c)
            decided: Counter = Counter()
            until = time.monotonic() + args.duration
            rngs = [random.Random(i) for i in range(args.clients)]
            print(f"[load] {args.clients} clients for {args.duration} s (started in {time.monotonic() - t_start:.0f} s)",
                  file=sys.stderr, flush=True)
            await asyncio.gather(*(client_loop(c, drv0, rngs[i], until, decided, rec, args.write_share, args.think)
                                   for i in range(args.clients)))
            stopped = time.monotonic()
            expected = before + sum(v for t, v in decided.items() if t in FLAGGED_DECISIONS)
            got = await flag_total(c)
            while got < expected and time.monotonic() - stopped < 300:
                await asyncio.sleep(0.2)  # polling the API, as a dashboard would
                got = await flag_total(c)
            drain = time.monotonic() - stopped
        finally:
            await c.stop()

    def ms(v):
        return None if v is None else round(v * 1000, 1)

    lat = {k: {"n": len(v), "p50_ms": ms(pct(v, 50)), "p95_ms": ms(pct(v, 95)), "p99_ms": ms(pct(v, 99))}
           for k, v in rec.lat.items()}
    return {"clients": args.clients, "duration_s": args.duration, "think_s": args.think,
            "kafka": kafka_infra.describe(),
            "errors": len(rec.errors), "error_samples": rec.errors[:10], "status": dict(rec.status),
            "latency": lat, "decided": dict(decided), "flags_expected": expected - before, "flags_seen": got - before,
            "audit_drain_s": round(drain, 2)}


def report(r: dict) -> list[str]:
    read_p99 = r["latency"]["read"]["p99_ms"] or 0.0
    pace = f"think time {r['think_s']} s (mean)" if r.get("think_s") else "closed loop (no think time)"
    lines = [f"load: {r['clients']} clients × {r['duration_s']} s, {pace}, against the distributed mode "
             f"(PostgreSQL + {r['kafka']})",
             f"  errors: {r['errors']} (target 0: {'PASS' if r['errors'] == 0 else 'MISS'}); statuses {r['status']}"]
    for k, v in r["latency"].items():
        lines.append(f"  {k:5s}: n={v['n']} p50 {v['p50_ms']} ms  p95 {v['p95_ms']} ms  p99 {v['p99_ms']} ms")
    lines.append(f"  read p99 target <= {READ_TARGET_P99_MS:.0f} ms: {'PASS' if read_p99 <= READ_TARGET_P99_MS else 'MISS'}")
    lines.append(f"  decided {sum(r['decided'].values())} cases {r['decided']}; audit drained "
                 f"{r['flags_seen']}/{r['flags_expected']} flags {r['audit_drain_s']} s after the load stopped "
                 f"(target <= {DRAIN_TARGET_S:.0f} s: {'PASS' if r['audit_drain_s'] <= DRAIN_TARGET_S and r['flags_seen'] >= r['flags_expected'] else 'MISS'})")
    for e in r["error_samples"]:
        lines.append(f"    error: {e}")
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--duration", type=float, default=300.0)
    p.add_argument("--write-share", type=float, default=0.05, help="share of client iterations that run a whole "
                   "case lifecycle (about 15 writes) instead of one read")
    p.add_argument("--think", type=float, default=0.0, help="mean seconds a client waits between iterations "
                   "(exponential; 0 = closed loop, every client sends its next request at once)")
    p.add_argument("--out", default="bench/results/load.json")
    return p.parse_args(argv)


async def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    r = await run(args)
    print("\n".join(report(r)))
    write(Path(args.out), r)


def write(out: Path, r: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())

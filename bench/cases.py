"""Cases service benchmark on each setup (SQLite + in-process bus; PostgreSQL + the Kafka protocol):

* full lifecycles per second — file → evidence → investigation → legal review → 事先告知 → waiver →
  decision → (credit notice from the credit service) → service (三书同时送达) — next to a bare FastAPI
  endpoint doing, per request, the same number of INSERTs the cases database received per lifecycle
  (counted in this run), at the same concurrency, on a fresh database of the same kind — issue 12's
  target: lifecycles/s ≥ 0.25× the baseline's requests/s (PASS/MISS);
* ``GET /cases/{id}`` p50/p95 on the decided cases;
* ``GET /cases`` with filters p50/p95 over ``--list-size`` cases (bulk-inserted rows of realistic
  shape spread over bureaus, states, decision types and a year of dates).

    .venv/bin/python -m bench.cases [--n 200] [--setups sqlite-local,postgres-kafka]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, event, insert

from bench.stats import BenchError, pct, pool
from services.cases.models import Case, Enterprise
from services.testing.factories import CASES, CORRECTION_ORDER, new_uscc, next_act_date
from services.testing.stack import build_stack
from shared import clock
from shared.db import make_engine
from shared.testing import postgres as pg_infra

BUREAUS = ["320509", "320581", "320571", "320582", "320583"]
STATES = ["filed", "investigated", "reviewed", "notified", "decided", "served", "closed"]
TYPES = [None, "penalty", "no_penalty", "lighter", "mitigated", "heavier"]
SETUPS = ("sqlite-local", "postgres-kafka")
FINE = 150000.0
TARGET_RATIO = 0.25  # issue 12: full lifecycle >= 0.25x of the bare endpoint doing the same INSERTs

BARE_CLOCK = clock.Clock()  # the baseline endpoint's "now", as cheap as the product's


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench.cases")
    p.add_argument("--n", type=int, default=200, help="full lifecycles (default 200)")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--reads", type=int, default=500)
    p.add_argument("--list-size", type=int, default=100_000, help="cases in the filtered-list benchmark")
    p.add_argument("--list-queries", type=int, default=200)
    p.add_argument("--setups", default=",".join(SETUPS), help=f"comma-separated, of {', '.join(SETUPS)}")
    a = p.parse_args(argv)
    a.setups = [s.strip() for s in a.setups.split(",") if s.strip()]
    if not a.setups or any(s not in SETUPS for s in a.setups):
        p.error(f"unknown setups {a.setups}; choose from {', '.join(SETUPS)}")
    return a


def ms(v: float | None) -> float | None:
    return None if v is None else round(v * 1000, 2)


class InsertCounter:
    def __init__(self, engine) -> None:
        self.engine = engine.sync_engine
        self.n = 0
        event.listen(self.engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, params, context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            self.n += len(params) if executemany and isinstance(params, list | tuple) else 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on)


async def lifecycle(c: httpx.AsyncClient, h: dict, uscc: str) -> str:
    async def post(path: str, headers: dict, body: dict | None = None) -> dict:
        r = await c.post(f"{CASES}{path}", headers=headers, json=body)
        if r.status_code not in (200, 201):
            raise BenchError(f"{path} answered {r.status_code}: {r.text[:300]}")
        return r.json()

    cid = (await post("/cases", h["off"], {"uscc": uscc, "bureau": BUREAUS[0], "source": "日常检查", "summary": "超标排放",
                                           "violations": [{"code": "GI-WAT-001"}], "handlers": ["officer-a", "officer-b"],
                                           "occurred_on": next_act_date(uscc=uscc)}))["id"]  # 第三十六条、第三十七条
    await post(f"/cases/{cid}/evidence", h["off"], {"kind": "监测报告", "description": "COD超标", "collected_by": "officer-a"})
    await post(f"/cases/{cid}/investigation/complete", h["off"], {"facts": {}})
    # 第五十八条: the approving review names the proposed decision, which then binds the decision (as
    # services.testing.factories.CaseDriver.penalty_decided drives it)
    await post(f"/cases/{cid}/legal-review", h["rev"], {"opinion": "approve", "notes": "事实清楚，证据确凿",
                                                         "proposed_type": "penalty", "proposed_fine": FINE})
    await post(f"/cases/{cid}/notice", h["off"], {"intended_type": "penalty", "intended_fine": FINE,
                                                  "penalty_kinds": ["fine"], "facts_and_reasons": "超标排放"})
    await post(f"/cases/{cid}/statement", h["off"], {"waived": True, "by": "法定代表人"})
    await post(f"/cases/{cid}/decision", h["lead"], {"type": "penalty", "fine_amount": FINE,
                                                     "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"},
                                                     "correction_order": CORRECTION_ORDER})
    deadline = time.monotonic() + 60
    while True:  # 三书同时送达 needs the credit record the credit service makes from the decided event
        r = await c.post(f"{CASES}/cases/{cid}/service", headers=h["off"])
        if r.status_code == 200:
            return cid
        if r.status_code != 409 or time.monotonic() > deadline:
            raise BenchError(f"service answered {r.status_code}: {r.text[:300]}")
        await asyncio.sleep(0.02)


async def bare_k_inserts(setup: str, tmp: Path, k: int, n: int, concurrency: int) -> dict:
    if setup == "sqlite-local":
        url, drop = f"sqlite+aiosqlite:///{(tmp / 'bare_cases.db').resolve()}", None
    else:
        url = await pg_infra.create_database(f"bench_bare_cases_{uuid.uuid4().hex[:8]}")
        drop = url
    engine = make_engine(url)
    meta = MetaData()
    rows = Table("rows", meta, Column("id", String(36), primary_key=True), Column("body", Text),
                 Column("created_at", DateTime(timezone=True)))
    app = FastAPI()

    @app.post("/lifecycle")
    async def one() -> dict:
        async with engine.begin() as conn:
            for _ in range(k):
                await conn.execute(insert(rows).values(id=str(uuid.uuid4()), body="x" * 500, created_at=BARE_CLOCK.now()))
        return {"ok": True}

    try:
        async with engine.begin() as conn:
            await conn.run_sync(meta.create_all)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bare") as c:
            await pool(range(20), lambda _i: c.post("/lifecycle"), concurrency)
            t0 = time.perf_counter()
            await pool(range(n), lambda _i: c.post("/lifecycle"), concurrency)
            elapsed = time.perf_counter() - t0
        return {"inserts_per_request": k, "n": n, "requests_per_s": n / elapsed}
    finally:
        await engine.dispose()
        if drop:
            await pg_infra.drop_database(drop)


async def bulk_cases(rt, size: int, rng: random.Random) -> None:
    """``size`` cases of realistic shape, inserted directly (the list benchmark needs volume, not workflow)."""
    base = datetime(2026, 1, 1, tzinfo=clock.TZ)
    async with rt.engine.begin() as conn:
        ents = [new_uscc(rng) for _ in range(500)]
        await conn.execute(insert(Enterprise.__table__), [
            {"uscc": u, "name": f"企业{i}", "bureau": BUREAUS[i % 5], "industry": "化工", "address": None,
             "created_at": base} for i, u in enumerate(ents)])
        batch = []
        for i in range(size):
            filed = base + timedelta(minutes=rng.randrange(365 * 24 * 60))
            t = rng.choice(TYPES)
            state = rng.choice(STATES[4:]) if t else rng.choice(STATES[:4])
            batch.append({
                "id": str(uuid.uuid4()), "number": f"B-{i:07d}", "uscc": ents[i % 500], "bureau": BUREAUS[i % 5],
                "state": state, "source": "日常检查", "summary": "超标排放" * 10, "handlers": ["officer-a", "officer-b"],
                "violations": [{"code": "GI-WAT-001"}], "facts": {}, "steps": ["filing"], "rectification": None,
                "decision": {"type": t} if t else None, "decision_type": t, "fine_amount": 50000.0 if t else None,
                "filed_by": "officer-a", "filed_at": filed, "decided_at": filed + timedelta(days=30) if t else None,
                "updated_at": filed, "row_version": 1, "clue_received_on": None, "records": {}, "due": {},
                "next_due": (filed + timedelta(days=90)).date() if not t else None, "due_provisional": False,
                "closed_at": None})
            if len(batch) == 5000:
                await conn.execute(insert(Case.__table__), batch)
                batch = []
        if batch:
            await conn.execute(insert(Case.__table__), batch)
        if conn.dialect.name == "postgresql":
            await conn.exec_driver_sql("ANALYZE cases")


async def run(args: argparse.Namespace) -> dict:
    return {"setups": [await run_setup(setup, args) for setup in args.setups]}


async def run_setup(setup: str, args: argparse.Namespace) -> dict:
    rng = random.Random(4)
    tmp = Path(tempfile.mkdtemp(prefix="ecocomply-bench-cases-"))
    stack, cleanup = await build_stack(setup, tmp)
    server = await asyncio.to_thread(pg_infra.describe) if setup == "postgres-kafka" else "SQLite files (WAL)"
    out: dict = {"setup": setup, "database_server": server}
    try:
        await stack.comp.start()
        c = stack.client
        rt = stack.runtimes["cases"]
        admin = stack.auth("admin", "admin")
        for sub in ("officer-a", "officer-b"):
            r = await c.post(f"{CASES}/officers", headers=admin, json={"sub": sub, "name": sub, "bureau": BUREAUS[0],
                                                                       "cert_no": f"JS-{sub}"})
            if r.status_code != 201:
                raise BenchError(r.text)
        h = {"off": stack.auth("officer-a", "officer", bureau=BUREAUS[0], cert_no="JS-officer-a"),
             "rev": stack.auth("reviewer-1", "legal_reviewer", bureau=BUREAUS[0]),
             "lead": stack.auth("leader-1", "leader", bureau=BUREAUS[0])}
        ents = []
        for _ in range(20):
            u = new_uscc(rng)
            r = await c.post(f"{CASES}/enterprises", headers=h["off"],
                             json={"uscc": u, "name": "苏州某企业", "bureau": BUREAUS[0], "industry": "化工"})
            ents.append(u)
        await lifecycle(c, h, ents[0])  # warm-up
        counter = InsertCounter(rt.engine)
        ids: list[str] = []
        t0 = time.perf_counter()
        await pool(range(args.n), lambda i: _collect(lifecycle(c, h, ents[i % 20]), ids), args.concurrency)
        elapsed = time.perf_counter() - t0
        counter.close()
        k = round(counter.n / args.n)
        out["lifecycle"] = {"n": args.n, "per_s": args.n / elapsed, "inserts_per_lifecycle": k,
                            "requests_per_lifecycle": 8, "concurrency": args.concurrency}
        out["bare"] = await bare_k_inserts(setup, tmp, k, args.n, args.concurrency)

        times: list[float] = []

        async def read(i: int) -> None:
            t = time.perf_counter()
            r = await c.get(f"{CASES}/cases/{ids[i % len(ids)]}", headers=h["off"])
            if r.status_code != 200:
                raise BenchError(r.text[:300])
            times.append(time.perf_counter() - t)

        await pool(range(args.reads), read, 1)
        out["read"] = {"n": args.reads, "p50_ms": ms(pct(times, 50)), "p95_ms": ms(pct(times, 95))}

        t = time.perf_counter()
        await bulk_cases(rt, args.list_size, rng)
        out["list_load_s"] = time.perf_counter() - t
        auditor = stack.auth("au", "auditor")
        ltimes: list[float] = []

        async def lst(_i: int) -> None:
            params = {"bureau": rng.choice(BUREAUS), "size": 50}
            if rng.random() < 0.5:
                params["decision_type"] = rng.choice(TYPES[1:])
            else:
                params["state"] = rng.choice(STATES)
            start = datetime(2026, 1, 1) + timedelta(days=rng.randrange(300))
            params["from"], params["to"] = start.date().isoformat(), (start + timedelta(days=60)).date().isoformat()
            if rng.random() < 0.2:
                params = {"overdue": "true", "bureau": params["bureau"], "size": 50}
            t1 = time.perf_counter()
            r = await c.get(f"{CASES}/cases", params=params, headers=auditor)
            if r.status_code != 200:
                raise BenchError(r.text[:300])
            ltimes.append(time.perf_counter() - t1)

        await pool(range(args.list_queries), lst, 1)
        out["list"] = {"cases": args.list_size + args.n + 1, "n": args.list_queries,
                       "p50_ms": ms(pct(ltimes, 50)), "p95_ms": ms(pct(ltimes, 95))}
    finally:
        await cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    ratio = out["lifecycle"]["per_s"] / out["bare"]["requests_per_s"]
    out["target"] = {"lifecycle_over_bare": ratio, "target": TARGET_RATIO, "pass": ratio >= TARGET_RATIO}
    return out


async def _collect(coro, ids: list[str]) -> None:
    ids.append(await coro)


def report(result: dict) -> list[str]:
    lines = []
    for r in result["setups"]:
        lc, bare, t = r["lifecycle"], r["bare"], r["target"]
        lines += [
            f"cases on {r['setup']} ({r['database_server']})",
            f"  full lifecycle (8 requests + credit notice wait, {lc['inserts_per_lifecycle']} INSERTs): "
            f"{lc['per_s']:.1f}/s   baseline bare endpoint with {bare['inserts_per_request']} INSERTs/request: "
            f"{bare['requests_per_s']:.1f}/s  (concurrency {lc['concurrency']}, n={lc['n']})",
            f"  lifecycles / baseline = {t['lifecycle_over_bare']:.2f}x (target >= {TARGET_RATIO:g}x: "
            f"{'PASS' if t['pass'] else 'MISS'})",
            f"  case read GET /cases/{{id}}: p50 {r['read']['p50_ms']} ms, p95 {r['read']['p95_ms']} ms",
            f"  filtered list over {r['list']['cases']} cases: p50 {r['list']['p50_ms']} ms, "
            f"p95 {r['list']['p95_ms']} ms (bulk load {r['list_load_s']:.1f} s)",
        ]
    return lines


if __name__ == "__main__":
    res = asyncio.run(run(parse_args()))
    print("\n".join(report(res)))

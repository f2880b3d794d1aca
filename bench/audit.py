"""Audit benchmark: ``/stats`` queries over generated decisions, log append rate and proof time —
each next to a baseline measured in the same run (a primary-key SELECT; a plain INSERT of the same
rows; one SHA-256).

    .venv/bin/python -m bench.audit [--events 1000000] [--appends 20000] [--setups sqlite-local]

Targets (issue 6): stats p95 ≤ 200 ms over 1M events; append ≥ 2,000 events/s; proof ≤ 5 ms.
The lead wires ``run(args)`` / ``report(result)`` into ``python -m bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, MetaData, String, Table, Text, insert, select
from sqlalchemy.types import BigInteger, DateTime

from bench.stats import pct
from services.audit.app import spec
from services.audit.log import ledger
from services.audit.models import DailyCount, DailyRuleCount, Flag, FlagRule
from services.audit.reports import stats
from shared.db import make_engine, make_sessionmaker
from shared.migrations import upgrade
from shared.testing import postgres as pg_infra

BUREAUS = [f"3205{i:02d}" for i in range(1, 13)]
TYPES = [("penalty", 0.55), ("no_penalty", 0.15), ("lighter", 0.15), ("mitigated", 0.05), ("heavier", 0.10)]
RULES = ["exemption_or_light_penalty", "missing_legal_review", "repeated_exemption", "similar_case_disparity",
         "case_overdue", "fine_below_range_without_reason"]
TARGETS = {"stats_p95_ms": 200.0, "append_per_s": 2000.0, "proof_p95_ms": 5.0}


def _ms(v: float | None) -> float | None:
    return None if v is None else round(v * 1000, 3)


async def _generate(sm, n: int, rng: random.Random) -> int:
    """n decisions over three years: daily counters plus a flag (with rules) per flagged decision; one
    flag in ten still awaits review (open or in review), the rest reviewed."""
    start = date(2024, 1, 1)
    counts: dict[tuple, list] = {}
    rule_counts: dict[tuple, int] = {}
    flags, rules = [], []
    for _ in range(n):
        t = rng.choices([t for t, _ in TYPES], [w for _, w in TYPES])[0]
        b = rng.choice(BUREAUS)
        day = start + timedelta(days=rng.randrange(3 * 365))
        c = counts.setdefault((b, day, t), [0, 0.0])
        c[0] += 1
        c[1] += 0 if t == "no_penalty" else 50_000.0
        if t in ("no_penalty", "lighter", "mitigated") or rng.random() < 0.03:
            fid = str(uuid.uuid4())
            at = datetime.combine(day, datetime.min.time(), UTC)
            flags.append({"id": fid, "case_id": fid, "number": "苏环罚", "uscc": "", "bureau": b, "decision_type": t,
                          "fine_amount": None, "basis": {}, "steps": [], "handlers": [], "involved": [],
                          "decided_by": "leader", "decided_at": at, "status": rng.choices(["open", "in_review", "cleared", "issue_found"], [5, 5, 85, 5])[0],
                          "source_event_id": fid, "created_at": at})
            for pos, code in enumerate(dict.fromkeys([RULES[0], *rng.sample(RULES[1:], rng.randrange(0, 2))])):
                rules.append({"flag_id": fid, "code": code, "position": pos, "severity": "review", "detail": "基准数据"})
                rule_counts[(b, day, code)] = rule_counts.get((b, day, code), 0) + 1
    async with sm() as s, s.begin():
        await s.execute(insert(DailyCount), [{"bureau": b, "day": d, "decision_type": t, "count": c, "fines": f}
                                             for (b, d, t), (c, f) in counts.items()])
        await s.execute(insert(DailyRuleCount), [{"bureau": b, "day": d, "code": c, "count": n}
                                                 for (b, d, c), n in rule_counts.items()])
        for i in range(0, len(flags), 5000):
            await s.execute(insert(Flag), flags[i:i + 5000])
        for i in range(0, len(rules), 5000):
            await s.execute(insert(FlagRule), rules[i:i + 5000])
    return len(flags)


async def _stats_latency(sm, queries: int, rng: random.Random) -> dict:
    times, base = [], []
    for _ in range(queries):
        lo = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
        hi = lo + timedelta(days=rng.choice([30, 90, 365]))
        bureau = rng.choice([None, *BUREAUS])
        t0 = time.perf_counter()
        async with sm() as s, s.begin():
            await stats.stats(s, period_from=lo, period_to=hi, bureau=bureau)
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        async with sm() as s, s.begin():
            await s.get(DailyCount, (BUREAUS[0], lo, "penalty"))
        base.append(time.perf_counter() - t0)
    return {"n": queries, "p50_ms": _ms(pct(times, 50)), "p95_ms": _ms(pct(times, 95)),
            "baseline_pk_select_p95_ms": _ms(pct(base, 95))}


async def _append_rate(engine, sm, n: int, batch: int) -> dict:
    scratch = Table("bench_plain_log", MetaData(), Column("idx", BigInteger, primary_key=True, autoincrement=False),
                    Column("event_id", String(36)), Column("type", String(200)), Column("case_id", String(36)),
                    Column("data", Text), Column("appended_at", DateTime(timezone=True)))
    async with engine.begin() as conn:
        await conn.run_sync(scratch.metadata.create_all)
    payload = json.dumps({"type": "ecocomply.case.decided.v1", "data": {"number": "苏吴环罚〔2026〕1号", "pad": "x" * 400}},
                         ensure_ascii=False)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        async with sm() as s, s.begin():
            for j in range(i, min(n, i + batch)):
                await ledger.append(s, event_id=str(uuid.uuid4()), type_="ecocomply.case.decided.v1",
                                    case_id=None, data=payload + str(j), now=now)
    log_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        async with sm() as s, s.begin():
            for j in range(i, min(n, i + batch)):
                await s.execute(insert(scratch).values(idx=j, event_id=str(uuid.uuid4()), type="ecocomply.case.decided.v1",
                                                       case_id=None, data=payload + str(j), appended_at=now))
    plain_s = time.perf_counter() - t0
    return {"n": n, "batch": batch, "append_per_s": round(n / log_s), "baseline_plain_insert_per_s": round(n / plain_s)}


async def _proof_latency(sm, queries: int, rng: random.Random) -> dict:
    async with sm() as s:
        ids = list((await s.execute(select(ledger.LogEntry.event_id))).scalars())
        size = await ledger.size(s)
    times = []
    for _ in range(queries):
        eid = rng.choice(ids)
        t0 = time.perf_counter()
        async with sm() as s, s.begin():
            p = await ledger.inclusion_proof(s, event_id=eid)
        times.append(time.perf_counter() - t0)
    first = max(1, size // 3)
    cons = []
    for _ in range(max(1, queries // 4)):
        t0 = time.perf_counter()
        async with sm() as s, s.begin():
            await ledger.consistency_proof(s, first=rng.randrange(1, first + 1), second=size)
        cons.append(time.perf_counter() - t0)
    data = p["leaf_data"].encode()
    t0 = time.perf_counter()
    for _ in range(10_000):
        hashlib.sha256(b"\x00" + data).digest()
    sha = (time.perf_counter() - t0) / 10_000
    return {"tree_size": size, "n": queries, "inclusion_p50_ms": _ms(pct(times, 50)),
            "inclusion_p95_ms": _ms(pct(times, 95)), "consistency_p95_ms": _ms(pct(cons, 95)),
            "baseline_one_sha256_ms": round(sha * 1000, 5), "path_length": len(p["audit_path"])}


async def run_setup(setup: str, args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="ecocomply-bench-audit-"))
    cleanup = None
    if setup == "sqlite-local":
        url = f"sqlite+aiosqlite:///{tmp / 'audit.db'}"
    else:
        url = await pg_infra.create_database(f"bench_audit_{uuid.uuid4().hex[:8]}")
        cleanup = url
    engine = make_engine(url)
    r: dict = {"setup": setup, "events": args.events, "appends": args.appends}
    try:
        await upgrade(engine, spec.migrations_dir)
        sm = make_sessionmaker(engine)
        rng = random.Random(6)
        t0 = time.perf_counter()
        r["flags_generated"] = await _generate(sm, args.events, rng)
        r["generate_s"] = round(time.perf_counter() - t0, 1)
        r["stats"] = await _stats_latency(sm, args.queries, rng)
        r["append"] = await _append_rate(engine, sm, args.appends, args.batch)
        r["proof"] = await _proof_latency(sm, args.queries, rng)
    except Exception as e:  # a clear line in the report
        r["error"] = f"{type(e).__name__}: {e}"
    finally:
        await engine.dispose()
        if cleanup:
            await pg_infra.drop_database(cleanup)
        shutil.rmtree(tmp, ignore_errors=True)
    return r


async def run(args) -> dict:
    return {"setups": [await run_setup(s, args) for s in args.setups]}


def report(result: dict) -> list[str]:
    lines = []
    for r in result["setups"]:
        lines.append(f"audit [{r['setup']}] — {r['events']:,} generated decisions ({r.get('flags_generated', 0):,} flags), "
                     f"{r['appends']:,} log appends")
        if "error" in r:
            lines.append(f"  ERROR: {r['error']}")
            continue
        s, a, p = r["stats"], r["append"], r["proof"]
        lines += [
            f"  /stats query       p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms (target ≤ {TARGETS['stats_p95_ms']:.0f}) "
            f"| baseline PK SELECT p95 {s['baseline_pk_select_p95_ms']} ms",
            f"  log append         {a['append_per_s']:,} events/s (target ≥ {TARGETS['append_per_s']:,.0f}, "
            f"{a['batch']} per transaction) | baseline plain INSERT {a['baseline_plain_insert_per_s']:,} rows/s",
            f"  inclusion proof    p50 {p['inclusion_p50_ms']} ms, p95 {p['inclusion_p95_ms']} ms (target ≤ "
            f"{TARGETS['proof_p95_ms']:.0f}; tree {p['tree_size']:,}, path {p['path_length']}) | consistency p95 "
            f"{p['consistency_p95_ms']} ms | baseline one SHA-256 {p['baseline_one_sha256_ms']} ms",
        ]
    return lines


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=1_000_000, help="generated decisions (default 1,000,000)")
    p.add_argument("--appends", type=int, default=20_000, help="log appends (default 20,000)")
    p.add_argument("--batch", type=int, default=100, help="appends per transaction (default 100)")
    p.add_argument("--queries", type=int, default=200, help="stats and proof queries (default 200)")
    p.add_argument("--setups", default="sqlite-local", help="sqlite-local and/or postgres-kafka (PostgreSQL only)")
    a = p.parse_args(argv)
    a.setups = [s.strip() for s in a.setups.split(",") if s.strip()]
    return a


if __name__ == "__main__":
    res = asyncio.run(run(parse_args()))
    print("\n".join(report(res)))
    sys.exit(1 if any("error" in r for r in res["setups"]) else 0)

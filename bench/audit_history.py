"""Audit consumer throughput against the size of its history (issue 12): decided events per second
through the consumer's transaction (inbox row, log append, ``record_decision`` with every rule, the
flag and its outbox event) with 0, 100k and 1M decided cases already recorded, and for one hot
enterprise with 2,000 decisions — each next to the empty baseline measured in the same run.

    .venv/bin/python -m bench.audit_history [--sizes 0,100000,1000000] [--events 300]
                                            [--setups sqlite-local,postgres-kafka]

History is loaded with set-based ``INSERT … SELECT`` (generate_series / a recursive CTE): 20 bureaus,
10,000 enterprises, the 35 checklist violations, four fact patterns, three years of decisions (2023–
2025), the hot enterprise's 2,000 in the last two years. The measured events come after all of it
(2026), in order, as the consumer sees them normally. Target: the largest history and the hot
enterprise within 1.5× of the empty history's time per event (PASS/MISS).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from services.audit.app import spec
from services.audit.config import AuditSettings
from services.audit.flags import service
from services.audit.log import ledger
from services.audit.models import DecidedCase
from services.checklist.loader import bundled_guidance_items
from shared.contracts import CaseDecided, DiscretionRange
from shared.db import make_engine, make_sessionmaker
from shared.events import new_event
from shared.migrations import upgrade
from shared.outbox import enqueue
from shared.testing import postgres as pg_infra

TARGET_RATIO = 1.5
BUREAUS = 20
ENTERPRISES = 10_000
HOT_DECISIONS = 2_000
HOT_USCC = "91320500HOT0000001"
FACTS = ["", "first_offence", "harm_degree=3", "first_offence|harm_degree=3"]
# decision types by share: penalty 55 %, exemption 15 %, lighter 15 %, mitigated 5 %, heavier 10 %
TYPES_SQL = ("CASE WHEN (i * 31) % 100 < 55 THEN 'penalty' WHEN (i * 31) % 100 < 70 THEN 'no_penalty' "
             "WHEN (i * 31) % 100 < 85 THEN 'lighter' WHEN (i * 31) % 100 < 90 THEN 'mitigated' ELSE 'heavier' END")


def violations() -> list[str]:
    return sorted(i.code for i in bundled_guidance_items())


def _load_sql(dialect: str, n: int, codes: list[str]) -> list[str]:
    """``INSERT … SELECT`` statements that write ``n`` decided cases (and their people and counters)."""
    pg = dialect == "postgresql"
    series = f"generate_series(0::bigint, {n - 1}) AS g(i)" if pg else "g"
    cte = "" if pg else f"WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < {n - 1}) "

    def pad(expr: str, width: int) -> str:
        return f"lpad(({expr})::text, {width}, '0')" if pg else f"printf('%0{width}d', {expr})"

    viol = "CASE (i * 13) % 35 " + " ".join(f"WHEN {k} THEN '{c}'" for k, c in enumerate(codes)) + " END"
    facts = "CASE (i * 17) % 4 " + " ".join(f"WHEN {k} THEN '{f}'" for k, f in enumerate(FACTS)) + " END"
    hot = f"i < {HOT_DECISIONS}"
    # days after 2023-01-01: three years; the hot enterprise's in the last two (2024-01-01 … 2025-12-31)
    day = f"(CASE WHEN {hot} THEN 365 + (i * 7) % 730 ELSE (i * 7) % 1095 END)"
    secs = "((i * 7919) % 36000 + 3600)"
    if pg:
        at = f"(TIMESTAMPTZ '2023-01-01 00:00:00+00' + make_interval(days => ({day})::int, secs => ({secs})::float8))"
        ddate = f"(DATE '2023-01-01' + ({day})::int)"
        js = "::json"
    else:
        at = f"(datetime('2023-01-01', '+' || {day} || ' days', '+' || {secs} || ' seconds') || '.000000')"
        ddate = f"date('2023-01-01', '+' || {day} || ' days')"
        js = ""
    uscc = f"CASE WHEN {hot} THEN '{HOT_USCC}' ELSE '91320500' || {pad(f'(i * 7919) % {ENTERPRISES}', 10)} END"
    bureau = f"'3205' || {pad(f'i % {BUREAUS}', 2)}"
    fine = f"CASE WHEN {TYPES_SQL} = 'no_penalty' THEN NULL ELSE 10000 + ((i * 37) % 90) * 1000 END"
    officer = "right(case_id, 1)" if pg else "substr(case_id, -1)"
    return [
        f"{cte}INSERT INTO decided_cases (case_id, number, uscc, bureau, decision_type, fine_amount, fine_min, fine_max, "
        "reason, violation, facts_key, no_penalty_kind, steps, people, decided_by, decided_at, decision_date, gate) "
        f"SELECT 'h' || i, 'B-' || i, {uscc}, {bureau}, {TYPES_SQL}, {fine}, NULL, NULL, NULL, {viol}, {facts}, NULL, "
        f"'[\"legal_review\",\"collective_discussion\",\"notice\"]'{js}, '[]'{js}, 'leader-' || {bureau}, {at}, "
        f"{ddate}, '{{}}'{js} FROM {series}",
        "INSERT INTO decision_people (case_id, person, bureau, decision_date, flagged) "
        "SELECT case_id, decided_by, bureau, decision_date, decision_type IN ('no_penalty', 'lighter', 'mitigated') "
        "FROM decided_cases",
        "INSERT INTO decision_people (case_id, person, bureau, decision_date, flagged) "
        f"SELECT case_id, 'officer-' || bureau || '-' || {officer}, bureau, decision_date, "
        "decision_type IN ('no_penalty', 'lighter', 'mitigated') FROM decided_cases",
        "INSERT INTO daily_counts (bureau, day, decision_type, count, fines) SELECT bureau, decision_date, "
        "decision_type, COUNT(*), SUM(COALESCE(fine_amount, 0)) FROM decided_cases GROUP BY bureau, decision_date, "
        "decision_type",
        "INSERT INTO person_daily_counts (person, bureau, day, count, flagged) SELECT person, bureau, decision_date, "
        "COUNT(*), SUM(CASE WHEN flagged THEN 1 ELSE 0 END) FROM decision_people GROUP BY person, bureau, "
        "decision_date",
    ]


STREAM_START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
STEP = timedelta(minutes=7)


def events(n: int, codes: list[str], *, hot: bool, seed: int, after: int = 0) -> list[CaseDecided]:
    """``n`` decided events of 2026 in time order, starting ``after`` steps after the first stream's start
    (each measured stream after the ones before it, so none arrives late and sets off the re-check of later
    cases, which is the out-of-order path; the hot ones: exemptions claiming 初次违法 of the hot enterprise,
    the dearest in-order path — every history rule reads)."""
    rng = random.Random(seed)
    out = []
    t0 = STREAM_START + after * STEP
    for k in range(n):
        b = f"3205{rng.randrange(BUREAUS):02d}"
        kind = "no_penalty" if hot else rng.choices(["penalty", "no_penalty", "lighter", "mitigated", "heavier"],
                                                    [55, 15, 15, 5, 10])[0]
        at = t0 + k * STEP
        out.append(CaseDecided(
            case_id=str(uuid.uuid4()), number=f"N-{seed}-{k}",
            uscc=HOT_USCC if hot else f"91320500{rng.randrange(ENTERPRISES):010d}", bureau=b, decision_type=kind,
            fine_amount=None if kind == "no_penalty" else 10_000.0 + rng.randrange(90) * 1000,
            discretion=DiscretionRange(fine_min=10_000.0, fine_max=100_000.0),
            steps=["legal_review", "collective_discussion", "notice"], handlers=[f"officer-{b}-{rng.randrange(10)}"],
            decided_by=f"leader-{b}", decided_at=at, decision_date=at.date(), violations=[rng.choice(codes)],
            first_offence_claimed=hot or rng.random() < 0.3,
        ))
    return out


async def _emit(session, payload, *, subject):
    return await enqueue(session, spec.tables, payload, source="/ecocomply/audit", subject=subject,
                         topic_prefix="bench", now=datetime.now(UTC))


async def consume(sm, evs: list[CaseDecided]) -> dict:
    """What the audit consumer does per decided event, one transaction each (the bus left out)."""
    cfg = AuditSettings()
    inbox = spec.tables.inbox
    flags = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    for p in evs:
        ev = new_event(p, source="/ecocomply/cases", subject=p.case_id, time=datetime.now(UTC))
        async with sm() as s, s.begin():
            await s.execute(insert(inbox).values(event_id=ev.id, consumer="case-events", type=ev.type,
                                                 outcome="handled", processed_at=datetime.now(UTC)))
            now = datetime.now(UTC)
            await ledger.append_event(s, ev, now=now)
            flag = await service.record_decision(s, decided=p, emit=_emit, source_event_id=ev.id, cfg=cfg, now=now)
            flags += flag is not None
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    return {"events": len(evs), "per_s": round(len(evs) / wall, 1), "ms_per_event": round(wall * 1000 / len(evs), 2),
            "cpu_ms_per_event": round(cpu * 1000 / len(evs), 2), "flags": flags}


async def one(setup: str, size: int, args, codes: list[str], tmp: Path) -> dict:
    if setup == "sqlite-local":
        url, drop = f"sqlite+aiosqlite:///{tmp / f'audit-{size}.db'}", None
    else:
        url = drop = await pg_infra.create_database(f"bench_hist_{uuid.uuid4().hex[:8]}")
    engine = make_engine(url)
    r: dict = {"history": size}
    try:
        await upgrade(engine, spec.migrations_dir)
        sm = make_sessionmaker(engine)
        t0 = time.perf_counter()
        if size:
            async with engine.begin() as conn:
                for sql in _load_sql(engine.dialect.name, size, codes):
                    await conn.execute(text(sql))
                if engine.dialect.name == "postgresql":
                    await conn.execute(text("ANALYZE"))
        async with sm() as s:
            r["loaded"] = await s.scalar(select(func.count()).select_from(DecidedCase))
            r["hot_loaded"] = await s.scalar(select(func.count()).select_from(DecidedCase)
                                             .where(DecidedCase.uscc == HOT_USCC))
        r["load_s"] = round(time.perf_counter() - t0, 1)
        await consume(sm, events(20, codes, hot=False, seed=99))  # warm-up (connections, caches)
        r["spread"] = await consume(sm, events(args.events, codes, hot=False, seed=1, after=20))
        if size in (0, max(args.sizes)):
            r["hot"] = await consume(sm, events(args.events, codes, hot=True, seed=2, after=20 + args.events))
    finally:
        await engine.dispose()
        if drop:
            await pg_infra.drop_database(drop)
    return r


async def run_setup(setup: str, args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="ecocomply-bench-audit-history-"))
    codes = violations()
    r: dict = {"setup": setup, "runs": []}
    try:
        for size in args.sizes:
            print(f"[audit_history {setup}] history {size:,} ...", file=sys.stderr, flush=True)
            r["runs"].append(await one(setup, size, args, codes, tmp))
        evaluate(r)
    except Exception as e:  # a clear line in the report
        r["error"] = f"{type(e).__name__}: {e}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return r


def evaluate(r: dict) -> None:
    runs = {x["history"]: x for x in r["runs"]}
    empty, big = runs[min(runs)], runs[max(runs)]
    r["big"] = big["history"]
    r["spread_ratio"] = round(big["spread"]["ms_per_event"] / empty["spread"]["ms_per_event"], 2)
    r["hot_ratio"] = round(big["hot"]["ms_per_event"] / empty["hot"]["ms_per_event"], 2)
    r["pass"] = r["spread_ratio"] <= TARGET_RATIO and r["hot_ratio"] <= TARGET_RATIO


async def run(args) -> dict:
    return {"setups": [await run_setup(s, args) for s in args.setups]}


def report(result: dict) -> list[str]:
    lines = []
    for r in result["setups"]:
        lines.append(f"audit history [{r['setup']}] — decided events through the audit consumer's transaction")
        if "error" in r:
            lines.append(f"  ERROR: {r['error']}")
            continue
        for x in r["runs"]:
            s = x["spread"]
            hot = (f" | hot enterprise ({x['hot_loaded']:,} in history): {x['hot']['per_s']} events/s, "
                   f"{x['hot']['ms_per_event']} ms" if "hot" in x else "")
            lines.append(f"  history {x['history']:>9,} (loaded in {x['load_s']} s): {s['per_s']} events/s, "
                         f"{s['ms_per_event']} ms/event, CPU {s['cpu_ms_per_event']} ms{hot}")
        verdict = "PASS" if r["pass"] else "MISS"
        lines.append(f"  {verdict}: history {r['big']:,} at {r['spread_ratio']}× and hot enterprise at {r['hot_ratio']}× "
                     f"of the empty history's time per event (target ≤ {TARGET_RATIO}×, baseline = empty, same run)")
    return lines


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.audit_history", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="0,100000,1000000", help="decided cases in history (default 0,100000,1000000)")
    p.add_argument("--events", type=int, default=300, help="events measured per history (default 300)")
    p.add_argument("--setups", default="sqlite-local,postgres-kafka", help="sqlite-local and/or postgres-kafka")
    a = p.parse_args(argv)
    a.sizes = sorted({int(x) for x in a.sizes.split(",") if x.strip()} | {0})
    a.setups = [s.strip() for s in a.setups.split(",") if s.strip()]
    return a


if __name__ == "__main__":
    res = asyncio.run(run(parse_args()))
    print("\n".join(report(res)))
    sys.exit(1 if any("error" in r or not r.get("pass") for r in res["setups"]) else 0)

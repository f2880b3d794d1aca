"""Decisions over real HTTP against ``ecocomply serve`` as a user runs it (embedded: SQLite, in-process
bus), with the pipeline in a second process (the default) and in the API's own process
(``--pipeline inline``): decisions/s, CPU per decision of each process, each process's share of a core,
and how long after the last decision the last audit flag arrived. Baseline in the same run: the bare
FastAPI + one INSERT endpoint served by uvicorn the same way (``bench.bare_server``).

``python -m bench.serve --n 100``"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.decisions import plan
from bench.stats import BenchError, pool, summary_ms
from services.testing.factories import CASES, CaseDriver
from services.testing.remote import Remote, children, cpu_seconds, free_port
from shared.contracts import FLAGGED_DECISIONS


async def flag_count(remote: Remote) -> int:
    r = await remote.client.get("/audit/v1/flags", params={"size": 1}, headers=remote.auth("auditor-1", "auditor"))
    if r.status_code != 200:
        raise BenchError(f"flags answered {r.status_code}: {r.text[:300]}")
    return int(r.json()["total"])


async def decisions(mode: str, n: int, concurrency: int, tmp: Path) -> dict:
    remote = Remote(tmp / f"var-{mode}", "--pipeline", mode)
    await remote.start()
    try:
        drv = CaseDriver(remote)
        await drv.certify()
        types = plan(n, random.Random(1))
        prepared: list = [None] * n

        async def prep(item) -> None:
            i, t = item
            prepared[i] = await drv.prepared_case(t)

        await pool(list(enumerate(types)), prep, concurrency)
        expected = await flag_count(remote) + sum(1 for t in types if t in FLAGGED_DECISIONS)
        await asyncio.sleep(2)  # let the preparation's events drain
        pids = {"api": remote.pid} | {f"pipeline{'' if i == 0 else i}": p for i, p in enumerate(children(remote.pid))}
        cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
        times: list[float] = []

        async def decide(item) -> None:
            cid, body = item
            t0 = time.perf_counter()
            r = await remote.client.post(f"{CASES}/cases/{cid}/decision", headers=drv.lead, json=body)
            if r.status_code != 200:
                raise BenchError(f"decision on {cid} answered {r.status_code}: {r.text[:300]}")
            times.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await pool(prepared, decide, concurrency)
        decided_at = time.perf_counter()
        while await flag_count(remote) < expected:
            if time.perf_counter() - decided_at > 300:
                raise BenchError("flags did not arrive within 300 s of the last decision")
            await asyncio.sleep(0.05)
        flagged_at = time.perf_counter()
        cpu = {k: cpu_seconds(p) - cpu0[k] for k, p in pids.items()}
        wall = flagged_at - t0
    finally:
        await remote.stop()
    return {
        "mode": mode, "n": n, "decisions_per_s": n / (decided_at - t0), "http": summary_ms(times),
        "last_flag_after_last_decision_s": flagged_at - decided_at,
        "cpu_ms_per_decision": {k: v / n * 1000 for k, v in cpu.items()},
        "cpu_ms_per_decision_total": sum(cpu.values()) / n * 1000,
        "core_share": {k: v / wall for k, v in cpu.items()},
    }


async def bare(n: int, concurrency: int, tmp: Path) -> dict:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.bare_server", "--port", str(port),
                                                "--db", str((tmp / "bare.db").resolve()))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(300):
                try:
                    await client.get("/docs")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            await pool(range(50), lambda i: client.post("/items", json={"body": "warm"}), concurrency)
            times: list[float] = []

            async def one(i) -> None:
                t0 = time.perf_counter()
                r = await client.post("/items", json={"body": f"item {i}"})
                if r.status_code != 201:
                    raise BenchError(f"bare insert answered {r.status_code}")
                times.append(time.perf_counter() - t0)

            cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            await pool(range(n), one, concurrency)
            elapsed, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
    return {"requests_per_s": n / elapsed, "http": summary_ms(times), "cpu_ms_per_request": cpu / n * 1000}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--out", default="bench/results/serve.json")
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        base = await bare(max(args.n, 200), args.concurrency, tmp)
        runs = [await decisions(m, args.n, args.concurrency, tmp) for m in ("process", "inline")]
    return {"baseline": base, "runs": runs, "n": args.n, "concurrency": args.concurrency}


def report(result: dict) -> list[str]:
    base = result["baseline"]
    lines = [f"ecocomply serve over HTTP ({result['n']} decisions, {result['concurrency']} concurrent); baseline: "
             f"bare FastAPI + one INSERT under uvicorn: {base['requests_per_s']:.1f} req/s, "
             f"CPU {base['cpu_ms_per_request']:.1f} ms/request"]
    for r in result["runs"]:
        cpu = ", ".join(f"{k} {v:.1f}" for k, v in r["cpu_ms_per_decision"].items())
        share = ", ".join(f"{k} {v:.0%}" for k, v in r["core_share"].items())
        lines.append(
            f"  pipeline={r['mode']:8s} {r['decisions_per_s']:6.1f} decisions/s "
            f"({r['decisions_per_s'] / base['requests_per_s']:.2f}x of bare); CPU ms/decision: {cpu} "
            f"(total {r['cpu_ms_per_decision_total']:.1f}); share of a core: {share}; last flag "
            f"{r['last_flag_after_last_decision_s'] * 1000:.0f} ms after the last decision")
    return lines


async def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    result = await run(args)
    print("\n".join(report(result)))
    write(Path(args.out), result)
    return result


def write(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())

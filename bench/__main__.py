"""``python -m bench``: decisions → audit flags on each setup, with baselines and the issue's targets,
then the services' own benchmarks (checklist search and calculator, case lifecycle and reads, audit
stats/log/proofs), each next to a baseline measured in the same run.

    .venv/bin/python -m bench [--n 1000] [--setups sqlite-local,postgres-kafka] [--concurrency 16]
                              [--outage 60]
                              [--suites decisions,checklist,cases,audit,audit_history,serve]
                              [--checklist-items 10000[,1000000]]

Prints one report per setup and writes every figure to ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import baselines, decisions, report
from bench.stats import BenchError
from services.testing.stack import SETUPS
from shared.testing import kafka as kafka_infra
from shared.testing import postgres as pg_infra

RESULTS = Path(__file__).parent / "results" / "latest.json"
SUITES = ("decisions", "checklist", "cases", "audit", "audit_history", "serve")


async def run_suite(name: str, args: argparse.Namespace) -> dict:
    """One service's benchmark module (``bench/<name>.py``: ``run(args)`` and ``report(result)``)."""
    import importlib

    mod = importlib.import_module(f"bench.{name}")
    if name == "checklist":
        sub = argparse.Namespace(checklist_items=args.checklist_items, setups=args.setups)
    elif name in ("audit", "audit_history", "cases"):
        sub = mod.parse_args(["--setups", ",".join(args.setups)])
    else:
        sub = mod.parse_args([])
    print(f"[{name}] running ...", file=sys.stderr, flush=True)
    if name == "cases" and len(args.setups) > 1:  # one setup's failure does not lose the other's figures
        parts = [await run_suite(name, argparse.Namespace(**{**vars(args), "setups": [s]})) for s in args.setups]
        if all("error" in p for p in parts):
            return {"suite": name, "error": "; ".join(f"{s}: {p['error']}" for s, p in zip(args.setups, parts, strict=True))}
        return {"suite": name, "result": {
            "setups": [r for p in parts if "result" in p for r in p["result"]["setups"]],
            "errors": {s: p["error"] for s, p in zip(args.setups, parts, strict=True) if "error" in p}}}
    try:
        result = await mod.run(sub)
    except Exception as e:
        traceback.print_exc()
        return {"suite": name, "error": f"{type(e).__name__}: {e}"}
    print("\n".join(mod.report(result)), flush=True)
    print(flush=True)
    return {"suite": name, "result": result}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000, help="decisions per setup (default 1000)")
    p.add_argument("--setups", default=",".join(SETUPS), help=f"comma-separated, of {', '.join(SETUPS)}")
    p.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    p.add_argument("--flag-timeout", type=float, default=180.0,
                   help="seconds to wait for the flags after the last decision answer (default 180)")
    p.add_argument("--outage", type=float, default=60.0,
                   help="seconds the audit is down while decisions arrive at the sustained rate, then the time to "
                        "drain its backlog is measured (default 60; 0 skips it)")
    p.add_argument("--paced-rate", type=float, default=None,
                   help="decisions/s of the open-loop latency run (default: half the sustained rate, as the issue's "
                        "p99 target is defined; a fixed rate compares two versions at the same load, no verdict)")
    p.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    p.add_argument("--suites", default=",".join(SUITES), help=f"comma-separated, of {', '.join(SUITES)}")
    p.add_argument("--checklist-items", default="10000",
                   help="checklist search sizes, comma-separated (default 10000; the 1,000,000 target: "
                        "--checklist-items 10000,1000000 — hours of load on PostgreSQL, see bench/checklist.py)")
    args = p.parse_args(argv)
    args.suites = [s.strip() for s in args.suites.split(",") if s.strip()]
    if not args.suites or any(s not in SUITES for s in args.suites):
        p.error(f"unknown suites in {args.suites}; choose from {', '.join(SUITES)}")
    args.setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    unknown = [s for s in args.setups if s not in SETUPS]
    if unknown or not args.setups:
        p.error(f"unknown setups {unknown}; choose from {', '.join(SETUPS)}")
    try:
        args.checklist_items = [int(x) for x in args.checklist_items.split(",") if x.strip()]
    except ValueError:
        p.error("--checklist-items takes whole numbers, e.g. 10000,1000000")
    if not args.checklist_items or min(args.checklist_items) < 1:
        p.error("--checklist-items must name at least one size of 1 or more")
    if args.n < 1 or args.concurrency < 1:
        p.error("--n and --concurrency must be at least 1")
    return args


async def run_setup(setup: str, args: argparse.Namespace) -> dict:
    r: dict = {"setup": setup, "cpus": os.cpu_count()}
    tmp = Path(tempfile.mkdtemp(prefix=f"ecocomply-bench-{setup}-"))
    try:
        if setup == "postgres-kafka":
            bootstrap = kafka_infra.bootstrap()
            r["broker"] = kafka_infra.describe()
            r["mock"] = kafka_infra.is_mock()
            r["database_server"] = await asyncio.to_thread(pg_infra.describe)
        print(f"[{setup}] preparing {args.n} cases and deciding them ...", file=sys.stderr, flush=True)
        r["decisions"] = await decisions.run(setup, args.n, args.concurrency, tmp, flag_timeout=args.flag_timeout,
                                              outage_s=args.outage, paced_rate=args.paced_rate)
        print(f"[{setup}] baselines ...", file=sys.stderr, flush=True)
        r["bare_insert"] = await baselines.bare_insert(setup, args.n, args.concurrency, tmp)
        if setup == "postgres-kafka":
            r["raw_kafka"] = await baselines.raw_kafka(bootstrap, args.n, args.concurrency,
                                                       timeout=args.flag_timeout)
        report.evaluate(r)
    except BenchError as e:
        r["error"] = str(e)
    except Exception as e:  # a clear line in the report, the traceback on stderr
        traceback.print_exc()
        r["error"] = f"{type(e).__name__}: {e}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return r


async def main(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    results = []
    if "decisions" in args.suites:
        for setup in args.setups:
            r = await run_setup(setup, args)
            results.append(r)
            print(report.render(r), flush=True)
            print(flush=True)
    suites = [await run_suite(name, args) for name in args.suites if name != "decisions"]
    elapsed = time.perf_counter() - t0
    doc = {
        "written_at": datetime.now(UTC).isoformat(),
        "args": {"n": args.n, "setups": args.setups, "concurrency": args.concurrency,
                 "flag_timeout": args.flag_timeout, "outage": args.outage, "suites": args.suites,
                 "checklist_items": args.checklist_items, "paced_rate": args.paced_rate},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "elapsed_s": elapsed,
        "setups": results,
        "suites": suites,
        "note": report.MOCK_SENTENCE if any(r.get("mock") for r in results) else None,
    }
    print(report.summary(doc))
    print(f"Total wall time: {elapsed:.1f} s on {os.cpu_count()} CPUs")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"Results written to {args.out}")
    return 1 if any("error" in r for r in [*results, *suites]) else 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(asyncio.run(main(parse_args())))

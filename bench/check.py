"""Regression guard for the decision path: ``make bench-check``.

Runs the small fixed decisions benchmark (200 decisions, SQLite + the in-process bus) and compares its
CPU per decision — process CPU time while deciding and flagging, divided by the decisions; less noisy
than wall time on a shared machine — with the figure recorded in ``bench/baseline.json``. Exits 1 when
it grew by more than ``TOLERANCE`` (30 %). ``--update`` records the measured figure as the new baseline
(do that in the commit that makes the path dearer on purpose, and say why)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

BASELINE = Path(__file__).with_name("baseline.json")
TOLERANCE = 0.30
ARGS = ["--n", "200", "--suites", "decisions", "--setups", "sqlite-local"]


def measure() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "check.json"
        subprocess.run([sys.executable, "-m", "bench", *ARGS, "--out", str(out)], check=True)
        result = json.loads(out.read_text(encoding="utf-8"))
    return float(result["setups"][0]["decisions"]["process_cpu"]["ms_per_decision"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.check", description=__doc__.splitlines()[0])
    p.add_argument("--update", action="store_true", help="record the measured figure as the baseline")
    args = p.parse_args(argv)
    measured = measure()
    if args.update or not BASELINE.exists():
        BASELINE.write_text(json.dumps({
            "cpu_ms_per_decision": round(measured, 2), "command": "python -m bench " + " ".join(ARGS),
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": "2 cores (python-svc)",
        }, indent=2) + "\n", encoding="utf-8")
        print(f"bench-check: baseline recorded: {measured:.1f} ms of CPU per decision ({BASELINE})")
        return 0
    base = float(json.loads(BASELINE.read_text(encoding="utf-8"))["cpu_ms_per_decision"])
    ratio = measured / base
    verdict = "FAIL" if ratio > 1 + TOLERANCE else "PASS"
    print(f"bench-check: {measured:.1f} ms of CPU per decision vs baseline {base:.1f} ms = {ratio:.2f}x "
          f"(limit {1 + TOLERANCE:.2f}x): {verdict}")
    return 1 if verdict == "FAIL" else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Regression guard for the decision path: ``make bench-check``.

Runs the small fixed decisions benchmark (200 decisions, SQLite + the in-process bus) and compares its
CPU per decision — process CPU time while deciding and flagging, divided by the decisions; less noisy
than wall time on a shared machine — *relative to the CPU per request of the bare FastAPI + INSERT
endpoint measured in the same run*, with that ratio recorded in ``bench/baseline.json``: an absolute
figure does not carry from one machine to the next (the same commit measured 23 ms on one 2-core machine
and 117 ms on another), the ratio does. Exits 1 when the ratio grew by more than ``TOLERANCE`` (30 %). ``--update`` records the measured figure as the new baseline
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
ARGS = ["--n", "200", "--suites", "decisions", "--setups", "sqlite-local", "--outage", "0"]


def measure() -> tuple[float, float]:
    """(CPU ms per decision, CPU ms per bare-endpoint request), one run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "check.json"
        subprocess.run([sys.executable, "-m", "bench", *ARGS, "--out", str(out)], check=True)
        result = json.loads(out.read_text(encoding="utf-8"))
    setup = result["setups"][0]
    return float(setup["decisions"]["process_cpu"]["ms_per_decision"]), float(setup["bare_insert"]["cpu_ms_per_request"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.check", description=__doc__.splitlines()[0])
    p.add_argument("--update", action="store_true", help="record the measured figure as the baseline")
    args = p.parse_args(argv)
    decision, bare = measure()
    ratio = decision / bare
    if args.update or not BASELINE.exists():
        BASELINE.write_text(json.dumps({
            "cpu_ratio_decision_to_bare_request": round(ratio, 2), "cpu_ms_per_decision": round(decision, 2),
            "cpu_ms_per_bare_request": round(bare, 2), "command": "python -m bench " + " ".join(ARGS),
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": "2 cores (python-svc)",
        }, indent=2) + "\n", encoding="utf-8")
        print(f"bench-check: baseline recorded: {decision:.1f} ms of CPU per decision = {ratio:.1f}x a bare request "
              f"({bare:.1f} ms) ({BASELINE})")
        return 0
    base = float(json.loads(BASELINE.read_text(encoding="utf-8"))["cpu_ratio_decision_to_bare_request"])
    growth = ratio / base
    verdict = "FAIL" if growth > 1 + TOLERANCE else "PASS"
    print(f"bench-check: {decision:.1f} ms of CPU per decision = {ratio:.1f}x a bare request ({bare:.1f} ms, same run); "
          f"baseline {base:.1f}x; growth {growth:.2f}x (limit {1 + TOLERANCE:.2f}x): {verdict}")
    return 1 if verdict == "FAIL" else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Counting the instructions of one stretch of a Python process with valgrind's callgrind.

The process runs under ``valgrind --tool=callgrind --instr-atstart=no`` (uninstrumented, ~5x slower
than native, until told otherwise) and marks the stretch to count with callgrind's client requests
(``CALLGRIND_START_INSTRUMENTATION`` / ``CALLGRIND_DUMP_STATS_AT``), reached through a four-function
shared library compiled here from ``<valgrind/callgrind.h>`` (the header ships with valgrind). Each
``Counter.stop(label)`` writes one dump whose ``totals:`` line is the instructions executed (``Ir``) by
every thread of the process since the matching ``start()``; ``read_dumps`` collects them by label.

An instruction count does not depend on what else the machine is running (CPU time does: on two shared
cores it varied by ±30 % from one run to the next); what varies is only what the program itself does
differently (thread interleaving, how often an idle poll fires while it waits)."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
from pathlib import Path

SHIM = r"""
#include <valgrind/callgrind.h>
void ec_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void ec_stop(const char *label) { CALLGRIND_DUMP_STATS_AT(label); CALLGRIND_STOP_INSTRUMENTATION; }
int ec_on_valgrind(void) { return RUNNING_ON_VALGRIND; }
"""


class Unavailable(RuntimeError):
    """valgrind, a C compiler or valgrind's headers are missing; the message says which."""


def build_shim(directory: Path) -> Path:
    """Compile the client-request library into ``directory``; ``Unavailable`` when that cannot be done."""
    for tool in ("valgrind", "cc"):
        if not shutil.which(tool):
            raise Unavailable(f"`{tool}` not found (the guard needs valgrind and a C compiler: "
                              "apt-get install valgrind gcc)")
    src, lib = directory / "callgrind_shim.c", directory / "callgrind_shim.so"
    src.write_text(SHIM, encoding="utf-8")
    r = subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", str(lib), str(src)], capture_output=True, text=True)
    if r.returncode != 0:
        raise Unavailable(f"could not compile the callgrind client-request shim: {r.stderr.strip()[:300]}")
    return lib


def command(out_dir: Path) -> list[str]:
    """The valgrind prefix of the measured process (dumps go to ``out_dir``)."""
    return ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--dump-instr=no", "-q",
            f"--callgrind-out-file={out_dir}/cg.%p"]


class Counter:
    """In the measured process: ``start()`` … ``stop(label)`` around each stretch to count."""

    def __init__(self, shim: Path) -> None:
        self.lib = ctypes.CDLL(str(shim))
        if not self.lib.ec_on_valgrind():
            raise Unavailable("not running under valgrind (see bench.callgrind.command)")

    def start(self) -> None:
        self.lib.ec_start()

    def stop(self, label: str) -> None:
        self.lib.ec_stop(label.encode())


def read_dumps(out_dir: Path) -> dict[str, int]:
    """{label: instructions} of every client-request dump in ``out_dir``."""
    found: dict[str, int] = {}
    for f in sorted(out_dir.glob("cg.*")):
        text = f.read_text(encoding="utf-8", errors="replace")
        desc = re.search(r"^desc: Trigger: Client Request: (.+)$", text, re.M)
        totals = re.search(r"^totals: (\d+)", text, re.M)
        if desc and totals:
            found[desc.group(1).strip()] = int(totals.group(1))
    return found

"""A test phase that runs longer than its limit (setup 20 s, call 150 s, teardown 10 s;
``ECOCOMPLY_TEST_WATCHDOG_SECONDS`` sets one for all) gets every thread's stack and every asyncio task's stack
written to ``$TMPDIR/ecocomply-watchdog-<pid>.txt`` (and a line to standard error) while it is still running,
so that a hang (a teardown waiting on a lock, a consumer that never stops) shows where it waits even when
pytest-timeout later ends the process (under pytest-xdist a killed worker's own output is lost; the file
stays). It changes no outcome."""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import io
import os
import sys
import tempfile
import threading
from pathlib import Path

import pytest

ENV = "ECOCOMPLY_TEST_WATCHDOG_SECONDS"


def _tasks_text(loop: asyncio.AbstractEventLoop | None) -> str:
    if loop is None:
        return "(no running event loop)\n"
    out = io.StringIO()
    try:
        tasks = list(asyncio.all_tasks(loop))
    except RuntimeError as e:  # the set changed under us: a best-effort report
        return f"(could not list tasks: {e})\n"
    for task in tasks:
        out.write(f"--- {task!r}\n")
        try:
            task.print_stack(file=out)
        except Exception as e:  # noqa: BLE001 — a report must not raise
            out.write(f"(no stack: {e})\n")
    return out.getvalue()


def _report(nodeid: str, phase: str, seconds: float) -> None:
    path = Path(tempfile.gettempdir()) / f"ecocomply-watchdog-{os.getpid()}.txt"
    with path.open("a", encoding="utf-8") as f:
        f.write(f"=== {nodeid} {phase} still running after {seconds:.0f} s\n")
        f.flush()
        faulthandler.dump_traceback(file=f, all_threads=True)
        for loop in _running_loops() or [None]:
            f.write(f"asyncio tasks of {loop!r}:\n" + _tasks_text(loop))
    sys.__stderr__.write(f"\nwatchdog: {nodeid} {phase} still running after {seconds:.0f} s; stacks in {path}\n")


def _running_loops() -> list[asyncio.AbstractEventLoop]:
    """The event loops running now (pytest-asyncio makes one per test, inside a fixture)."""
    return [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop) and o.is_running()]


def _watched(phase: str, default_seconds: float):
    @pytest.hookimpl(hookwrapper=True)
    def hook(item, *args, **kwargs):
        seconds = float(os.environ.get(ENV) or default_seconds)
        timer = threading.Timer(seconds, _report, (item.nodeid, phase, seconds))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
    return hook


# A stack starts in ~2 s and stops in well under 1 s; the longest test body (the 200-decision spine) takes ~60 s.
pytest_runtest_setup = _watched("setup", 20)
pytest_runtest_call = _watched("call", 150)
pytest_runtest_teardown = _watched("teardown", 10)

"""What a process's event loop was doing (issue 28: find the tail): how late it wakes (lag, sampled),
the garbage collector's pauses, and the periodic jobs in flight — as Prometheus metrics beside the
HTTP latencies, and a warning naming the jobs in flight when the loop was blocked long enough for a
request to feel it.

Every process runs one ``LoopWatch`` (``Composition.start``): the API processes serve the metrics at
``/<service>/metrics``; a worker process on ``ECOCOMPLY_WORKER_METRICS_PORT`` when set. ``bench.load``
scrapes them every second and lines the slow seconds up against them."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator

from prometheus_client import Gauge, Histogram

log = logging.getLogger("ecocomply.loop")

SAMPLE_SECONDS = 0.025  # the sampler's sleep; its overshoot is the loop's lag
WARN_SECONDS = 0.25  # a lag this long is logged with the jobs in flight

EVENT_LOOP_LAG = Histogram(
    "ecocomply_event_loop_lag_seconds", "how much later than asked the event loop woke a 25 ms sleep",
    ["process"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
EVENT_LOOP_LAG_MAX = Gauge(
    "ecocomply_event_loop_lag_max_seconds", "the largest event loop lag of the last whole second", ["process"],
)
GC_PAUSE = Histogram(
    "ecocomply_gc_pause_seconds", "garbage collector pauses (gc.callbacks)", ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5),
)
GC_FROZEN = Gauge(
    "ecocomply_gc_frozen_objects", "objects moved out of the collector's reach after start-up (gc.freeze)", [],
)
JOB_SECONDS = Histogram(
    "ecocomply_job_duration_seconds", "periodic job runs (start to end)", ["service", "job"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

# The jobs in flight in this process: "service:job" → when it started (perf_counter).
_running: dict[str, float] = {}
_gc_started: list[float] = []


def in_flight() -> list[str]:
    now = time.perf_counter()
    return [f"{name} ({(now - t0) * 1000:.0f} ms)" for name, t0 in _running.items()]


@contextlib.asynccontextmanager
async def job_run(service: str, job: str) -> AsyncIterator[None]:
    """Time one run of a periodic job, and name it in flight while it runs."""
    key = f"{service}:{job}"
    t0 = _running[key] = time.perf_counter()
    log.debug("job %s started", key)
    try:
        yield
    finally:
        _running.pop(key, None)
        took = time.perf_counter() - t0
        JOB_SECONDS.labels(service, job).observe(took)
        log.debug("job %s ended after %.0f ms", key, took * 1000)


def _on_gc(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_started.append(time.perf_counter())
    elif _gc_started:
        GC_PAUSE.labels(str(info.get("generation", "?"))).observe(time.perf_counter() - _gc_started.pop())


def watch_gc() -> None:
    """Record every collection's pause (once per process)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def freeze_startup_heap() -> int:
    """After a served process has started (modules, apps, schemas, reference data loaded: ~250,000 objects
    in the embedded API), move what it holds out of the collector's reach (``gc.freeze``). Each full
    collection walked all of them — 155 ms of CPU in the embedded API, 0 ms frozen — and one ran every
    few seconds under load, blocking every request in flight (issue 28: GC was the one-in-a-hundred read
    over a second). Only for a process's lifetime (``ecocomply serve``/``worker``), never in a test run:
    frozen cycles are never collected."""
    gc.collect()
    gc.freeze()
    GC_FROZEN.set(gc.get_freeze_count())
    return gc.get_freeze_count()


class LoopWatch:
    """Samples the running loop's lag in a task of its own: sleep 25 ms, record the overshoot."""

    def __init__(self, process: str) -> None:
        self.process = process
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        watch_gc()
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._run(), name=f"loop-watch:{self.process}")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _run(self) -> None:
        hist, peak = EVENT_LOOP_LAG.labels(self.process), EVENT_LOOP_LAG_MAX.labels(self.process)
        window_start, window_max = time.perf_counter(), 0.0
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(SAMPLE_SECONDS)
            now = time.perf_counter()
            lag = max(0.0, now - t0 - SAMPLE_SECONDS)
            hist.observe(lag)
            window_max = max(window_max, lag)
            if now - window_start >= 1.0:
                peak.set(window_max)
                window_start, window_max = now, 0.0
            if lag >= WARN_SECONDS:
                log.warning("event loop of %s blocked %.0f ms; jobs in flight: %s", self.process, lag * 1000,
                            ", ".join(in_flight()) or "none")

"""shared.loop_watch (issue 28 item 1): a blocked event loop is measured and named with the jobs in flight;
GC pauses and job runs are recorded."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

from shared.loop_watch import EVENT_LOOP_LAG, GC_PAUSE, JOB_SECONDS, LoopWatch, in_flight, job_run, watch_gc


def _sample(metric, suffix: str, **labels) -> float:
    for fam in metric.collect():
        for s in fam.samples:
            if s.name.endswith(suffix) and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


async def test_a_blocked_loop_is_measured_and_logged_with_the_job_in_flight(caplog):
    watch = LoopWatch("test-api")
    watch.start()
    try:
        await asyncio.sleep(0.05)  # the sampler is sleeping now
        over = _sample(EVENT_LOOP_LAG, "_count", process="test-api") - _sample(
            EVENT_LOOP_LAG, "_bucket", process="test-api", le="0.25")
        with caplog.at_level(logging.WARNING, logger="ecocomply.loop"):
            async with job_run("cases", "slow_job"):
                assert any(name.startswith("cases:slow_job") for name in in_flight())
                time.sleep(0.3)  # noqa: ASYNC251 - work on the loop: what the watch is there to catch
                await asyncio.sleep(0.1)
        after = _sample(EVENT_LOOP_LAG, "_count", process="test-api") - _sample(
            EVENT_LOOP_LAG, "_bucket", process="test-api", le="0.25")
        assert after == over + 1
        assert any("blocked" in r.getMessage() and "cases:slow_job" in r.getMessage() for r in caplog.records)
        assert _sample(JOB_SECONDS, "_count", service="cases", job="slow_job") >= 1
        assert not in_flight()
    finally:
        await watch.stop()
    assert watch.task is None


def test_gc_pauses_are_recorded():
    watch_gc()
    watch_gc()  # once per process, however often asked
    assert gc.callbacks.count(gc.callbacks[-1]) == 1
    before = _sample(GC_PAUSE, "_count", generation="2")
    gc.collect()
    assert _sample(GC_PAUSE, "_count", generation="2") == before + 1


def test_a_served_process_freezes_its_start_up_heap():
    from shared.loop_watch import GC_FROZEN, freeze_startup_heap

    try:
        frozen = freeze_startup_heap()
        assert frozen > 0 and gc.get_freeze_count() == frozen
        assert _sample(GC_FROZEN, "") == frozen
    finally:
        gc.unfreeze()  # a test run never keeps a frozen heap: frozen cycles are never collected



def test_periodic_jobs_are_spread():
    """Jobs of every service and replica started together do not run in the same second (issue 28)."""
    import random

    from shared.service import JOB_JITTER, job_waits

    firsts, laters = [], []
    for seed in range(200):
        waits = job_waits(3600.0, random.Random(seed))
        firsts.append(next(waits))
        laters += [next(waits) for _ in range(5)]
    assert all(1800.0 <= w <= 3600.0 for w in firsts) and max(firsts) - min(firsts) > 1500
    assert all(3600 * (1 - JOB_JITTER) <= w <= 3600 * (1 + JOB_JITTER) for w in laters)
    assert len({round(w) for w in firsts}) > 150

"""Small helpers shared by the benchmark modules."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence


class BenchError(RuntimeError):
    """A measurement could not be completed; the message says why."""


def pct(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def summary_ms(seconds: Sequence[float]) -> dict:
    """p50/p99/max (milliseconds) and count of a list of durations given in seconds."""
    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 2)

    return {"n": len(seconds), "p50_ms": ms(pct(seconds, 50)), "p99_ms": ms(pct(seconds, 99)),
            "max_ms": ms(max(seconds) if seconds else None)}


async def pool(items: Sequence, worker: Callable[[object], Awaitable[None]], concurrency: int) -> None:
    """Run ``worker`` over ``items`` with at most ``concurrency`` in flight; the first error cancels the rest."""
    it = iter(items)

    async def loop() -> None:
        for item in it:
            await worker(item)

    tasks = [asyncio.create_task(loop()) for _ in range(max(1, min(concurrency, len(items))))]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

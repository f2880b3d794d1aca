"""Clock edges: the instants at which a UTC date and an Asia/Shanghai date differ, at the end of a
month and of a year. Tests marked ``@pytest.mark.clock_edge`` run once on the real clock and once at
each edge (``time-machine`` moves the wall clock, ticking); ``ECOCOMPLY_TEST_CLOCK=<ISO instant>``
moves every test of a run there, to hunt for the whole class of bug.

Product code must turn an instant into a date only through ``shared.clock.local_date`` and tests must
do the same: a test that takes ``decided_at[:10]`` (the UTC date) fails at these edges."""

from __future__ import annotations

import os
from datetime import datetime

import pytest
import time_machine

CLOCK_EDGES: dict[str, str] = {
    # 2027-01-01 07:30 in Shanghai: the UTC date, month and year are all one behind the local ones.
    "2330utc-year-end": "2026-12-31T23:30:00+00:00",
    # 2026-11-29 16:30 UTC: the last day of a month in Shanghai is still the day before in UTC.
    "0030cst-month-end": "2026-11-30T00:30:00+08:00",
    # 2026-12-30 16:30 UTC: the last day of the year in Shanghai.
    "0030cst-year-end": "2026-12-31T00:30:00+08:00",
}
ENV = "ECOCOMPLY_TEST_CLOCK"


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "clock_edge: also run at 23:30 UTC and 00:30 Asia/Shanghai on the last day of a month and a year"
    )


def pytest_generate_tests(metafunc) -> None:
    if metafunc.definition.get_closest_marker("clock_edge"):
        metafunc.parametrize("wall_clock", [None, *CLOCK_EDGES.values()], indirect=True,
                             ids=["now", *CLOCK_EDGES])


@pytest.fixture(autouse=True)
def wall_clock(request):
    """The wall clock this test runs under (autouse, so it is set before the stack is built)."""
    at = getattr(request, "param", None) or os.environ.get(ENV)
    if not at:
        yield None
        return
    with time_machine.travel(datetime.fromisoformat(at), tick=True):
        yield at

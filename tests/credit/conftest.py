"""Credit test helpers: a fixed clock for the credit service, and case events written into the cases
service's outbox (the real relay → bus → credit consumer path)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from services.testing.factories import CaseDriver
from shared.clock import TZ
from shared.events import EventPayload


class Clock:
    """Sets the credit service's "now" (its runtime's clock); ``on(day)`` = 10:00 that day in Asia/Shanghai."""

    def __init__(self, stack) -> None:
        self.clock = stack.runtimes["credit"].clock

    def at(self, instant: datetime) -> None:
        self.clock.set(instant)

    def on(self, day: date) -> None:
        self.at(datetime.combine(day, time(10, 0), TZ).astimezone(UTC))


@pytest.fixture
def fixed_clock(stack) -> Clock:
    return Clock(stack)


class CaseEvents:
    def __init__(self, stack, decisions) -> None:
        self.stack = stack
        self.decisions = decisions
        self.cases = stack.runtimes["cases"]

    async def emit(self, payload: EventPayload, subject: str) -> str:
        async with self.cases.sessionmaker() as s, s.begin():
            event = await self.cases.emit(s, payload, subject=subject)
        await self.decisions.processed("credit", event.id)
        return event.id

    async def real_case(self, **decided) -> tuple[dict, object]:
        """A case filed over HTTP (so the cases service can be asked about it) and a penalty decision
        for it with the given fields (fixed dates) through the real event path."""
        d = CaseDriver(self.stack)
        uscc = await d.enterprise()
        case = await d.file(uscc)
        payload, event = await self.decisions.emit(
            case_id=case["id"], number=case["number"], uscc=uscc, bureau=case["bureau"], **decided
        )
        await self.decisions.processed("credit", event.id)
        return case, payload


@pytest.fixture
def case_events(stack, decisions) -> CaseEvents:
    return CaseEvents(stack, decisions)

"""Helpers for the audit tests: write any case event into the cases outbox (the real relay → bus →
consumer path) and read the audit service's answers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from shared.events import CloudEvent, EventPayload


def auditor(stack, sub: str = "auditor-1") -> dict[str, str]:
    return stack.auth(sub, "auditor")


async def emit(stack, payload: EventPayload, service: str = "cases") -> CloudEvent:
    rt = stack.runtimes[service]
    async with rt.sessionmaker() as s, s.begin():
        return await rt.emit(s, payload, subject=getattr(payload, "case_id", None) or "x")


async def consumed(stack, event: CloudEvent, consumer: str = "audit.case-events") -> None:
    rt = stack.runtimes["audit"]
    inbox = rt.tables.inbox

    async def seen():
        async with rt.engine.connect() as conn:
            return (await conn.execute(select(inbox.c.outcome).where(
                inbox.c.event_id == event.id, inbox.c.consumer == consumer))).scalar()

    assert await stack.wait_for(seen, timeout=60, what=f"audit to consume {event.type}") == "handled"


async def all_flags(stack, **params) -> list[dict]:
    r = await stack.client.get("/audit/v1/flags", params={"size": 200, **params}, headers=auditor(stack))
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def flag_of(stack, case_id: str) -> dict:
    return {f["case_id"]: f for f in await all_flags(stack)}[case_id]


async def audit_caught_up(stack) -> None:
    """Wait until the audit has taken in every case and credit event written so far (a lighter penalty's credit
    record reaches the audit log after its decision, on its own), so a count taken next changes only by what
    the test itself does."""
    from services.audit.consumers import handlers_for

    inbox = stack.runtimes["audit"].tables.inbox
    written: set[str] = set()
    for service, source in (("cases", "case"), ("credit", "credit")):
        rt, outbox = stack.runtimes[service], stack.runtimes[service].tables.outbox
        async with rt.engine.connect() as conn:  # only the types the audit handles reach its inbox
            written |= set((await conn.execute(select(outbox.c.event_id).where(
                outbox.c.type.in_(list(handlers_for(source)))))).scalars())

    async def taken_in():
        async with stack.runtimes["audit"].engine.connect() as conn:
            seen = set((await conn.execute(select(inbox.c.event_id).where(
                inbox.c.consumer.in_(("audit.case-events", "audit.credit-events"))))).scalars())
        return written <= seen or None

    await stack.wait_for(taken_in, timeout=60, what="the audit to take in every case and credit event")


async def table_counts(stack, *tables) -> dict[str, int]:
    """Row counts of audit tables (to show a refused request wrote nothing); call ``audit_caught_up`` first."""
    from sqlalchemy import func
    from sqlalchemy import text as sql_text

    rt = stack.runtimes["audit"]
    out = {}
    async with rt.engine.connect() as conn:
        for t in tables:
            out[t] = (await conn.execute(select(func.count()).select_from(sql_text(t)))).scalar()
    return out


def at(day: str, hour: int = 10) -> datetime:
    """A fixed moment on ``day`` (UTC)."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)

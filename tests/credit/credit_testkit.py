"""Small helpers for the credit tests: counts and the credit outbox's event types."""

from __future__ import annotations

from sqlalchemy import func, select

from shared.contracts import CaseDecided


async def count(stack, model) -> int:
    rt = stack.runtimes["credit"]
    async with rt.sessionmaker() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def outbox_types(stack) -> list[str]:
    rt = stack.runtimes["credit"]
    o = rt.tables.outbox
    async with rt.engine.connect() as conn:
        return list((await conn.execute(select(o.c.type).order_by(o.c.seq))).scalars())


class LegacyCaseDecided(CaseDecided):
    """A ``case.decided.v1`` as the cases service wrote it before the event carried ``procedure``,
    ``penalty_kinds``, ``violations`` and ``reason`` (those keys absent from the data)."""

    def model_dump(self, **kw):
        return super().model_dump(exclude={"procedure", "penalty_kinds", "violations", "reason"}, **kw)


async def emit_legacy_decided(decisions, **overrides):
    payload = LegacyCaseDecided(**decisions.payload(**overrides).model_dump())
    async with decisions.cases.sessionmaker() as s, s.begin():
        event = await decisions.cases.emit(s, payload, subject=payload.case_id)
    return payload, event

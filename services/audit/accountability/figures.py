"""Reads: a trace with each person's standing, one person's accountability (traces, findings, excuses, the
interference records naming them, refused decision attempts), the people with their counts, and the annual
report's figures — an excused person counted as 已免责, never as responsible."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.accountability import rules
from services.audit.accountability.models import (
    AccountabilityTrace,
    ExcuseDecision,
    ResponsibilityFinding,
    TracePerson,
)
from services.audit.models import InterferenceRecord, RefusedAttempt

STANDINGS = ("pending", "not_responsible", "responsible", "lightened", "excused")
EMPTY = {"traces": 0, "responsible": 0, "lightened": 0, "excused": 0}  # the annual report's figures of a bureau


def standings(findings: list[ResponsibilityFinding], excuses: list[ExcuseDecision]) -> dict[tuple[str, str], str]:
    """(trace id, person) → standing, from the latest finding and the latest excuse relieving that very finding
    (an excuse relieves the finding it was decided on, never a later one — whatever the clocks say)."""
    last_f: dict[tuple[str, str], ResponsibilityFinding] = {}
    for f in sorted(findings, key=lambda x: x.id):
        last_f[(f.trace_id, f.person)] = f
    last_e: dict[int, ExcuseDecision] = {}
    for e in sorted(excuses, key=lambda x: x.id):
        last_e[e.finding_id] = e
    out = {}
    for key, f in last_f.items():
        e = last_e.get(f.id)
        out[key] = rules.standing(f.finding, e.relief if e is not None else None)
    return out


async def of_traces(session: AsyncSession, trace_ids: list[str], person: str | None = None):
    """The findings and excuses of ``trace_ids`` (of one person, if named), oldest first."""
    if not trace_ids:
        return [], []
    fq = select(ResponsibilityFinding).where(ResponsibilityFinding.trace_id.in_(trace_ids))
    eq = select(ExcuseDecision).where(ExcuseDecision.trace_id.in_(trace_ids))
    if person is not None:
        fq, eq = fq.where(ResponsibilityFinding.person == person), eq.where(ExcuseDecision.person == person)
    return (list(await session.scalars(fq.order_by(ResponsibilityFinding.id))),
            list(await session.scalars(eq.order_by(ExcuseDecision.id))))


async def person_view(session: AsyncSession, person: str, *, names: list[str], bureau: str | None) -> dict:
    """One person's accountability, limited to ``bureau`` when the reader is a bureau's (a leader)."""
    q = (select(TracePerson, AccountabilityTrace).join(AccountabilityTrace, TracePerson.trace_id == AccountabilityTrace.id)
         .where(TracePerson.person == person))
    if bureau:
        q = q.where(TracePerson.bureau == bureau)
    rows = (await session.execute(q.order_by(AccountabilityTrace.opened_at.desc(), AccountabilityTrace.id))).all()
    findings, excuses = await of_traces(session, [t.id for _, t in rows], person)
    st = standings(findings, excuses)
    traces = [{"trace_id": t.id, "flag_id": t.flag_id, "case_id": t.case_id, "number": t.number, "bureau": t.bureau,
               "roles": tp.roles, "standing": st.get((t.id, person), "pending"), "opened_at": t.opened_at}
              for tp, t in rows]
    iq = select(InterferenceRecord).where(InterferenceRecord.person.in_([person, *names]))
    rq = select(func.count(), func.coalesce(func.sum(case((RefusedAttempt.exemption.is_(True), 1), else_=0)), 0)) \
        .where(RefusedAttempt.actor == person)
    if bureau:
        iq, rq = iq.where(InterferenceRecord.bureau == bureau), rq.where(RefusedAttempt.bureau == bureau)
    interference = list(await session.scalars(iq.order_by(InterferenceRecord.occurred_on.desc())))
    total, exemption = (await session.execute(rq)).one()
    counts = Counter(t["standing"] for t in traces)
    return {"person": person, "traces": traces, "findings": findings, "excuses": excuses,
            "interference": interference, "refused_attempts": {"total": int(total), "exemption": int(exemption)},
            "counts": {"traces": len(traces), **{s: counts.get(s, 0) for s in STANDINGS},
                       "interference": len(interference)}}


async def people(session: AsyncSession, *, bureau: str | None) -> list[dict]:
    """Everyone listed in a trace (of ``bureau``, if given) with their counts by standing, most traces first."""
    q = select(TracePerson.trace_id, TracePerson.person)
    if bureau:
        q = q.where(TracePerson.bureau == bureau)
    pairs = (await session.execute(q)).all()
    findings, excuses = await of_traces(session, sorted({t for t, _ in pairs}))
    st = standings(findings, excuses)
    per: dict[str, Counter] = defaultdict(Counter)
    for trace_id, person in pairs:
        per[person]["traces"] += 1
        per[person][st.get((trace_id, person), "pending")] += 1
    return [{"person": p, "counts": {"traces": c["traces"], **{s: c.get(s, 0) for s in STANDINGS}}}
            for p, c in sorted(per.items(), key=lambda kv: (-kv[1]["traces"], kv[0]))]


async def annual(session: AsyncSession, lo: datetime, hi: datetime, bureau: str | None) -> dict[str, dict[str, int]]:
    """bureau → {traces, responsible, lightened, excused}: the traces opened in [lo, hi) and each person's standing
    now (persons counted once per trace; 已免责 apart from 有责任)."""
    q = select(AccountabilityTrace.id, AccountabilityTrace.bureau).where(
        AccountabilityTrace.opened_at >= lo, AccountabilityTrace.opened_at < hi)
    if bureau:
        q = q.where(AccountabilityTrace.bureau == bureau)
    traces = dict((await session.execute(q)).all())
    findings, excuses = await of_traces(session, sorted(traces))
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict(EMPTY))
    for b in traces.values():
        out[b]["traces"] += 1
    for (trace_id, _), s in standings(findings, excuses).items():
        if s in ("responsible", "lightened", "excused"):
            out[traces[trace_id]][s] += 1
    return dict(out)

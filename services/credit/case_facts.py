"""What the cases service says about a case's obligations: its events (``case.fine_paid``,
``case.rectification_assessed``, ``case.served``), kept per case, and its case read over HTTP.

The event handlers set values from the event (never increments), and an older rectification assessment
never overwrites a newer one: replaying the events, in any order and any number of times, leaves the
same facts. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit.models import CaseFacts
from shared.contracts import CaseFinePaid, CaseRectificationAssessed, CaseServed
from shared.db import insert_for
from shared.problems import Problem
from shared.service import Runtime


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns (stored in UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_FACTS = CaseFacts.__table__
_VALUES = ("fine_paid_at", "fine_paid_amount", "rectification_passed", "rectification_assessed_at", "served_at",
           "served_documents")
# Built once (issue 28): the cases' rows read under a row lock, and a row's values written back (executemany).
_LOCKED = select(_FACTS).where(_FACTS.c.case_id.in_(bindparam("case_ids", expanding=True))).with_for_update()
_UPDATE = update(_FACTS).where(_FACTS.c.case_id == bindparam("b_case_id")).values(
    {name: bindparam(f"b_{name}") for name in _VALUES})
_CREATE = {dialect: insert_for(dialect, _FACTS).on_conflict_do_nothing(index_elements=["case_id"])
           for dialect in ("sqlite", "postgresql")}

Fact = CaseFinePaid | CaseRectificationAssessed | CaseServed


async def record_facts(session: AsyncSession, facts: Sequence[Fact]) -> None:
    """The events' facts, in their order, as one call per event would leave them, in three statements whatever
    their number: the cases' rows created by a race-free INSERT … ON CONFLICT DO NOTHING (the first event's
    uscc), read under a row lock, and the changed ones written back."""
    if not facts:
        return
    uscc: dict[str, str] = {}
    for fact in facts:
        uscc.setdefault(fact.case_id, fact.uscc)
    await session.execute(_CREATE[session.bind.dialect.name], [{"case_id": c, "uscc": u} for c, u in uscc.items()])
    rows = {r["case_id"]: dict(r) for r in (await session.execute(_LOCKED, {"case_ids": list(uscc)})).mappings()}
    changed: dict[str, dict[str, Any]] = {}
    for fact in facts:
        row = rows[fact.case_id]
        if APPLY[type(fact)](row, fact):
            changed[fact.case_id] = row
    if changed:
        await session.execute(_UPDATE, [{"b_case_id": case_id, **{f"b_{name}": row[name] for name in _VALUES}}
                                        for case_id, row in changed.items()])


def fine_paid(row: dict[str, Any], paid: CaseFinePaid) -> bool:
    """The earliest payment counts."""
    if row["fine_paid_at"] is None or paid.paid_at < _aware(row["fine_paid_at"]):
        row.update(fine_paid_at=paid.paid_at, fine_paid_amount=paid.amount)
        return True
    return False


def rectification(row: dict[str, Any], assessed: CaseRectificationAssessed) -> bool:
    """The latest assessment counts; an older one never overwrites a newer one."""
    if row["rectification_assessed_at"] is None or assessed.assessed_at >= _aware(row["rectification_assessed_at"]):
        row.update(rectification_passed=assessed.passed, rectification_assessed_at=assessed.assessed_at)
        return True
    return False


def served(row: dict[str, Any], event: CaseServed) -> bool:
    """The first service counts."""
    if row["served_at"] is None or event.served_at < _aware(row["served_at"]):
        row.update(served_at=event.served_at, served_documents=list(event.documents))
        return True
    return False


APPLY: dict[type, Callable[[dict[str, Any], Any], bool]] = {
    CaseFinePaid: fine_paid, CaseRectificationAssessed: rectification, CaseServed: served}


async def get_facts(session: AsyncSession, case_id: str) -> CaseFacts | None:
    return await session.get(CaseFacts, case_id)


async def read_case(runtime: Runtime, case_id: str) -> Mapping[str, Any] | None:
    """The case as the cases service shows it (service token); None if it does not know the case.
    An unreachable cases service is a 503 (nothing is decided without it)."""
    if runtime.http is None:
        raise Problem(503, "dependency_unconfigured", "credit has no client for the cases service")
    resp = await runtime.http.request("cases", "GET", f"/cases/{case_id}")
    if resp.status_code == 404:
        return None
    if resp.status_code != 200:
        raise Problem(
            503,
            "dependency_unavailable",
            f"the cases service answered {resp.status_code} for case {case_id}",
            dependency="cases",
        )
    return resp.json()

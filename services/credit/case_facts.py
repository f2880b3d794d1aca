"""What the cases service says about a case's obligations: its events (``case.fine_paid``,
``case.rectification_assessed``, ``case.served``), kept per case, and its case read over HTTP.

The event handlers set values from the event (never increments), and an older rectification assessment
never overwrites a newer one: replaying the events, in any order and any number of times, leaves the
same facts. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit.models import CaseFacts
from shared.contracts import CaseFinePaid, CaseRectificationAssessed, CaseServed
from shared.db import dialect_insert
from shared.problems import Problem
from shared.service import Runtime


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns (stored in UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _facts(session: AsyncSession, case_id: str, uscc: str) -> CaseFacts:
    """The case's row, created by a race-free INSERT … ON CONFLICT DO NOTHING and read under a row lock."""
    await session.execute(dialect_insert(session, CaseFacts).values(case_id=case_id, uscc=uscc)
                          .on_conflict_do_nothing(index_elements=["case_id"]))
    return (await session.scalars(select(CaseFacts).where(CaseFacts.case_id == case_id).with_for_update())).one()


async def record_fine_paid(session: AsyncSession, paid: CaseFinePaid) -> None:
    facts = await _facts(session, paid.case_id, paid.uscc)
    if facts.fine_paid_at is None or paid.paid_at < _aware(facts.fine_paid_at):
        facts.fine_paid_at, facts.fine_paid_amount = paid.paid_at, paid.amount


async def record_rectification(session: AsyncSession, assessed: CaseRectificationAssessed) -> None:
    facts = await _facts(session, assessed.case_id, assessed.uscc)
    if facts.rectification_assessed_at is None or assessed.assessed_at >= _aware(
        facts.rectification_assessed_at
    ):
        facts.rectification_passed, facts.rectification_assessed_at = assessed.passed, assessed.assessed_at


async def record_served(session: AsyncSession, served: CaseServed) -> None:
    facts = await _facts(session, served.case_id, served.uscc)
    if facts.served_at is None or served.served_at < _aware(facts.served_at):
        facts.served_at, facts.served_documents = served.served_at, list(served.documents)


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

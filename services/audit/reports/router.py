"""Statistics, reconciliation and the annual report (``/v1``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.audit.complaints import figures
from services.audit.flags.router import PROBLEMS, FlagReader
from services.audit.reports import reconciliation, report, stats
from services.audit.reports.schemas import RefusalStats
from shared import fields
from shared.auth import Principal, require_roles, scope_of
from shared.clock import PERIOD_FROM, PERIOD_TO
from shared.problems import invalid
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import Role

router = APIRouter(tags=["reports"])
Supervisor = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN)]


def _period(period_from: date | None, period_to: date | None) -> None:
    if period_from and period_to and period_to < period_from:
        raise invalid("to", "the period ends before it starts (to < from)")


@router.get("/stats", responses=PROBLEMS)
async def get_stats(
    user: FlagReader, session: DbSession,
    period_from: Annotated[fields.Day | None, Query(alias="from", description=PERIOD_FROM)] = None,
    period_to: Annotated[fields.Day | None, Query(alias="to", description=PERIOD_TO)] = None,
    bureau: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """Counts by decision type, bureau, month and rule (decision dates; flags by their decision date)."""
    _period(period_from, period_to)
    return await stats.stats(session, period_from=period_from, period_to=period_to,
                             bureau=scope_of(user, bureau=bureau, what="flags").bureau)


@router.get("/refusals/stats", response_model=RefusalStats, responses=PROBLEMS)
async def get_refusal_stats(
    user: FlagReader, session: DbSession,
    since: Annotated[fields.Day | None, Query(description=PERIOD_FROM)] = None,
    until: Annotated[fields.Day | None, Query(description=PERIOD_TO)] = None,
    bureau: Annotated[str | None, Query(max_length=40)] = None,
) -> RefusalStats:
    """Decisions, endings and changes of a decision that the cases service's decision gate refused
    (``ecocomply.case.gate_refused.v1``), counted per officer who attempted them and per bureau, with the
    attempts at an exemption or light penalty apart (试点方案 三（十）: 加强对免罚、轻罚案件的监督审核). Auditors
    and admins see every bureau; a leader only their own (another bureau: 403 ``out_of_scope``)."""
    if since and until and until < since:
        raise invalid("until", "the period ends before it starts (until < since)")
    return RefusalStats.model_validate(await stats.refusals(
        session, since=since, until=until, bureau=scope_of(user, bureau=bureau, what="refusals").bureau))


@router.get("/reconciliation", responses={**PROBLEMS, 503: PROBLEMS[401]})
async def get_reconciliation(
    user: Supervisor, rt: RuntimeDep, session: DbSession,
    period_from: Annotated[fields.Day, Query(alias="from", description=PERIOD_FROM)],
    period_to: Annotated[fields.Day, Query(alias="to", description=PERIOD_TO)],
) -> dict[str, Any]:
    """Ask the cases service for every exemption and light penalty decided in the period and prove each
    has a flag; a missing one gets a flag of its own now (rule ``reconciliation_gap``)."""
    _period(period_from, period_to)
    return await reconciliation.reconcile(rt, session, period_from, period_to, now=rt.clock.now())


@router.get("/reports/annual", response_class=Response, responses={**PROBLEMS, 200: {
    "content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
    "description": "the annual report as CSV or XLSX"}})
async def annual_report(
    user: FlagReader, session: DbSession, rt: RuntimeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    format: Literal["csv", "xlsx"] = "csv",
    bureau: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """免罚轻罚案件纳入年报 — the year's enforcement figures per bureau, CSV or XLSX."""
    scoped = scope_of(user, bureau=bureau, what="flags").bureau
    rows = await figures.add_to_annual(session, await stats.annual(session, year, scoped), year, scoped, rt.clock.now())
    name = f"ecocomply-annual-{year}"
    if format == "xlsx":
        return Response(report.to_xlsx(rows, year),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return Response(report.to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})

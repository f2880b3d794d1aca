"""年度报告 — ``/workspace/report``: the year's figures for the annual report (免罚轻罚案件纳入年报, 试点方案
五（二）) as CSV or XLSX, written by the audit service (``GET /audit/v1/reports/annual``) and downloaded as the
person (a bureau leader gets their bureau's)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from services.workspace import api, session
from services.workspace.queue import ASSIGNERS, EXPORTS
from services.workspace.web import PageError, render

FIRST_YEAR = 2020


def _year(value: str | None, default: int) -> int:
    try:
        year = int(value or default)
    except ValueError:
        raise PageError(422, "填写有误", "年份须为四位数字。") from None
    if not FIRST_YEAR <= year <= default:
        raise PageError(422, "填写有误", f"年份须在{FIRST_YEAR}年至{default}年之间。")
    return year


async def report(request: Request) -> Response:
    user = await session.require(request)
    this_year = request.app.state.clock.today().year
    names: dict[str, str] = getattr(request.state, "bureau_names", {})
    return render(request, "ws_report.html", title="年度报告", user=user, nav="report", crumbs=[("年度报告", None)],
                  years=list(range(this_year, FIRST_YEAR - 1, -1)),
                  bureaus=sorted(names) if user.has(*ASSIGNERS) else [])


async def download(request: Request) -> Response:
    user = await session.require(request)
    q = request.query_params
    year = _year(q.get("year"), request.app.state.clock.today().year)
    fmt = q.get("format") or "xlsx"
    if fmt not in EXPORTS:
        raise PageError(422, "填写有误", "格式只有CSV和XLSX两种。")
    bureau = (q.get("bureau") or "").strip()[:40] or None
    resp = await api.annual_report(request, user, year, fmt, bureau)
    return Response(resp.content, media_type=resp.headers.get("content-type", EXPORTS[fmt]), headers={
        "Content-Disposition": resp.headers.get("content-disposition", f'attachment; filename="annual-{year}.{fmt}"'),
        "Cache-Control": "private, no-store"})

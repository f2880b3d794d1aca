"""审核标记队列 — ``/workspace/flags``: the supervision flags the person may see (the audit service scopes a
bureau leader to their bureau), filtered by a plain GET form, newest first, paged by the API's cursor; an
auditor sees their own assignments first ("我负责的"). Auditors and administrators assign several flags at once
(all or nothing); everyone exports the filtered queue as CSV or XLSX."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.portal.client import ServiceError
from services.workspace import api, names, session
from services.workspace.forms import checked_form, refusal, require_role
from services.workspace.web import PageError, first, render
from shared.labels import DECISION_TYPE_CN, RULE_CN, STATUS_CN
from shared.vocabulary import Role

PAGE_SIZE = 50
SLA_CN = {"due": "即将到期", "overdue": "已超期"}
ASSIGNEE_ALL, ASSIGNEE_ME = "all", "me"
ASSIGNERS = (Role.AUDITOR, Role.ADMIN)
DONE = {"assigned": "已分派所选标记。"}
EXPORTS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat() if value else ""
    except ValueError:
        return ""


def filters_of(request: Request, user: session.WorkspaceUser) -> dict[str, str]:
    """The queue's filters from the query string ("mine" by default for an auditor; unknown values dropped)."""
    q = request.query_params
    assignee = (q.get("assignee") or "").strip()[:100]
    if not assignee:
        assignee = ASSIGNEE_ME if user.is_auditor else ASSIGNEE_ALL
    return {
        "bureau": (q.get("bureau") or "").strip()[:40],
        "rule": q.get("rule") if q.get("rule") in RULE_CN else "",
        "decision_type": q.get("decision_type") if q.get("decision_type") in DECISION_TYPE_CN else "",
        "status": q.get("status") if q.get("status") in STATUS_CN else "",
        "assignee": assignee,
        "sla": q.get("sla") if q.get("sla") in SLA_CN else "",
        "from": _day(q.get("from") or ""),
        "to": _day(q.get("to") or ""),
    }


def api_filters(filters: dict[str, str], user: session.WorkspaceUser) -> dict[str, str]:
    """The filters as the flags API takes them: "me" is the person's own login id, "all" no filter."""
    out = dict(filters)
    out["assignee"] = {ASSIGNEE_ALL: "", ASSIGNEE_ME: user.sub}.get(filters["assignee"], filters["assignee"])
    return out


def query(filters: dict[str, str], **extra: str) -> str:
    return urlencode({k: v for k, v in {**filters, **extra}.items() if v})


async def queue_page(request: Request, user: session.WorkspaceUser, *, error: dict[str, Any] | None = None,
                     status: int = 200, filters: dict[str, str] | None = None) -> Response:
    filters = filters or filters_of(request, user)
    cursor = (request.query_params.get("cursor") or "")[:500] or None
    page = await api.list_flags(request, user, api_filters(filters, user), cursor=cursor, size=PAGE_SIZE)
    items = page["items"]
    people = await names.people(request, user)
    firms = await names.enterprises(request, user, [f["uscc"] for f in items])
    bureau_names: dict[str, str] = getattr(request.state, "bureau_names", {})
    bureaus = sorted(bureau_names) if user.has(*ASSIGNERS) else [user.bureau] if user.bureau else []
    rows = [{
        **f, "enterprise": firms.get(f["uscc"]) or f"统一社会信用代码 {f['uscc']}",
        "type_cn": DECISION_TYPE_CN.get(f["decision_type"], f["decision_type"]),
        "rules_cn": [RULE_CN.get(r["code"], r["code"]) for r in f["rules"]],
        "status_cn": STATUS_CN.get(f["status"], f["status"]),
        "assignee_name": names.reviewer(f.get("assignee"), people),
        "overdue": bool(f.get("sla_breached")) and f["status"] in ("open", "in_review"),
    } for f in items]
    counts = page.get("counts")
    tabs = [(key, STATUS_CN[key], counts.get(key, 0)) for key in STATUS_CN] if counts else []
    assignee_other = filters["assignee"] not in (ASSIGNEE_ALL, ASSIGNEE_ME)
    return render(
        request, "ws_flags.html", title="审核标记", user=user, nav="flags", crumbs=[("审核标记", None)], status=status,
        rows=rows, total=page["total"], counts=counts, tabs=tabs, filters=filters, bureaus=bureaus,
        rule_names=RULE_CN, type_names=DECISION_TYPE_CN, status_names=STATUS_CN, sla_names=SLA_CN,
        assignee_other=assignee_other,
        assignee_other_name=names.reviewer(filters["assignee"], people) if assignee_other else "",
        can_assign=user.has(*ASSIGNERS), auditors=await api.auditors(request, user),
        next_url=f"/workspace/flags?{query(filters, cursor=page['next'])}" if page.get("next") else None,
        first_url=f"/workspace/flags?{query(filters)}" if cursor else None,
        here=query(filters, cursor=cursor or ""), export_query=query(filters),
        done=DONE.get(request.query_params.get("done", "")), error=error, year=request.app.state.clock.today().year,
    )


async def flags(request: Request) -> Response:
    user = await session.require(request)
    return await queue_page(request, user)


async def bulk_assign(request: Request) -> Response:
    """批量分派: the checked flags to one auditor, all or nothing; 303 back to the queue, or the queue again with
    the refusal (nothing changed)."""
    user = await session.require(request)
    form = await checked_form(request, user)
    require_role(user, *ASSIGNERS, what="分派审核")
    back = first(form, "back")[:2000]
    request.scope["query_string"] = back.encode()  # the queue as it was shown
    flag_ids = [x for x in form.get("flag", []) if x][:100]
    assignee = first(form, "assignee").strip()
    if not flag_ids or not assignee:
        what = "请至少勾选一个标记。" if not flag_ids else "请填写审核人员的登录名。"
        return await queue_page(request, user, status=422, error={"reason": what, "rule": None, "refused": []})
    try:
        await api.bulk_assign(request, user, flag_ids, assignee)
    except ServiceError as e:
        if e.status >= 500:
            raise
        return await queue_page(request, user, status=e.status, error=refusal(e))
    sep = "&" if back else ""
    return RedirectResponse(f"/workspace/flags?{back}{sep}done=assigned", status_code=303)


async def export(request: Request) -> Response:
    """The filtered queue as a file (the audit service writes it: Chinese headers, names, Beijing time, cells
    that begin with = + - @ neutralised)."""
    user = await session.require(request)
    fmt = request.path_params["fmt"]
    if fmt not in EXPORTS:
        raise PageError(404, "没有这种格式", "导出格式只有CSV和XLSX两种。")
    resp = await api.export(request, user, api_filters(filters_of(request, user), user), fmt)
    return Response(resp.content, media_type=resp.headers.get("content-type", EXPORTS[fmt]), headers={
        "Content-Disposition": resp.headers.get("content-disposition", f'attachment; filename="flags.{fmt}"'),
        "Cache-Control": "private, no-store"})

"""统计看板 — ``/workspace/dashboard``: the audit's figures (``GET /audit/v1/stats``, the review backlog from the
flags, the refused decision attempts where the audit counts them), read as the person (a bureau leader sees their
bureau). Charts are drawn by the same locally served ECharts as the audit service's dashboard (no CDN); the page
carries its data in a JSON block and ``ws_dashboard.js`` draws it (no inline script). Every figure links to the
queue filtered to it, in the chart (a click) and in the table under it (a keyboard)."""

from __future__ import annotations

import json
from calendar import monthrange
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from services.workspace import api, session
from services.workspace import names as names_of
from services.workspace.queue import ASSIGNERS
from services.workspace.web import render
from shared.bureaus import bureau_name
from shared.labels import DECISION_TYPE_CN, RULE_CN
from shared.registry import person
from shared.vocabulary import FLAGGED_DECISIONS

# The review backlog's ageing buckets (days open): the audit dashboard's (services.audit.reports.stats).
AGE_BUCKETS = ((0, 7, "0–7日"), (8, 15, "8–15日"), (16, 30, "16–30日"), (31, None, "30日以上"))


def queue_link(**params: str | None) -> str:
    return "/workspace/flags?" + urlencode({"assignee": "all", **{k: v for k, v in params.items() if v}})


def _day(value: str | None) -> str | None:
    try:
        return date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def ageing(pending: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Pending flags per ageing bucket, each linking to the queue of the flags raised in that span of days."""
    out = []
    for lo, hi, label in AGE_BUCKETS:
        n = sum(1 for f in pending if f.get("ageing_days", 0) >= lo and (hi is None or f.get("ageing_days", 0) <= hi))
        out.append({"name": label, "count": n, "href": queue_link(
            **{"from": (today - timedelta(days=hi)).isoformat() if hi is not None else None,
               "to": (today - timedelta(days=lo)).isoformat()})})
    return out


async def dashboard(request: Request) -> Response:
    user = await session.require(request)
    q = request.query_params
    bureau = (q.get("bureau") or "").strip()[:40] or None
    if not user.has(*ASSIGNERS):
        bureau = user.bureau  # a leader: their bureau (the audit service scopes it in any case)
    period_from, period_to = _day(q.get("from")), _day(q.get("to"))
    s = await api.stats(request, user, {"bureau": bureau, "from": period_from, "to": period_to})
    pending = await api.pending_flags(request, user, bureau)
    refusals = await api.refusal_stats(request, user, bureau)
    names: dict[str, str] = getattr(request.state, "bureau_names", {})
    people = await names_of.people(request, user)
    today = request.app.state.clock.today()

    def bname(code: str) -> str:
        return bureau_name(code, names)

    months = list(s.get("exemptions_light_by_month_bureau") or {})
    series_bureaus = sorted({b for m in (s.get("exemptions_light_by_month_bureau") or {}).values() for b in m})
    by_bureau_rule = s.get("open_by_bureau_rule") or {}
    rule_codes = sorted({c for v in by_bureau_rule.values() for c in v})
    data = {
        "rules": [{"name": RULE_CN.get(k, "其他规则"), "count": v, "href": queue_link(rule=k, bureau=bureau)}
                  for k, v in (s.get("open_by_rule") or {}).items()],
        "bureaus": {"names": [bname(b) for b in by_bureau_rule],
                    "series": [{"name": RULE_CN.get(c, "其他规则"),
                                "data": [{"value": by_bureau_rule[b].get(c, 0), "href": queue_link(bureau=b, rule=c)}
                                         for b in by_bureau_rule]} for c in rule_codes],
                    "totals": [{"name": bname(b), "count": sum(v.values()), "href": queue_link(bureau=b)}
                               for b, v in by_bureau_rule.items()]},
        "ageing": ageing(pending, today),
        "monthly": {"months": [f"{m[:4]}年{int(m[5:])}月" for m in months],
                    "series": [{"name": bname(b), "data": [
                        {"value": s["exemptions_light_by_month_bureau"][m].get(b, 0),
                         "href": queue_link(bureau=b, **{"from": f"{m}-01",
                                                         "to": f"{m}-{monthrange(int(m[:4]), int(m[5:]))[1]:02d}"})}
                        for m in months]} for b in series_bureaus]},
        "types": [{"name": DECISION_TYPE_CN.get(k, "其他"), "count": v,
                   "href": queue_link(decision_type=k, bureau=bureau) if k in FLAGGED_DECISIONS else None}
                  for k, v in (s.get("by_decision_type") or {}).items()],
    }
    officers = []
    if refusals:
        for o in refusals.get("officers") or refusals.get("by_officer") or []:
            officers.append({"name": person(o.get("sub") or o.get("officer"), people), "bureau": bname(o.get("bureau", "")),
                             "count": o.get("refused", o.get("count", 0)),
                             "exemptions": o.get("refused_exemptions", o.get("exemption_attempts", 0)),
                             "href": queue_link(rule="repeated_refused_exemption_attempts", bureau=o.get("bureau"))})
        data["refusals"] = [{"name": o["name"], "count": o["exemptions"], "href": o["href"]} for o in officers]
    flagged = sum((s.get("by_decision_type") or {}).get(k, 0) for k in FLAGGED_DECISIONS)
    overdue = sum(1 for f in pending if f.get("sla_breached"))
    casefile = [{"name": bname(b), **v, "rate": f"{v['pass_rate']:.1%}" if v.get("pass_rate") is not None else "—"}
                for b, v in (s.get("casefile_review") or {}).items()]  # 案卷评查 (issue 27)
    # 投诉举报 (工作要点（二十一）): counts per complained-about bureau, each linked to that bureau's queue
    cs = await api.complaint_stats(request, user, {"bureau": bureau, "from": period_from, "to": period_to})
    complaints = [{"name": bname(b), **v, "href": f"/workspace/complaints?{urlencode({'bureau': b})}",
                   "overdue_href": f"/workspace/complaints?{urlencode({'bureau': b, 'overdue': '1'})}"}
                  for b, v in (cs.get("by_bureau") or {}).items()]
    bureaus = sorted(names) if user.has(*ASSIGNERS) else []
    return render(request, "ws_dashboard.html", title="统计看板", user=user, nav="dashboard",
                  crumbs=[("统计看板", None)], data=_json(data), charts=data, total=s.get("total", 0),
                  flagged=flagged, pending=len(pending), overdue=overdue, officers=officers,
                  refusals_counted=refusals is not None, bureau=bureau, casefile=casefile, bureaus=bureaus,
                  complaints=complaints,
                  period_from=period_from or "", period_to=period_to or "",
                  links={"pending": queue_link(bureau=bureau), "overdue": queue_link(sla="overdue", bureau=bureau),
                         "flagged": queue_link(bureau=bureau, **{"from": period_from, "to": period_to})})

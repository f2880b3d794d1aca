"""监督审核看板 — the auditors' dashboard at ``/audit/dashboard`` (outside ``/v1``), server-rendered.

Charts are drawn by Apache ECharts served from this service's own static files (``/audit/static``;
no CDN — bureaus run on closed intranets; ``deploy/fetch-echarts.sh`` reproduces the vendored file).
The page carries its data as JSON; a filter is a plain GET form, so every view is a server render.
The bearer token comes from the ``Authorization`` header (an intranet SSO proxy sets it) or the
``ecocomply_token`` cookie.
"""

from __future__ import annotations

import json
import re
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select

from services.audit.complaints import service as complaint_service
from services.audit.config import audit_settings
from services.audit.flags import review
from services.audit.flags.rules import TYPE_CN
from services.audit.models import DailyCount, Flag, FlagHistory, LogEntry
from services.audit.reports import stats
from shared.auth import Principal, bearer_token, scope_of
from shared.bureaus import bureau_name as _bureau_name
from shared.chinese_dates import beijing_time, cn_date
from shared.labels import ACTION_CN, EVENT_CN, RULE_CN, SEVERITY_CN, STATUS_CN
from shared.problems import Problem, forbidden, invalid, out_of_scope, unauthorized
from shared.registry import UNREGISTERED_REVIEWER, bureau_names, officer_names, person
from shared.service import DbSession
from shared.vocabulary import FLAGGED_DECISIONS, Role

STATIC = Path(__file__).parents[1] / "static"


_ASSIGNED = re.compile(r"^分派给 (?P<sub>\S+)，审核期限 (?P<due>\S+)$")


def _rule_names(text: str) -> str:
    """A history note naming rules by their codes (``a；b``), in Chinese."""
    return "；".join(RULE_CN.get(part, part) for part in text.split("；"))


def _named(text: str, subs: list[str], people: dict[str, str]) -> str:
    """A rule's detail as stored names people by login id: each one becomes the registered name."""
    for sub in sorted(set(subs), key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(sub)}(?![\w-])", person(sub, people), text)
    return text


def _note(h: FlagHistory, people: dict[str, str]) -> str:
    """A history row's note as a supervisor reads it: an assignment names the auditor and the date in Chinese
    (the log keeps "分派给 <login id>，审核期限 <ISO time>"), rule codes their Chinese names."""
    m = _ASSIGNED.match(h.detail or "") if h.action == "assigned" else None
    if m:
        due = m["due"]
        return f"分派给 {person(m['sub'], people, UNREGISTERED_REVIEWER)}，审核期限 {cn_date(due) if due != '—' else '—'}"
    return _rule_names(h.detail or "")


def _principal(request: Request) -> Principal:
    token = bearer_token(request, or_cookie=True)
    if not token:
        raise unauthorized("missing bearer token (Authorization header or ecocomply_token cookie)")
    user = request.app.state.runtime.verifier.verify(token)
    if not user.has(Role.AUDITOR, Role.ADMIN, Role.LEADER):
        raise forbidden("the dashboard needs one of the roles: auditor, admin, leader", "role_required")
    return user


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name) or ""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise invalid(name, f"{name} must be a date (YYYY-MM-DD)") from None


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:16px;color:#222}}
h1{{font-size:20px}} .cards{{display:flex;gap:12px;margin:12px 0}}
.card{{border:1px solid #ddd;border-radius:6px;padding:8px 14px}} .card b{{font-size:22px;display:block}}
.grid{{display:grid;grid-template-columns:1fr 1fr;gap:12px}} .chart{{height:300px;border:1px solid #eee}}
table{{border-collapse:collapse;margin-top:12px;width:100%}} td,th{{border:1px solid #ddd;padding:4px 6px;font-size:13px}}
.breach{{color:#c00;font-weight:bold}}
</style></head><body>
{body}
</body></html>"""


SIGN_IN = """<h1>请登录监督审核工作台</h1>
<p>统计看板已并入监督审核工作台。请登录后查看：<a href="/workspace/dashboard">前往工作台统计看板</a>。</p>"""


def _sign_in_page() -> HTMLResponse:
    """Without a token the dashboard answers a Chinese page pointing to the workspace (issue 26), not a raw 401."""
    return HTMLResponse(PAGE.format(title="请登录监督审核工作台", body=SIGN_IN), status_code=401,
                        headers={"Cache-Control": "no-store"})


async def dashboard(request: Request, session: DbSession) -> HTMLResponse:
    if not bearer_token(request, or_cookie=True):
        return _sign_in_page()
    user = _principal(request)
    http = request.app.state.runtime.http
    names, people = await bureau_names(http), await officer_names(http)

    def bureau_name(code: str | None) -> str:
        return _bureau_name(code, names)

    bureau = scope_of(user, bureau=request.query_params.get("bureau") or None, what="flags").bureau
    period_from, period_to = _date(request, "from"), _date(request, "to")
    now = request.app.state.runtime.clock.now()
    s = await stats.stats(session, period_from=period_from, period_to=period_to, bureau=bureau)
    b = await stats.backlog(session, bureau=bureau, now=now, limit=100)
    refused = await stats.refusals(session, since=period_from, until=period_to, bureau=bureau)
    complaints = await complaint_service.stats(session, complaint_service.ComplaintFilter(
        now=now, bureau=bureau, received_from=period_from, received_to=period_to))
    cfg = audit_settings(request.app.state.runtime)
    bureaus = sorted(set(await session.scalars(select(DailyCount.bureau).distinct()))
                     | set(await session.scalars(select(Flag.bureau).distinct())))
    if not user.has(Role.AUDITOR, Role.ADMIN):
        bureaus = [x for x in bureaus if x == user.bureau]
    months = list(s["exemptions_light_by_month_bureau"])
    series_bureaus = sorted({x for m in s["exemptions_light_by_month_bureau"].values() for x in m})
    data = {
        "rules": [{"code": k, "name": RULE_CN.get(k, k), "count": v} for k, v in s["open_by_rule"].items()],
        "bureaus": [{"bureau": k, "name": bureau_name(k), "rules": v} for k, v in s["open_by_bureau_rule"].items()],
        "ageing": b["ageing"],
        "months": months,
        "monthly": [{"bureau": x, "name": bureau_name(x), "counts": [s["exemptions_light_by_month_bureau"][m].get(x, 0) for m in months]}
                    for x in series_bureaus],
        "rule_names": RULE_CN,
    }
    options = "".join(f'<option value="{escape(x)}"{" selected" if x == bureau else ""}>{escape(bureau_name(x))}</option>'
                      for x in bureaus)
    rows = "".join(
        f'<tr><td><a href="dashboard/cases/{escape(i["case_id"])}">{escape(i["number"])}</a></td>'
        f'<td>{escape(bureau_name(i["bureau"]))}</td><td>{escape(TYPE_CN.get(i["decision_type"], i["decision_type"]))}</td>'
        f'<td>{escape("、".join(RULE_CN.get(r, r) for r in i["rules"]))}</td>'
        f'<td>{escape(STATUS_CN.get(i["status"], i["status"]))}</td><td>{escape(person(i["assignee"], people, UNREGISTERED_REVIEWER) if i["assignee"] else "未分派")}</td>'
        f'<td>{i["ageing_days"]}</td><td class="{"breach" if i["sla_breached"] else ""}">'
        f'{escape(cn_date(i["due_at"]) if i["due_at"] else "")}{"（已超期）" if i["sla_breached"] else ""}</td></tr>'
        for i in b["items"])
    flagged = sum(s["by_decision_type"].get(k, 0) for k in FLAGGED_DECISIONS)
    refused_people = "".join(
        f'<tr><td>{escape(person(o["sub"], people))}</td><td>{escape(bureau_name(o["bureau"]))}</td>'
        f'<td>{o["refused"]}</td><td>{o["refused_exemptions"]}</td><td>{escape(beijing_time(o["last_at"]))}</td></tr>'
        for o in refused["officers"]) or '<tr><td colspan="5">无</td></tr>'
    refused_bureaus = "".join(
        f'<tr><td>{escape(bureau_name(t["bureau"]))}</td><td>{t["refused"]}</td><td>{t["refused_exemptions"]}</td>'
        f'<td>{t["officers"]}</td></tr>' for t in refused["bureaus"]) or '<tr><td colspan="4">无</td></tr>'
    refused_exemptions = sum(t["refused_exemptions"] for t in refused["bureaus"])
    complaint_rows = "".join(
        f'<tr><td>{escape(bureau_name(k))}</td><td>{v["received"]}</td><td>{v["accepted"]}</td>'
        f'<td class="{"breach" if v["overdue"] else ""}">{v["overdue"]}</td><td>{v["substantiated"]}</td></tr>'
        for k, v in complaints["by_bureau"].items()) or '<tr><td colspan="5">无</td></tr>'
    body = f"""
<h1>生态环境涉企行政合规 · 免罚轻罚监督审核看板</h1>
<form id="filters" method="get" action="dashboard">
  <label>执法机构 <select id="bureau" name="bureau"><option value="">全部</option>{options}</select></label>
  <label>决定日期自 <input type="date" name="from" value="{period_from or ''}"></label>
  <label>至 <input type="date" name="to" value="{period_to or ''}"></label>
  <button id="apply" type="submit">筛选</button>
</form>
<div class="cards">
  <div class="card">作出决定<b id="total">{s['total']}</b></div>
  <div class="card">免罚轻罚<b id="flagged">{flagged}</b></div>
  <div class="card">待审核标记<b id="open">{b['open']}</b></div>
  <div class="card">超过审核时限<b id="breached" class="breach">{b['sla_breached']}</b></div>
  <div class="card">被关口拒绝的免罚轻罚尝试<b id="refused-exemptions">{refused_exemptions}</b></div>
  <div class="card">投诉举报超期<b id="complaints-overdue" class="breach">{complaints['overdue']}</b></div>
</div>
<div class="grid">
  <div><h3>待审核标记（按规则）</h3><div id="chart-rules" class="chart"></div></div>
  <div><h3>待审核标记（按执法机构）</h3><div id="chart-bureaus" class="chart"></div></div>
  <div><h3>审核积压账龄</h3><div id="chart-ageing" class="chart"></div></div>
  <div><h3>免罚轻罚案件（按月、按执法机构）</h3><div id="chart-monthly" class="chart"></div></div>
</div>
<h3>审核积压（点击案号查看案件时间线）</h3>
<table id="backlog"><tr><th>案号</th><th>执法机构</th><th>决定类型</th><th>触发规则</th><th>状态</th><th>审核人</th>
<th>已开启（日）</th><th>审核期限</th></tr>{rows}</table>
<h3>被决定关口拒绝的决定尝试（按人员）</h3>
<table id="refusals-by-officer"><tr><th>人员</th><th>执法机构</th><th>被拒次数</th><th>其中免罚轻罚</th><th>最近一次</th></tr>
{refused_people}</table>
<h3>被决定关口拒绝的决定尝试（按执法机构）</h3>
<table id="refusals-by-bureau"><tr><th>执法机构</th><th>被拒次数</th><th>其中免罚轻罚</th><th>涉及人员</th></tr>
{refused_bureaus}</table>
<p style="font-size:12px;color:#666">被拒尝试：作出决定、撤销立案、终止、移送或变更决定时被决定关口依法拒绝的申请（案件未改变）；
{RULE_CN["repeated_refused_exemption_attempts"]}的提示阈值（{cfg.refused_exemption_window_days} 日内
{cfg.refused_exemption_threshold} 次）为本地设置，非法定标准。</p>
<h3>投诉举报（按被投诉机关；《2023年苏州市生态环境系统法治政府建设工作要点》（二十一））</h3>
<table id="complaints-by-bureau"><tr><th>被投诉机关</th><th>收到</th><th>受理</th><th>超过办理期限</th><th>查证属实</th></tr>
{complaint_rows}</table>
<p style="font-size:12px;color:#666">投诉举报的受理、办结期限为本地设置（自然日），其默认值的出处见说明文档。</p>
<p style="font-size:12px;color:#666">审核时限、统计窗口与阈值为本地设置。图表：Apache ECharts（本地静态文件）。</p>
<script id="dashboard-data" type="application/json">{_json(data)}</script>
<script src="static/echarts.min.js"></script>
<script src="static/dashboard.js"></script>"""
    return HTMLResponse(PAGE.format(title="免罚轻罚监督审核看板", body=body))


async def case_timeline(request: Request, session: DbSession) -> HTMLResponse:
    if not bearer_token(request, or_cookie=True):
        return _sign_in_page()
    user = _principal(request)
    http = request.app.state.runtime.http
    names, people = await bureau_names(http), await officer_names(http)
    case_id = request.path_params["case_id"]
    flag = await session.scalar(select(Flag).where(Flag.case_id == case_id))
    if flag is not None and not user.can_see(bureau=flag.bureau, uscc=None):
        raise out_of_scope("this case belongs to another bureau")
    entries = list(await session.scalars(select(LogEntry).where(LogEntry.case_id == case_id).order_by(LogEntry.idx)))
    hist = list(await session.scalars(select(FlagHistory).where(FlagHistory.flag_id == flag.id)
                                      .order_by(FlagHistory.at))) if flag else []
    if flag is None and not entries:
        raise Problem(404, "not_found", f"case {case_id} is unknown to the audit service", resource="case")
    if flag is None and not user.has(Role.AUDITOR, Role.ADMIN):
        raise out_of_scope("only auditors see cases without a flag")
    rules_html = "".join(f"<li><b>{escape(RULE_CN.get(r.code, r.code))}</b>（{escape(SEVERITY_CN.get(r.severity, r.severity))}）："
                         f"{escape(_named(r.detail, [*(flag.handlers or []), flag.decided_by, *people], people))}</li>"
                         for r in (flag.rules if flag else []))
    age = review.ageing_days(flag, request.app.state.runtime.clock.now()) if flag else 0
    timeline = "".join(
        f"<tr><td>{e.idx}</td><td>{escape(beijing_time(json.loads(e.data).get('time')))}</td>"
        f"<td>{escape(EVENT_CN.get(e.type, e.type))}</td><td><code>{escape(e.event_id)}</code></td></tr>"
        for e in entries)
    history = "".join(f"<tr><td>{escape(beijing_time(h.at))}</td><td>{escape(person(h.actor, people, UNREGISTERED_REVIEWER))}</td>"
                      f"<td>{escape(ACTION_CN.get(h.action, h.action))}</td>"
                      f"<td>{escape(STATUS_CN.get(h.status_to, h.status_to))}</td><td>{escape(_note(h, people))}</td></tr>"
                      for h in hist)
    head = (f"<p>案号 {escape(flag.number)} · 执法机构 {escape(_bureau_name(flag.bureau, names))} · "
            f"{escape(TYPE_CN.get(flag.decision_type, flag.decision_type))} · 状态 "
            f"{escape(STATUS_CN.get(flag.status, flag.status))} · 已开启 {age} 日</p>"
            f"<p id=\"people\">办案人员 {escape('、'.join(person(x, people) for x in flag.handlers or []) or '—')} · "
            f"作出决定 {escape(person(flag.decided_by, people))}"
            f"{' · 审核人 ' + escape(person(flag.assignee, people, UNREGISTERED_REVIEWER)) if flag.assignee else ''}</p>"
            ) if flag else ""
    body = f"""<p><a href="../../dashboard">← 返回看板</a></p><h1>案件时间线</h1>{head}
<h3>触发规则</h3><ul id="rules">{rules_html or '<li>无</li>'}</ul>
<h3>审计日志中的事件（防篡改日志序号）</h3>
<table id="timeline"><tr><th>日志序号</th><th>时间</th><th>事件</th><th>事件编号</th></tr>{timeline}</table>
<h3>审核记录</h3><table id="history"><tr><th>时间</th><th>操作人</th><th>操作</th><th>状态</th><th>说明</th></tr>{history}</table>"""
    return HTMLResponse(PAGE.format(title="案件时间线", body=body))


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="audit-static")
    app.add_api_route("/dashboard", dashboard, methods=["GET"], include_in_schema=False)
    app.add_api_route("/dashboard/cases/{case_id}", case_timeline, methods=["GET"], include_in_schema=False)

"""The public pages (no account): the guidance checklist with search, an item, the no-penalty list, the
benchmarks, typical cases, published penalty decisions and the self-check with its report (on the page
and as PDF). Each reads the services' public API; the self-check stores nothing unless an enterprise is
signed in and asks to keep it."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from services.portal import session
from services.portal.client import PortalAPI, ServiceError
from services.portal.report import report_pdf
from services.portal.web import PageError, first, form_of, render
from shared.chinese_dates import cn_date
from shared.problems import Problem

PUBLIC = "/public"
PAGE_SIZE = 20


def _api(request: Request) -> PortalAPI:
    return request.app.state.api


ITEM_TITLES_TTL = 60.0  # seconds (a retitled or newly published item shows within a minute)
UNKNOWN_ITEM = "未公布的清单事项"


async def item_titles(request: Request) -> dict[str, str]:
    """Each published guidance item's Chinese title by its code (the pages name a violation by its title,
    not by ``GI-WAT-001``), read from the public list and cached."""
    api = _api(request)

    async def fetch() -> dict[str, str] | None:
        titles: dict[str, str] = {}
        page = 1
        while True:
            try:
                data = await api.get("checklist", f"{PUBLIC}/guidance-items", params={"page": page, "size": 100})
            except (ServiceError, Problem):  # the checklist does not answer: the page names no titles (not cached)
                return None
            titles.update({i["code"]: i["title"] for i in data["items"]})
            if not data["items"] or len(titles) >= data["total"]:
                return titles
            page += 1

    return await api.http.cached("portal:item-titles", ITEM_TITLES_TTL, fetch) or {}


def _page_no(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise PageError(400, "页码无效", "页码应为1到1000之间的整数。")
    return int(raw)


async def index(request: Request) -> HTMLResponse:
    api = _api(request)
    items, npl, decisions, cases = await asyncio.gather(
        api.get("checklist", f"{PUBLIC}/guidance-items", params={"size": 1}),
        api.get("checklist", f"{PUBLIC}/no-penalty-items"),
        api.get("cases", f"{PUBLIC}/decisions", params={"size": 5}),
        api.get("checklist", f"{PUBLIC}/typical-cases"),
    )
    return render(request, "index.html", title="首页", nav="home", counts={
        "items": items["total"], "no_penalty": npl["total"], "decisions": decisions["total"], "cases": cases["total"],
    }, latest=decisions["items"], latest_cases=cases["items"][:3])


async def items(request: Request) -> HTMLResponse:
    q = request.query_params.get("q", "").strip()
    if len(q) > 50:
        raise PageError(400, "检索词过长", "检索词最多50个字；输入1至4个字即可检索。")
    risk = request.query_params.get("risk_level") or None
    if risk not in (None, "high", "medium", "low"):
        raise PageError(400, "风险等级无效", "风险等级应为高、中或低。")
    page = _page_no(request)
    data = await _api(request).get("checklist", f"{PUBLIC}/guidance-items",
                                   params={"q": q, "risk_level": risk, "page": page, "size": PAGE_SIZE})
    pages = max(1, -(-data["total"] // PAGE_SIZE))
    return render(request, "items.html", title=f"检索“{q}”" if q else "合规指导清单", nav="items",
                  crumbs=[("合规指导清单", "/items" if q else None), *([(f"检索“{q}”", None)] if q else [])],
                  q=q, risk=risk, data=data, page=page, pages=pages)


async def item(request: Request) -> HTMLResponse:
    code = request.path_params["code"]
    api = _api(request)
    try:
        it, cases = await asyncio.gather(
            api.get("checklist", f"{PUBLIC}/guidance-items/{quote(code, safe='')}"),
            api.get("checklist", f"{PUBLIC}/typical-cases", params={"item_code": code}),
        )
    except ServiceError as e:
        if e.status == 404:
            raise PageError(404, "没有这个清单事项", f"合规指导清单中没有编号为“{code}”的已公布事项。") from e
        raise
    return render(request, "item.html", title=it["title"], nav="items",
                  crumbs=[("合规指导清单", "/items"), (it["title"], None)], it=it, cases=cases["items"])


async def no_penalty(request: Request) -> HTMLResponse:
    data, titles = await asyncio.gather(_api(request).get("checklist", f"{PUBLIC}/no-penalty-items"),
                                        item_titles(request))
    statutory = [i for i in data["items"] if i["kind"] == "statutory"]
    listed = [i for i in data["items"] if i["kind"] == "list"]
    return render(request, "no_penalty.html", title="免罚清单", nav="no-penalty", crumbs=[("免罚清单", None)],
                  data=data, statutory=statutory, listed=listed, titles=titles, unknown_item=UNKNOWN_ITEM)


async def benchmarks(request: Request) -> HTMLResponse:
    data = await _api(request).get("checklist", f"{PUBLIC}/benchmarks")
    return render(request, "benchmarks.html", title="行政处罚裁量基准", nav="benchmarks",
                  crumbs=[("裁量基准", None)], data=data, titles={rs["name"]: rs["title"] for rs in data["rule_sets"]})


async def typical_cases(request: Request) -> HTMLResponse:
    q = request.query_params.get("q", "").strip()[:50]
    data = await _api(request).get("checklist", f"{PUBLIC}/typical-cases", params={"q": q})
    return render(request, "typical_cases.html", title="典型案例", nav="typical-cases",
                  crumbs=[("典型案例", None)], data=data, q=q)


async def decisions(request: Request) -> HTMLResponse:
    page = _page_no(request)
    data = await _api(request).get("cases", f"{PUBLIC}/decisions", params={"page": page, "size": PAGE_SIZE})
    pages = max(1, -(-data["total"] // PAGE_SIZE))
    return render(request, "decisions.html", title="行政处罚决定公开", nav="decisions",
                  crumbs=[("处罚决定公开", None)], data=data, page=page, pages=pages)


async def decision(request: Request) -> HTMLResponse:
    pid = request.path_params["id"]
    try:
        d = await _api(request).get("cases", f"{PUBLIC}/decisions/{quote(pid, safe='')}")
    except ServiceError as e:
        if e.status == 404:
            raise PageError(404, "没有这份决定", "未找到该公开的行政处罚决定。") from e
        if e.status == 410:
            return render(request, "decision_withdrawn.html", title="该决定已不再公开", nav="decisions",
                          crumbs=[("处罚决定公开", "/decisions"), ("已不再公开", None)], p=e.problem, status=410)
        raise
    return render(request, "decision.html", title=f"行政处罚决定 {d['decision_number']}", nav="decisions",
                  crumbs=[("处罚决定公开", "/decisions"), (d["decision_number"], None)], d=d)


# -- 自查自纠 ---------------------------------------------------------------------------------------
async def self_check(request: Request) -> HTMLResponse:
    api = _api(request)
    industry = request.query_params.get("industry", "").strip()[:100]
    industries = (await api.get("checklist", f"{PUBLIC}/self-checks/industries"))["items"]
    if not industry:
        return render(request, "self_check.html", title="企业环境合规自查", nav="self-check",
                      crumbs=[("企业自查", None)], industries=industries, q=None)
    q = await api.get("checklist", f"{PUBLIC}/self-checks/questionnaire", params={"industry": industry})
    groups: dict[str, list[dict[str, Any]]] = {}
    for question in q["questions"]:
        groups.setdefault(question["domain"], []).append(question)
    who = session.signed_in(request, request.app.state.verifier)
    return render(request, "self_check.html", title=f"{industry} · 合规自查问卷", nav="self-check",
                  crumbs=[("企业自查", "/self-check"), (industry, None)], industries=industries, q=q,
                  groups=groups, industry=industry, who=who[0] if who else None,
                  csrf=session.csrf_value(who[1]) if who else "")


def _answers(form: dict[str, list[str]]) -> dict[str, str]:
    return {k[2:]: v[0] for k, v in form.items() if k.startswith("a.") and v and v[0] in ("yes", "no", "unknown")}


async def _assess(request: Request) -> tuple[str, dict[str, str], dict[str, Any], dict[str, list[str]]]:
    form = await form_of(request)
    industry = first(form, "industry").strip()
    if not industry:
        raise PageError(422, "请选择行业", "自查问卷按行业生成，请先选择所属行业。")
    answers = _answers(form)
    try:
        report = await _api(request).post("checklist", f"{PUBLIC}/self-checks/assess",
                                          json={"industry": industry, "answers": answers})
    except ServiceError as e:
        if e.status == 422:
            raise PageError(422, "问卷回答有误", e.problem.get("detail", ""), detail=str(e.problem.get("errors", ""))) from e
        raise
    return industry, answers, report, form


async def self_check_report(request: Request) -> HTMLResponse:
    industry, answers, report, form = await _assess(request)
    saved = None
    if first(form, "save") == "1":  # keep it in the enterprise's history: only when signed in
        who = session.signed_in(request, request.app.state.verifier)
        if who is None or not who[0].uscc:
            raise PageError(401, "需要登录", "保存自查记录需要以企业身份登录；未登录时自查结果不会保存。")
        if not session.csrf_ok(who[1], first(form, "csrf")):
            raise PageError(403, "表单已失效", "请重新打开自查问卷后提交。")
        saved = await _api(request).post("checklist", "/self-checks", token=who[1],
                                         json={"uscc": who[0].uscc, "industry": industry, "answers": answers})
    return render(request, "self_check_report.html", title="自查报告", nav="self-check",
                  crumbs=[("企业自查", "/self-check"), (industry, f"/self-check?industry={quote(industry)}"),
                          ("自查报告", None)], industry=industry, answers=answers, report=report, saved=saved)


async def self_check_pdf(request: Request) -> Response:
    industry, _, report, _ = await _assess(request)
    today = cn_date(request.app.state.clock.today())  # the Asia/Shanghai date (shared/clock.py), 2026年12月7日
    pdf = await asyncio.to_thread(report_pdf, industry, report, today)
    name = quote(f"合规自查报告-{industry}.pdf")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}", "Cache-Control": "no-store"})

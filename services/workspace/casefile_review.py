"""案卷评查 — ``/workspace/casefile-reviews``: the campaigns and the form creating one (a supervisor draws a period's
decided case files per bureau with a seed), a campaign's page (the sample per bureau, assignment to a reviewer of
another bureau, progress and results per bureau and per item), and a file's scoring page (every item of the
standard, those the system can judge pre-filled with their evidence; the reviewer confirms or overrides each).
Every action is a CSRF form answered 303; a refusal shows the reason in Chinese and the rule it rests on."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.portal.client import ServiceError
from services.workspace import api, names, session
from services.workspace.forms import checked_form, refusal, require_role
from services.workspace.web import PageError, first, render
from shared.labels import CASEFILE_DRAWN_CN, CASEFILE_STATUS_CN, DECISION_TYPE_CN
from shared.registry import person
from shared.vocabulary import Role

BASE = "/workspace/casefile-reviews"
DONE = {"created": "评查活动已创建，案卷已抽取。", "assigned": "已分派评查人。", "scored": "评分已提交。"}
MAX_REASON = 2000


def _q(value: str) -> str:
    return quote(value, safe="")


def _api(request: Request):
    return request.app.state.api


def _why(err: ServiceError) -> dict[str, Any]:
    """The service's Chinese detail (these refusals name the case file and the person), with its rule."""
    out = refusal(err)
    detail = str(err.problem.get("detail") or "")
    if any("\u4e00" <= ch <= "\u9fff" for ch in detail):
        out["reason"] = detail
    return out


async def _guard(call: Any) -> dict[str, Any] | None:
    try:
        await call
    except ServiceError as e:
        if e.status >= 500:
            raise
        return _why(e)
    return None


# -- campaigns ---------------------------------------------------------------------------------------------------
async def campaigns_page(request: Request, *, error: dict | None = None, status: int = 200) -> Response:
    user = await session.require(request)
    require_role(user, Role.AUDITOR, Role.ADMIN, what="案卷评查")
    rows = await _api(request).get("audit", "/casefile-reviews/campaigns", token=user.token)
    people = await names.people(request, user)
    for c in rows:
        c["creator"] = person(c["created_by"], people)
    today = request.app.state.clock.today()
    return render(request, "ws_casefile_campaigns.html", title="案卷评查", user=user, nav="casefile",
                  crumbs=[("案卷评查", None)], campaigns=rows, error=error, status=status,
                  form=getattr(request.state, "ws_form", {}) or {"period_from": f"{today.year}-01-01",
                                                                   "period_to": today.isoformat()},
                  can_create=user.has(Role.AUDITOR), done=DONE.get(request.query_params.get("done", "")))


async def campaigns(request: Request) -> Response:
    return await campaigns_page(request)


def _number(form: dict, name: str, kind: type) -> Any:
    raw = first(form, name).strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise PageError(422, "填写有误", f"“{raw}”不是有效的数值。") from None


async def create(request: Request) -> Response:
    user = await session.require(request)
    form = await checked_form(request, user)
    require_role(user, Role.AUDITOR, what="创建评查活动")
    body = {"title": first(form, "title").strip()[:200], "period_from": first(form, "period_from"),
            "period_to": first(form, "period_to"), "seed": first(form, "seed").strip()[:64] or None,
            "ratio": (_number(form, "ratio_percent", float) or 0) / 100 or None,
            "minimum": _number(form, "minimum", int), "all_exemptions": first(form, "all_exemptions") == "1"}
    request.state.ws_form = {**body, "ratio_percent": first(form, "ratio_percent")}
    try:
        made = await _api(request).post("audit", "/casefile-reviews/campaigns", token=user.token, json=body)
    except ServiceError as e:
        if e.status >= 500:
            raise
        return await campaigns_page(request, error=_why(e), status=e.status)
    return RedirectResponse(f"{BASE}/{_q(made['id'])}?done=created", status_code=303)


# -- one campaign ------------------------------------------------------------------------------------------------
async def campaign_page(request: Request, *, error: dict | None = None, status: int = 200) -> Response:
    user = await session.require(request)
    require_role(user, Role.AUDITOR, Role.ADMIN, what="案卷评查")
    cid = request.path_params["campaign_id"]
    c = await _api(request).get("audit", f"/casefile-reviews/campaigns/{_q(cid)}", token=user.token)
    results = await _api(request).get("audit", f"/casefile-reviews/campaigns/{_q(cid)}/results", token=user.token)
    people = await names.people(request, user)
    staff = await api.workspace_people(request, user)
    firms = await names.enterprises(request, user, [f.get("uscc", "") for f in c["items"] if f.get("uscc")])
    groups: dict[str, list[dict]] = defaultdict(list)
    for f in c["items"]:
        groups[f["bureau"]].append({
            **f, "type_cn": DECISION_TYPE_CN.get(f["decision_type"], "—"), "drawn_cn": CASEFILE_DRAWN_CN.get(f["drawn_by"], ""),
            "status_cn": CASEFILE_STATUS_CN.get(f["status"], "—"), "enterprise": firms.get(f.get("uscc", ""), ""),
            "reviewer_name": person(f["reviewer"], people) if f["reviewer"] else "未分派",
            "verdict": "" if f["passed"] is None else ("合格" if f["passed"] else "不合格"),
            # cross review: the reviewers the page offers belong to another bureau than the file's
            "offer": [{"sub": p["sub"], "name": p["name"], "bureau": p.get("bureau")} for p in staff
                      if "auditor" in p["roles"] and p.get("bureau") and p.get("bureau") != f["bureau"]]})
    return render(request, "ws_casefile_campaign.html", title=f"评查活动 {c['title']}", user=user, nav="casefile",
                  crumbs=[("案卷评查", BASE), (c["title"], None)], c=c, groups=dict(sorted(groups.items())),
                  results=results, creator=person(c["created_by"], people), error=error, status=status,
                  can_assign=user.has(Role.AUDITOR), done=DONE.get(request.query_params.get("done", "")))


async def campaign(request: Request) -> Response:
    return await campaign_page(request)


async def assign(request: Request) -> Response:
    user = await session.require(request)
    form = await checked_form(request, user)
    require_role(user, Role.AUDITOR, what="分派评查人")
    cid, fid = request.path_params["campaign_id"], request.path_params["file_id"]
    reviewer = first(form, "reviewer").strip()[:100]
    if not reviewer:
        return await campaign_page(request, error={"reason": "请选择评查人。", "rule": None, "refused": []}, status=422)
    err = await _guard(_api(request).post("audit", f"/casefile-reviews/campaigns/{_q(cid)}/files/{_q(fid)}/assign",
                                          token=user.token, json={"reviewer": reviewer}))
    if err:
        return await campaign_page(request, error=err, status=err["status"])
    return RedirectResponse(f"{BASE}/{_q(cid)}?done=assigned#files", status_code=303)


# -- scoring -----------------------------------------------------------------------------------------------------
async def sheet_page(request: Request, *, error: dict | None = None, status: int = 200) -> Response:
    user = await session.require(request)
    require_role(user, Role.AUDITOR, Role.ADMIN, what="案卷评查")
    cid, fid = request.path_params["campaign_id"], request.path_params["file_id"]
    s = await _api(request).get("audit", f"/casefile-reviews/campaigns/{_q(cid)}/files/{_q(fid)}", token=user.token)
    people = await names.people(request, user)
    f = s["file"]
    firms = await names.enterprises(request, user, [f["uscc"]] if f.get("uscc") else [])
    sections: dict[str, list[dict]] = defaultdict(list)
    sent = getattr(request.state, "ws_form", {})
    for i in s["items"]:
        chosen = sent.get(f"met-{i['code']}") or ("1" if i["prefill_met"] else "0" if i["prefill_met"] is False else "")
        sections[i["section_name"]].append({**i, "chosen": chosen, "points_sent": sent.get(f"points-{i['code']}", ""),
                                            "reason_sent": sent.get(f"reason-{i['code']}", "")})
    mine = bool(f["reviewer"]) and f["reviewer"] == user.sub and f["status"] == "assigned" and user.has(Role.AUDITOR)
    return render(request, "ws_casefile_sheet.html", title=f"评查案卷 {f['number']}", user=user, nav="casefile",
                  crumbs=[("案卷评查", BASE), (s["campaign_title"], f"{BASE}/{_q(cid)}"), (f["number"], None)],
                  s=s, f=f, sections=dict(sections), enterprise=firms.get(f.get("uscc", ""), ""),
                  type_cn=DECISION_TYPE_CN.get(f["decision_type"], "—"),
                  reviewer=person(f["reviewer"], people) if f["reviewer"] else "未分派",
                  scorer=person(f["scored_by"], people) if f["scored_by"] else "",
                  verdict="" if f["passed"] is None else ("合格" if f["passed"] else "不合格"),
                  can_score=mine, error=error, status=status, done=DONE.get(request.query_params.get("done", "")))


async def sheet(request: Request) -> Response:
    return await sheet_page(request)


async def score(request: Request) -> Response:
    user = await session.require(request)
    form = await checked_form(request, user)
    require_role(user, Role.AUDITOR, what="评查评分")
    cid, fid = request.path_params["campaign_id"], request.path_params["file_id"]
    request.state.ws_form = {k: first(form, k) for k in form if k != "csrf"}
    items: dict[str, dict] = {}
    for key in form:
        if not key.startswith("met-"):
            continue
        code = key[4:][:40]
        met = first(form, key) == "1"
        points = first(form, f"points-{code}").strip()
        reason = first(form, f"reason-{code}").strip()[:MAX_REASON]
        try:
            items[code] = {"met": met, "points": float(points) if points and met else None, "reason": reason or None}
        except ValueError:
            return await sheet_page(request, error={"reason": f"项目 {code} 的得分不是有效的数值。", "rule": None,
                                                    "refused": []}, status=422)
    err = await _guard(_api(request).post("audit", f"/casefile-reviews/campaigns/{_q(cid)}/files/{_q(fid)}/score",
                                          token=user.token, json={"items": items}))
    if err:
        return await sheet_page(request, error=err, status=err["status"])
    return RedirectResponse(f"{BASE}/{_q(cid)}/files/{_q(fid)}?done=scored", status_code=303)


async def bundle(request: Request) -> Response:
    """评查案卷包 as a download (the audit service assembles it as the person)."""
    user = await session.require(request)
    require_role(user, Role.AUDITOR, Role.ADMIN, what="案卷评查")
    cid, fid = request.path_params["campaign_id"], request.path_params["file_id"]
    resp = await _api(request).call("audit", "GET", f"/casefile-reviews/campaigns/{_q(cid)}/files/{_q(fid)}/bundle",
                                    token=user.token)
    return Response(resp.content, media_type="application/zip", headers={
        "Content-Disposition": resp.headers.get("content-disposition", "attachment"),
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


def routes() -> list:
    from starlette.routing import Route
    at = BASE.removeprefix("/workspace")  # the app is mounted at /workspace
    return [
        Route(at, campaigns),
        Route(at, create, methods=["POST"]),
        Route(at + "/{campaign_id}", campaign),
        Route(at + "/{campaign_id}/files/{file_id}", sheet),
        Route(at + "/{campaign_id}/files/{file_id}/assign", assign, methods=["POST"]),
        Route(at + "/{campaign_id}/files/{file_id}/score", score, methods=["POST"]),
        Route(at + "/{campaign_id}/files/{file_id}/bundle", bundle),
    ]

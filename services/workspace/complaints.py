"""投诉举报 in the workspace (工作要点（二十一）): ``/workspace/complaints`` — the handling office's queue (overdue first and
highlighted; filters by status, bureau, category, overdue) — and ``/workspace/complaints/{id}`` with the handling
steps as CSRF forms (303 back): 受理 / 不予受理 (reason), 开始调查, 延长期限 (approver, reason), 办结 (finding, findings,
the case), 答复. A bureau leader sees its bureau's complaints without the complainant and without the forms."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.portal.client import ServiceError
from services.portal.complaints import CATEGORIES, FINDING
from services.workspace import names, session
from services.workspace.forms import checked_form, refusal, require_role
from services.workspace.web import PageError, first, render
from shared.bureaus import BUREAU_NAMES
from shared.registry import UNREGISTERED_REVIEWER, person
from shared.vocabulary import Role

STATUS = {"submitted": "已提交（待受理）", "accepted": "已受理", "refused": "不予受理", "investigating": "调查中",
          "concluded": "已办结（待答复）", "answered": "已答复"}
ACTIONS = {"filed": "提交投诉", "accept": "受理", "refuse": "不予受理", "investigate": "开始调查", "extend": "延长办理期限",
           "conclude": "办结", "answer": "答复投诉人"}
CHANNEL = {"public": "公开页面（无需账号）", "enterprise": "企业（我的企业）"}
DONE = {a: f"已{t}。" for a, t in ACTIONS.items()}
REFUSALS = {
    "complaint_handler_own_bureau": "您是被投诉机关的人员，不能办理针对本机关的投诉。",
    "complaint_not_handling_office": "只有执法监督机构可以办理投诉，其他分局的人员无权办理。",
    "complaint_already_extended": "办理期限已经延长过一次，不能再次延长。",
    "complaint_extension_self_approved": "延长办理期限须由办理人以外的负责人批准。",
    "illegal_transition": "投诉当前的状态不允许这项操作。",
    "unknown_case": "没有这个案件的记录：请填写办案系统中已有案件的编号。",
    "wrong_bureau": "该案件不属于被投诉机关。",
}
MAX_TEXT = 2000
FILTERS = ("status", "bureau", "category", "overdue")


def _api(request: Request):
    return request.app.state.api


def _refusal(e: ServiceError) -> dict[str, Any]:
    out = refusal(e)
    code = str(e.problem.get("code") or "")
    if code in REFUSALS:
        out["reason"] = REFUSALS[code]
    elif e.status == 404:
        out["reason"] = "未找到这件投诉。"
    return out


async def queue(request: Request) -> Response:
    user = await session.require(request)
    filters = {k: (request.query_params.get(k) or "")[:40] for k in FILTERS}
    if filters["status"] not in ("", *STATUS) or filters["category"] not in ("", *CATEGORIES):
        raise PageError(400, "筛选条件无效", "请从列表中选择状态和类别。")
    params = {k: v for k, v in filters.items() if v and k != "overdue"}
    if filters["overdue"] == "1":
        params["overdue"] = "true"
    data = await _api(request).get("audit", "/complaints", token=user.token, params={**params, "size": 200})
    rows = [{**c, "status_cn": STATUS[c["status"]], "category_cn": CATEGORIES[c["category"]]} for c in data["items"]]
    return render(request, "ws_complaints.html", title="投诉举报", user=user, nav="complaints",
                  crumbs=[("投诉举报", None)], rows=rows, total=data["total"], overdue=data["overdue"], filters=filters,
                  status_names=STATUS, categories=CATEGORIES, bureaus=list(BUREAU_NAMES))


async def page(request: Request, user: session.WorkspaceUser, complaint_id: str, *, error: dict | None = None,
               status: int = 200) -> Response:
    try:
        c = await _api(request).get("audit", f"/complaints/{quote(complaint_id, safe='')}", token=user.token)
    except ServiceError as e:
        if e.status in (403, 404):
            raise PageError(404, "没有这件投诉", "未找到您有权查看的这件投诉。") from e
        raise
    people = await names.people(request, user)
    who = {"complainant": "投诉人"}
    steps = [{**s, "who": who.get(s["actor"]) or person(s["actor"], people, UNREGISTERED_REVIEWER),
              "action_cn": ACTIONS.get(s["action"], "其他操作"), "status_cn": STATUS.get(s["status_to"], "—")}
             for s in c["steps"]]
    can = set(c["allowed_actions"]) if user.has(Role.AUDITOR) else set()
    return render(request, "ws_complaint.html", title=f"投诉 {c['reference']}", user=user, nav="complaints",
                  crumbs=[("投诉举报", "/workspace/complaints"), (f"投诉 {c['reference']}", None)], c=c, steps=steps,
                  can=can, status=status, error=error, done=DONE.get(request.query_params.get("done", "")),
                  status_cn=STATUS[c["status"]], category_cn=CATEGORIES[c["category"]], FINDING=FINDING, CHANNEL=CHANNEL,
                  handler=person(c["handler"], people, UNREGISTERED_REVIEWER) if c.get("handler") else "未受理",
                  form=getattr(request.state, "ws_form", {}))


async def complaint_page(request: Request) -> Response:
    user = await session.require(request)
    return await page(request, user, request.path_params["complaint_id"])


def _text(form: dict, key: str) -> str:
    return first(form, key).strip()


async def act(request: Request) -> Response:
    """One handling step, posted from the complaint's page; a refusal shows the page again, nothing changed."""
    user = await session.require(request)
    cid, action = request.path_params["complaint_id"], request.path_params["action"]
    if action not in ACTIONS or action == "filed":
        raise PageError(404, "没有这项操作", "没有这项操作。")
    form = await checked_form(request, user)
    require_role(user, Role.AUDITOR, what=f"{ACTIONS[action]}投诉")
    body: dict[str, Any] | None = {}
    missing = None
    reason = _text(form, "reason")
    request.state.ws_form = {k: _text(form, k) for k in ("reason", "approver", "finding", "case_id")}
    if action == "accept":
        body = {"reason": reason} if reason else {}
    elif action in ("refuse", "answer"):
        missing = None if 2 <= len(reason) <= MAX_TEXT else ("不予受理的理由" if action == "refuse" else "答复内容")
        body = {"reason": reason} if action == "refuse" else {"answer": reason}
    elif action == "investigate":
        body = None
    elif action == "extend":
        approver = _text(form, "approver")
        missing = "批准人" if not 1 <= len(approver) <= 100 else (None if 2 <= len(reason) <= MAX_TEXT else "延长理由")
        body = {"approver": approver, "reason": reason}
    elif action == "conclude":
        finding, case_id = _text(form, "finding"), _text(form, "case_id")
        missing = "调查结论" if finding not in FINDING else (None if 2 <= len(reason) <= MAX_TEXT else "查明的事实")
        if len(case_id) > 36:
            missing = "关联案件编号"
        body = {"finding": finding, "findings": reason, **({"case_id": case_id} if case_id else {})}
    if missing:
        return await page(request, user, cid, status=422, error={
            "reason": f"请填写{missing}（不超过{MAX_TEXT}字）。", "rule": None, "field": missing})
    try:
        await _api(request).post("audit", f"/complaints/{quote(cid, safe='')}/{action}", token=user.token, json=body)
    except ServiceError as e:
        if e.status >= 500:
            raise
        return await page(request, user, cid, error=_refusal(e), status=e.status)
    return RedirectResponse(f"/workspace/complaints/{quote(cid, safe='')}?done={action}#actions", status_code=303)

"""``/my`` — the enterprise's own page: its cases and their deadlines, compliance advice letters with a
feedback form, credit records with their publicity periods, the repair application flow (commitment and
documents; status, checks, refusals with their rule) and its self-check history.

Every call carries the enterprise's own token: the services decide what it may see, so the page can show
nothing of another enterprise. Forms post back here (CSRF value from the token), then redirect (303)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from services.portal import session
from services.portal.client import PortalAPI, ServiceError
from services.portal.pages import UNKNOWN_ITEM, item_titles
from services.portal.web import PageError, first, form_of, render
from shared.problems import Problem
from shared.vocabulary import PENALTIES, DecisionType, Role

MAX_CASE_DETAILS = 20
DOCUMENTS = ("decision", "notice", "compliance_advice", "credit_record_notice", "credit_repair_guidance")
DEFAULT_COMMITMENT = "本单位承诺所提交材料真实有效，已纠正失信行为并完全履行行政处罚决定规定的义务，愿意承担违反承诺的相应责任。"


def _api(request: Request) -> PortalAPI:
    return request.app.state.api


def _enterprise(request: Request) -> tuple[Any, str] | None:
    who = session.signed_in(request, request.app.state.verifier)
    if who is None:
        return None
    user, token = who
    if not user.has(Role.ENTERPRISE) or not user.uscc:
        raise PageError(403, "此页面供企业使用", "“我的企业”页面需要企业身份的令牌（含统一社会信用代码）。"
                        "执法人员请使用办案系统，审核人员请使用监督审核看板。")
    return user, token


def _about(case: dict[str, Any] | None, titles: dict[str, str]) -> str:
    """What a case is about, as its party reads it: the titles of its violations (not their codes)."""
    codes = [v["code"] for v in (case or {}).get("violations") or []]
    return "、".join(dict.fromkeys(titles.get(c, UNKNOWN_ITEM) for c in codes))


def _login(request: Request, *, error: str | None = None, status: int = 401) -> HTMLResponse:
    value = session.login_value(request)
    resp = render(request, "my_login.html", title="企业登录", nav="my", crumbs=[("我的企业", None)], error=error,
                  status=status, login_csrf=value)
    resp.set_cookie(session.LOGIN_COOKIE, value, httponly=True, samesite="strict", path="/my",
                    secure=request.url.scheme == "https", max_age=3600)
    return resp


STALE_FORM = ("表单已失效", "请刷新页面后重新提交（表单校验值不符）。")


def _required(request: Request) -> tuple[Any, str]:
    who = _enterprise(request)
    if who is None:
        raise PageError(401, "需要登录", "请先以企业身份登录。", detail="login")
    return who


async def _soft(coro, default: Any, section: str, unavailable: list[str]) -> Any:
    """A section whose service does not answer shows as empty with a note, not as a broken page."""
    try:
        return await coro
    except ServiceError as e:
        if e.status == 401:
            raise PageError(401, "登录已失效", "令牌无效或已过期，请重新登录。", detail="login") from e
        if e.status == 403:
            raise PageError(403, "无权查看", str(e.problem.get("detail", ""))) from e
        if e.status == 404:
            return default
        unavailable.append(section)
    except Problem:  # the service did not answer at all (ServiceClient's 503)
        unavailable.append(section)
    return default


async def page(request: Request, *, error: dict[str, Any] | None = None, status: int = 200,
               repair_form: dict[str, Any] | None = None) -> HTMLResponse:
    who = _enterprise(request)
    if who is None:
        return _login(request)
    user, token = who
    api = _api(request)
    down: list[str] = []
    ent, cases, letters, credit, checks = await asyncio.gather(
        _soft(api.get("cases", f"/enterprises/{user.uscc}", token=token), None, "企业信息", down),
        _soft(api.get("cases", "/cases", token=token, params={"size": 100}), {"items": [], "total": 0}, "案件", down),
        _soft(api.get("cases", "/advice-letters", token=token), [], "合规建议书", down),
        _soft(api.get("credit", "/my/credit", token=token), {"records": [], "repair_applications": []}, "信用记录", down),
        _soft(api.get("checklist", "/self-checks", token=token, params={"uscc": user.uscc}), [], "自查记录", down),
    )
    details = await asyncio.gather(*(
        _soft(api.get("cases", f"/cases/{c['id']}", token=token), None, "案件期限", down)
        for c in cases["items"][:MAX_CASE_DETAILS]))
    by_id = {d["id"]: d for d in details if d}
    titles = await item_titles(request)
    about = {cid: _about(d, titles) for cid, d in by_id.items()}
    # An exemption's 合规建议书 is served with its decision (第三十三条第三款's education) from the decision
    # itself, not as a separately issued letter: /advice-letters does not list it, so the page adds it.
    lettered = {a.get("case_id") for a in letters}
    case_advice = [c for c in cases["items"] if c.get("decision_type") == DecisionType.EXEMPTION and c["id"] not in lettered]
    repairable = [r for r in credit["records"] if r["status"] == "published"]
    open_apps = {a["record_id"] for a in credit["repair_applications"] if a["status"] in ("submitted", "accepted")}
    return render(
        request, "my.html", title=f"我的企业 · {ent['name'] if ent else user.uscc}", nav="my",
        crumbs=[("我的企业", None)], user=user, ent=ent, cases=cases["items"], details=by_id, letters=letters,
        credit=credit, checks=checks, about=about, titles=titles, case_advice=case_advice, repairable=[r for r in repairable if r["id"] not in open_apps],
        csrf=session.csrf_value(token), done=request.query_params.get("done"), error=error,
        repair_form=repair_form or {}, default_commitment=DEFAULT_COMMITMENT, status=status,
        unavailable=list(dict.fromkeys(down)),
    )


async def my(request: Request) -> HTMLResponse:
    return await page(request)


async def login_form(request: Request) -> HTMLResponse:
    return _login(request, status=200)


async def login(request: Request) -> Response:
    form = await form_of(request)
    if session.from_another_site(request) or not session.login_value_ok(request, first(form, "csrf")):
        raise PageError(403, *STALE_FORM)  # login CSRF: a form posted from another site, or without our value
    token = first(form, "token").strip()
    try:
        user = request.app.state.verifier.verify(token) if token else None
    except Problem:  # an invalid or expired token; anything else is an error the page shows
        user = None
    if user is None:
        return _login(request, error="令牌无效或已过期，请核对后重新粘贴。")
    if not user.has(Role.ENTERPRISE) or not user.uscc:
        return _login(request, error="这不是企业身份的令牌（需要企业身份和统一社会信用代码）。", status=403)
    resp = RedirectResponse("/my", status_code=303)
    resp.set_cookie(session.COOKIE, token, httponly=True, samesite="strict", path="/",
                    secure=request.url.scheme == "https", max_age=12 * 3600)
    resp.delete_cookie(session.LOGIN_COOKIE, path="/my")
    return resp


async def logout(request: Request) -> Response:
    form = await form_of(request)
    token = session.token_of(request)
    if session.from_another_site(request) or (token and not session.csrf_ok(token, first(form, "csrf"))):
        raise PageError(403, *STALE_FORM)  # another site cannot sign the enterprise out
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(session.COOKIE, path="/")
    return resp


def _check_csrf(request: Request, token: str, form: dict[str, list[str]]) -> None:
    if session.from_another_site(request) or not session.csrf_ok(token, first(form, "csrf")):
        raise PageError(403, *STALE_FORM)


async def case_detail(request: Request) -> HTMLResponse:
    user, token = _required(request)
    cid = request.path_params["case_id"]
    try:
        case = await _api(request).get("cases", f"/cases/{quote(cid, safe='')}", token=token)
    except ServiceError as e:
        if e.status in (403, 404):  # another enterprise's case looks the same as none
            raise PageError(404, "没有这个案件", "未找到本企业的这个案件。") from e
        raise
    decision = case.get("decision") or {}
    docs = []
    if decision:
        docs.append("decision")
    if (case.get("records") or {}).get("notice"):
        docs.append("notice")
    if decision.get("type") in PENALTIES:
        docs += ["credit_record_notice", "credit_repair_guidance"]
    if decision.get("type") == DecisionType.EXEMPTION:
        docs.append("compliance_advice")
    about = _about(case, await item_titles(request)) or "行政处罚案件"
    return render(request, "my_case.html", title=f"{about} · 案件 {case['number']}", nav="my",
                  crumbs=[("我的企业", "/my"), (f"案件 {case['number']}", None)], case=case, docs=docs, about=about)


async def case_document(request: Request) -> Response:
    _, token = _required(request)
    cid, kind = request.path_params["case_id"], request.path_params["kind"]
    if kind not in DOCUMENTS:
        raise PageError(404, "没有这种文书", f"文书种类“{kind}”不存在。")
    try:
        resp = await _api(request).call("cases", "GET", f"/cases/{quote(cid, safe='')}/documents/{kind}", token=token)
    except ServiceError as e:
        if e.status in (403, 404):
            raise PageError(404, "没有这份文书", "未找到本企业案件的这份文书。") from e
        if e.status == 409:
            raise PageError(409, "文书尚未生成", e.problem.get("detail", "")) from e
        raise
    return Response(resp.content, media_type="application/pdf", headers={
        "Content-Disposition": resp.headers.get("content-disposition", "inline"), "Cache-Control": "private, no-store"})


async def advice_feedback(request: Request) -> Response:
    _, token = _required(request)
    form = await form_of(request)
    _check_csrf(request, token, form)
    content = first(form, "content").strip()
    if not content:
        return await page(request, status=422, error={"section": "advice", "detail": "请填写整改情况（反馈内容不能为空）。"})
    lid = request.path_params["letter_id"]
    try:
        await _api(request).post("cases", f"/advice-letters/{quote(lid, safe='')}/feedback", token=token,
                                 json={"content": content, "completed": first(form, "completed") == "1"})
    except ServiceError as e:
        if e.status in (400, 403, 404, 409, 422):
            return await page(request, status=e.status, error={"section": "advice", **e.problem})
        raise
    return RedirectResponse("/my?done=feedback#advice", status_code=303)


def _evidence(form: dict[str, list[str]]) -> list[dict[str, str]]:
    kinds, descs, refs = form.get("evidence_kind", []), form.get("evidence_description", []), form.get("evidence_reference", [])
    out = []
    for i, kind in enumerate(kinds):
        desc = descs[i].strip() if i < len(descs) else ""
        if not desc:
            continue
        item = {"kind": kind.strip() or "other", "description": desc}
        ref = refs[i].strip() if i < len(refs) else ""
        if ref:
            item["reference"] = ref
        out.append(item)
    return out


async def repair_application(request: Request) -> Response:
    _, token = _required(request)
    form = await form_of(request)
    _check_csrf(request, token, form)
    body = {"record_id": first(form, "record_id"), "commitment": first(form, "commitment").strip(),
            "evidence": _evidence(form)}
    note = first(form, "reapplication_note").strip()
    if note:
        body["reapplication_note"] = note
    try:
        await _api(request).post("credit", "/repair-applications", token=token, json=body)
    except ServiceError as e:
        if e.status in (400, 403, 404, 409, 422):
            # The refusal and the rule it applies, on the page, with what was entered (and a row for
            # each usual document still missing).
            kinds = {x["kind"] for x in body["evidence"]}
            body["evidence"] += [{"kind": k, "description": ""} for k in ("identity", "fine_receipt") if k not in kinds]
            return await page(request, status=e.status, error={"section": "repair", **e.problem}, repair_form=body)
        raise
    return RedirectResponse("/my?done=repair#repairs", status_code=303)

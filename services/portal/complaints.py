"""投诉举报 on the portal (工作要点（二十一）：畅通投诉举报渠道): a public form (no account) and the same form for a signed-in
enterprise on ``/my/complaints``; a "follow by code" page. The tracking code (查询码) is shown once, on the page that
answers the filing (``Cache-Control: no-store``); the audit service keeps only its hash.

Each form carries a one-time key (the filing's ``idempotency_key``: a resubmitted form files once) and a CSRF value:
the public form a double-submit cookie (there is no account), ``/my`` the value derived from the enterprise's token.
Filings per visitor address are limited by ``ECOCOMPLY_PUBLIC_COMPLAINT_RATE_LIMIT``."""

from __future__ import annotations

import hmac
import secrets
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from services.portal import session
from services.portal.client import PortalAPI, ServiceError
from services.portal.web import PageError, first, form_of, render
from shared.bureaus import BUREAU_NAMES
from shared.public import RateLimiter, client_address
from shared.vocabulary import Role

COOKIE = "ecocomply_complaint"  # the public form's double-submit value
CATEGORIES = {"irregular": "执法不规范", "uncivil": "执法不文明", "inaction": "不作为", "abuse": "乱作为",
              "interference": "内部人员干预、插手案件"}
STATUS = {"submitted": "已提交，等待受理", "accepted": "已受理", "refused": "不予受理", "investigating": "调查中",
          "concluded": "已办结，等待答复", "answered": "已答复"}
FINDING = {"substantiated": "成立", "partly": "部分成立", "unsubstantiated": "不成立"}
FIELDS = {"bureau": "被投诉机关", "category": "投诉类别", "summary": "投诉内容", "officer_name": "被投诉人员",
          "case_number": "相关案号", "occurred_on": "发生日期", "complainant_name": "姓名", "complainant_contact": "联系方式",
          "code": "查询码", "idempotency_key": "表单校验值"}
LIMITS = {"summary": 2000, "officer_name": 100, "case_number": 60, "complainant_name": 100, "complainant_contact": 100}
NO_STORE = {"Cache-Control": "no-store"}


def _api(request: Request) -> PortalAPI:
    return request.app.state.api


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    limiter = getattr(state, "complaint_limiter", None)
    if limiter is None:
        limiter = state.complaint_limiter = RateLimiter(state.settings.public_complaint_rate_limit)
    return limiter


def _enterprise(request: Request) -> tuple[Any, str]:
    who = session.signed_in(request, request.app.state.verifier)
    if who is None:
        raise PageError(401, "需要登录", "请先以企业身份登录。", detail="login")
    user, token = who
    if not user.has(Role.ENTERPRISE) or not user.uscc:
        raise PageError(403, "此页面供企业使用", "以企业身份登录后才能从“我的企业”投诉；也可以不登录，在公开页面投诉。")
    return user, token


def _page(request: Request, *, mine: bool, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          status: int = 200, complaints: list[dict] | None = None) -> HTMLResponse:
    values = values or {}
    csrf = ""
    if mine:
        csrf = session.csrf_value(_enterprise(request)[1])
    else:
        csrf = request.cookies.get(COOKIE, "")
        csrf = csrf if 20 <= len(csrf) <= 64 else secrets.token_urlsafe(24)
    crumbs = [("我的企业", "/my"), ("投诉举报", None)] if mine else [("投诉举报", None)]
    resp = render(request, "complaint_form.html", title="投诉举报", nav="my" if mine else "complaints", crumbs=crumbs,
                  mine=mine, values=values, errors=errors or {}, status=status, csrf=csrf, fields=FIELDS,
                  categories=CATEGORIES, bureaus=BUREAU_NAMES, form_key=values.get("idempotency_key") or secrets.token_urlsafe(18),
                  complaints=complaints or [], STATUS=STATUS, FINDING=FINDING)
    if not mine:
        resp.set_cookie(COOKIE, csrf, httponly=True, samesite="strict", path="/complaints",
                        secure=request.url.scheme == "https", max_age=3600)
    return resp


def validate(values: dict[str, str], *, mine: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as the API's body, and the errors in Chinese by field (each naming the field)."""
    errors: dict[str, str] = {}
    if values.get("bureau") not in BUREAU_NAMES:
        errors["bureau"] = "请选择被投诉机关。"
    if values.get("category") not in CATEGORIES:
        errors["category"] = "请选择投诉类别。"
    if len(values.get("summary", "").strip()) < 10:
        errors["summary"] = "投诉内容至少填写10个字，说明何时、何地、何人、何事。"
    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            errors[name] = f"{FIELDS[name]}最多{limit}个字（现有{len(values[name])}个字）。"
    occurred = values.get("occurred_on", "").strip()
    if occurred:
        try:
            if not date(1900, 1, 1) <= date.fromisoformat(occurred) <= date(2999, 12, 31):
                raise ValueError
        except ValueError:
            errors["occurred_on"] = "发生日期格式应为 年-月-日，如 2026-05-01。"
    anonymous = values.get("anonymous") == "1"
    if not anonymous and not mine and not values.get("complainant_contact", "").strip():
        errors["complainant_contact"] = "实名投诉请留下联系方式；不愿留下的，请勾选“匿名投诉”。"
    body: dict[str, Any] = {
        "bureau": values.get("bureau", ""), "category": values.get("category", ""), "summary": values.get("summary", "").strip(),
        "anonymous": anonymous, "idempotency_key": values.get("idempotency_key", ""),
    }
    for name in ("officer_name", "case_number", "occurred_on", "complainant_name", "complainant_contact"):
        if values.get(name, "").strip():
            body[name] = values[name].strip()
    if anonymous:
        body.pop("complainant_name", None)
        body.pop("complainant_contact", None)
    return body, errors


def _api_errors(e: ServiceError) -> dict[str, str]:
    out = {}
    for err in e.problem.get("errors") or []:
        field = str(err.get("field", "")).split(".")[-1]
        out[field if field in FIELDS else "summary"] = f"{FIELDS.get(field, '填写内容')}不符合要求，请核对后重新填写。"
    return out or {"summary": str(e.problem.get("detail", "提交未成功，请核对后重新提交。"))}


async def form(request: Request) -> HTMLResponse:
    return _page(request, mine=False)


async def my_form(request: Request) -> HTMLResponse:
    _, token = _enterprise(request)
    mine = await _api(request).get("audit", "/complaints", token=token, params={"size": 50})
    return _page(request, mine=True, complaints=mine["items"])


async def _submit(request: Request, *, mine: bool) -> Response:
    form_data = await form_of(request)
    values = {k: first(form_data, k) for k in (*FIELDS, "anonymous", "csrf")}
    token = None
    if mine:
        _, token = _enterprise(request)
        ok = session.csrf_ok(token, values["csrf"])
    else:
        cookie = request.cookies.get(COOKIE, "")
        ok = bool(cookie) and hmac.compare_digest(cookie, values["csrf"] or "")
    if session.from_another_site(request) or not ok:
        raise PageError(403, "表单已失效", "请刷新页面后重新提交（表单校验值不符）。")
    body, errors = validate(values, mine=mine)
    if errors:
        return _page(request, mine=mine, values=values, errors=errors, status=422)
    if not mine:
        settings = request.app.state.settings
        retry = _limiter(request).hit(client_address(request, trust_forwarded_for=settings.public_trust_forwarded_for,
                                                      trusted_proxies=settings.public_trusted_proxies))
        if retry:
            err = PageError(429, "提交过于频繁", f"同一地址提交投诉过于频繁，请在{retry}秒后再试。", retry_after=retry)
            resp = render(request, "error.html", title=err.title, crumbs=[(err.title, None)], err=err, status=429)
            resp.headers["Retry-After"] = str(retry)
            return resp
    try:
        filed = await _api(request).post("audit", "/complaints" if mine else "/public/complaints", token=token, json=body)
    except ServiceError as e:
        if e.status in (409, 422):
            return _page(request, mine=mine, values=values, errors=_api_errors(e), status=e.status)
        raise
    return render(request, "complaint_filed.html", title="投诉已提交", nav="my" if mine else "complaints",
                  crumbs=[("投诉举报", "/my/complaints" if mine else "/complaints"), ("已提交", None)], filed=filed,
                  bureau_code=body["bureau"], category=CATEGORIES[body["category"]],
                  STATUS=STATUS)


async def submit(request: Request) -> Response:
    resp = await _submit(request, mine=False)
    resp.headers.update(NO_STORE)
    return resp


async def my_submit(request: Request) -> Response:
    resp = await _submit(request, mine=True)
    resp.headers.update(NO_STORE)
    return resp


async def follow(request: Request) -> Response:
    """凭查询码查看 (GET: the form; POST: the complaint's progress — the code travels in the body, never the URL)."""
    shown, error, status = None, None, 200
    if request.method == "POST":
        code = first(await form_of(request), "code").strip()
        if not 8 <= len(code) <= 64:
            error, status = "查询码应为提交投诉时显示的“TS-”开头的一串字符，请核对后重新输入。", 422
        else:
            try:
                shown = await _api(request).post("audit", "/public/complaints/follow", json={"code": code})
            except ServiceError as e:
                if e.status != 404:
                    raise
                error, status = "没有与该查询码对应的投诉，请核对后重新输入（区分大小写）。", 404
    resp = render(request, "complaint_follow.html", title="投诉办理查询", nav="complaints",
                  crumbs=[("投诉举报", "/complaints"), ("办理查询", None)], shown=shown, error=error, status=status,
                  categories=CATEGORIES, STATUS=STATUS, FINDING=FINDING, bureaus=BUREAU_NAMES)
    resp.headers.update(NO_STORE)
    return resp

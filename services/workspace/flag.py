"""一个审核标记 — ``/workspace/flags/{id}``: the flag (each rule hit in Chinese with the article it rests on),
its review history, the case's timeline as the audit log holds it, the documents issued; and the actions as CSRF
forms (303 back): assign, start the review, record the outcome with its reason (and an attachment), reopen with a
reason. A bureau leader sees the page without the forms. A refused action shows the reason in Chinese and the rule
it rests on, and changes nothing."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.portal.client import ServiceError
from services.workspace import accountability, api, names, session, timeline
from services.workspace.forms import checked_form, ensure_same_site, refusal, require_role
from services.workspace.web import PageError, first, render
from shared.chinese_dates import cn_date
from shared.labels import (
    ACTION_CN,
    DECISION_TYPE_CN,
    DOCUMENT_CN,
    OUTCOME_CN,
    RULE_CN,
    SEVERITY_CN,
    STATUS_CN,
    document_title,
)
from shared.registry import UNREGISTERED_REVIEWER, person
from shared.vocabulary import Role

PENDING = ("open", "in_review")
FINAL = ("cleared", "issue_found", "referred")
DONE = {"assigned": "已分派。", "started": "已开始审核。", "reviewed": "已记录审核结论。", "reopened": "已重新开启审核。"}
MAX_REASON = 4000
MAX_ATTACHMENT = 5 * 1024 * 1024
_ASSIGNED = re.compile(r"^分派给 (?P<sub>\S+)，审核期限 (?P<due>\S+)$")


def _named(text: str, subs: list[str], people: dict[str, str]) -> str:
    """A stored text naming people by login id: each becomes the registered name."""
    for sub in sorted({s for s in subs if s}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(sub)}(?![\w-])", person(sub, people, UNREGISTERED_REVIEWER), text)
    return text


def _note(h: dict[str, Any], subs: list[str], people: dict[str, str]) -> str:
    detail = h.get("detail") or ""
    m = _ASSIGNED.match(detail) if h.get("action") == "assigned" else None
    if m:
        due = m["due"]
        return f"分派给 {names.reviewer(m['sub'], people)}，审核期限 {cn_date(due) if due != '—' else '—'}"
    parts = detail.split("；")
    if parts and all(p in RULE_CN for p in parts):
        return "；".join(RULE_CN[p] for p in parts)
    return _named(timeline.plain(detail), subs, people)


async def page(request: Request, user: session.WorkspaceUser, flag_id: str, *, error: dict[str, Any] | None = None,
               status: int = 200) -> Response:
    flag = await api.get_flag(request, user, flag_id)
    history = await api.flag_history(request, user, flag_id)
    people = await names.people(request, user)
    subs = [*flag.get("handlers", []), flag.get("decided_by") or "", flag.get("assignee") or "",
            flag.get("reviewed_by") or "", *(h["actor"] for h in history), *people]
    entries = await api.log_entries(request, user, flag["case_id"])
    vocab = await api.fact_labels(request, user) if entries else {}
    documents = await api.case_documents(request, user, flag["case_id"])
    damage = await api.case_damage(request, user, flag["case_id"])
    firms = await names.enterprises(request, user, [flag["uscc"]])
    is_auditor, can_assign = user.has(Role.AUDITOR), user.has(Role.AUDITOR, Role.ADMIN)
    pending = flag["status"] in PENDING
    ctx = {
        "flag": flag, "enterprise": firms.get(flag["uscc"]) or f"统一社会信用代码 {flag['uscc']}",
        "type_cn": DECISION_TYPE_CN.get(flag["decision_type"], "—"), "status_cn": STATUS_CN.get(flag["status"], "—"),
        "outcome_cn": OUTCOME_CN.get(flag.get("outcome") or (flag["status"] if flag["status"] in FINAL else ""), ""),
        "overdue": bool(flag.get("sla_breached")) and pending,
        "handlers": "、".join(person(x, people) for x in flag.get("handlers") or []) or "—",
        "decider": person(flag.get("decided_by"), people),
        "assignee": names.reviewer(flag.get("assignee"), people),
        "reviewer": names.reviewer(flag.get("reviewed_by"), people) if flag.get("reviewed_by") else "",
        "rules": [{"name": RULE_CN.get(r["code"], "其他规则"), "severity": SEVERITY_CN.get(r["severity"], ""),
                   "detail": _named(timeline.plain(r["detail"]), subs, people)} for r in flag["rules"]],
        "history": [{"at": h["at"], "who": person(h["actor"], people, UNREGISTERED_REVIEWER),
                     "action": ACTION_CN.get(h["action"], "其他操作"), "status": STATUS_CN.get(h["status_to"], "—"),
                     "note": _note(h, subs, people)} for h in history],
        "steps": timeline.steps(entries, flag["case_id"], people, vocab, flag.get("decision_type")) if entries is not None else None,
        "documents": [{"title": document_title(d["kind"], flag.get("decision_type")), "number": d.get("number", ""),
                       "href": f"/workspace/cases/{quote(flag['case_id'], safe='')}/documents/{quote(d['kind'], safe='')}"
                               f"?number={quote(str(d.get('number', '')), safe='')}"} for d in documents],
        "attachments": [{**a, "who": names.reviewer(a.get("uploaded_by"), people)} for a in flag.get("attachments") or []],
        "damage": timeline.damage_summary(damage, people) if damage else None,
        "can_assign": can_assign and pending,
        "can_start": is_auditor and pending and not flag.get("review_started_at"),
        "can_review": is_auditor and pending,
        "can_reopen": is_auditor and flag["status"] in FINAL,
        "outcomes": OUTCOME_CN, "auditors": await api.auditors(request, user),
        "done": DONE.get(request.query_params.get("done", "")), "error": error,
        "form": getattr(request.state, "ws_form", {}),
        **await accountability.flag_section(request, user, flag),
    }
    return render(request, "ws_flag.html", title=f"审核标记 {flag['number']}", user=user, nav="flags",
                  crumbs=[("审核标记", "/workspace/flags"), (flag["number"], None)], status=status, **ctx)


async def flag_page(request: Request) -> Response:
    user = await session.require(request)
    return await page(request, user, request.path_params["flag_id"])


def _back(flag_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/workspace/flags/{quote(flag_id, safe='')}?done={done}#actions", status_code=303)


async def _act(request: Request, user: session.WorkspaceUser, flag_id: str, done: str, call: Any) -> Response:
    """Run one action as the person; 303 back to the flag, or the flag's page again with the refusal."""
    try:
        await call
    except ServiceError as e:
        if e.status >= 500:
            raise
        return await page(request, user, flag_id, error=refusal(e), status=e.status)
    return _back(flag_id, done)


def _refused(request: Request, user: session.WorkspaceUser, flag_id: str, reason: str, status: int = 422):
    return page(request, user, flag_id, error={"reason": reason, "rule": None, "refused": []}, status=status)


async def assign(request: Request) -> Response:
    user = await session.require(request)
    flag_id = request.path_params["flag_id"]
    form = await checked_form(request, user)
    require_role(user, Role.AUDITOR, Role.ADMIN, what="分派审核")
    assignee = first(form, "assignee").strip()
    if not assignee or len(assignee) > 100:
        return await _refused(request, user, flag_id, "请填写审核人员的登录名。")
    return await _act(request, user, flag_id, "assigned", api.assign(request, user, flag_id, assignee))


async def start(request: Request) -> Response:
    user = await session.require(request)
    flag_id = request.path_params["flag_id"]
    await checked_form(request, user)
    require_role(user, Role.AUDITOR, what="开始审核")
    return await _act(request, user, flag_id, "started", api.start_review(request, user, flag_id))


async def review(request: Request) -> Response:
    """审核结论: the outcome with its required reason, and an optional attachment (multipart), uploaded first so
    that a refused attachment leaves the flag unreviewed."""
    user = await session.require(request)
    flag_id = request.path_params["flag_id"]
    if int(request.headers.get("content-length") or 0) > MAX_ATTACHMENT + 64 * 1024:
        return await _refused(request, user, flag_id, "附件过大（不超过5MB）。", 413)
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as e:  # a malformed body is the sender's error, never a 500
        raise PageError(400, "无法读取提交的内容", "表单无法读取，请刷新页面后重新提交。") from e
    ensure_same_site(request, user, str(form.get("csrf") or ""))
    require_role(user, Role.AUDITOR, what="记录审核结论")
    outcome, reason = str(form.get("outcome") or ""), str(form.get("reason") or "").strip()
    request.state.ws_form = {"outcome": outcome, "reason": reason}
    if outcome not in OUTCOME_CN:
        return await _refused(request, user, flag_id, "请选择审核结论。")
    if not reason or len(reason) > MAX_REASON:
        return await _refused(request, user, flag_id, f"请填写审核结论的理由（不超过{MAX_REASON}字）。")
    upload = form.get("attachment")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_ATTACHMENT + 1)
        if len(content) > MAX_ATTACHMENT:
            return await _refused(request, user, flag_id, "附件过大（不超过5MB）。", 413)
        if content:
            try:
                await api.add_attachment(request, user, flag_id, upload.filename, content,
                                         upload.content_type or "application/octet-stream")
            except ServiceError as e:
                if e.status >= 500:
                    raise
                return await page(request, user, flag_id, error=refusal(e), status=e.status)
    return await _act(request, user, flag_id, "reviewed", api.record_outcome(request, user, flag_id, outcome, reason))


async def reopen(request: Request) -> Response:
    user = await session.require(request)
    flag_id = request.path_params["flag_id"]
    form = await checked_form(request, user)
    require_role(user, Role.AUDITOR, what="重新开启审核")
    reason = first(form, "reason").strip()
    if not reason or len(reason) > MAX_REASON:
        return await _refused(request, user, flag_id, f"请填写重新审核的理由（不超过{MAX_REASON}字）。")
    return await _act(request, user, flag_id, "reopened", api.reopen(request, user, flag_id, reason))


async def trace(request: Request) -> Response:
    """开启错案责任倒查 on a flag found wrong; 303 to the trace's page (the same trace if open already)."""
    user = await session.require(request)
    flag_id = request.path_params["flag_id"]
    await checked_form(request, user)
    require_role(user, Role.AUDITOR, what="开启错案责任倒查")
    try:
        opened = await api.open_trace(request, user, flag_id)
    except ServiceError as e:
        if e.status >= 500:
            raise
        return await page(request, user, flag_id, error=refusal(e), status=e.status)
    return RedirectResponse(f"/workspace/traces/{quote(opened['id'], safe='')}?done=opened", status_code=303)


async def case_document(request: Request) -> Response:
    """A document issued for the case, opened in the browser (the cases service checks the person may read it)."""
    user = await session.require(request)
    cid, kind = request.path_params["case_id"], request.path_params["kind"]
    if kind not in DOCUMENT_CN:
        raise PageError(404, "没有这种文书", "没有这种文书。")
    number = (request.query_params.get("number") or "")[:100] or None
    try:
        resp = await api.case_document(request, user, cid, kind, number)
    except ServiceError as e:
        if e.status in (403, 404):
            raise PageError(404, "没有这份文书", "未找到您有权查看的这份文书。") from e
        if e.status in (409, 503):
            raise PageError(409, "文书尚未生成", "文书正在生成，请稍后再试。") from e
        raise
    return Response(resp.content, media_type="application/pdf", headers={
        "Content-Disposition": "inline", "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


async def attachment(request: Request) -> Response:
    """A review attachment, as a download (never rendered as this site's page)."""
    user = await session.require(request)
    try:
        resp = await api.attachment(request, user, request.path_params["flag_id"], request.path_params["attachment_id"])
    except ServiceError as e:
        if e.status in (403, 404):
            raise PageError(404, "没有这个附件", "未找到您有权查看的这个附件。") from e
        raise
    return Response(resp.content, media_type=resp.headers.get("content-type", "application/octet-stream"), headers={
        "Content-Disposition": resp.headers.get("content-disposition", "attachment"),
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})

"""The workspace's calls to the services, one small function per API, each made *as the person* (their
short-lived token, so every service applies their role and bureau scope). A service's refusal raises
``ServiceError`` (the page shows it in Chinese). The flag workflow's later endpoints (start, reopen,
attachments, bulk assignment, export, the queue's ``sla``/``from``/``to`` filters and ``counts``) and the
refused-attempt counts follow issue 26 as documented; where a service does not offer one yet, the function
says how it falls back."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from services.portal.client import PortalAPI, ServiceError
from services.workspace.session import WorkspaceUser

FLAG_FILTERS = ("status", "decision_type", "bureau", "rule", "assignee", "sla", "from", "to")
BACKLOG_PAGES = 10  # the dashboard reads at most this many pages of 200 pending flags for its ageing chart


def _q(value: str) -> str:
    return quote(value, safe="")


def _api(request: Any) -> PortalAPI:
    return request.app.state.api


async def list_flags(request: Any, user: WorkspaceUser, filters: dict[str, str], *, cursor: str | None = None,
                     size: int = 50) -> dict[str, Any]:
    """``GET /audit/v1/flags`` — a page of the queue (``items``, ``total``, ``next``, ``counts``)."""
    params = {k: v for k, v in filters.items() if k in FLAG_FILTERS and v}
    return await _api(request).get("audit", "/flags", token=user.token, params={**params, "size": size,
                                                                                    "cursor": cursor})


async def get_flag(request: Any, user: WorkspaceUser, flag_id: str) -> dict[str, Any]:
    return await _api(request).get("audit", f"/flags/{_q(flag_id)}", token=user.token)


async def flag_history(request: Any, user: WorkspaceUser, flag_id: str) -> list[dict[str, Any]]:
    return await _api(request).get("audit", f"/flags/{_q(flag_id)}/history", token=user.token)


async def log_entries(request: Any, user: WorkspaceUser, case_id: str) -> list[dict[str, Any]] | None:
    """``GET /audit/v1/log/entries?case_id=`` — the case's timeline as the audit log holds it; None when the
    person's role may not read the log (the log's readers are auditors, administrators and the platform)."""
    try:
        return await _api(request).get("audit", "/log/entries", token=user.token,
                                       params={"case_id": case_id, "limit": 1000})
    except ServiceError as e:
        if e.status == 403:
            return None
        raise


async def fact_labels(request: Any, user: WorkspaceUser) -> dict[str, dict[str, Any]]:
    """``GET /checklist/v1/facts`` — the fact vocabulary: key → {label, values}."""
    rows = await _api(request).get("checklist", "/facts", token=user.token)
    return {f["key"]: f for f in rows}


async def case_documents(request: Any, user: WorkspaceUser, case_id: str) -> list[dict[str, Any]]:
    """``GET /cases/v1/cases/{id}/documents`` — the documents issued for the case ([] when the cases service
    does not know the case or the person may not read it)."""
    try:
        return await _api(request).get("cases", f"/cases/{_q(case_id)}/documents", token=user.token)
    except ServiceError as e:
        if e.status in (403, 404):
            return []
        raise


async def case_damage(request: Any, user: WorkspaceUser, case_id: str) -> dict[str, Any] | None:
    """``GET /cases/v1/cases/{id}/damage`` — the case's damage-compensation matter (一案双查); None when the case has
    none or the person may not read it."""
    try:
        return await _api(request).get("cases", f"/cases/{_q(case_id)}/damage", token=user.token)
    except ServiceError as e:
        if e.status in (403, 404):
            return None
        raise


async def case_document(request: Any, user: WorkspaceUser, case_id: str, kind: str,
                        number: str | None = None) -> httpx.Response:
    """``GET /cases/v1/cases/{id}/documents/{kind}`` — the PDF as issued."""
    return await _api(request).call("cases", "GET", f"/cases/{_q(case_id)}/documents/{_q(kind)}", token=user.token,
                                    params={"number": number})


async def assign(request: Any, user: WorkspaceUser, flag_id: str, assignee: str) -> dict[str, Any]:
    return await _api(request).post("audit", f"/flags/{_q(flag_id)}/assign", token=user.token,
                                    json={"assignee": assignee})


async def bulk_assign(request: Any, user: WorkspaceUser, flag_ids: list[str], assignee: str) -> dict[str, Any]:
    """``POST /audit/v1/flags/bulk-assign`` — all or nothing (409 ``bulk_assign_refused`` names each refused flag)."""
    return await _api(request).post("audit", "/flags/bulk-assign", token=user.token,
                                    json={"flag_ids": flag_ids, "assignee": assignee})


async def start_review(request: Any, user: WorkspaceUser, flag_id: str) -> dict[str, Any]:
    """``POST /audit/v1/flags/{id}/start`` — 开始审核 (the assignee, or an auditor taking an unassigned flag)."""
    return await _api(request).post("audit", f"/flags/{_q(flag_id)}/start", token=user.token)


async def record_outcome(request: Any, user: WorkspaceUser, flag_id: str, outcome: str, reason: str) -> dict[str, Any]:
    """``POST /audit/v1/flags/{id}/review`` — the outcome with its reason."""
    return await _api(request).post("audit", f"/flags/{_q(flag_id)}/review", token=user.token,
                                    json={"outcome": outcome, "notes": reason})


async def add_attachment(request: Any, user: WorkspaceUser, flag_id: str, filename: str, content: bytes,
                         media_type: str) -> dict[str, Any]:
    """``POST /audit/v1/flags/{id}/attachments`` (multipart ``file``)."""
    resp = await request.app.state.http.request("audit", "POST", f"/flags/{_q(flag_id)}/attachments",
                                                token=user.token, files={"file": (filename, content, media_type)})
    if resp.status_code >= 400:
        from services.portal.client import _problem
        raise ServiceError(resp.status_code, _problem(resp))
    return resp.json()


async def attachment(request: Any, user: WorkspaceUser, flag_id: str, attachment_id: str) -> httpx.Response:
    return await _api(request).call("audit", "GET", f"/flags/{_q(flag_id)}/attachments/{_q(attachment_id)}",
                                    token=user.token)


async def reopen(request: Any, user: WorkspaceUser, flag_id: str, reason: str) -> dict[str, Any]:
    """``POST /audit/v1/flags/{id}/reopen`` — a reviewed flag back to a later review, with the reason."""
    return await _api(request).post("audit", f"/flags/{_q(flag_id)}/reopen", token=user.token,
                                    json={"reason": reason})


async def export(request: Any, user: WorkspaceUser, filters: dict[str, str], fmt: str) -> httpx.Response:
    """``GET /audit/v1/flags/export?format=csv|xlsx&<the queue's filters>``."""
    params = {k: v for k, v in filters.items() if k in FLAG_FILTERS and v}
    return await _api(request).call("audit", "GET", "/flags/export", token=user.token, params={**params, "format": fmt})


async def annual_report(request: Any, user: WorkspaceUser, year: int, fmt: str, bureau: str | None) -> httpx.Response:
    """``GET /audit/v1/reports/annual?year=&format=&bureau=``."""
    return await _api(request).call("audit", "GET", "/reports/annual", token=user.token,
                                    params={"year": year, "format": fmt, "bureau": bureau})


async def stats(request: Any, user: WorkspaceUser, params: dict[str, str | None]) -> dict[str, Any]:
    """``GET /audit/v1/stats?from=&to=&bureau=``."""
    return await _api(request).get("audit", "/stats", token=user.token, params=params)


async def complaint_stats(request: Any, user: WorkspaceUser, params: dict[str, str | None]) -> dict[str, Any]:
    """``GET /audit/v1/complaints/stats?from=&to=&bureau=`` — 投诉举报 counts per bureau (issue 27 point 2)."""
    return await _api(request).get("audit", "/complaints/stats", token=user.token, params=params)


async def pending_flags(request: Any, user: WorkspaceUser, bureau: str | None) -> list[dict[str, Any]]:
    """The review backlog (open and in review) for the dashboard's ageing, walking the queue's cursor."""
    out: list[dict[str, Any]] = []
    for status in ("open", "in_review"):
        cursor = None
        for _ in range(BACKLOG_PAGES):
            page = await list_flags(request, user, {"status": status, "bureau": bureau or ""}, cursor=cursor, size=200)
            out += page["items"]
            cursor = page.get("next")
            if not cursor:
                break
    return out


async def refusal_stats(request: Any, user: WorkspaceUser, bureau: str | None) -> dict[str, Any] | None:
    """``GET /audit/v1/refusals/stats?bureau=`` — refused decision attempts per officer and bureau (issue 26
    point 4); None where the audit service does not count them."""
    try:
        return await _api(request).get("audit", "/refusals/stats", token=user.token, params={"bureau": bureau})
    except ServiceError as e:
        if e.status in (404, 405):
            return None
        raise


async def workspace_people(request: Any, user: WorkspaceUser) -> list[dict[str, Any]]:
    """``GET /audit/v1/workspace/people`` — the workspace's people by name (local accounts and those the identity
    provider signed in)."""
    return await _api(request).get("audit", "/workspace/people", token=user.token)


async def auditors(request: Any, user: WorkspaceUser) -> list[dict[str, str]] | None:
    """The auditors one may assign a flag to, by name (None when the workspace knows none: the pages then ask for
    the auditor's login id)."""
    found = [{"sub": p["sub"], "name": p["name"]} for p in await workspace_people(request, user)
             if "auditor" in p["roles"]]
    return found or None


# -- 错案责任倒查与容错纠错 (issue 27 point 4) -------------------------------------------------------------------
async def traces_of_flag(request: Any, user: WorkspaceUser, flag_id: str) -> list[dict[str, Any]]:
    """``GET /audit/v1/accountability/traces?flag_id=`` — the flag's trace ([] or one)."""
    return await _api(request).get("audit", "/accountability/traces", token=user.token, params={"flag_id": flag_id})


async def open_trace(request: Any, user: WorkspaceUser, flag_id: str) -> dict[str, Any]:
    return await _api(request).post("audit", "/accountability/traces", token=user.token, json={"flag_id": flag_id})


async def get_trace(request: Any, user: WorkspaceUser, trace_id: str) -> dict[str, Any]:
    return await _api(request).get("audit", f"/accountability/traces/{_q(trace_id)}", token=user.token)


async def record_responsibility(request: Any, user: WorkspaceUser, trace_id: str, body: dict) -> dict[str, Any]:
    return await _api(request).post("audit", f"/accountability/traces/{_q(trace_id)}/responsibilities",
                                    token=user.token, json=body)


async def decide_excuse(request: Any, user: WorkspaceUser, trace_id: str, body: dict) -> dict[str, Any]:
    return await _api(request).post("audit", f"/accountability/traces/{_q(trace_id)}/excuses", token=user.token,
                                    json=body)


async def accountability_catalog(request: Any, user: WorkspaceUser) -> dict[str, Any]:
    return await _api(request).get("audit", "/accountability/catalog", token=user.token)


async def accountability_people(request: Any, user: WorkspaceUser) -> list[dict[str, Any]]:
    return await _api(request).get("audit", "/accountability/people", token=user.token)


async def person_view(request: Any, user: WorkspaceUser, person: str) -> dict[str, Any]:
    return await _api(request).get("audit", f"/accountability/people/{_q(person)}", token=user.token)

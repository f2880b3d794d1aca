"""错案责任倒查与容错纠错 in the workspace (issue 27 point 4): open a trace from a flag found wrong (the flag's page
carries the button), the trace's page — each person's part in the case by name and role, their standing, the
findings and excuses recorded — with the supervisor's two forms (责任认定; 容错纠错 with every condition answered
with its evidence), the people named in traces, and one person's page (traces, findings, excuses, interference
records naming them, refused decision attempts). A bureau leader reads their bureau's, without the forms."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.portal.client import ServiceError
from services.workspace import api, names, session
from services.workspace.forms import checked_form, refusal, require_role
from services.workspace.web import first, render
from shared.labels import (
    CASE_ROLE_CN,
    EXCUSE_CONDITION_CN,
    FINDING_CN,
    RELIEF_CN,
    RESPONSIBILITY_OUTCOME_CN,
    STANDING_CN,
    TRACE_GROUND_CN,
)
from shared.registry import person
from shared.vocabulary import Role

TRACEABLE = ("issue_found", "referred")
DONE = {"opened": "已开启错案责任倒查。", "finding": "已记录责任认定。", "excuse": "已记录容错纠错决定。"}
MAX_REASON = 4000


def _roles(codes: list[str]) -> str:
    return "、".join(CASE_ROLE_CN.get(c, "其他参与人") for c in codes) or "—"


async def flag_section(request: Request, user: session.WorkspaceUser, flag: dict[str, Any]) -> dict[str, Any]:
    """What the flag's page shows of 倒查: the trace's link if open, else whether this person may open one."""
    found = await api.traces_of_flag(request, user, flag["id"])
    return {"trace": found[0] if found else None,
            "can_trace": not found and user.has(Role.AUDITOR) and flag.get("outcome") in TRACEABLE}


def _trace_url(trace_id: str, done: str = "") -> str:
    return f"/workspace/traces/{quote(trace_id, safe='')}" + (f"?done={done}" if done else "")


async def page(request: Request, user: session.WorkspaceUser, trace_id: str, *, error: dict | None = None,
               status: int = 200) -> Response:
    trace = await api.get_trace(request, user, trace_id)
    people = await names.people(request, user)
    firms = await names.enterprises(request, user, [trace["uscc"]])

    def who(sub: str | None) -> str:
        return person(sub, people)

    rows = [{"sub": p["person"], "name": who(p["person"]), "roles": _roles(p["roles"]),
             "standing": STANDING_CN.get(p["standing"], "—"), "standing_code": p["standing"],
             "href": f"/workspace/people/{quote(p['person'], safe='')}"} for p in trace["people"]]
    findings = [{"at": f["recorded_at"], "name": who(f["person"]), "finding": FINDING_CN.get(f["finding"], "—"),
                 "kind": f.get("kind") or "", "outcome": f.get("outcome_text") if f.get("outcome") == "other"
                 else RESPONSIBILITY_OUTCOME_CN.get(f.get("outcome") or "", ""), "reason": f["reason"],
                 "by": who(f["recorded_by"])} for f in trace["findings"]]
    excuses = [{"at": e["decided_at"], "name": who(e["person"]), "relief": RELIEF_CN.get(e["relief"], "—"),
                "conditions": [(EXCUSE_CONDITION_CN.get(k, "—"), v.get("evidence", "")) for k, v in e["conditions"].items()],
                "reason": e["reason"], "organ": e.get("organ_decision") or "", "by": who(e["decided_by"])}
               for e in trace["excuses"]]
    can_act = user.has(Role.AUDITOR)
    return render(request, "ws_trace.html", title=f"错案责任倒查 {trace['number']}", user=user, nav="people",
                  crumbs=[("审核标记", "/workspace/flags"), (trace["number"], f"/workspace/flags/{trace['flag_id']}"),
                          ("错案责任倒查", None)], status=status,
                  trace=trace, enterprise=firms.get(trace["uscc"]) or f"统一社会信用代码 {trace['uscc']}",
                  ground=TRACE_GROUND_CN.get(trace["ground"], "其他依据"), opened_by=who(trace["opened_by"]),
                  people=rows, findings=findings, excuses=excuses, can_act=can_act,
                  catalog=await api.accountability_catalog(request, user) if can_act else None,
                  findings_cn=FINDING_CN, outcomes_cn=RESPONSIBILITY_OUTCOME_CN, reliefs_cn=RELIEF_CN,
                  conditions_cn=EXCUSE_CONDITION_CN, done=DONE.get(request.query_params.get("done", "")),
                  error=error, form=getattr(request.state, "ws_form", {}))


async def trace_page(request: Request) -> Response:
    user = await session.require(request)
    return await page(request, user, request.path_params["trace_id"])


async def _act(request: Request, user, trace_id: str, done: str, call) -> Response:
    try:
        await call
    except ServiceError as e:
        if e.status >= 500:
            raise
        return await page(request, user, trace_id, error=refusal(e), status=e.status)
    return RedirectResponse(_trace_url(trace_id, done) + "#actions", status_code=303)


def _refused(request: Request, user, trace_id: str, reason: str):
    return page(request, user, trace_id, error={"reason": reason, "rule": None, "refused": []}, status=422)


async def record_finding(request: Request) -> Response:
    user = await session.require(request)
    trace_id = request.path_params["trace_id"]
    form = await checked_form(request, user)
    require_role(user, Role.AUDITOR, what="认定责任")
    body = {k: first(form, k).strip() for k in ("person", "finding", "kind", "outcome", "outcome_text", "reason")}
    request.state.ws_form = {f"f_{k}": v for k, v in body.items()}
    if body["finding"] not in FINDING_CN:
        return await _refused(request, user, trace_id, "请选择责任认定（无责任或有责任）。")
    if not body["reason"] or len(body["reason"]) > MAX_REASON:
        return await _refused(request, user, trace_id, f"请填写认定理由（不超过{MAX_REASON}字）。")
    body = {k: v for k, v in body.items() if v}
    if body["finding"] == "none":
        body = {k: v for k, v in body.items() if k in ("person", "finding", "reason")}
    return await _act(request, user, trace_id, "finding", api.record_responsibility(request, user, trace_id, body))


async def decide_excuse(request: Request) -> Response:
    user = await session.require(request)
    trace_id = request.path_params["trace_id"]
    form = await checked_form(request, user)
    require_role(user, Role.AUDITOR, what="作出容错纠错决定")
    conditions = {code: {"affirmed": first(form, f"c_{code}") == "yes", "evidence": first(form, f"e_{code}").strip()}
                  for code in EXCUSE_CONDITION_CN}
    body = {"person": first(form, "person"), "relief": first(form, "relief"), "conditions": conditions,
            "reason": first(form, "reason").strip()}
    organ = first(form, "organ_decision").strip()
    if organ:
        body["organ_decision"] = organ
    request.state.ws_form = {"x_person": body["person"], "x_relief": body["relief"], "x_reason": body["reason"],
                             "x_organ": organ,
                             **{f"x_c_{k}": v["affirmed"] for k, v in conditions.items()},
                             **{f"x_e_{k}": v["evidence"] for k, v in conditions.items()}}
    if body["relief"] not in RELIEF_CN:
        return await _refused(request, user, trace_id, "请选择容错处理方式。")
    if not body["reason"] or len(body["reason"]) > MAX_REASON:
        return await _refused(request, user, trace_id, f"请填写容错纠错决定的理由（不超过{MAX_REASON}字）。")
    return await _act(request, user, trace_id, "excuse", api.decide_excuse(request, user, trace_id, body))


def _counts(c: dict[str, int]) -> dict[str, int]:
    return {"traces": c.get("traces", 0), **{STANDING_CN[k]: c.get(k, 0) for k in STANDING_CN}}


async def people_page(request: Request) -> Response:
    user = await session.require(request)
    rows = await api.accountability_people(request, user)
    people = await names.people(request, user)
    items = [{"name": person(p["person"], people), "href": f"/workspace/people/{quote(p['person'], safe='')}",
              "counts": _counts(p["counts"])} for p in rows]
    return render(request, "ws_people.html", title="错案责任倒查：人员", user=user, nav="people",
                  crumbs=[("错案责任倒查：人员", None)], items=items, standings=list(STANDING_CN.values()))


async def person_page(request: Request) -> Response:
    user = await session.require(request)
    sub = request.path_params["person"][:100]
    v = await api.person_view(request, user, sub)
    people = await names.people(request, user)
    name = person(sub, people)
    traces = [{"number": t["number"], "bureau": t["bureau"], "roles": _roles(t["roles"]),
               "standing": STANDING_CN.get(t["standing"], "—"), "at": t["opened_at"],
               "href": _trace_url(t["trace_id"])} for t in v["traces"]]
    findings = [{"at": f["recorded_at"], "finding": FINDING_CN.get(f["finding"], "—"),
                 "outcome": f.get("outcome_text") if f.get("outcome") == "other"
                 else RESPONSIBILITY_OUTCOME_CN.get(f.get("outcome") or "", ""), "reason": f["reason"],
                 "by": person(f["recorded_by"], people)} for f in v["findings"]]
    excuses = [{"at": e["decided_at"], "relief": RELIEF_CN.get(e["relief"], "—"), "reason": e["reason"],
                "by": person(e["decided_by"], people)} for e in v["excuses"]]
    return render(request, "ws_person.html", title=f"{name}：责任倒查与容错", user=user, nav="people",
                  crumbs=[("错案责任倒查：人员", "/workspace/people"), (name, None)], who=name,
                  counts=_counts(v["counts"]), traces=traces, findings=findings, excuses=excuses,
                  interference=v["interference"], refused=v["refused_attempts"])

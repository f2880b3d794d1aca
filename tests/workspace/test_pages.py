"""The workspace's pages (issue 26 points 2, 3, 5, 6) over HTTP as a browser signed in would use them: the
queue (filters, "mine" by default, paging), a flag's page (rules in Chinese, history, the case timeline from the
audit log with names, Beijing time and the documents issued), the actions through CSRF forms (a refused one shows
the Chinese reason and rule and changes nothing), a bureau leader's read-only and bureau-scoped view, the
dashboard's drill-down links and the annual report; every page plain Chinese (no codes, no login ids)."""

from __future__ import annotations

import re

from services.testing.decisions import Decisions
from services.testing.factories import BUREAU, OTHER_BUREAU, CaseDriver
from services.testing.workspace import signed_in
from services.workspace import queue
from services.workspace import session as ws_session
from tests.portal.plain_text import identifiers

LOGINS = ("auditor-li", "auditor-2", "leader-1", "officer-a", "officer-b")


def csrf_of(headers: dict[str, str]) -> str:
    return ws_session.csrf_value(headers["Cookie"].split("=", 1)[1])


async def auditor(stack, sub: str = "auditor-li", name: str = "李审核") -> dict[str, str]:
    return await signed_in(stack, sub, "auditor", name=name)


async def flagged(stack, n: int = 1, **overrides) -> list:
    decisions = Decisions(stack)
    out = []
    for _ in range(n):
        payload, event = await decisions.emit(decision_type=overrides.pop("decision_type", "no_penalty"),
                                              fine_amount=None, **overrides)
        await decisions.processed("audit", event.id)
        out.append(payload)
    return out


async def flag_id_of(stack, case_id: str) -> str:
    r = await stack.client.get("/audit/v1/flags", params={"size": 200}, headers=stack.auth("auditor-1", "auditor"))
    return {f["case_id"]: f["id"] for f in r.json()["items"]}[case_id]


async def test_queue_is_mine_by_default_filters_and_pages(stack, monkeypatch):
    a1, a2 = await flagged(stack, 2)
    other, = await flagged(stack, 1, bureau=OTHER_BUREAU, handlers=["officer-c", "officer-d"])
    h = await auditor(stack)
    mine = await stack.client.get("/workspace/flags", headers=h)
    assert mine.status_code == 200
    assert "没有符合条件的审核标记" in mine.text and a1.number not in mine.text  # nothing assigned to me yet
    every = await stack.client.get("/workspace/flags?assignee=all", headers=h)
    assert all(p.number in every.text for p in (a1, a2, other))
    assert "苏州市吴江生态环境局" in every.text and "不予处罚" in every.text and "免罚轻罚监督审核" in every.text
    assert identifiers(every.text, LOGINS) == []
    one = await stack.client.get(f"/workspace/flags?assignee=all&bureau={OTHER_BUREAU}", headers=h)
    assert other.number in one.text and a1.number not in one.text and 'id="total">1<' in one.text
    # Keyset paging: the API's cursor behind "下一页", each flag once.
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    first = await stack.client.get("/workspace/flags?assignee=all", headers=h)
    nxt = re.search(r'href="([^"]+)" id="next-page"', first.text)
    assert nxt and "cursor=" in nxt[1]
    second = await stack.client.get(nxt[1].replace("&amp;", "&"), headers=h)
    shown = [p.number for p in (a1, a2, other) if p.number in first.text] + \
            [p.number for p in (a1, a2, other) if p.number in second.text]
    assert sorted(shown) == sorted([a1.number, a2.number, other.number])
    assert 'id="next-page"' not in second.text and 'id="first-page"' in second.text


async def test_assign_through_the_form_and_a_refused_assignment_changes_nothing(stack):
    payload, = await flagged(stack)
    fid = await flag_id_of(stack, payload.case_id)
    h = await auditor(stack)
    page = await stack.client.get(f"/workspace/flags/{fid}", headers=h)
    assert 'id="assign-form"' in page.text and 'id="review-form"' in page.text
    stale = await stack.client.post(f"/workspace/flags/{fid}/assign", headers=h,
                                    data={"csrf": "wrong", "assignee": "auditor-li"})
    assert stale.status_code == 403 and "表单已失效" in stale.text
    # A handler of the case may not audit it: the Chinese reason and the rule, nothing changed.
    refused = await stack.client.post(f"/workspace/flags/{fid}/assign", headers=h,
                                      data={"csrf": csrf_of(h), "assignee": "officer-a"})
    assert refused.status_code == 403
    assert "参与过本案" in refused.text and "三（十）" in refused.text and 'id="refusal-rule"' in refused.text
    assert identifiers(refused.text, LOGINS) == []
    flag = (await stack.client.get(f"/audit/v1/flags/{fid}", headers=stack.auth("auditor-1", "auditor"))).json()
    assert flag["assignee"] is None and flag["status"] == "open"
    ok = await stack.client.post(f"/workspace/flags/{fid}/assign", headers=h,
                                 data={"csrf": csrf_of(h), "assignee": "auditor-li"})
    assert ok.status_code == 303 and ok.headers["location"].startswith(f"/workspace/flags/{fid}?done=assigned")
    after = await stack.client.get(ok.headers["location"], headers=h)
    assert "已分派" in after.text and "分派审核" in after.text and 'id="assignee">李审核<' in after.text
    mine = await stack.client.get("/workspace/flags", headers=h)  # now in "mine"
    assert payload.number in mine.text


async def test_outcome_needs_a_reason_and_is_recorded_through_the_form(stack):
    payload, = await flagged(stack)
    fid = await flag_id_of(stack, payload.case_id)
    h = await auditor(stack)
    missing = await stack.client.post(f"/workspace/flags/{fid}/review", headers=h,
                                      files={"x": ("", b"")}, data={"csrf": csrf_of(h), "outcome": "cleared",
                                                                     "reason": "  "})
    assert missing.status_code == 422 and "请填写审核结论的理由" in missing.text
    stale = await stack.client.post(f"/workspace/flags/{fid}/review", headers=h, files={"x": ("", b"")},
                                    data={"csrf": "nope", "outcome": "cleared", "reason": "无异常"})
    assert stale.status_code == 403
    flag = (await stack.client.get(f"/audit/v1/flags/{fid}", headers=stack.auth("auditor-1", "auditor"))).json()
    assert flag["status"] == "open"
    ok = await stack.client.post(f"/workspace/flags/{fid}/review", headers=h, files={"x": ("", b"")},
                                 data={"csrf": csrf_of(h), "outcome": "cleared", "reason": "程序完备，事实清楚"})
    assert ok.status_code == 303
    after = await stack.client.get(ok.headers["location"], headers=h)
    assert "已记录审核结论" in after.text and "无问题" in after.text and "程序完备，事实清楚" in after.text
    assert 'id="review-form"' not in after.text  # a reviewed flag takes no second outcome here
    assert identifiers(after.text, LOGINS) == []


async def test_a_leader_reads_their_bureau_only_and_cannot_act(stack):
    own, = await flagged(stack)
    other, = await flagged(stack, 1, bureau=OTHER_BUREAU, handlers=["officer-c", "officer-d"])
    h = await signed_in(stack, "leader-9", "leader", name="王局长", bureau=BUREAU)
    q = await stack.client.get("/workspace/flags", headers=h)
    assert q.status_code == 200 and own.number in q.text and other.number not in q.text  # all of their bureau
    assert 'id="bulk-submit"' not in q.text and 'type="checkbox"' not in q.text and "只能查看" in q.text
    fid, other_fid = await flag_id_of(stack, own.case_id), await flag_id_of(stack, other.case_id)
    page = await stack.client.get(f"/workspace/flags/{fid}", headers=h)
    assert page.status_code == 200 and "<form class=\"panel\"" not in page.text and "只能查看" in page.text
    assert 'id="timeline"' in page.text and "作出决定" in page.text  # their bureau's case timeline
    refused = await stack.client.post(f"/workspace/flags/{fid}/assign", headers=h,
                                      data={"csrf": csrf_of(h), "assignee": "auditor-li"})
    assert refused.status_code == 403 and "局领导只能查看" in refused.text
    elsewhere = await stack.client.get(f"/workspace/flags/{other_fid}", headers=h)
    assert elsewhere.status_code == 403 and "无权访问" in elsewhere.text
    assert (await stack.client.get(f"/audit/v1/log/entries?case_id={other.case_id}",
                                   headers=stack.auth("leader-9", "leader", bureau=BUREAU))).status_code == 403


async def test_no_session_no_workspace(stack):
    await flagged(stack)
    for path in ("/workspace/flags", "/workspace/dashboard", "/workspace/report"):
        r = await stack.client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/workspace/login")
    r = await stack.client.post("/audit/v1/workspace/sessions", headers=stack.auth("service:workspace", "service"),
                                json={"sub": "officer-a", "name": "张执法", "roles": ["officer"], "via": "local"})
    assert r.status_code == 403  # an officer never gets a session
    anon = await stack.client.get("/audit/dashboard")
    assert anon.status_code == 401 and "/workspace/dashboard" in anon.text and "请登录" in anon.text


async def test_a_real_case_timeline_names_people_and_opens_its_documents(stack):
    d = CaseDriver(stack)
    case = await d.decided_case("no_penalty")
    served = await stack.client.post(f"/cases/v1/cases/{case['id']}/service", headers=d.off)
    assert served.status_code == 200, served.text

    async def flag_seen():
        r = await stack.client.get("/audit/v1/flags", params={"size": 200}, headers=stack.auth("auditor-1", "auditor"))
        return next((f["id"] for f in r.json()["items"] if f["case_id"] == case["id"]), None)

    fid = await stack.wait_for(flag_seen, what="the case's flag")
    h = await auditor(stack)
    page = await stack.client.get(f"/workspace/flags/{fid}", headers=h)
    assert page.status_code == 200
    text = page.text
    assert "立案" in text and "法制审核" in text and "集体讨论" in text and "作出决定" in text
    assert "（北京时间）" in text and "张执法（立案人）" in text
    assert "苏州某某环保科技有限公司" in text  # the enterprise by name
    assert identifiers(text, LOGINS) == []
    doc = re.search(r'href="(/workspace/cases/[^"]+/documents/decision[^"]*)"', text)
    assert doc, "the decision is listed with a link"
    # An exemption's decision is a 不予行政处罚决定书, never titled as a penalty decision.
    assert "不予行政处罚决定书" in text and "行政处罚决定书（" not in text.replace("不予行政处罚决定书（", "")
    pdf = await stack.client.get(doc[1].replace("&amp;", "&"), headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-disposition"] == "inline"
    assert (await stack.client.get(doc[1].replace("&amp;", "&"))).status_code == 303  # not without a session


async def test_dashboard_drills_down_to_the_queue_and_the_report_downloads(stack):
    await flagged(stack, 2)
    await flagged(stack, 1, bureau=OTHER_BUREAU, handlers=["officer-c", "officer-d"], decision_type="lighter")
    h = await auditor(stack)
    r = await stack.client.get("/workspace/dashboard", headers=h)
    assert r.status_code == 200 and identifiers(r.text, LOGINS) == []
    assert 'id="open">3<' in r.text
    assert '<script id="dashboard-data" type="application/json">' in r.text and "/workspace/static/echarts.min.js" in r.text
    assert f"/workspace/flags?assignee=all&amp;bureau={OTHER_BUREAU}" in r.text  # a bureau's bar → its queue
    assert "/workspace/flags?assignee=all&amp;rule=exemption_or_light_penalty" in r.text
    filtered = await stack.client.get(f"/workspace/flags?assignee=all&bureau={OTHER_BUREAU}", headers=h)
    assert 'id="total">1<' in filtered.text
    js = await stack.client.get("/workspace/static/echarts.min.js", headers=h)
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    page = await stack.client.get("/workspace/report", headers=h)
    assert page.status_code == 200 and "下载年度报告" in page.text
    csv = await stack.client.get("/workspace/report/download?year=2026&format=csv", headers=h)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    bad = await stack.client.get("/workspace/report/download?year=abc&format=csv", headers=h)
    assert bad.status_code == 422 and "年份" in bad.text

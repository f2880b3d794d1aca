"""The workspace's forms over the flag workflow of issue 26 (the audit service's start, reopen, third outcome,
bulk assignment, export and the queue's SLA filter and counts — branch ``flagflow``): start a review, record
移送纪检监察, reopen with a reason; bulk assignment all or nothing (one involved assignee refuses the lot, the page
names why and nothing changes); the export downloads through the workspace with formula cells neutralised."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from services.testing.workspace import signed_in
from tests.portal.plain_text import identifiers
from tests.workspace.test_pages import LOGINS, csrf_of, flag_id_of, flagged

SERVICE_AUDITOR = ("auditor-1", "auditor")


async def _flag(stack, fid: str) -> dict:
    return (await stack.client.get(f"/audit/v1/flags/{fid}", headers=stack.auth(*SERVICE_AUDITOR))).json()


async def test_start_refer_and_reopen_through_the_forms(stack):
    payload, = await flagged(stack)
    fid = await flag_id_of(stack, payload.case_id)
    h = await signed_in(stack, "auditor-li", "auditor", name="李审核")
    started = await stack.client.post(f"/workspace/flags/{fid}/start", headers=h, data={"csrf": csrf_of(h)})
    assert started.status_code == 303
    page = await stack.client.get(started.headers["location"], headers=h)
    assert "已开始审核" in page.text and 'id="start-form"' not in page.text and 'id="assignee">李审核<' in page.text
    referred = await stack.client.post(f"/workspace/flags/{fid}/review", headers=h, files={"attachment": (
        "说明.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")},
        data={"csrf": csrf_of(h), "outcome": "referred", "reason": "线索涉嫌违纪，移送纪检监察"})
    assert referred.status_code == 303, referred.text
    page = await stack.client.get(referred.headers["location"], headers=h)
    assert "移送纪检监察" in page.text and "说明.pdf" in page.text and 'id="reopen-form"' in page.text
    no_reason = await stack.client.post(f"/workspace/flags/{fid}/reopen", headers=h, data={"csrf": csrf_of(h),
                                                                                          "reason": " "})
    assert no_reason.status_code == 422 and (await _flag(stack, fid))["status"] == "referred"
    reopened = await stack.client.post(f"/workspace/flags/{fid}/reopen", headers=h,
                                       data={"csrf": csrf_of(h), "reason": "纪检监察退回，补充审核"})
    assert reopened.status_code == 303
    page = await stack.client.get(reopened.headers["location"], headers=h)
    assert "重新开启审核" in page.text and "纪检监察退回，补充审核" in page.text
    assert identifiers(page.text, LOGINS) == []
    leader = await signed_in(stack, "leader-9", "leader", name="王局长", bureau=payload.bureau)
    refused = await stack.client.post(f"/workspace/flags/{fid}/reopen", headers=leader,
                                      data={"csrf": csrf_of(leader), "reason": "本局认为无需审核"})
    assert refused.status_code == 403 and (await _flag(stack, fid))["status"] == "open"


async def test_bulk_assign_is_all_or_nothing(stack):
    a, b = await flagged(stack, 2)
    c, = await flagged(stack, 1, handlers=["officer-a", "auditor-2"])  # auditor-2 handled this one
    ids = [await flag_id_of(stack, p.case_id) for p in (a, b, c)]
    h = await signed_in(stack, "auditor-li", "auditor", name="李审核")
    refused = await stack.client.post("/workspace/flags/assign", headers=h, data={
        "csrf": csrf_of(h), "assignee": "auditor-2", "flag": ids, "back": "assignee=all"})
    assert refused.status_code == 409, refused.text
    assert "未作任何更改" in refused.text and "参与过本案" in refused.text
    assert [(await _flag(stack, i))["assignee"] for i in ids] == [None, None, None]
    stale = await stack.client.post("/workspace/flags/assign", headers=h, data={
        "csrf": "x", "assignee": "auditor-2", "flag": ids[:2]})
    assert stale.status_code == 403
    ok = await stack.client.post("/workspace/flags/assign", headers=h, data={
        "csrf": csrf_of(h), "assignee": "auditor-2", "flag": ids[:2], "back": "assignee=all"})
    assert ok.status_code == 303 and ok.headers["location"] == "/workspace/flags?assignee=all&done=assigned"
    assert [(await _flag(stack, i))["assignee"] for i in ids] == ["auditor-2", "auditor-2", None]


async def test_export_neutralises_cells_and_the_queue_shows_counts_and_overdue(stack):
    await flagged(stack, 1, number="=HYPERLINK(\"http://x\")")
    h = await signed_in(stack, "auditor-li", "auditor", name="李审核")
    r = await stack.client.get("/workspace/flags/export.csv?assignee=all", headers=h)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][1] == "案号" and not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    x = await stack.client.get("/workspace/flags/export.xlsx?assignee=all", headers=h)
    assert x.status_code == 200 and x.content[:2] == b"PK"
    q = await stack.client.get("/workspace/flags?assignee=all", headers=h)
    assert 'id="count-open">待审核 1<' in q.text and 'id="count-overdue">已超期 0<' in q.text
    clock = stack.runtimes["audit"].clock
    clock.set(clock.now() + timedelta(days=400), tick=False)
    h = await signed_in(stack, "auditor-li", "auditor", name="李审核")  # 400 days on, the earlier session has ended
    overdue = await stack.client.get("/workspace/flags?assignee=all&sla=overdue", headers=h)
    assert 'id="total">1<' in overdue.text and "已超期" in overdue.text and 'class="overdue"' in overdue.text

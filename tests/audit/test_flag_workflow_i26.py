"""Issue 26 points 2 and 3 (backend): the flag workflow — start a review, the three outcomes with a required
reason, attachments, reopen for a later review — and the queue: SLA and date filters, ``assignee=me``,
counts, all-or-nothing bulk assignment, CSV/XLSX export; the annual report counts the latest outcome."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from audit_helpers import all_flags, at, audit_caught_up, auditor, consumed, emit, flag_of, table_counts
from openpyxl import load_workbook
from sqlalchemy import select, update

from services.audit.models import Flag
from services.testing.factories import BUREAU, OTHER_BUREAU
from shared import contracts as c
from shared.bureaus import BUREAU_NAMES
from shared.spreadsheet import read_csv_cell

FLAGS = "/audit/v1/flags"
TABLES = ("flags", "flag_history", "log_entries", "outbox")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def new_flag(stack, decisions, **decided) -> dict:
    p, e = await decisions.emit(decision_type="lighter", fine_amount=20_000.0, **decided)
    await decisions.processed("audit", e.id)
    return await flag_of(stack, p.case_id)


async def outbox_of(stack, type_: str) -> list[dict]:
    rt = stack.runtimes["audit"]
    o = rt.tables.outbox
    async with rt.engine.connect() as conn:
        rows = (await conn.execute(select(o.c.envelope).where(o.c.type == type_))).all()
    return [json.loads(r.envelope)["data"] for r in rows]


async def log_types(stack, case_id: str) -> list[str]:
    from services.audit.models import LogEntry

    async with stack.runtimes["audit"].sessionmaker() as s:
        return list(await s.scalars(select(LogEntry.type).where(LogEntry.case_id == case_id).order_by(LogEntry.idx)))


async def history(stack, flag_id: str) -> list[dict]:
    r = await stack.client.get(f"{FLAGS}/{flag_id}/history", headers=auditor(stack))
    assert r.status_code == 200, r.text
    return r.json()


async def annual(stack) -> dict[str, str]:
    r = await stack.client.get("/audit/v1/reports/annual", params={"year": 2026},
                               headers=stack.auth("leader-9", "leader", bureau=BUREAU))
    assert r.status_code == 200, r.text  # a bureau leader of the workspace downloads it too
    rows = {row["执法机构（代码）"]: row for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    return rows[BUREAU]


# -- start -------------------------------------------------------------------------------------------
async def test_start_review_by_the_assignee_or_by_taking_an_unassigned_flag(stack, decisions):
    free, assigned, raced = [await new_flag(stack, decisions) for _ in range(3)]
    cl = stack.client
    # Two auditors take the same unassigned flag at once: one takes it; the other is told it changed (409) or,
    # reading it after, that it is someone else's (403).
    one, two = await asyncio.gather(*(cl.post(f"{FLAGS}/{raced['id']}/start", headers=auditor(stack, sub))
                                      for sub in ("auditor-5", "auditor-6")))
    codes = sorted((one.status_code, two.status_code))
    assert codes in ([200, 403], [200, 409]), (one.text, two.text)
    winner = (one if one.status_code == 200 else two).json()["assignee"]
    assert (await flag_of(stack, raced["case_id"]))["assignee"] == winner
    r = await cl.post(f"{FLAGS}/{assigned['id']}/assign", json={"assignee": "auditor-2"}, headers=auditor(stack, "chief"))
    assert r.status_code == 200, r.text

    # Someone else's flag: not the auditor-3; not a leader; not a handler holding the auditor role.
    r = await cl.post(f"{FLAGS}/{assigned['id']}/start", headers=auditor(stack, "auditor-3"))
    assert r.status_code == 403 and r.json()["code"] == "not_assignee" and r.json()["assignee"] == "auditor-2"
    r = await cl.post(f"{FLAGS}/{assigned['id']}/start", headers=stack.auth("leader-9", "leader", bureau=BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "role_required"
    r = await cl.post(f"{FLAGS}/{free['id']}/start", headers=stack.auth("officer-a", "auditor"))
    assert r.status_code == 403 and r.json()["code"] == "reviewer_involved"
    r = await cl.post(f"{FLAGS}/{assigned['id']}/start", headers=auditor(stack, "auditor-2"))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["assignee"]) == ("in_review", "auditor-2") and r.json()["review_started_at"]

    # An unassigned flag: the auditor who starts it takes it; starting it again is a 409.
    r = await cl.post(f"{FLAGS}/{free['id']}/start", headers=auditor(stack, "auditor-1"))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["assignee"]) == ("in_review", "auditor-1")
    r = await cl.post(f"{FLAGS}/{free['id']}/start", headers=auditor(stack, "auditor-1"))
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition" and "review" in r.json()["allowed_actions"]
    hist = await history(stack, free["id"])
    assert [(h["action"], h["actor"], h["status_to"]) for h in hist] == [
        ("raised", "system", "open"), ("review_started", "auditor-1", "in_review")]
    assert (await log_types(stack, free["case_id"]))[-1] == "audit.flag_review_started"
    started = await outbox_of(stack, "ecocomply.audit.flag_review_started.v1")
    assert sorted(d["started_by"] for d in started) == sorted(["auditor-1", "auditor-2", winner])


# -- outcomes ----------------------------------------------------------------------------------------
async def test_referred_outcome_needs_a_reason_and_is_recorded_and_counted(stack, decisions):
    flag = await new_flag(stack, decisions)
    path = f"{FLAGS}/{flag['id']}/review"
    await audit_caught_up(stack)
    before = await table_counts(stack, *TABLES)
    for notes in ("   ", "", "理" * 4001):
        r = await stack.client.post(path, json={"outcome": "referred", "notes": notes}, headers=auditor(stack))
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["notes"], r.text
    r = await stack.client.post(path, json={"outcome": "revoked", "notes": "x"}, headers=auditor(stack))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "outcome"
    assert await table_counts(stack, *TABLES) == before

    r = await stack.client.post(path, json={"outcome": "referred", "notes": " 涉嫌滥用职权，移送纪检监察机关 "},
                                headers=auditor(stack))
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["outcome"], done["review_notes"]) == ("referred", "referred", "涉嫌滥用职权，移送纪检监察机关")
    listed = (await stack.client.get(FLAGS, params={"status": "referred"}, headers=auditor(stack))).json()
    assert [f["id"] for f in listed["items"]] == [flag["id"]] and listed["counts"]["referred"] == 1
    [event] = await outbox_of(stack, "ecocomply.audit.flag_reviewed.v1")
    assert (event["flag_id"], event["outcome"]) == (flag["id"], "referred")
    assert (await annual(stack))["移送纪检监察"] == "1"


async def test_reopen_by_an_auditor_keeps_the_earlier_outcome_until_a_later_review(stack, decisions):
    flag, still_open = await new_flag(stack, decisions), await new_flag(stack, decisions)
    cl = stack.client
    base = f"{FLAGS}/{flag['id']}"
    r = await cl.post(f"{base}/review", json={"outcome": "issue_found", "notes": "从轻理由不充分"},
                      headers=auditor(stack, "auditor-2"))
    assert r.status_code == 200, r.text
    reason = {"reason": "当事人补充材料显示整改已完成，需重新审核"}
    await audit_caught_up(stack)
    before = await table_counts(stack, *TABLES)
    # Never the audited bureau (its leader or officer), never someone of the case, never without a reason.
    r = await cl.post(f"{base}/reopen", json=reason, headers=stack.auth("leader-9", "leader", bureau=BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "role_required"
    r = await cl.post(f"{base}/reopen", json=reason, headers=stack.auth("officer-c", "officer", bureau=BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "role_required"
    r = await cl.post(f"{base}/reopen", json=reason, headers=stack.auth("LEADER-1", "auditor"))
    assert r.status_code == 403 and r.json()["code"] == "reviewer_involved" and "三（十）" in r.json()["rule"]
    r = await cl.post(f"{base}/reopen", json={"reason": " "}, headers=auditor(stack, "auditor-3"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await cl.post(f"{FLAGS}/{still_open['id']}/reopen", json=reason, headers=auditor(stack, "auditor-3"))
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition" and r.json()["state"] == "open"
    assert await table_counts(stack, *TABLES) == before

    r = await cl.post(f"{base}/reopen", json=reason, headers=auditor(stack, "auditor-3"))
    assert r.status_code == 200, r.text
    reopened = r.json()
    assert (reopened["status"], reopened["outcome"], reopened["assignee"]) == ("open", "issue_found", None)
    assert reopened["reviewed_by"] == "auditor-2"  # the earlier review stands until a later one
    row = await annual(stack)
    assert (row["审核发现问题"], row["审核无问题"], row["其中重新审核中（按原结论计）"], row["待审核"]) == ("1", "0", "1", "1")
    [event] = await outbox_of(stack, "ecocomply.audit.flag_reopened.v1")
    assert (event["outcome"], event["reopened_by"], event["reason"]) == ("issue_found", "auditor-3", reason["reason"])

    # The later review by a newly assigned auditor changes the outcome; the history keeps both.
    r = await cl.post(f"{base}/assign", json={"assignee": "auditor-4"}, headers=auditor(stack, "chief"))
    assert r.status_code == 200, r.text
    r = await cl.post(f"{base}/review", json={"outcome": "cleared", "notes": "整改到位，从轻适当"},
                      headers=auditor(stack, "auditor-4"))
    assert r.status_code == 200 and r.json()["outcome"] == "cleared", r.text
    row = await annual(stack)
    assert (row["审核发现问题"], row["审核无问题"], row["其中重新审核中（按原结论计）"]) == ("0", "1", "0")
    hist = await history(stack, flag["id"])
    assert [(h["action"], h["status_to"]) for h in hist] == [
        ("raised", "open"), ("reviewed", "issue_found"), ("reopened", "open"), ("assigned", "in_review"),
        ("reviewed", "cleared")]
    assert "发现问题并责令纠正" in hist[2]["detail"] and reason["reason"] in hist[2]["detail"]
    assert [t for t in await log_types(stack, flag["case_id"]) if t.startswith("audit.")] == [
        "audit.flag_reviewed", "audit.flag_reopened", "audit.flag_assigned", "audit.flag_reviewed"]


# -- bulk assignment ---------------------------------------------------------------------------------
async def test_bulk_assign_is_all_or_nothing_and_names_each_refused_flag(stack, decisions):
    case_id = "c0ffee00-0000-4000-8000-000000002601"
    lr = await emit(stack, c.CaseLegalReviewed(case_id=case_id, number="苏吴环罚〔2026〕2601号", bureau=BUREAU,
                                               opinion="approve", reviewer="reviewer-7", reviewed_at=at("2026-06-10")))
    await consumed(stack, lr)
    reviewed_by_7 = await new_flag(stack, decisions, case_id=case_id)
    a, b = await new_flag(stack, decisions), await new_flag(stack, decisions)
    ids = [a["id"], reviewed_by_7["id"], b["id"]]
    cl = stack.client
    await audit_caught_up(stack)
    before = await table_counts(stack, *TABLES)

    r = await cl.post(f"{FLAGS}/bulk-assign", json={"flag_ids": [*ids, "no-such-flag"], "assignee": "reviewer-7"},
                      headers=auditor(stack, "chief"))
    assert r.status_code == 409 and r.json()["code"] == "bulk_assign_refused", r.text
    refused = {x["flag_id"]: x for x in r.json()["refused"]}
    assert set(refused) == {reviewed_by_7["id"], "no-such-flag"}
    assert refused[reviewed_by_7["id"]]["code"] == "reviewer_involved" and "三（十）" in refused[reviewed_by_7["id"]]["rule"]
    assert refused["no-such-flag"]["code"] == "not_found"
    assert await table_counts(stack, *TABLES) == before
    assert {f["id"]: f["assignee"] for f in await all_flags(stack)} == {i: None for i in ids}

    r = await cl.post(f"{FLAGS}/bulk-assign", json={"flag_ids": [f"f{i}" for i in range(101)], "assignee": "x"},
                      headers=auditor(stack, "chief"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "flag_ids"
    r = await cl.post(f"{FLAGS}/bulk-assign", json={"flag_ids": ids, "assignee": "auditor-2"},
                      headers=stack.auth("leader-9", "leader", bureau=BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "role_required"

    # A reviewed flag in the list refuses the whole batch too; without it, all are assigned.
    r = await cl.post(f"{FLAGS}/{b['id']}/review", json={"outcome": "cleared", "notes": "无问题"}, headers=auditor(stack))
    assert r.status_code == 200
    r = await cl.post(f"{FLAGS}/bulk-assign", json={"flag_ids": ids, "assignee": "auditor-2"}, headers=auditor(stack, "chief"))
    assert r.status_code == 409 and [x["code"] for x in r.json()["refused"]] == ["illegal_transition"]
    r = await cl.post(f"{FLAGS}/bulk-assign", json={"flag_ids": ids[:2], "assignee": "auditor-2"},
                      headers=auditor(stack, "chief"))
    assert r.status_code == 200, r.text
    assert [(f["id"], f["status"], f["assignee"]) for f in r.json()["items"]] == [
        (a["id"], "in_review", "auditor-2"), (reviewed_by_7["id"], "in_review", "auditor-2")]
    assert len(await outbox_of(stack, "ecocomply.audit.flag_assigned.v1")) == 2


async def test_bulk_assign_racing_a_review_leaves_one_consistent_outcome(stack, decisions):
    a, b = await new_flag(stack, decisions), await new_flag(stack, decisions)
    cl = stack.client
    bulk, rev = await asyncio.gather(
        cl.post(f"{FLAGS}/bulk-assign", json={"flag_ids": [a["id"], b["id"]], "assignee": "auditor-2"},
                headers=auditor(stack, "chief")),
        cl.post(f"{FLAGS}/{b['id']}/review", json={"outcome": "cleared", "notes": "无问题"},
                headers=auditor(stack, "auditor-1")))
    flags = {f["id"]: f for f in await all_flags(stack)}
    if rev.status_code == 200:  # the review came first: the batch is refused whole
        assert bulk.status_code == 409 and flags[a["id"]]["assignee"] is None
        assert (flags[b["id"]]["status"], flags[b["id"]]["reviewed_by"]) == ("cleared", "auditor-1")
    else:  # the batch came first: the review of a flag now assigned to auditor-2 is refused
        assert bulk.status_code == 200 and rev.status_code in (403, 409), rev.text
        assert all((flags[x["id"]]["status"], flags[x["id"]]["assignee"]) == ("in_review", "auditor-2") for x in (a, b))


# -- the queue ---------------------------------------------------------------------------------------
async def test_queue_filters_by_sla_date_and_me_with_counts(stack, decisions):
    overdue, due, later = [await new_flag(stack, decisions) for _ in range(3)]
    rt = stack.runtimes["audit"]
    now = rt.clock.now()
    # 2026-03-01 16:30 UTC is 2026-03-02 00:30 in Beijing: the flag belongs to 2 March there.
    async with rt.engine.begin() as conn:
        for f, due_at, created in ((overdue, now - timedelta(days=1), now - timedelta(days=20)),
                                   (due, now + timedelta(days=2), now - timedelta(days=5)),
                                   (later, now + timedelta(days=10), datetime(2026, 3, 1, 16, 30, tzinfo=UTC))):
            await conn.execute(update(Flag).where(Flag.id == f["id"]).values(due_at=due_at, created_at=created))
    cl = stack.client

    async def ids(headers=None, **params) -> tuple[list[str], dict]:
        r = await cl.get(FLAGS, params=params, headers=headers or auditor(stack))
        assert r.status_code == 200, r.text
        return [f["id"] for f in r.json()["items"]], r.json()["counts"]

    got, counts = await ids(sla="overdue")
    assert got == [overdue["id"]] and counts["overdue"] == 1 and counts["open"] == 1
    assert (await ids(sla="due"))[0] == [due["id"]]
    got, counts = await ids()
    assert len(got) == 3 and (counts["open"], counts["overdue"], counts["cleared"]) == (3, 1, 0)
    assert (await ids(**{"from": "2026-03-02", "to": "2026-03-02"}))[0] == [later["id"]]
    assert (await ids(**{"from": "2026-02-01", "to": "2026-03-01"}))[0] == []
    r = await cl.get(FLAGS, params={"from": "2026-03-02", "to": "2026-03-01"}, headers=auditor(stack))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"
    r = await cl.get(FLAGS, params={"sla": "late"}, headers=auditor(stack))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sla"

    r = await cl.post(f"{FLAGS}/{due['id']}/assign", json={"assignee": "auditor-2"}, headers=auditor(stack, "chief"))
    assert r.status_code == 200
    assert (await ids(auditor(stack, "auditor-2"), assignee="me"))[0] == [due["id"]]
    assert (await ids(auditor(stack, "auditor-1"), assignee="me"))[0] == []
    got, counts = await ids(status="in_review")  # counts: the same filter without the status
    assert got == [due["id"]] and (counts["open"], counts["in_review"]) == (2, 1)
    # Keyset paging stays under the new filters.
    first = (await cl.get(FLAGS, params={"size": 1, "sla": "due"}, headers=auditor(stack))).json()
    assert first["total"] == 1 and first["next"] is None
    page1 = (await cl.get(FLAGS, params={"size": 2}, headers=auditor(stack))).json()
    page2 = (await cl.get(FLAGS, params={"size": 2, "cursor": page1["next"]}, headers=auditor(stack))).json()
    assert len({f["id"] for f in page1["items"] + page2["items"]}) == 3


async def test_export_csv_and_xlsx_neutralise_formula_cells_and_name_the_bureau(stack, decisions):
    formula, plus = await new_flag(stack, decisions), await new_flag(stack, decisions)
    notes = {formula["id"]: "=HYPERLINK(\"http://evil.example\",\"点此\")", plus["id"]: "@SUM(A1)+1"}
    for fid, n in notes.items():
        r = await stack.client.post(f"{FLAGS}/{fid}/review", json={"outcome": "issue_found", "notes": n},
                                    headers=auditor(stack))
        assert r.status_code == 200, r.text
    other = await new_flag(stack, decisions, bureau=OTHER_BUREAU)

    r = await stack.client.get(f"{FLAGS}/export", params={"format": "csv", "bureau": BUREAU}, headers=auditor(stack))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    by_id = {row["标记编号"]: row for row in rows}
    assert set(by_id) == {formula["id"], plus["id"]}
    for fid, n in notes.items():
        assert by_id[fid]["审核意见"] == "'" + n and read_csv_cell(by_id[fid]["审核意见"]) == n
        assert by_id[fid]["执法机构"] == BUREAU_NAMES[BUREAU] and by_id[fid]["审核结论"] == "发现问题并责令纠正"
        assert by_id[fid]["标记时间（北京时间）"].endswith("（北京时间）")

    r = await stack.client.get(f"{FLAGS}/export", params={"format": "xlsx"}, headers=auditor(stack))
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in ws[1]]
    col = header.index("审核意见")
    cells = {row[0].value: row[col] for row in ws.iter_rows(min_row=2)}
    assert set(cells) == {formula["id"], plus["id"], other["id"]}
    assert cells[formula["id"]].value == notes[formula["id"]] and cells[formula["id"]].data_type == "s"

    # A leader exports their own bureau only.
    leader_other = stack.auth("leader-b", "leader", bureau=OTHER_BUREAU)
    r = await stack.client.get(f"{FLAGS}/export", params={"bureau": BUREAU}, headers=leader_other)
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = await stack.client.get(f"{FLAGS}/export", headers=leader_other)
    assert [row["标记编号"] for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))] == [other["id"]]


# -- attachments -------------------------------------------------------------------------------------
def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


async def test_attachments_by_sniffed_type_bounded_hashed_and_safely_downloaded(stack, decisions):
    flag = await new_flag(stack, decisions)
    cl = stack.client
    path = f"{FLAGS}/{flag['id']}/attachments"
    await audit_caught_up(stack)
    before = await table_counts(stack, "flag_attachments", *TABLES)
    for name, data, code in (("说明.pdf", b"<html><script>alert(1)</script></html>", "unsupported_attachment"),
                             ("照片.pdf", PNG, "attachment_type_mismatch"), ("空.pdf", b"", "empty_attachment")):
        r = await cl.post(path, files={"file": (name, data, "application/pdf")}, headers=auditor(stack))
        assert r.status_code == 422 and r.json()["code"] == code and r.json()["errors"][0]["field"] == "file", r.text
    r = await cl.post(path, files={"file": ("大.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf")},
                      headers=auditor(stack))
    assert r.status_code == 413, r.text
    r = await cl.post(path, files={"file": ("a.pdf", PDF, "application/pdf")},
                      headers=stack.auth("leader-9", "leader", bureau=BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "role_required"
    r = await cl.post(path, files={"file": ("a.pdf", PDF, "application/pdf")}, headers=stack.auth("officer-b", "auditor"))
    assert r.status_code == 403 and r.json()["code"] == "reviewer_involved"
    assert await table_counts(stack, "flag_attachments", *TABLES) == before

    r = await cl.post(path, files={"file": ('../../审核"意见".pdf', PDF, "text/html")}, headers=auditor(stack))
    assert r.status_code == 201, r.text
    att = r.json()
    assert (att["filename"], att["media_type"], att["size"], att["sha256"]) == (
        "审核意见.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest())
    r = await cl.post(path, files={"file": ("意见.docx", docx(), "application/octet-stream")}, headers=auditor(stack))
    assert r.status_code == 201 and r.json()["media_type"].endswith("wordprocessingml.document"), r.text

    shown = (await cl.get(f"{FLAGS}/{flag['id']}", headers=auditor(stack))).json()
    assert [a["filename"] for a in shown["attachments"]] == ["审核意见.pdf", "意见.docx"]
    leader = stack.auth("leader-9", "leader", bureau=BUREAU)
    r = await cl.get(f"{path}/{att['id']}", headers=leader)
    assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%E5%AE%A1" in disposition
    assert disposition.count('"') == 2
    r = await cl.get(f"{path}/{att['id']}", headers=stack.auth("leader-b", "leader", bureau=OTHER_BUREAU))
    assert r.status_code == 403
    r = await cl.get(f"{path}/no-such-attachment", headers=auditor(stack))
    assert r.status_code == 404
    assert [h["action"] for h in await history(stack, flag["id"])][-2:] == ["attachment_added", "attachment_added"]
    assert (await log_types(stack, flag["case_id"]))[-2:] == ["audit.flag_attachment_added"] * 2
    [first, _] = await outbox_of(stack, "ecocomply.audit.flag_attachment_added.v1")
    assert first["sha256"] == att["sha256"]


# -- who is involved ---------------------------------------------------------------------------------
async def test_legal_reviewer_and_discussion_participants_arriving_after_the_decision_are_involved(stack, decisions):
    flag = await new_flag(stack, decisions)
    case_id, number = flag["case_id"], flag["number"]
    lr = await emit(stack, c.CaseLegalReviewed(case_id=case_id, number=number, bureau=BUREAU, opinion="approve",
                                               reviewer="reviewer-8", reviewed_at=at("2026-06-10")))
    cd = await emit(stack, c.CaseCollectiveDiscussed(
        case_id=case_id, number=number, bureau=BUREAU, participants=["chief-a", "chief-b"], conclusion="从轻处罚",
        votes={"for": 2, "against": 0, "abstain": 0}, recorded_by="clerk-1", discussed_at=at("2026-06-11")))
    await consumed(stack, lr)
    await consumed(stack, cd)
    for person in ("reviewer-8", "chief-b", "CLERK-1"):
        r = await stack.client.post(f"{FLAGS}/{flag['id']}/assign", json={"assignee": person},
                                    headers=auditor(stack, "chief"))
        assert r.status_code == 403 and r.json()["code"] == "reviewer_involved", (person, r.text)
    r = await stack.client.post(f"{FLAGS}/{flag['id']}/assign", json={"assignee": "auditor-2"},
                                headers=auditor(stack, "chief"))
    assert r.status_code == 200

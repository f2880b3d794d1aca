"""投诉举报 (issue 27 point 2; 工作要点（二十一）（二十二）): anyone files without an account and follows by code, an
enterprise files from its token; the handling office — never the complained-about bureau — accepts or refuses with
reasons, investigates, extends once with an approver, concludes and answers; overdue complaints are listed first;
a substantiated complaint on a case raises the case's flag; every step is in the audit log and an event, and the
complained-about bureau never sees who complained."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

from audit_helpers import flag_of, table_counts
from sqlalchemy import text

from services.testing.factories import BUREAU, OTHER_BUREAU
from tests.workspace.test_pages import flagged

MUNICIPAL = "320500"
PUBLIC = "/audit/v1/public/complaints"
NAME, CONTACT = "张某某", "13800000000"
BODY = {"bureau": BUREAU, "category": "uncivil", "summary": "执法人员检查时态度粗暴，拒绝出示执法证件。",
        "officer_name": "李某", "anonymous": False, "complainant_name": NAME, "complainant_contact": CONTACT}


def key(n: int) -> str:
    return f"form-key-{n:08d}-abcdef"


async def file_public(stack, n: int = 1, **extra):
    return await stack.client.post(PUBLIC, json={**BODY, "idempotency_key": key(n), **extra})


def handler(stack, sub: str = "auditor-sz"):
    return stack.auth(sub, "auditor", bureau=MUNICIPAL, name="赵审核")


async def test_public_filing_validates_bounds_and_is_idempotent(stack):
    tables = ("complaints", "complaint_steps", "log_entries", "outbox")
    before = await table_counts(stack, *tables)
    for bad, field in ((({**BODY, "bureau": "999999"}), "bureau"), ({**BODY, "category": "rude"}, "category"),
                       ({**BODY, "summary": "太短"}, "summary"), ({**BODY, "summary": "长" * 2001}, "summary"),
                       ({**BODY, "officer_name": "名" * 101}, "officer_name")):
        r = await stack.client.post(PUBLIC, json={**bad, "idempotency_key": key(1)})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    assert await table_counts(stack, *tables) == before  # nothing written
    r = await file_public(stack)
    assert r.status_code == 201, r.text
    filed = r.json()
    assert filed["code"].startswith("TS-") and len(filed["code"]) >= 19 and filed["status"] == "submitted"
    again = await file_public(stack)  # the same form submitted twice: one complaint, the code not shown again
    assert again.status_code == 200 and again.json()["id"] == filed["id"] and again.json()["code"] is None
    other = await file_public(stack, 2)
    assert other.status_code == 201 and other.json()["code"] != filed["code"]
    after = await table_counts(stack, *tables)
    assert after["complaints"] == before["complaints"] + 2
    # Only the code's hash is kept.
    async with stack.runtimes["audit"].engine.connect() as conn:
        stored = [tuple(r) for r in await conn.execute(text("SELECT code_hash, idempotency_key FROM complaints"))]
    assert all(filed["code"] not in "".join(r) for r in stored)


async def test_concurrent_submissions_of_one_form_file_one_complaint(stack):
    answers = await asyncio.gather(*(file_public(stack, 7) for _ in range(5)))
    assert sorted(r.status_code for r in answers).count(201) == 1, [r.text for r in answers]
    assert all(r.status_code in (200, 201, 409) for r in answers)
    assert (await table_counts(stack, "complaints"))["complaints"] == 1


async def test_follow_by_code_shows_progress_and_answer_without_an_account(stack):
    code = (await file_public(stack)).json()["code"]
    r = await stack.client.post(f"{PUBLIC}/follow", json={"code": code})
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["answer"] is None
    assert NAME not in r.text and "李某" not in r.text
    wrong = await stack.client.post(f"{PUBLIC}/follow", json={"code": code[:-2] + "xx"})
    assert wrong.status_code == 404
    short = await stack.client.post(f"{PUBLIC}/follow", json={"code": "x"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "code"


async def test_handling_office_runs_the_complaint_and_a_substantiated_one_flags_the_case(stack):
    payload, = await flagged(stack)  # a case of the complained-about bureau that the audit knows
    filed = (await file_public(stack, case_number=payload.number)).json()
    cid, h = filed["id"], handler(stack)
    c_ = stack.client
    # The complained-about bureau's own auditor may not handle it; an auditor of the municipal bureau does.
    own = stack.auth("auditor-wj", "auditor", bureau=BUREAU)
    r = await c_.post(f"/audit/v1/complaints/{cid}/accept", json={}, headers=own)
    assert r.status_code == 403 and r.json()["code"] == "complaint_handler_own_bureau" and "（二十一）" in r.json()["rule"]
    assert "《信访工作条例》（2022）第三十条第三款" in r.json()["rule"]
    # A peer district bureau's auditor has no authority over another district's officers (工作要点（二十一） 责任单位
    # 执法监督处; 《信访工作条例》第三十条第一款 有权处理的机关): refused, shown no actions and not the complainant.
    peer = stack.auth("auditor-wz", "auditor", bureau="320506")
    r = await c_.post(f"/audit/v1/complaints/{cid}/accept", json={}, headers=peer)
    assert r.status_code == 403 and r.json()["code"] == "complaint_not_handling_office" and "执法监督处" in r.json()["rule"]
    seen = (await c_.get(f"/audit/v1/complaints/{cid}", headers=peer)).json()
    assert seen["allowed_actions"] == [] and seen["complainant"] is None
    assert (await c_.get(f"/audit/v1/complaints/{cid}", headers=h)).json()["allowed_actions"] == ["accept", "refuse"]
    r = await c_.post(f"/audit/v1/complaints/{cid}/investigate", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition" and r.json()["allowed_actions"] == ["accept", "refuse"]
    r = await c_.post(f"/audit/v1/complaints/{cid}/refuse", json={"reason": ""}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"  # a refusal needs its reason
    r = await c_.post(f"/audit/v1/complaints/{cid}/accept", json={"reason": "属于执法监督职责范围"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["handler"] == "auditor-sz"
    accepted = r.json()
    r = await c_.post(f"/audit/v1/complaints/{cid}/investigate", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "investigating"
    # An extension: once, approved by someone else, with a reason.
    r = await c_.post(f"/audit/v1/complaints/{cid}/extend", json={"approver": "auditor-sz", "reason": "需调取执法记录仪"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "complaint_extension_self_approved"
    r = await c_.post(f"/audit/v1/complaints/{cid}/extend", json={"approver": "钱处长", "reason": "需调取执法记录仪"}, headers=h)
    assert r.status_code == 200 and r.json()["extended"] and r.json()["extension_approver"] == "钱处长"
    grown = datetime.fromisoformat(r.json()["due_at"]) - datetime.fromisoformat(accepted["due_at"])
    assert grown == timedelta(days=30)  # 《信访工作条例》第三十四条: 不得超过30日
    concluding = datetime.fromisoformat(accepted["due_at"]) - datetime.fromisoformat(accepted["accepted_at"])
    assert concluding == timedelta(days=60)  # 第三十四条: 自受理之日起60日内办结
    # The complainant is told the extension and its reason (第三十四条 并告知信访人延期理由), not who approved it.
    told = (await c_.post(f"{PUBLIC}/follow", json={"code": filed["code"]})).json()
    assert told["extended"] and told["extension_reason"] == "需调取执法记录仪" and "钱处长" not in json.dumps(told)
    r = await c_.post(f"/audit/v1/complaints/{cid}/extend", json={"approver": "钱处长", "reason": "再次延长"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "complaint_already_extended"
    # Concluding on a case the audit does not know is refused naming the field.
    r = await c_.post(f"/audit/v1/complaints/{cid}/conclude", headers=h,
                      json={"finding": "substantiated", "findings": "执法记录仪显示态度粗暴", "case_id": "no-such-case"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "case_id"
    r = await c_.post(f"/audit/v1/complaints/{cid}/conclude", headers=h,
                      json={"finding": "partly", "findings": "执法记录仪显示言语不文明，未出示证件不属实", "case_id": payload.case_id})
    assert r.status_code == 200 and r.json()["status"] == "concluded" and r.json()["flag_id"]
    flag = await flag_of(stack, payload.case_id)
    hit = [x for x in flag["rules"] if x["code"] == "substantiated_complaint"]
    assert hit and "（二十一）" in hit[0]["detail"] and "部分成立" in hit[0]["detail"] and NAME not in hit[0]["detail"]
    r = await c_.post(f"/audit/v1/complaints/{cid}/answer", json={"answer": "经查，投诉部分属实，已责令整改并批评教育。"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "answered" and r.json()["allowed_actions"] == []
    assert [s["action"] for s in r.json()["steps"]] == ["filed", "accept", "investigate", "extend", "conclude", "answer"]
    shown = (await c_.post(f"{PUBLIC}/follow", json={"code": filed["code"]})).json()
    assert shown["status"] == "answered" and shown["finding"] == "partly" and "责令整改" in shown["answer"]
    assert "第三十五条" in shown["review_right"] and "30日内" in shown["review_right"]  # the right to a review
    # The complained-about bureau's leader reads the conclusion, not the answer written to the complainant, and the
    # flagged case's timeline carries nothing of the complaint's material or who complained (第三十条第三款).
    leader = stack.auth("leader-1", "leader", bureau=BUREAU)
    seen = (await c_.get(f"/audit/v1/complaints/{cid}", headers=leader)).json()
    assert seen["finding"] == "partly" and "言语不文明" in seen["findings"] and seen["answer"] is None
    assert "责令整改" not in json.dumps(seen) and "态度粗暴" not in json.dumps(seen)
    timeline = await c_.get("/audit/v1/log/entries", params={"case_id": payload.case_id}, headers=leader)
    assert timeline.status_code == 200 and "audit.complaint_handled" in timeline.text
    assert "责令整改" not in timeline.text and '"channel"' not in timeline.text and NAME not in timeline.text
    # Every step is in the audit log and an event; neither carries who complained.
    async with stack.runtimes["audit"].engine.connect() as conn:
        logged = [r[0] for r in await conn.execute(text(
            "SELECT data FROM log_entries WHERE type IN ('audit.complaint_filed', 'audit.complaint_handled')"))]
        events = [tuple(r) for r in await conn.execute(text(
            "SELECT type, envelope FROM outbox WHERE type LIKE 'ecocomply.audit.complaint%' ORDER BY seq"))]
    assert len(logged) == 6 and all(NAME not in d and CONTACT not in d for d in logged)
    assert [json.loads(d)["data"].get("action", "filed") for d in logged] == [
        "filed", "accept", "investigate", "extend", "conclude", "answer"]
    assert [t for t, _ in events] == ["ecocomply.audit.complaint_filed.v1", *["ecocomply.audit.complaint_handled.v1"] * 5]
    assert all(NAME not in e and CONTACT not in e for _, e in events)


async def test_a_refusal_needs_a_reason_and_the_complainant_reads_it(stack):
    filed = (await file_public(stack)).json()
    r = await stack.client.post(f"/audit/v1/complaints/{filed['id']}/refuse", headers=handler(stack),
                                json={"reason": "所反映问题已通过行政复议程序处理"})
    assert r.status_code == 200 and r.json()["status"] == "refused" and not r.json()["overdue"]
    shown = (await stack.client.post(f"{PUBLIC}/follow", json={"code": filed["code"]})).json()
    assert shown["status"] == "refused" and "行政复议" in shown["refusal_reason"] and shown["review_right"] is None


async def test_the_complained_about_bureau_never_sees_who_complained(stack):
    filed = (await file_public(stack)).json()
    cid = filed["id"]
    h = handler(stack)
    full = (await stack.client.get(f"/audit/v1/complaints/{cid}", headers=h)).json()
    assert full["complainant"]["name"] == NAME and full["complainant"]["contact"] == CONTACT
    assert "态度粗暴" in full["summary"] and full["officer_name"] == "李某" and not full["withheld"]
    # 《信访工作条例》第三十条第三款: its leader and its own auditor read that a complaint about the bureau exists, its
    # category and progress — never the material (what was written, the officer named) nor the complainant.
    for who in (stack.auth("leader-1", "leader", bureau=BUREAU), stack.auth("auditor-wj", "auditor", bureau=BUREAU)):
        one = await stack.client.get(f"/audit/v1/complaints/{cid}", headers=who)
        assert one.status_code == 200 and one.json()["complainant"] is None and one.json()["withheld"]
        assert one.json()["category"] == "uncivil" and "第三十条第三款" in one.json()["summary"]
        assert "态度粗暴" not in one.text and "李某" not in one.text
        assert NAME not in one.text and CONTACT not in one.text
        listed = await stack.client.get("/audit/v1/complaints", headers=who)
        assert listed.status_code == 200 and listed.json()["total"] == 1
        assert NAME not in listed.text and CONTACT not in listed.text and "态度粗暴" not in listed.text
    # Its officers see nothing; another bureau's leader does not see it.
    officer = stack.auth("officer-a", "officer", bureau=BUREAU)
    assert (await stack.client.get(f"/audit/v1/complaints/{cid}", headers=officer)).status_code == 403
    assert (await stack.client.get("/audit/v1/complaints", headers=officer)).status_code == 403
    other_leader = stack.auth("leader-c", "leader", bureau=OTHER_BUREAU)
    assert (await stack.client.get(f"/audit/v1/complaints/{cid}", headers=other_leader)).status_code == 404
    assert (await stack.client.get("/audit/v1/complaints", headers=other_leader)).json()["total"] == 0
    # An anonymous complaint keeps no name even if one was typed.
    anon = (await file_public(stack, 3, anonymous=True)).json()
    shown = (await stack.client.get(f"/audit/v1/complaints/{anon['id']}", headers=h)).json()
    assert shown["complainant"] == {"channel": "public", "anonymous": True, "name": None, "contact": None, "uscc": None}


async def test_an_enterprise_files_from_its_token_and_sees_its_own(stack):
    ent = stack.auth("ent-1", "enterprise", uscc="91320509MA1XXXXX0A")
    r = await stack.client.post("/audit/v1/complaints", headers=ent,
                                json={**BODY, "category": "inaction", "anonymous": True, "idempotency_key": key(9)})
    assert r.status_code == 201 and r.json()["code"].startswith("TS-")
    mine = (await stack.client.get("/audit/v1/complaints", headers=ent)).json()
    assert mine["total"] == 1 and mine["items"][0]["complainant"]["uscc"] == "91320509MA1XXXXX0A"
    other = stack.auth("ent-2", "enterprise", uscc="91320509MA1YYYYY0B")
    assert (await stack.client.get("/audit/v1/complaints", headers=other)).json()["total"] == 0
    assert (await stack.client.get(f"/audit/v1/complaints/{r.json()['id']}", headers=other)).status_code == 404
    leader = (await stack.client.get("/audit/v1/complaints", headers=stack.auth("l", "leader", bureau=BUREAU))).json()
    assert leader["items"][0]["complainant"] is None and "91320509MA1XXXXX0A" not in json.dumps(leader)


async def test_overdue_complaints_come_first_and_count(stack):
    rt = stack.runtimes["audit"]
    start = rt.clock.now()
    old = (await file_public(stack, 1)).json()
    rt.clock.set(start + timedelta(days=10))
    new = (await file_public(stack, 2)).json()
    rt.clock.set(start + timedelta(days=16))  # the first is past its 15 days to accept, the second is not
    h = handler(stack)
    q = (await stack.client.get("/audit/v1/complaints", headers=h)).json()
    assert [c["id"] for c in q["items"]] == [old["id"], new["id"]] and q["overdue"] == 1
    assert q["items"][0]["overdue"] and not q["items"][1]["overdue"]
    late = (await stack.client.get("/audit/v1/complaints?overdue=true", headers=h)).json()
    assert [c["id"] for c in late["items"]] == [old["id"]]
    # Accepting starts the 30-day period: no longer overdue until it runs out.
    await stack.client.post(f"/audit/v1/complaints/{old['id']}/accept", json={}, headers=h)
    assert (await stack.client.get("/audit/v1/complaints?overdue=true", headers=h)).json()["total"] == 0
    stats = (await stack.client.get("/audit/v1/complaints/stats", headers=h)).json()
    assert stats["received"] == 2 and stats["accepted"] == 1 and stats["overdue"] == 0
    assert stats["by_bureau"][BUREAU]["received"] == 2 and stats["by_category"]["uncivil"]["received"] == 2


async def test_rules_name_the_source_of_categories_and_periods(stack):
    r = (await stack.client.get(f"{PUBLIC}/rules")).json()
    assert {c["code"] for c in r["categories"]} == {"irregular", "uncivil", "inaction", "abuse", "interference"}
    assert all("工作要点" in c["source"] for c in r["categories"])
    assert [p["days"] for p in r["periods"]] == [15, 60, 30] and all(p["verified"] for p in r["periods"])
    assert [p["ceiling"] for p in r["periods"]] == [15, 60, 30] and {p["unit"] for p in r["periods"]} == {"日"}
    assert all("《信访工作条例》（2022）第" in p["source"] for p in r["periods"])
    assert "第二十三条第二款" in r["periods"][0]["source"] and "第三十四条" in r["periods"][1]["source"]


def test_period_settings_may_shorten_but_never_lengthen_the_xinfang_periods():
    """《信访工作条例》第二十三条、第三十四条 are ceilings: a bureau may set a shorter period, not a longer one."""
    import pytest
    from pydantic import ValidationError

    from services.audit.complaints.workflow import PERIOD_SOURCES
    from services.audit.config import AuditSettings

    fields = {"ECOCOMPLY_AUDIT_COMPLAINT_ACCEPT_DAYS": "complaint_accept_days",
              "ECOCOMPLY_AUDIT_COMPLAINT_CONCLUDE_DAYS": "complaint_conclude_days",
              "ECOCOMPLY_AUDIT_COMPLAINT_EXTENSION_DAYS": "complaint_extension_days"}
    for p in PERIOD_SOURCES:
        name = fields[p.setting]
        assert getattr(AuditSettings(), name) == p.default <= p.ceiling
        assert getattr(AuditSettings(**{name: p.ceiling}), name) == p.ceiling
        assert getattr(AuditSettings(**{name: 5}), name) == 5  # shorter: lawful
        with pytest.raises(ValidationError):
            AuditSettings(**{name: p.ceiling + 1})


async def test_public_filings_per_address_are_limited(stack, monkeypatch):
    from shared.public import RateLimiter
    stack.comp.apps["audit"].state.complaint_limiter = RateLimiter("2/hour")
    assert (await file_public(stack, 1)).status_code == 201
    assert (await file_public(stack, 2)).status_code == 201
    r = await file_public(stack, 3)
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert (await table_counts(stack, "complaints"))["complaints"] == 2


async def test_counts_reach_the_annual_report_and_the_dashboard(stack):
    payload, = await flagged(stack)
    h = handler(stack)
    first = (await file_public(stack, 1, case_number=payload.number)).json()
    await file_public(stack, 2, bureau=OTHER_BUREAU)
    for action, body in (("accept", {}), ("investigate", None),
                         ("conclude", {"finding": "substantiated", "findings": "属实", "case_id": payload.case_id})):
        r = await stack.client.post(f"/audit/v1/complaints/{first['id']}/{action}", headers=h, json=body)
        assert r.status_code == 200, r.text
    year = stack.runtimes["audit"].clock.today().year
    r = await stack.client.get(f"/audit/v1/reports/annual?year={year}", headers=h)
    lines = r.content.decode("utf-8-sig").splitlines()
    head = lines[0].split(",")
    assert head[-4:] == ["收到投诉举报", "投诉举报受理", "投诉举报超过办理期限", "投诉举报查证属实（成立或部分成立）"]
    rows = {line.split(",")[1]: line.split(",") for line in lines[1:]}
    assert rows[BUREAU][-4:] == ["1", "1", "0", "1"] and rows[OTHER_BUREAU][-4:] == ["1", "0", "0", "0"]
    assert rows["合计"][-4:] == ["2", "1", "0", "1"]
    page = await stack.client.get("/audit/dashboard", headers=h)
    assert page.status_code == 200 and 'id="complaints-by-bureau"' in page.text
    table = page.text.split('id="complaints-by-bureau"')[1].split("</table>")[0]
    assert "苏州市吴江生态环境局</td><td>1</td><td>1</td>" in table and "苏州市常熟生态环境局" in table
    assert NAME not in page.text


def test_the_handling_office_is_a_local_setting_and_never_the_complained_about_bureau():
    from services.audit.complaints.workflow import may_handle

    assert may_handle(None, "320509", "320500") and may_handle("320500", "320509", "320500")
    assert not may_handle("320509", "320509", "320500")  # the complained-about bureau (第三十条第三款)
    assert not may_handle("320506", "320509", "320500")  # a peer district bureau: no authority
    assert may_handle("320506", "320509", "320506")  # the setting names another handling bureau
    assert not may_handle("320500", "320500", "320500")  # a complaint about the handling bureau itself

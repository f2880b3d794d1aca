"""A penalty case from filing to closing on both setups: certified handlers, the rights period, the
decision with its event, 三书同时送达 with the credit service's notice, payment, closing, documents."""

from __future__ import annotations

import io
import json
import re

import pypdf
from sqlalchemy import select

from services.testing.factories import CASES, CaseDriver
from tests.cases.helpers import snapshot


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages))


async def outbox(stack, type_: str) -> list[dict]:
    rt = stack.runtimes["cases"]
    o = rt.tables.outbox
    async with rt.engine.connect() as conn:
        rows = (await conn.execute(select(o.c.envelope).where(o.c.type == type_).order_by(o.c.seq))).scalars()
        return [json.loads(r)["data"] for r in rows]


async def test_uncertified_handler_is_refused_with_article_42_and_nothing_written(stack):
    d = CaseDriver(stack, auto_certify=False)
    d.at(2026, 3, 2)
    uscc = await d.enterprise()
    before = await snapshot(stack)
    r = await d.c.post(f"{CASES}/cases", headers=d.off, json={
        "uscc": uscc, "bureau": d.bureau, "source": "举报", "summary": "夜间偷排", "violations": [{"code": "GI-WAT-001"}],
        "handlers": ["officer-a", "officer-x"], "facts": {}})
    body = r.json()
    assert r.status_code == 422 and body["code"] == "uncertified_handlers", body
    assert body["uncertified"] == ["officer-x"] and "第四十二条" in body["detail"]
    assert body["errors"][0]["field"] == "handlers"
    assert await snapshot(stack) == before
    # officer-x is registered by an admin, with a certificate number: now the case can be filed.
    await d.register_officers("officer-x")
    case = await d.file(uscc, handlers=["officer-a", "officer-x"])
    assert case["records"]["handler_certificates"] == {"officer-a": "JS32050001", "officer-x": "JS32050000"}
    listed = (await d.c.get(f"{CASES}/officers", headers=d.off)).json()
    assert {o["sub"]: o["registered_via"] for o in listed} == {"officer-a": "token", "officer-x": "admin"}


async def test_penalty_from_filing_to_closing_serves_three_documents_together(stack):
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    d.at(2026, 3, 2)  # Monday
    uscc = await d.enterprise("苏州某某化工有限公司")
    case = await d.file(uscc, clue_received_on="2026-02-20", occurred_on="2026-02-18")
    cid = case["id"]
    assert case["due"]["handling"]["date"] == "2026-05-31" and not case["due"]["handling"]["provisional"]
    assert case["due"]["filing"]["done"] and case["due"]["filing"]["date"] == "2026-03-07"
    assert case["records"]["limitation"]["expires"] == "2028-02-18"
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid)
    notified = await d.notify(cid, 150000.0)
    # 2026-03-02 + 5 working days: 3, 4, 5, 6, 9 March.
    assert notified["due"]["statement"]["date"] == "2026-03-09"
    assert notified["due"]["hearing_request"]["date"] == "2026-03-09"
    assert notified["records"]["notice"]["hearing_right"] is True
    assert "本地设置" in notified["records"]["notice"]["hearing_right_basis"]

    # The decision waits for the rights period (第六十二条、第六十四条) …
    before = await snapshot(stack)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json={"type": "penalty", "fine_amount": 150000})
    assert r.status_code == 409 and r.json()["rule_code"] == "rights_period_running", r.text
    assert "第六十四条" in r.json()["rule"] and await snapshot(stack) == before
    d.at(2026, 3, 9)  # … the last day of the period is still within it …
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json={"type": "penalty", "fine_amount": 150000})
    assert r.status_code == 409 and r.json()["rule_code"] == "rights_period_running"
    d.at(2026, 3, 10)  # … and the next day it has run out.
    decided = await d.post(cid, "decision", d.lead, {"type": "penalty", "fine_amount": 150000.0,
                                                     "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}})
    assert decided["state"] == "decided" and decided["due"]["handling"]["done"]
    assert decided["due"]["service"]["date"] == "2026-03-19"  # 7 working days (第六十一条、第八十五条)
    ev = (await outbox(stack, "ecocomply.case.decided.v1"))[-1]
    assert ev["decision_type"] == "penalty" and ev["violations"] == ["GI-WAT-001"] and ev["penalty_kinds"] == ["fine"]
    assert {"filing", "evidence", "investigation", "legal_review", "notice", "decision"} <= set(ev["steps"])
    assert "《中华人民共和国行政处罚法》第四十四条" in ev["basis"]["articles"]

    # 三书同时送达: the credit notice exists once the credit service consumed the decision.
    async def notice_ready():
        r = await d.c.get(f"/credit/v1/notices/{cid}", headers=d.off)
        return r.status_code == 200
    await stack.wait_for(notice_ready, timeout=60, what="the credit notice")
    r = await d.c.post(f"{CASES}/cases/{cid}/service", headers=d.off)
    assert r.status_code == 200, r.text
    served = r.json()
    assert [x["kind"] for x in served["documents"]] == ["decision", "credit_record_notice", "credit_repair_guidance"]
    assert served["case"]["state"] == "served" and served["case"]["due"]["payment"]["date"] == "2026-03-25"
    assert (await outbox(stack, "ecocomply.case.served.v1"))[-1]["documents"] == [
        "decision", "credit_record_notice", "credit_repair_guidance"]

    for doc in served["documents"]:
        r = await d.c.get(doc["url"], headers=d.off)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
        text = pdf_text(r.content)
        # The decision carries its 文号 (issue 24); the credit service's documents the case number.
        assert doc["title"] in text and (case["number"] in text or "吴环罚字〔2026〕第" in text) and "所依据的条款" in text
    decision_text = pdf_text((await d.c.get(served["documents"][0]["url"], headers=d.off)).content)
    assert "苏州某某化工有限公司" in decision_text and "人民币150,000.00元" in decision_text
    assert "《中华人民共和国水污染防治法》第八十三条" in decision_text and "第六十七条" in decision_text
    # 第五十九条: the decision tells the party its remedies and their periods.
    assert "六十日内" in decision_text and "申请行政复议" in decision_text and "六个月内" in decision_text
    assert "《中华人民共和国行政复议法》（2023年修订）第二十条" in decision_text and "行政诉讼法》第四十六条" in decision_text

    # Closing waits for the fine (第六十七条); the enterprise sees the payment in the case read.
    r = await d.c.post(f"{CASES}/cases/{cid}/close", headers=d.off, json={})
    assert r.status_code == 409 and r.json()["rule_code"] == "fine_paid_before_closing"
    bad = await d.c.post(f"{CASES}/cases/{cid}/execution", headers=d.off, json={"amount": 1000})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount"
    d.at(2026, 3, 20)
    paid = await d.post(cid, "execution", d.off, {"amount": 150000.0, "receipt": "缴款书No.1"})
    assert paid["state"] == "executing" and paid["execution"]["fine_paid"] and paid["execution"]["paid_at"] == "2026-03-20"
    closed = await d.post(cid, "close", d.off, {"notes": "执行完毕"})
    assert closed["state"] == "closed" and closed["allowed_actions"] == [
        "legal_review", "change_decision", "schedule_follow_up", "record_follow_up"]  # a change after the decision (issue 23)
    assert [t["action"] for t in closed["timeline"]] == [
        "file", "add_evidence", "complete_investigation", "legal_review", "notice", "decide",
        "serve", "record_payment", "close"]
    as_ent = await d.get(cid, stack.auth("e1", "enterprise", uscc=uscc))
    assert as_ent["execution"]["amount"] == 150000.0
    assert [e["amount"] for e in await outbox(stack, "ecocomply.case.fine_paid.v1")] == [150000.0]
    assert len(await outbox(stack, "ecocomply.case.closed.v1")) == 1

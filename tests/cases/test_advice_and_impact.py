"""Compliance advice letters (non-coercive: no case opened) with feedback and their PDF; the economic
impact assessment record of a case."""

from __future__ import annotations

from services.testing.factories import CASES, CaseDriver
from tests.cases.helpers import snapshot
from tests.cases.test_lifecycle import pdf_text


async def test_advice_letter_with_requirements_feedback_and_document(stack):
    d = CaseDriver(stack, auto_certify=False)
    d.at(2026, 7, 1)
    uscc = await d.enterprise("苏州某某印染有限公司")
    before = await snapshot(stack)
    bad = await d.c.post(f"{CASES}/advice-letters", headers=d.off, json={
        "uscc": uscc, "findings": ["危废贮存场所标识不全"], "requirements": [{"text": "补齐标识", "due": "2026-06-01"}],
        "due": "2026-07-31"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "requirements.0.due"
    assert await snapshot(stack) == before
    r = await d.c.post(f"{CASES}/advice-letters", headers=d.off, json={
        "uscc": uscc, "findings": ["危废贮存场所标识不全", "台账记录不完整"],
        "requirements": [{"text": "补齐危废贮存场所标识", "due": "2026-07-15"}, "完善危废管理台账"], "due": "2026-07-31"})
    assert r.status_code == 201, r.text
    letter = r.json()
    assert letter["requirements"][1] == {"text": "完善危废管理台账", "due": "2026-07-31"} and letter["status"] == "issued"
    after = await snapshot(stack)
    assert after["cases.cases"] == before["cases.cases"] and after["cases.advice_letters"] == before["cases.advice_letters"] + 1
    ent = d.s.auth("e1", "enterprise", uscc=uscc)
    other = d.s.auth("e2", "enterprise", uscc="91320509000000000X")
    assert (await d.c.get(f"{CASES}/advice-letters/{letter['id']}", headers=other)).status_code == 403
    fb = await d.c.post(f"{CASES}/advice-letters/{letter['id']}/feedback", headers=ent,
                        json={"content": "已补齐标识并完善台账", "completed": True})
    assert fb.status_code == 200 and fb.json()["status"] == "completed" and fb.json()["feedback"][0]["by"] == "e1"
    pdf = await d.c.get(f"{CASES}/advice-letters/{letter['id']}/document", headers=ent)
    text = pdf_text(pdf.content)
    assert "合规建议书" in text and "补齐危废贮存场所标识" in text and "苏州某某印染有限公司" in text
    assert "非强制性监管方式" in text and letter["document_number"] in text
    mine = (await d.c.get(f"{CASES}/advice-letters", headers=ent)).json()
    assert [x["id"] for x in mine] == [letter["id"]]
    d.at(2026, 8, 1)
    r = await d.c.post(f"{CASES}/advice-letters", headers=d.off, json={
        "uscc": uscc, "findings": ["x"], "requirements": ["y"], "due": "2026-08-02"})
    d.at(2026, 8, 3)
    assert (await d.c.get(f"{CASES}/advice-letters/{r.json()['id']}", headers=d.off)).json()["overdue"] is True


async def test_economic_impact_record_and_penalty_advice_served_as_fourth_document(stack):
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    d.at(2026, 3, 2)
    decided = await d.penalty_decided(fine=200000.0)
    cid = decided["id"]
    r = await d.c.post(f"{CASES}/cases/{cid}/economic-impact", headers=d.off, json={
        "annual_revenue": 20_000_000, "employees": 80, "net_profit": 1_000_000,
        "credit_consequences": ["环保信用等级下调", "招投标受限"], "measures_to_reduce_impact": ["引导信用修复"]})
    assert r.status_code == 200, r.text
    impact = r.json()["records"]["economic_impact"]
    assert impact["fine_to_revenue"] == 0.01 and impact["fine_to_net_profit"] == 0.2 and impact["fine_per_employee"] == 2500.0
    assert impact["thresholds"] is None and "三（八）" in impact["basis"]
    adv = await d.c.post(f"{CASES}/advice-letters", headers=d.off, json={
        "uscc": decided["uscc"], "case_id": cid, "findings": ["出水超标"], "requirements": ["建立在线监测预警"],
        "due": "2026-04-30"})
    assert adv.status_code == 201, adv.text

    async def notice_ready():
        return (await d.c.get(f"/credit/v1/notices/{cid}", headers=d.off)).status_code == 200
    await stack.wait_for(notice_ready, timeout=60, what="the credit notice")
    served = await d.post(cid, "service", d.off)
    assert [x["kind"] for x in served["documents"]] == [
        "decision", "credit_record_notice", "credit_repair_guidance", "compliance_advice"]
    text = pdf_text((await d.c.get(served["documents"][1]["url"], headers=d.off)).content)
    assert "环保信用失信记录告知书" in text and "所依据的条款" in text

"""The exemption paths and the light penalty, each refused step by step with its rule until every
required step is on record; decisions store the list/rule versions and articles they relied on."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from services.cases.clients import checklist as checklist_client
from services.testing.factories import CASES, IN_LIST_FACTS, CaseDriver
from shared import clock
from tests.cases.helpers import snapshot
from tests.cases.test_lifecycle import outbox, pdf_text

# 首违可不罚 (第三十三条第一款第二句): a first offence whose (ecological) harm is minor and was corrected in time.
OUT_OF_LIST = {"first_offence": True, "harm_minor": True, "corrected_in_time": True}
MEASURES = [
    {"kind": "correct_violation", "description": "更换曝气设备，出水稳定达标", "due": "2026-04-30"},
    {"kind": "eliminate_consequences", "description": "清理受影响河段", "due": "2026-04-30"},
    {"kind": "prevention_system", "description": "建立在线监测预警和值班制度", "due": "2026-05-31"},
]


async def refused(d: CaseDriver, cid: str, body: dict, rule_code: str) -> dict:
    before = await snapshot(d.s)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json=body)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "illegal_transition" and problem["rule_code"] == rule_code, problem
    assert problem["article"] in problem["rule"] and problem["action"] == "decide"
    assert await snapshot(d.s) == before
    return problem


async def test_in_list_exemption_needs_evidence_review_discussion_and_met_conditions(stack):
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    d.at(2026, 5, 11)
    uscc = await d.enterprise()
    cid = (await d.file(uscc))["id"]
    await d.complete_investigation(cid, IN_LIST_FACTS)
    exempt = {"type": "no_penalty", "basis": {"no_penalty_item": "NP-EX-002"}}
    await refused(d, cid, exempt, "state_order")  # not reviewed yet
    r = await d.c.post(f"{CASES}/cases/{cid}/legal-review", headers=d.rev, json={"opinion": "approve", "notes": ""})
    assert r.status_code == 409 and r.json()["rule_code"] == "evidence_required" and "第五十四条" in r.json()["rule"]
    await d.post(cid, "evidence", d.off, {"kind": "现场检查笔录", "description": "出水口采样", "collected_by": "officer-b"})
    await d.review(cid, "no_penalty")
    await refused(d, cid, exempt, "collective_discussion_for_exemption")
    await d.register_leaders()  # the bureau's 负责人 on the register (第五十七条第二款)
    r = await d.c.post(f"{CASES}/cases/{cid}/collective-discussion", headers=d.lead, json={
        "participants": ["leader-1", "leader-2"], "conclusion": "同意", "votes": {"for": 2, "against": 0, "abstain": 0},
        "minutes": "两人出席"})
    assert r.status_code == 409 and r.json()["rule_code"] == "collective_discussion_quorum", r.text
    rejected = await d.discuss(cid, votes_for=1)  # recorded, but a minority does not approve
    assert rejected["state"] == "reviewed" and rejected["records"]["collective_discussions"][0]["approved"] is False
    await d.discuss(cid)
    await refused(d, cid, {**exempt, "fine_amount": 1000}, "no_fine_with_exemption")
    decided = await d.post(cid, "decision", d.lead, exempt)
    dec = decided["decision"]
    assert dec["type"] == "no_penalty" and dec["versions"]["list"] == "example" and dec["versions"]["no_penalty_item"] == 1
    assert "《中华人民共和国行政处罚法》第三十三条" in dec["articles"]
    assert any("水污染防治法" in a for a in dec["articles"])
    ev = (await outbox(stack, "ecocomply.case.decided.v1"))[-1]
    assert ev["basis"]["list_version"] == "example" and ev["basis"]["no_penalty_kind"] == "list"
    assert {"evidence", "legal_review", "collective_discussion"} <= set(ev["steps"]) and "notice" not in ev["steps"]
    served = await d.post(cid, "service", d.off)
    assert [x["kind"] for x in served["documents"]] == ["decision", "compliance_advice"]
    text = pdf_text((await d.c.get(served["documents"][0]["url"], headers=d.off)).content)
    assert "不予行政处罚决定书" in text and "免罚清单" in text and "第三十三条" in text and "NP-EX-002" not in text
    advice = pdf_text((await d.c.get(served["documents"][1]["url"], headers=d.off)).content)
    assert "合规建议书" in advice and "进行教育" in advice
    closed = await d.post(cid, "close", d.off, {})
    assert closed["state"] == "closed" and "follow_ups" not in closed["records"]  # no rectification plan


async def test_out_of_list_exemption_needs_rectification_case_review_and_opinions(stack):
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    d.at(2026, 4, 1)
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid, {**OUT_OF_LIST, "ecological_damage": True})
    await d.review(cid, "no_penalty")
    await d.discuss(cid)
    exempt = {"type": "no_penalty", "basis": {"no_penalty_item": "APL33.first_offence_minor_harm"}}
    await refused(d, cid, exempt, "out_of_list_rectification")
    r = await d.c.post(f"{CASES}/cases/{cid}/rectification", headers=d.off, json={"measures": MEASURES})
    assert r.status_code == 422 and r.json()["code"] == "rectification_incomplete"
    assert "damage_compensation" in r.json()["detail"] and "三（七）" in r.json()["rule"]
    plan = await d.post(cid, "rectification", d.off, {"measures": [*MEASURES, {
        "kind": "damage_compensation", "description": "委托鉴定并赔偿生态环境损害", "due": "2026-06-30"}]})
    assert plan["rectification"]["assessment"] is None
    await d.post(cid, "rectification/assessment", d.off, {"passed": False, "notes": "监测制度未落实"})
    await refused(d, cid, exempt, "out_of_list_rectification")
    await d.post(cid, "rectification/assessment", d.off, {"passed": True, "notes": "整改到位"})
    await refused(d, cid, exempt, "out_of_list_case_review")
    await d.post(cid, "case-review", d.lead, {"analysis": "首次违法，危害后果轻微，已及时改正", "conclusion": "建议不予处罚"})
    await refused(d, cid, exempt, "out_of_list_opinions")
    await d.post(cid, "opinions", d.lead, {"from": "司法局", "content": "同意不予行政处罚"})
    decided = await d.post(cid, "decision", d.lead, exempt)
    assert decided["decision"]["basis"]["no_penalty_kind"] == "statutory"
    assert {"rectification_assessed", "case_review", "opinions"} <= set(decided["decision"]["steps"])
    assert (await outbox(stack, "ecocomply.case.rectification_assessed.v1"))[-1]["passed"] is True
    # Closing a rectified case schedules the follow-up checks (a local setting); a relapse is published.
    await d.post(cid, "service", d.off)
    d.at(2026, 5, 4)
    closed = await d.post(cid, "close", d.off, {})
    assert [f["due"] for f in closed["records"]["follow_ups"]] == ["2026-06-03", "2026-10-31"]
    await d.post(cid, "follow-ups/0/result", d.off, {"relapse": False, "notes": "运行正常"})
    after = await d.post(cid, "follow-ups/1/result", d.off, {"relapse": True, "notes": "再次超标排放"})
    assert after["records"]["relapses"][0]["detail"] == "再次超标排放"
    assert [e["detail"] for e in await outbox(stack, "ecocomply.case.relapse_found.v1")] == ["再次超标排放"]
    r = await d.c.post(f"{CASES}/cases/{cid}/follow-ups/1/result", headers=d.off, json={"relapse": False, "notes": "x"})
    assert r.status_code == 422 and r.json()["code"] == "duplicate"


CALC = {"fine_min": 100000.0, "fine_max": 200000.0, "recommended": 120000.0, "currency": "CNY", "level": "一般",
        "statutory_min": 100000.0, "statutory_max": 1000000.0,
        "factors": [{"key": "harm_eliminated_or_reduced_voluntarily", "value": True, "effect": "lighter"}],
        "basis": [{"law": "《中华人民共和国水污染防治法》", "article": "第八十三条"}], "rule_version": "MEE-2019-v1"}


@pytest.fixture
def calculator(monkeypatch):
    """The checklist's calculation at the HTTP boundary (API.md contract): ``POST /discretion/calculate``, and the
    calculations of a decision's one call (``POST /decision-context``)."""
    answers: list = [CALC]
    calls: list = []

    async def fake(client, violation_code, facts, *, mitigation=None, bureau=None, on=None):
        calls.append((violation_code, dict(facts), mitigation, bureau))
        return answers[0], "" if answers[0] else "the checklist service answered 404: no rule set"

    real_context = checklist_client.decision_context

    async def fake_context(client, facts, codes, *, calculation=None, **kw):
        ctx = await real_context(client, facts, codes, calculation=calculation, **kw)
        if calculation is None:
            return ctx
        calcs = [await fake(client, code, {k: v for k, v in calculation["facts"].items()
                                           if isinstance(v, bool | int | float)},
                            mitigation=calculation["mitigation"], bureau=kw.get("bureau")) for code in codes]
        return replace(ctx, calculations=[(c, None) for c in calcs])

    monkeypatch.setattr(checklist_client, "calculate", fake)
    monkeypatch.setattr(checklist_client, "decision_context", fake_context)
    return answers, calls


async def test_light_penalty_needs_a_discretion_calculation_and_a_reason_outside_its_range(stack, calculator):
    answers, calls = calculator
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    d.at(2026, 6, 1)
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid, {"harm_eliminated_or_reduced_voluntarily": True})
    await d.review(cid, "mitigated")
    await d.discuss(cid, decision_type="mitigated")
    await d.notify(cid, 120000.0)
    await d.waive(cid)
    answers[0] = None  # the checklist has no calculation for the violation
    problem = await refused(d, cid, {"type": "mitigated", "fine_amount": 80000.0}, "statutory_range_required")
    assert "no rule set" in problem["detail"]
    answers[0] = CALC
    await refused(d, cid, {"type": "mitigated", "fine_amount": 80000.0}, "reason_outside_range")
    decided = await d.post(cid, "decision", d.lead, {"type": "mitigated", "fine_amount": 80000.0,
                                                     "reason": "主动消除危害后果，依法减轻处罚"})
    assert calls[-1] == ("GI-WAT-001", {"harm_eliminated_or_reduced_voluntarily": True,
                                        "compliance_rectification_passed": False}, "mitigated", d.bureau)
    dec = decided["decision"]
    assert dec["discretion"]["rule_version"] == "MEE-2019-v1" and dec["versions"]["discretion_rule"] == "MEE-2019-v1"
    assert dec["basis"]["mitigating_circumstances"] == ["harm_eliminated_or_reduced_voluntarily"]
    assert decided["records"]["discretion"]["factors"] == CALC["factors"] and "discretion" in decided["steps"]
    ev = (await outbox(stack, "ecocomply.case.decided.v1"))[-1]
    assert ev["discretion"] == {"fine_min": 100000.0, "fine_max": 200000.0, "recommended": 120000.0,
                                "rule_version": "MEE-2019-v1"}
    assert ev["reason"] == "主动消除危害后果，依法减轻处罚" and "《中华人民共和国行政处罚法》第三十二条" in ev["basis"]["articles"]


async def test_defence_cannot_make_the_fine_heavier_and_a_requested_hearing_is_held_first(stack, calculator):
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    d.at(2026, 6, 1)
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid)
    await d.notify(cid, 150000.0)
    ent = d.s.auth("e1", "enterprise", uscc=(await d.get(cid))["uscc"])
    await d.post(cid, "statement", ent, {"content": "我司已整改，请求从轻", "by": "法定代表人"})
    await d.post(cid, "hearing/request", ent)
    await d.schedule_hearing(cid, datetime(2026, 6, 12, 9, 30, tzinfo=clock.TZ))  # 七个工作日后 (第六十四条（二）)
    d.at(2026, 6, 15)
    await refused(d, cid, {"type": "penalty", "fine_amount": 150000.0}, "hearing_before_decision")
    r = await d.c.post(f"{CASES}/cases/{cid}/hearing", headers=d.lead, json={
        "presided_by": "officer-b", "record": "听证笔录", "party_statements": "申辩", "signature": "signed"})
    assert r.status_code == 409 and r.json()["rule_code"] == "hearing_presider_not_investigator"
    assert "第六十四条" in r.json()["rule"]
    await d.hold_hearing(cid, record="听证笔录：当事人陈述整改情况")
    # 第五十八条第一款第（二）项: a case heard at a hearing goes through legal review again.
    await refused(d, cid, {"type": "penalty", "fine_amount": 150000.0}, "review_after_hearing")
    d.at(2026, 6, 16)
    await d.review(cid)
    await refused(d, cid, {"type": "penalty", "fine_amount": 180000.0}, "no_heavier_for_defence")
    decided = await d.post(cid, "decision", d.lead, {"type": "penalty", "fine_amount": 150000.0})
    assert decided["state"] == "decided"

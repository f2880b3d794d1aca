"""The decision gate (issue 11) through the HTTP API: fines inside the statutory range of the violation's
penalty article, 从轻/减轻/从重 only on their circumstances, no-penalty items only for the violations they
cover and on 第三十三条 facts, legal review / collective discussion / 事先告知 binding the decision, a leader
who is not a handler deciding, 初次违法 checked against the enterprise's record, rights periods on a
provisional calendar — each refusal a 409 naming its rule and article, with nothing written."""

from __future__ import annotations

from typing import Any

import yaml

from services.testing.factories import AGGRAVATING_FACTS, CASES, IN_LIST_FACTS, MITIGATING_FACTS, CaseDriver
from tests.cases.helpers import snapshot
from tests.cases.test_time_limits import Y2027

AIR = [{"code": "GI-AIR-001"}]  # 《大气污染防治法》第九十九条: 十万元以上一百万元以下
WAT = [{"code": "GI-WAT-001"}]  # 《水污染防治法》第八十三条: 十万元以上一百万元以下
EIA = [{"code": "GI-EIA-001"}]  # 《环境影响评价法》第三十一条: 建设项目总投资额百分之一以上百分之五以下
ART32 = MITIGATING_FACTS  # 第三十二条第（一）项 (GET /checklist/v1/circumstances)
# The default rule set (mee-2019-factor-levels) grades its aggravating circumstances 1–5 (no boolean flag).
HEAVY = AGGRAVATING_FACTS
WHY = "综合考虑违法情节与整改情况，书面说明罚款数额理由"
PLAN = {"measures": [{"kind": k, "description": "整改措施", "due": "2026-07-31"}
                     for k in ("correct_violation", "eliminate_consequences", "prevention_system")]}
PROBLEM_KEYS = {"code", "rule", "rule_code", "article", "verified", "our_reading", "remedy", "allowed_actions",
                "state", "action"}


def fine(kind: str, amount: float, reason: str | None = None) -> dict[str, Any]:
    return {"type": kind, "fine_amount": amount, **({"reason": reason} if reason else {})}


def exempt(item: str) -> dict[str, Any]:
    return {"type": "no_penalty", "basis": {"no_penalty_item": item}}


async def driver(stack, y: int = 2026, m: int = 6, day: int = 1) -> CaseDriver:
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    d.at(y, m, day)
    return d


async def refused(d: CaseDriver, cid: str, body: dict, rule_code: str, headers: dict | None = None) -> dict:
    """The decision is refused with ``rule_code`` (409, its article cited, what would make it lawful) and
    nothing is written."""
    before = await snapshot(d.s)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=headers or d.lead, json=body)
    assert r.status_code == 409, r.text
    p = r.json()
    assert p["code"] == "illegal_transition" and p["rule_code"] == rule_code, p
    assert PROBLEM_KEYS <= set(p) and p["action"] == "decide" and "decide" in p["allowed_actions"], p
    assert p["article"] and p["article"] in p["rule"] and p["remedy"], p
    assert await snapshot(d.s) == before
    return p


async def decided(d: CaseDriver, cid: str, body: dict, headers: dict | None = None) -> dict:
    case = await d.post(cid, "decision", headers or d.lead, body)
    assert case["state"] == "decided" and case["decision"]["type"] == body["type"], case
    assert case["decision"]["fine_amount"] == body.get("fine_amount")
    return case


async def opened(d: CaseDriver, facts: dict | None = None, violations: list = AIR, uscc: str | None = None,
                 proposed_type: str = "penalty", proposed_fine: float | None = None) -> str:
    """A case filed, with evidence, investigated on ``facts`` and approved by legal review proposing
    ``proposed_type`` (and ``proposed_fine``), which binds the decision."""
    cid = (await d.file(uscc or await d.enterprise(), violations=violations))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid, facts or {})
    await d.review(cid, proposed_type, proposed_fine)
    return cid


async def compensated(d: CaseDriver, cid: str) -> None:
    """The rectification plan with the damage compensation measure (试点方案 三（七）), assessed as passed."""
    measures = [*PLAN["measures"], {"kind": "damage_compensation", "description": "签订赔偿协议并履行", "due": "2026-07-31"}]
    await d.post(cid, "rectification", d.off, {"measures": measures})
    await d.post(cid, "rectification/assessment", d.off, {"passed": True, "notes": "赔偿协议已履行"})


async def notified(d: CaseDriver, cid: str, amount: float, kind: str = "penalty", waive: bool = True) -> dict:
    case = await d.post(cid, "notice", d.off, {"intended_type": kind, "intended_fine": amount,
                                                "penalty_kinds": ["fine"], "facts_and_reasons": "超标排放"})
    return await d.waive(cid) if waive else case


async def reinvestigated(d: CaseDriver, cid: str, facts: dict) -> None:
    """Legal review returns the case; the investigation records more facts; review and discussion again."""
    await d.post(cid, "legal-review", d.rev, {"opinion": "return", "notes": "补充调查"})
    await d.complete_investigation(cid, facts)
    await d.review(cid, "no_penalty")
    await d.discuss(cid)


async def test_a_fine_stays_within_the_statutory_range_whatever_the_reason(stack):
    d = await driver(stack)
    cid = await opened(d)
    await notified(d, cid, 5_000_000.0, "heavier")
    for amount in (1.0, 5_000_000.0):
        for reason in (None, WHY):
            p = await refused(d, cid, fine("penalty", amount, reason), "fine_within_statutory_range")
            assert "第九十九条" in p["detail"], p
    # A penalty article that prescribes a fine (并处…罚款) is not met by a warning alone.
    await refused(d, cid, {"type": "penalty", "penalty_kinds": ["warning"]}, "fine_kinds_required")
    await d.review(cid, "heavier")
    await refused(d, cid, fine("heavier", 300000.0, WHY), "aggravating_circumstance_required")
    await d.review(cid, "penalty")
    case = await decided(d, cid, fine("penalty", 150000.0))
    disc = case["decision"]["discretion"]
    assert (disc["statutory_min"], disc["statutory_max"]) == (100000.0, 1000000.0)

    # A multiple of the total investment (GI-EIA-001): the case must record the base amount.
    eia = await opened(d, violations=EIA)
    await notified(d, eia, 1_000_000.0)
    p = await refused(d, eia, fine("penalty", 50000.0), "statutory_range_required")
    assert "base_amount_cny" in p["detail"]
    await d.post(eia, "legal-review", d.rev, {"opinion": "return", "notes": "补充建设项目总投资额"})
    await d.complete_investigation(eia, {"base_amount_cny": 2_000_000})
    await d.review(eia)
    await notified(d, eia, 200000.0)
    p = await refused(d, eia, fine("penalty", 150000.0, WHY), "fine_within_statutory_range")  # 5% = 100,000
    assert "100000" in p["detail"]
    case = await decided(d, eia, fine("penalty", 50000.0))
    assert (case["decision"]["discretion"]["statutory_min"], case["decision"]["discretion"]["statutory_max"]) == (
        20000.0, 100000.0)


async def test_lighter_mitigated_and_heavier_need_their_circumstances(stack):
    d = await driver(stack)
    offered = {c["key"]: c for c in (await d.c.get("/checklist/v1/circumstances", headers=d.off)).json()}
    assert all(offered[k]["kind"] == "mitigating" and "第三十二条" in offered[k]["article"] for k in ART32)
    assert all(offered[k]["kind"] == "aggravating" and offered[k]["value_type"] == "level" for k in HEAVY)
    # 从轻 on a 第三十二条 fact: inside the statutory range only.
    lc = await opened(d, ART32, proposed_type="lighter")
    await d.discuss(lc, decision_type="lighter")
    await notified(d, lc, 1_000_000.0)
    await refused(d, lc, fine("lighter", 50000.0, WHY), "fine_within_statutory_range")
    # 从轻 stays in the calculated 从轻 range (the lower part of the statutory one), whatever the reason.
    await refused(d, lc, fine("lighter", 900000.0, WHY), "lighter_within_lighter_range")
    await decided(d, lc, fine("lighter", 120000.0))
    # 第三十二条 says 应当从轻或者减轻: with its circumstance established, a plain or heavier penalty is refused.
    pc = await opened(d, ART32)
    await notified(d, pc, 150000.0)
    await refused(d, pc, fine("penalty", 150000.0), "article_32_requires_lighter")
    # 减轻 below the minimum on a 第三十二条 fact (and only below it).
    mc = await opened(d, ART32, proposed_type="mitigated")
    await d.discuss(mc, decision_type="mitigated")
    await notified(d, mc, 1_000_000.0)
    await refused(d, mc, fine("mitigated", 150000.0), "mitigated_below_minimum")
    case = await decided(d, mc, fine("mitigated", 80000.0))
    assert case["decision"]["basis"]["mitigating_circumstances"] == ["harm_eliminated_or_reduced_voluntarily"]
    # No 第三十二条 fact: no 减轻; a passed compliance rectification lightens (从轻) within the range only.
    nc = await opened(d, proposed_type="lighter")
    await d.discuss(nc, decision_type="lighter")
    await refused(d, nc, fine("lighter", 120000.0), "mitigating_circumstance_required")
    rc = await opened(d, proposed_type="mitigated")
    await d.discuss(rc, decision_type="mitigated")
    await refused(d, rc, fine("mitigated", 80000.0, WHY), "mitigation_needs_article_32")
    await d.post(rc, "rectification", d.off, PLAN)
    await d.post(rc, "rectification/assessment", d.off, {"passed": True, "notes": "整改到位"})
    p = await refused(d, rc, fine("mitigated", 80000.0, WHY), "mitigation_needs_article_32")
    assert "rectification" in p["detail"]
    await d.review(rc, "lighter")
    await d.discuss(rc, decision_type="lighter")
    await notified(d, rc, 150000.0)
    await decided(d, rc, fine("lighter", 120000.0))
    # 从重 on an aggravating circumstance of the rule set (refused without one: first test).
    hc = await opened(d, HEAVY, proposed_type="heavier")
    await d.discuss(hc, "heavier")  # 第五十七条第二款: 300,000 is above the default threshold
    await notified(d, hc, 1_000_000.0, "heavier")
    await decided(d, hc, fine("heavier", 300000.0))


async def flag_rules(stack, cid: str) -> list[str] | None:
    r = await stack.client.get("/audit/v1/flags", params={"size": 200}, headers=stack.auth("auditor-1", "auditor"))
    assert r.status_code == 200, r.text
    return next(([x["code"] for x in f["rules"]] for f in r.json()["items"] if f["case_id"] == cid), None)


async def test_a_fine_outside_the_recommended_range_needs_a_reason_and_is_flagged(stack):
    d = await driver(stack)
    # 减轻 on a 第三十二条 fact: the calculation recommends 50,000–99,900 (a local share of the minimum).
    cid = await opened(d, ART32, proposed_type="mitigated")
    await d.discuss(cid, decision_type="mitigated")
    await notified(d, cid, 100000.0)
    p = await refused(d, cid, fine("mitigated", 30000.0), "reason_outside_range")
    assert "50000" in p["detail"]
    case = await decided(d, cid, fine("mitigated", 30000.0, WHY))
    assert case["decision"]["outside_calculated_range"] is True and case["decision"]["reason"] == WHY
    # A plain penalty is flagged only when a rule hits: this one does (services/audit/rules.py).
    rules = await stack.wait_for(lambda: flag_rules(stack, cid), timeout=30, what="the audit flag of the case")
    assert "fine_outside_calculated_range" in rules and "exemption_or_light_penalty" in rules, rules


async def test_no_penalty_items_exempt_only_what_they_cover_on_article_33_facts(stack):
    d = await driver(stack)
    eia_facts = {**IN_LIST_FACTS, "stopped_construction_after_order": True, "restored_site": True}
    ev = await d.c.post("/checklist/v1/no-penalty-items/NP-EX-001/evaluate", headers=d.off,
                        json={"facts": eia_facts, "violation_codes": ["GI-AIR-001"]})
    assert ev.status_code == 200 and ev.json()["covers"] is False and ev.json()["eligible"] is False, ev.text
    air = await opened(d, eia_facts, proposed_type="no_penalty")
    await d.discuss(air)
    for item in ("NP-EX-001", "NP-EX-002"):
        p = await refused(d, air, exempt(item), "no_penalty_item_covers_violation")
        assert "GI-AIR-001" in p["detail"]
    # The list item's own conditions hold, but no 第三十三条 ground (a missing fact is unknown, never true).
    bare = {k: v for k, v in IN_LIST_FACTS.items() if k not in ("harm_minor", "corrected_in_time")}
    wat = await opened(d, bare, violations=WAT, proposed_type="no_penalty")
    await d.discuss(wat)
    await refused(d, wat, exempt("NP-EX-002"), "article_33_facts_required")
    await reinvestigated(d, wat, {"corrected_in_time": True, "ecological_damage": True})
    await refused(d, wat, exempt("NP-EX-002"), "harm_recorded")
    await reinvestigated(d, wat, {"harm_minor": True})  # 初次违法且危害后果轻微并及时改正
    await refused(d, wat, exempt("NP-EX-002"), "damage_compensation_required")  # 试点方案 三（七）
    await compensated(d, wat)
    case = await decided(d, wat, exempt("NP-EX-002"))
    assert case["decision"]["basis"]["article_33_ground"] == "APL33.first_offence_minor_harm"



async def test_damage_matter_not_started_on_a_ground_or_evaluated_and_paid_in_full_allows_the_decision(stack):
    """试点方案 三（七） (应全面履行生态环境损害赔偿责任) besides the rectification plan: the case's damage matter
    lawfully not started on a recorded ground (nothing left to perform), or run to 修复效果评估通过 with the agreed
    amount paid in full (performed through the matter). Still screening, in 磋商, or evaluated but not fully paid:
    refused, naming the rule and where the matter stands."""
    from services.testing.damage import step

    d = await driver(stack)
    damaged = {**IN_LIST_FACTS, "ecological_damage": True}
    cid = await opened(d, damaged, violations=WAT, proposed_type="no_penalty")
    await d.discuss(cid)
    p = await refused(d, cid, exempt("NP-EX-002"), "damage_compensation_required")
    assert "三（七）" in p["article"] and "不启动索赔" in p["rule"] and "足额缴纳" in p["rule"], p
    assert "线索筛查" in p["detail"] and "显著轻微" in p["detail"] and "verified: false" in p["detail"], p
    assert "not_start" in p["remedy"] and "pay" in p["remedy"], p
    # 显著轻微 does not hold in an ecological red line: the step is refused and the gate still refuses.
    await step(stack, d.off, cid, "not_start", expect=409, ground="significantly_slight", in_red_line=True)
    await refused(d, cid, exempt("NP-EX-002"), "damage_compensation_required")
    # Outside the red line, no earlier violation of this (new) enterprise: not started — the exemption is decided.
    out = await step(stack, d.off, cid, "not_start", ground="significantly_slight", in_red_line=False,
                     note="损害数额极小，未造成明显影响")
    assert out["status"] == "not_started", out
    case = await decided(d, cid, exempt("NP-EX-002"))
    assert case["rectification"] is None and case["damage"]["status_cn"] == "不启动索赔"

    # A lighter penalty (第三十二条 ground) on damage, the claim started: refused in 磋商 and while not fully paid.
    light = {"harm_eliminated_or_reduced_voluntarily": True, "ecological_damage": True}
    lc = await opened(d, light, violations=AIR, proposed_type="lighter", proposed_fine=110000.0)
    await d.discuss(lc, "lighter", 110000.0)
    await notified(d, lc, 110000.0, "lighter")
    lighter = fine("lighter", 110000.0, WHY)
    for action, body in (("start", {}), ("assess", {"simplified": True, "assessed_amount": 180000.0}),
                         ("consult", {})):
        await step(stack, d.off, lc, action, **body)
    p = await refused(d, lc, lighter, "damage_compensation_required")
    assert "“磋商”阶段" in p["detail"] and "从轻处罚" in p["detail"], p
    await step(stack, d.off, lc, "agree", agreed_amount=180000.0, paid_amount=60000.0,
               restoration_terms="六个月内完成受损河段底泥清淤和水生植被恢复")
    await step(stack, d.off, lc, "restore", note="赔偿义务人按协议开展修复")
    await step(stack, d.off, lc, "evaluate", passed=True)
    p = await refused(d, lc, lighter, "damage_compensation_required")
    assert "修复效果评估通过" in p["detail"] and "约定赔偿金180,000.00元，已缴纳60,000.00元" in p["detail"], p
    await step(stack, d.off, lc, "pay", paid_amount=120000.0)
    case = await decided(d, lc, lighter)
    assert case["damage"]["paid_total"] == 180000.0 and case["damage"]["status"] == "evaluated"

async def test_review_and_discussion_bind_the_decision_taken_by_a_leader_who_is_no_handler(stack):
    d = await driver(stack)
    cid = await opened(d, IN_LIST_FACTS, violations=WAT, proposed_type="no_penalty")
    await d.discuss(cid, decision_type="penalty")
    await refused(d, cid, exempt("NP-EX-002"), "discussion_binds_decision")
    await d.discuss(cid, decision_type=None)  # conclusion "同意": no decision type
    p = await refused(d, cid, exempt("NP-EX-002"), "discussion_binds_decision")
    assert "no decision type" in p["detail"]
    await d.post(cid, "collective-discussion", d.lead, {
        "participants": ["leader-1", "leader-2", "leader-3"], "conclusion": "不予行政处罚",
        "votes": {"for": 2, "against": 1, "abstain": 0}, "minutes": "集体讨论记录：多数同意不予行政处罚。"})
    await decided(d, cid, exempt("NP-EX-002"))

    rc = await opened(d, proposed_type="penalty", proposed_fine=150000.0)
    await notified(d, rc, 150000.0)
    p = await refused(d, rc, fine("penalty", 120000.0), "review_binds_decision")
    assert "150000" in p["detail"]
    await d.review(rc, "penalty", 120000.0)  # back through review
    handler_leader = stack.auth("officer-a", "officer", "leader", bureau=d.bureau, cert_no="JS32050001")
    await refused(d, rc, fine("penalty", 120000.0), "decider_not_handler", headers=handler_leader)
    not_leader = stack.auth("officer-c", "officer", bureau=d.bureau, cert_no="JS32050003")
    await refused(d, rc, fine("penalty", 120000.0), "decider_is_leader", headers=not_leader)
    case = await decided(d, rc, fine("penalty", 120000.0))
    assert case["decision"]["decided_by"] == "leader-1"


async def test_the_notice_binds_the_fine_until_a_new_notice_and_its_rights_periods(stack):
    d = await driver(stack)  # Monday 2026-06-01
    cid = await opened(d)
    await d.discuss(cid, "penalty")  # the 900,000 decided in the end is the leaders' collective decision
    await notified(d, cid, 100000.0)  # rights waived: the party said nothing
    p = await refused(d, cid, fine("penalty", 900000.0, WHY), "notice_binds_decision")
    assert "100000" in p["detail"]
    case = await notified(d, cid, 900000.0, waive=False)
    assert "rights_waived" not in case["steps"] and case["records"]["earlier_notices"][0]["intended_fine"] == 100000.0
    await refused(d, cid, fine("penalty", 900000.0, WHY), "rights_period_running")
    assert all(case["due"][k]["date"] < "2026-06-12" for k in ("statement", "hearing_request")), case["due"]
    d.at(2026, 6, 12)
    await decided(d, cid, fine("penalty", 900000.0, WHY))


async def test_a_first_offence_claim_is_checked_against_the_enterprise_record(stack):
    d = await driver(stack)
    uscc = await d.enterprise()
    earlier = await d.penalty_decided(uscc)  # GI-WAT-001, penalty
    cid = await opened(d, IN_LIST_FACTS, violations=WAT, uscc=uscc, proposed_type="no_penalty")
    await d.discuss(cid)
    p = await refused(d, cid, exempt("NP-EX-002"), "first_offence_against_record")
    assert earlier["number"] in p["detail"]
    other = await opened(d, {"first_offence": True}, uscc=uscc)  # GI-AIR-001: another violation
    await notified(d, other, 150000.0)
    await decided(d, other, fine("penalty", 150000.0))
    # An earlier decision outside the window (a local setting, default 730 days) does not count either.
    d.at(2023, 3, 1)
    old = await d.enterprise()
    await d.penalty_decided(old)
    d.at(2026, 6, 1)
    cid = await opened(d, IN_LIST_FACTS, violations=WAT, uscc=old, proposed_type="no_penalty")
    await d.discuss(cid)
    await decided(d, cid, exempt("NP-EX-002"))


async def test_rights_periods_ending_in_an_unloaded_year_are_not_over(stack):
    d = await driver(stack, 2026, 12, 21)
    a, b = await opened(d), await opened(d)
    d.at(2026, 12, 28)
    for cid in (a, b):
        case = await notified(d, cid, 150000.0, waive=False)
    assert case["due"]["statement"]["date"] == "2027-01-04" and case["due"]["statement"]["provisional"] is True
    d.at(2027, 1, 6)  # after the nominal end; 2027's holiday schedule is not loaded
    for cid in (a, b):
        p = await refused(d, cid, fine("penalty", 150000.0), "rights_deadline_provisional")
        assert "2027" in p["detail"] and f"{CASES}/calendar" in p["remedy"]
    await d.waive(a)
    await decided(d, a, fine("penalty", 150000.0))
    r = await d.c.post(f"{CASES}/calendar", headers=d.admin, json=Y2027)
    assert r.status_code == 201, r.text
    due = (await d.get(b))["due"]["statement"]
    assert (due["date"], due["provisional"]) == ("2027-01-05", False)  # recomputed on the loaded year
    await decided(d, b, fine("penalty", 150000.0))


async def test_a_returned_legal_review_voids_the_notice_and_the_discussion(stack):
    """第四十四条: the notice states the facts the decision rests on. A review that returns the case to
    investigation (whose facts may change) voids the earlier notice, waiver and discussion."""
    d = await driver(stack)
    cid = await opened(d)
    await d.discuss(cid, decision_type="penalty")
    await notified(d, cid, 150_000)
    await d.post(cid, "legal-review", d.rev, {"opinion": "return", "notes": "事实不清，补充调查"})
    await d.complete_investigation(cid, {"ecological_damage": True})
    await d.review(cid)
    await refused(d, cid, fine("penalty", 150_000), "notice_before_penalty")
    case = await d.get(cid)
    assert case["records"]["earlier_notices"][0]["intended_fine"] == 150_000 and "rights_waived" not in case["steps"]
    assert "collective_discussion" not in case["steps"]
    await notified(d, cid, 150_000)
    await decided(d, cid, fine("penalty", 150_000))


async def test_the_law_says_no_penalty_or_a_lighter_one_and_every_violation_counts(stack):
    """第三十三条 不予 grounds forbid a penalty; a later discussion that does not approve voids the earlier
    conclusion; handlers do not sit in the discussion; several violations: the fine reaches the largest
    minimum and at most the sum of the maxima; kinds the notice never announced are refused."""
    d = await driver(stack)
    minor = await opened(d, {"violation_minor": True, "corrected_in_time": True, "no_harm": True})
    await notified(d, minor, 150000.0)
    p = await refused(d, minor, fine("penalty", 150000.0), "article_33_requires_exemption")
    assert "第三十三条第一款第一句" in p["detail"]
    no_fault = await opened(d, {"no_fault_proven": True, "other_law_provides_otherwise": False})
    await notified(d, no_fault, 150000.0)
    await refused(d, no_fault, fine("penalty", 150000.0), "article_33_requires_exemption")

    cid = await opened(d, IN_LIST_FACTS, violations=WAT, proposed_type="no_penalty")
    r = await d.c.post(f"{CASES}/cases/{cid}/collective-discussion", headers=d.lead, json={
        "participants": ["leader-1", "leader-2", "officer-a"], "conclusion": "不予行政处罚",
        "votes": {"for": 3, "against": 0, "abstain": 0}, "minutes": "执法人员参加"})
    assert r.status_code == 409 and r.json()["rule_code"] == "discussion_participants_not_handlers", r.text
    await d.discuss(cid)  # approves no_penalty
    await d.discuss(cid, votes_for=0)  # a later discussion rejects it
    await refused(d, cid, exempt("NP-EX-002"), "collective_discussion_for_exemption")

    # GI-PMT-004 (5,000–20,000 per occurrence) and GI-AIR-001 (100,000–1,000,000) on one case.
    two = await opened(d, violations=[{"code": "GI-PMT-004"}, *AIR])
    await d.discuss(two, "penalty")
    await notified(d, two, 1_020_000.0)
    await refused(d, two, fine("penalty", 20000.0, WHY), "fine_within_statutory_range")  # below GI-AIR-001's minimum
    await refused(d, two, fine("penalty", 1_100_000.0, WHY), "fine_within_statutory_range")  # above the sum
    await refused(d, two, {**fine("penalty", 150000.0), "penalty_kinds": ["fine", "confiscation"]},
                  "notice_binds_decision")
    case = await decided(d, two, fine("penalty", 1_020_000.0, WHY))
    disc = case["decision"]["discretion"]
    assert (disc["statutory_min"], disc["statutory_max"]) == (100000.0, 1_020_000.0)


NO_FAULT_ITEM = {  # a list item on 《行政处罚法》第三十三条第二款 (没有主观过错), not 第一款
    "code": "NP-GATE-NOFAULT",
    "violation": "测试条目：因供电部门突然停电致污水处理设施停运、出水超标，当事人有证据证明无主观过错",
    "applies_to": ["GI-WAT-001"],
    "legal_basis": [{"law": "中华人民共和国行政处罚法", "article": "第三十三条", "clause": "第二款"}],
    "conditions": [{"key": "no_fault_proven", "text": "当事人有证据足以证明没有主观过错"}],
    "modality": "must",
    "source": "测试数据（非真实清单）",
}


async def test_a_second_paragraph_list_item_exempts_on_its_own_ground(stack):
    """第三十三条第二款: a list item citing it needs no 第一款 ground (轻微、危害后果) — only 没有主观过错 and no other
    law providing otherwise; the refusal names 第二款."""
    r = await stack.client.post("/checklist/v1/imports/no-penalty-items", params={"format": "yaml"},
                                headers=stack.auth("admin-1", "admin"),
                                content=yaml.safe_dump({"list": {"list_version": "测试清单"}, "items": [NO_FAULT_ITEM]},
                                                       allow_unicode=True).encode())
    assert r.status_code == 200 and r.json()["errors"] == [], r.text
    d = await driver(stack)
    cid = await opened(d, {"no_fault_proven": True}, violations=WAT, proposed_type="no_penalty")
    await d.discuss(cid)
    # “法律、行政法规另有规定的，从其规定” not established false: no ground of 第二款
    p = await refused(d, cid, exempt(NO_FAULT_ITEM["code"]), "article_33_facts_required")
    why = p["detail"].split(" — ")[0]  # the detail, then the rule's citation
    assert "第三十三条第二款" in why and "第一款" not in why, p["detail"]
    assert "第三十三条第一款、第二款" in p["article"], p
    await reinvestigated(d, cid, {"other_law_provides_otherwise": False})
    case = await decided(d, cid, exempt(NO_FAULT_ITEM["code"]))  # no violation_minor, harm_minor or no_harm needed
    assert case["decision"]["basis"]["article_33_ground"] == "APL33.no_subjective_fault"


async def test_a_first_offence_with_no_harm_is_exempted_by_a_first_paragraph_item(stack):
    """首违可不罚 (第三十三条第一款第二句): a recorded 没有造成危害后果 establishes 危害后果轻微 for the gate as for the
    evaluation (shared.facts.IMPLIED_BY); without it, or harm_minor, the ground is not established."""
    d = await driver(stack)
    facts = {k: v for k, v in IN_LIST_FACTS.items() if k != "harm_minor"}
    cid = await opened(d, {**facts, "no_harm": False}, violations=WAT, proposed_type="no_penalty")
    await d.discuss(cid)
    await refused(d, cid, exempt("NP-EX-002"), "article_33_facts_required")
    await reinvestigated(d, cid, {"no_harm": True})
    case = await decided(d, cid, exempt("NP-EX-002"))
    assert case["decision"]["basis"]["article_33_ground"] == "APL33.first_offence_minor_harm"

"""The procedure as the statute writes it (issue 23 item 5, part B), through the HTTP API on both setups:
the leaders' collective discussion where 第五十七条第二款 requires it and only of registered 负责人,
suspension (中止) blocking every decision and ending, evidence that counts only from certified handlers
(第四十二条), a `must` list item forbidding a penalty and damage compensation before an exemption or a
light penalty (试点方案 三（六）（七）). Each refusal is a 409 naming its rule, with nothing written."""

from __future__ import annotations

import json

from services.cases.workflow import gate as g
from services.cases.workflow import machine as m
from services.testing.factories import BUREAU, CASES, IN_LIST_FACTS, OTHER_BUREAU, CaseDriver
from tests.cases.helpers import snapshot
from tests.cases.test_decision_gate import (
    AIR,
    EIA,
    WAT,
    WHY,
    compensated,
    decided,
    driver,
    exempt,
    fine,
    notified,
    opened,
    refused,
)

EIA_MUST = {**IN_LIST_FACTS, "stopped_construction_after_order": True, "restored_site": True, "base_amount_cny": 2_000_000}


async def refused_action(d: CaseDriver, cid: str, path: str, body: dict | None, rule_code: str,
                         headers: dict | None = None) -> dict:
    """Any action refused with ``rule_code`` (409) and nothing written (row counts and the case unchanged)."""
    before, case = await snapshot(d.s), await d.get(cid)
    r = await d.c.post(f"{CASES}/cases/{cid}/{path}", headers=headers or d.off, json=body)
    assert r.status_code == 409, r.text
    p = r.json()
    assert p["rule_code"] == rule_code and p["article"] and p["remedy"], p
    assert await snapshot(d.s) == before and await d.get(cid) == case
    return p


# -- 第五十七条第二款: which cases need the leaders' collective discussion ------------------------------------
async def test_collective_discussion_required_for_closure_kinds_and_large_fines(stack, monkeypatch):
    monkeypatch.setenv("ECOCOMPLY_CASES_DISCUSSION_FINE_THRESHOLDS", json.dumps({BUREAU: 500000}))
    d = await driver(stack)
    kinds = ["fine", "suspend_for_rectification"]  # 责令停产整治 + 罚款 (the scenario)
    body = {**fine("penalty", 150000.0, WHY), "penalty_kinds": kinds}
    # Decided by one leader without a discussion: refused.
    cid = await opened(d)
    await d.post(cid, "notice", d.off, {"intended_type": "penalty", "intended_fine": 150000.0, "penalty_kinds": kinds,
                                        "facts_and_reasons": "超标排放，责令停产整治并处罚款"})
    await d.waive(cid)
    p = await refused(d, cid, body, "collective_discussion_required")
    assert "suspend_for_rectification" in p["detail"] and "第五十七条第二款" in p["article"]
    # A fine at the bureau's threshold (a labelled local setting) needs the discussion too.
    big = await opened(d)
    await notified(d, big, 600000.0)
    p = await refused(d, big, fine("penalty", 600000.0, WHY), "collective_discussion_required")
    assert "500000" in p["detail"] and "本地设置" in p["detail"]
    # Discussed by the leaders before the notice: decided.
    ok = await opened(d)
    await d.discuss(ok, "penalty", 150000.0)
    await d.post(ok, "notice", d.off, {"intended_type": "penalty", "intended_fine": 150000.0, "penalty_kinds": kinds,
                                       "facts_and_reasons": "超标排放，责令停产整治并处罚款"})
    await d.waive(ok)
    case = await decided(d, ok, body)
    assert case["decision"]["penalty_kinds"] == kinds
    # A fine below the threshold, no closure kind: no discussion needed.
    small = await opened(d)
    await notified(d, small, 150000.0)
    await decided(d, small, fine("penalty", 150000.0, WHY))


async def test_discussion_participants_are_registered_leaders_of_the_bureau(stack):
    d = await driver(stack)
    cid = await opened(d, IN_LIST_FACTS, violations=WAT, proposed_type="no_penalty")
    # Three certified enforcement officers who did not handle the case — no 负责人 among them.
    for i, sub in enumerate(("officer-c", "officer-d", "officer-e")):
        r = await d.c.post(f"{CASES}/officers", headers=d.admin,
                           json={"sub": sub, "name": sub, "bureau": BUREAU, "cert_no": f"JS3205{10 + i:04d}"})
        assert r.status_code == 201, r.text
    discussion = {"participants": ["officer-c", "officer-d", "officer-e"], "conclusion": "同意",
                  "decision_type": "no_penalty", "votes": {"for": 3, "against": 0, "abstain": 0}, "minutes": "一致同意"}
    p = await refused_action(d, cid, "collective-discussion", discussion, "discussion_participants_leaders", d.lead)
    assert "officer-c" in p["detail"] and p["verified"] is False
    # Leaders of another bureau are not leaders of this case's bureau.
    r = await d.c.post(f"{CASES}/officers", headers=d.admin, json={
        "sub": "leader-x", "name": "常熟局长", "bureau": OTHER_BUREAU, "cert_no": "JS32058101", "position": "局长",
        "leader": True})
    assert r.status_code == 201 and r.json()["leader"] is True and r.json()["position"] == "局长", r.text
    await d.register_leaders()
    other = {**discussion, "participants": ["leader-1", "leader-2", "leader-x"]}
    p = await refused_action(d, cid, "collective-discussion", other, "discussion_participants_leaders", d.lead)
    assert "leader-x" in p["detail"]
    # A leader's token puts its holder on the register as a leader (like an officer's 执法证号).
    seven = d.s.auth("leader-7", "leader", bureau=BUREAU)
    await d.post(cid, "case-review", seven, {"analysis": "情节轻微", "conclusion": "建议不予处罚"})
    officers = (await d.c.get(f"{CASES}/officers", headers=d.admin, params={"bureau": BUREAU})).json()
    assert {o["sub"]: o["leader"] for o in officers}["leader-7"] is True
    # Three registered leaders of the bureau: approved, and the exemption decided.
    case = await d.post(cid, "collective-discussion", d.lead, {**discussion,
                                                                "participants": ["leader-2", "leader-3", "leader-7"]})
    assert case["state"] == "discussed"
    await decided(d, cid, exempt("NP-EX-002"))


# -- 中止 (《生态环境行政处罚办法》第三十五条; 第六十条) ------------------------------------------------------------
async def test_suspension_blocks_every_decision_and_ending_and_excludes_only_the_days_suspended(stack):
    d = await driver(stack)  # 2026-06-01
    cid = await opened(d, IN_LIST_FACTS, violations=WAT, proposed_type="no_penalty")
    await d.discuss(cid)
    filed = await d.get(cid)
    assert filed["due"]["handling"]["date"] == "2026-08-30"  # 90 days from filing
    ended = (await d.file(await d.enterprise()))["id"]
    d.at(2026, 6, 2)
    suspension = {"kind": "suspension", "reason": "等待检测结果", "approved_by": "局长"}
    await d.post(cid, "suspensions", d.lead, suspension)
    await d.post(ended, "suspensions", d.lead, suspension)
    d.at(2026, 6, 5)
    p = await refused(d, cid, exempt("NP-EX-002"), "suspension_blocks_decision")
    assert "第三十五条" in p["article"] and p["verified"] is False
    # Asked by a leader who may end the case: the suspension is what blocks it.
    await refused_action(d, ended, "withdraw", {"reason": "违法事实不能成立"}, "suspension_blocks_decision", d.lead)
    await refused_action(d, ended, "transfer", {"to": "公安机关", "reason": "涉嫌犯罪"}, "suspension_blocks_decision",
                         d.lead)
    d.at(2026, 6, 12)
    resumed = await d.post(cid, "suspensions/end", d.off)
    assert resumed["due"]["handling"]["date"] == "2026-09-09"  # 10 days suspended (06-02 → 06-12)
    d.at(2026, 7, 1)
    case = await decided(d, cid, exempt("NP-EX-002"))
    assert case["due"]["handling"]["date"] == "2026-09-09" and case["due"]["handling"]["done"] is True
    d.at(2026, 7, 5)
    await d.post(ended, "suspensions/end", d.off)
    out = await d.post(ended, "withdraw", d.lead, {"reason": "违法事实不能成立"})
    assert out["state"] == "withdrawn"


def test_an_open_suspension_stops_counting_at_the_decision():
    from datetime import date

    from services.cases import deadlines as dl
    from services.cases.workdays import Calendar

    t = dl.CaseTimes(filed_on=date(2026, 1, 1), suspensions=(dl.Suspension("testing", date(2026, 1, 11)),),
                     decided_on=date(2026, 1, 21))
    due = dl.compute(t, Calendar(), today=date(2026, 12, 1))
    assert due["handling"].date == date(2026, 4, 11)  # 90 + 10, not + the days since


# -- 第四十二条: evidence counts only from certified handlers ----------------------------------------------
async def test_evidence_counts_only_when_collected_by_a_certified_handler(stack):
    d = await driver(stack)
    r = await d.c.post(f"{CASES}/officers", headers=d.admin,
                       json={"sub": "officer-c", "name": "王执法", "bureau": BUREAU, "cert_no": "JS32050099"})
    assert r.status_code == 201, r.text
    cid = (await d.file(await d.enterprise(), violations=WAT))["id"]
    # Recorded, not counted: a monitoring-station worker (no certificate) and a certified officer who is
    # not a handler of this case.
    for who in ("监测站工作人员", "officer-c"):
        case = await d.post(cid, "evidence", d.off, {"kind": "监测报告", "description": "出水COD超标", "collected_by": who})
        assert "evidence" not in case["steps"] and case["timeline"][-1]["detail"]["counted"] is False
    assert case["records"]["uncounted_evidence"] == ["监测站工作人员", "officer-c"]
    await d.complete_investigation(cid, IN_LIST_FACTS)
    p = await refused_action(d, cid, "legal-review", {"opinion": "approve", "notes": "", "proposed_type": "no_penalty"},
                             "evidence_by_certified_handlers", d.rev)
    assert "officer-c" in p["detail"] and "第四十二条" in p["article"]
    # The decision too (pure gate: a case that reached review on uncounted evidence only).
    view = m.CaseView(state="discussed", handlers=("officer-a", "officer-b"),
                      steps=("filing", "investigation", "legal_review", "collective_discussion"),
                      uncounted_evidence=("officer-c",), review=m.Proposal("no_penalty"),
                      discussion=m.Proposal("no_penalty"))
    try:
        g.check_decision(view, g.Decision("no_penalty", "leader-1", True), g.Record())
        raise AssertionError("decided on uncounted evidence")
    except m.Refusal as e:
        assert e.rule.code == "evidence_by_certified_handlers"
    # A handler's evidence counts: reviewed, discussed, decided.
    case = await d.post(cid, "evidence", d.off, {"kind": "现场检查笔录", "description": "出水口采样",
                                                 "collected_by": "officer-b"})
    assert "evidence" in case["steps"] and case["timeline"][-1]["detail"]["counted"] is True
    await d.review(cid, "no_penalty")
    await d.discuss(cid)
    await decided(d, cid, exempt("NP-EX-002"))


# -- 试点方案 三（六）: a `must` list item met in full forbids a penalty ---------------------------------------
async def test_a_must_list_item_met_forbids_a_penalty_a_may_item_does_not(stack):
    d = await driver(stack)
    ev = await d.c.post("/checklist/v1/no-penalty-items/evaluate-all", headers=d.off,
                        json={"facts": {k: v for k, v in EIA_MUST.items() if isinstance(v, bool)},
                              "violation_codes": ["GI-EIA-001"]})
    assert ev.status_code == 200 and ev.json()["must"] == ["NP-EX-001"], ev.text
    assert [i["code"] for i in ev.json()["items"]] == ["NP-EX-001"]  # NP-EX-002 applies to GI-WAT-001 only
    cid = await opened(d, EIA_MUST, violations=EIA)
    await notified(d, cid, 50000.0)
    p = await refused(d, cid, fine("penalty", 50000.0, WHY), "must_list_item_forbids_penalty")
    assert "NP-EX-001" in p["detail"] and "三（六）" in p["article"]
    # The must item not met in full (the site not restored): the penalty stands.
    unmet = await opened(d, {**EIA_MUST, "restored_site": False}, violations=EIA)
    await notified(d, unmet, 50000.0)
    await decided(d, unmet, fine("penalty", 50000.0, WHY))
    # A discretionary item (NP-EX-002, “可以不予”) met in full still allows a penalty.
    may = await opened(d, IN_LIST_FACTS, violations=WAT)
    await notified(d, may, 150000.0)
    await decided(d, may, fine("penalty", 150000.0, WHY))


# -- 试点方案 三（七）: damage compensation before an exemption or a light penalty ----------------------------
async def test_damage_on_the_facts_needs_the_compensation_done_for_an_exemption_or_a_light_penalty(stack):
    d = await driver(stack)
    damaged = {**IN_LIST_FACTS, "ecological_damage": True}  # harm_minor: 初次违法且危害后果轻微并及时改正
    cid = await opened(d, damaged, violations=WAT, proposed_type="no_penalty")
    await d.discuss(cid)
    p = await refused(d, cid, exempt("NP-EX-002"), "damage_compensation_required")
    assert "三（七）" in p["article"] and "damage_compensation" in p["remedy"]
    await compensated(d, cid)
    case = await decided(d, cid, exempt("NP-EX-002"))
    assert case["rectification"]["assessment"]["passed"] is True
    # A lighter penalty (第三十二条 ground) on damage: the same.
    light = {"harm_eliminated_or_reduced_voluntarily": True, "ecological_damage": True}
    lc = await opened(d, light, violations=AIR, proposed_type="lighter", proposed_fine=110000.0)
    await d.discuss(lc, "lighter", 110000.0)
    await notified(d, lc, 110000.0, "lighter")
    await refused(d, lc, fine("lighter", 110000.0, WHY), "damage_compensation_required")


def test_pure_gate_rules():
    from dataclasses import replace

    base = m.CaseView(state="notified", handlers=("officer-a", "officer-b"),
                      steps=("filing", "evidence", "investigation", "legal_review", "notice", "rights_waived"),
                      review=m.Proposal("penalty"), notice=m.NoticeTerms("penalty", 150000.0, ("fine", "close_down")))
    d = g.Decision("penalty", "leader-1", True, 150000.0, WHY, ("fine", "close_down"))
    in_range = g.Record(fine_range=g.FineRange(100000.0, 1000000.0, 100000.0, 1000000.0))

    def rule_of(v, dec, rec=in_range):
        try:
            g.check_decision(v, dec, rec)
        except m.Refusal as e:
            return e.rule.code
        return None

    assert rule_of(base, d) == "collective_discussion_required"
    assert rule_of(base, g.Decision("penalty", "leader-1", True, 150000.0, WHY, ("fine",)),
                   replace(in_range, discussion_fine_threshold=100000.0)) == "collective_discussion_required"
    assert rule_of(base, d, replace(in_range, must_items=("NP-EX-001",))) == "must_list_item_forbids_penalty"
    assert rule_of(replace(base, suspended=True), d) == "suspension_blocks_decision"
    for action in ("withdraw", "transfer"):
        v = replace(base, state="investigated", suspended=True)
        try:
            m.check(v, action, actor="officer-a")
            raise AssertionError(action)
        except m.Refusal as e:
            assert e.rule.code == "suspension_blocks_decision"
    v = m.CaseView(state="reviewed", handlers=("officer-a", "officer-b"))
    try:
        m.check_discussion(v, participants=["leader-1", "officer-c", "leader-3"], leaders=["leader-1", "leader-3"])
        raise AssertionError("officer-c sat in the discussion")
    except m.Refusal as e:
        assert e.rule.code == "discussion_participants_leaders"
    m.check_discussion(v, participants=["leader-1", "leader-2", "leader-3"], leaders=["leader-1", "leader-2", "leader-3"])

"""Independent legal review of issue 23's decision gate (branch i23-review): one test per finding, written as
the LAWFUL expectation. Each was first committed as ``xfail(strict=True)`` — failing on the merged code,
proving the finding — and the mark was removed by the commit that fixed it; the positive case stands beside
each. Pure tests call the rules directly; API tests drive the cases service over HTTP on both setups.

Severity in each comment: [A] unlawful outcome accepted; [B] lawful decision refused; [C] documentation."""

from __future__ import annotations

import yaml

from services.cases.workflow.rules import RULES
from services.testing.factories import CASES, CORRECTION_ORDER, CaseDriver
from tests.cases.test_decision_gate import notified
from tests.cases.test_endings import _flag

API = "/checklist/v1"


# -- [C] verified: true on text that is our reading ---------------------------------------------------------
def test_no_verified_rule_carries_our_reading_in_its_text():
    glossed = sorted(code for code, r in RULES.items()
                     if r.verified and ("本系统解读" in r.text or "为本地设置" in r.text))
    assert glossed == [], f"verified rules whose text contains our reading: {glossed}"


# Fixed (i23-inforce): [C] rules.py list_item_in_force says the item applies '至其失效之日止' (and issue 23
# item 3: a list item expired exempts nothing); NoPenaltyItem had only effective_from and an expired list
# item still exempted. It now has effective_to (its last day in force, inclusive).
def test_a_no_penalty_list_item_can_expire():
    from services.checklist.models import NoPenaltyItem

    assert hasattr(NoPenaltyItem, "effective_to")


# -- [A] a change after the decision bypasses every rule of the decision (fixed: change_never_heavier) ------
# Fixed (i23-change): gate.check_change refuses a change that raises the fine, adds a penalty kind or turns an
# exemption into a penalty (change_never_heavier); a heavier penalty needs revocation and a decision of its own.
CHANGE_DOC = {"body": "苏州市吴江生态环境局", "reference": "变更决定书", "issued_on": "2026-03-02"}


async def _timeline(d: CaseDriver, cid: str) -> tuple[int, object, object]:
    case = await d.get(cid)
    return len(case["timeline"]), case["execution"], case["decision_changes"]


async def _import(stack, items: list[dict], list_meta: dict | None = None):
    admin = stack.auth("admin-1", "admin")
    return await stack.client.post(
        f"{API}/imports/no-penalty-items", params={"format": "yaml"}, headers=admin,
        content=yaml.safe_dump({"list": {"list_version": "评审清单", **(list_meta or {})}, "items": items},
                               allow_unicode=True).encode())


async def _exemption_case(d: CaseDriver, facts: dict) -> str:
    cid = (await d.file(await d.enterprise(), occurred_on="2026-03-01"))["id"]
    await d.investigate(cid, facts)
    await d.review(cid, proposed_type="no_penalty")
    await d.discuss(cid)
    return cid


async def test_an_expired_list_item_exempts_nothing_one_on_its_last_day_still_does(stack):
    """list_item_in_force (第三十七条; issue 23 item 3): an item whose effective_to (its last day in force) is
    before the act and the decision is refused, nothing written; one whose last day is the decision date
    exempts; one in force when the act was done (2026-03-01) but expired by the decision exempts too — the
    old rule is the lighter one (从旧兼从轻), and the decision says so."""
    from tests.cases.test_decision_gate import refused
    from tests.cases.test_law_in_time import FACTS, LIST_ITEM

    d = CaseDriver(stack)
    d.at(2026, 6, 1)
    items = [{**LIST_ITEM, "code": "NP-REVIEW-GONE", "effective_from": "2025-01-01", "effective_to": "2026-02-28"},
             {**LIST_ITEM, "code": "NP-REVIEW-LAST", "effective_from": "2025-01-01", "effective_to": "2026-06-01"},
             {**LIST_ITEM, "code": "NP-REVIEW-OLD", "effective_from": "2025-01-01", "effective_to": "2026-05-31"}]
    r = await _import(stack, items)
    assert r.status_code == 200, r.text
    item = (await stack.client.get(f"{API}/no-penalty-items/NP-REVIEW-GONE", headers=d.off)).json()
    assert item["effective_to"] == "2026-02-28", item
    ev = (await stack.client.post(f"{API}/no-penalty-items/NP-REVIEW-GONE/evaluate", headers=d.off,
                                  json={"facts": FACTS, "on": "2026-06-01"})).json()
    assert ev["in_force"] is False and ev["eligible"] is False and ev["effective_to"] == "2026-02-28", ev
    assert "已失效" in ev["note"], ev["note"]
    cid = await _exemption_case(d, FACTS)
    p = await refused(d, cid, {"type": "no_penalty", "basis": {"no_penalty_item": "NP-REVIEW-GONE"}},
                      "list_item_in_force")
    assert "2026-02-28" in p["detail"], p
    cid = await _exemption_case(d, FACTS)
    case = await d.decide(cid, {"type": "no_penalty", "basis": {"no_penalty_item": "NP-REVIEW-LAST"}})
    assert case["decision"]["law_applied"]["item_effective_to"] == "2026-06-01", case["decision"]["law_applied"]
    cid = await _exemption_case(d, FACTS)
    case = await d.decide(cid, {"type": "no_penalty", "basis": {"no_penalty_item": "NP-REVIEW-OLD"}})
    law = case["decision"]["law_applied"]
    assert law["applied"] == "act" and "旧的规定较轻" in law["reason"], law


async def test_an_expired_must_item_does_not_forbid_a_penalty(stack):
    """must_list_item_forbids_penalty counts only items in force on the decision date: expired, it forbids nothing."""
    d = CaseDriver(stack)
    d.at(2026, 6, 1)
    item = {**MUST_ITEM, "code": "NP-REVIEW-MUST-GONE", "effective_from": "2025-01-01", "effective_to": "2026-05-31"}
    assert (await _import(stack, [item])).status_code == 200
    ev = (await stack.client.post(f"{API}/no-penalty-items/evaluate-all", headers=d.off, json={
        "facts": {"review_only_condition": True, "first_offence": True, "harm_minor": True, "corrected_in_time": True},
        "violation_codes": ["GI-WAT-001"], "on": "2026-06-01"})).json()
    assert "NP-REVIEW-MUST-GONE" not in ev["must"], ev
    assert {i["code"]: i["in_force"] for i in ev["items"]}["NP-REVIEW-MUST-GONE"] is False, ev


async def test_a_must_item_in_force_when_the_act_was_done_still_forbids_a_penalty(stack):
    """第三十七条 从旧兼从轻: a must item in force on the act date (2026-03-01) and expired by the decision
    (2026-06-01) is the lighter, old rule — the penalty is refused; one expired before the act binds nobody and
    the penalty is decided."""
    from tests.cases.test_decision_gate import refused

    d = CaseDriver(stack)
    d.at(2026, 6, 1)
    items = [{**MUST_ITEM, "code": "NP-REVIEW-MUST-OLD", "effective_from": "2025-01-01", "effective_to": "2026-05-31"},
             {**MUST_ITEM, "code": "NP-REVIEW-MUST-PAST", "effective_from": "2025-01-01", "effective_to": "2026-02-28",
              "conditions": [{"key": "review_past_condition", "text": "评审用条件（已失效）"}]}]
    assert (await _import(stack, items)).status_code == 200
    penalty = {"type": "penalty", "fine_amount": 150000.0,
               "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}}
    base = {"first_offence": True, "harm_minor": True, "corrected_in_time": True}
    for condition, expect in (("review_only_condition", "refused"), ("review_past_condition", "decided")):
        cid = (await d.file(await d.enterprise(), occurred_on="2026-03-01"))["id"]
        await d.evidence(cid)
        await d.complete_investigation(cid, {**base, condition: True})
        await d.review(cid)
        await notified(d, cid, 150000.0)
        if expect == "refused":
            p = await refused(d, cid, penalty, "must_list_item_forbids_penalty")
            assert "NP-REVIEW-MUST-OLD" in p["detail"], p
        else:
            assert (await d.decide(cid, penalty))["state"] == "decided"


async def test_a_list_item_ending_before_it_starts_is_refused_and_the_public_list_shows_the_end(stack):
    """The import names the bad field (422, nothing loaded); the public list shows effective_to."""
    from tests.cases.test_law_in_time import LIST_ITEM

    r = await _import(stack, [{**LIST_ITEM, "code": "NP-REVIEW-BAD", "effective_from": "2026-07-01",
                               "effective_to": "2026-06-30"}])
    assert r.status_code == 422 and "effective_to" in r.text, r.text
    # a list-level validity is every row's default (e.g. 长三角清单: 2023-07-01 起五年 → 2028-06-30)
    r = await _import(stack, [{**LIST_ITEM, "code": "NP-REVIEW-YRD"}],
                      {"effective_from": "2023-07-01", "effective_to": "2028-06-30"})
    assert r.status_code == 200, r.text
    pub = await stack.client.get(f"{API}/public/no-penalty-items")
    assert pub.status_code == 200, pub.text
    row = next(i for i in pub.json()["items"] if i["code"] == "NP-REVIEW-YRD")
    assert (row["effective_from"], row["effective_to"]) == ("2023-07-01", "2028-06-30"), row


async def test_the_bureau_cannot_raise_its_fine_by_a_change(stack):
    """[A] 第四十四条、第四十五条: the bureau 'changes' 150,000 into 900,000 yuan with no new notice: 409
    change_never_heavier naming the amounts, nothing written; the lawful reduction is still recorded."""
    d = CaseDriver(stack)
    cid = (await d.penalty_decided(fine=150000.0))["id"]
    await d.post(cid, "legal-review", d.rev, {"opinion": "approve", "proposed_change": "changed"})
    body = {"source": "bureau", "outcome": "changed", "reason": "自行纠错", "fine_amount": 900000.0,
            "document": {**CHANGE_DOC, "number": "吴环变〔2026〕1号"}}
    before = await _timeline(d, cid)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision/change", headers=d.lead, json=body)
    assert r.status_code == 409, f"a heavier fine by 'change' was accepted: {r.status_code} {r.text[:300]}"
    p = r.json()
    assert p["rule_code"] == "change_never_heavier" and "第四十四条" in p["article"], p
    assert "900000" in p["detail"] and "150000" in p["detail"] and p["remedy"], p
    assert await _timeline(d, cid) == before  # nothing written
    # a fine above the one now due is heavier for 行政复议/行政诉讼 outcomes too
    for source in ("reconsideration", "litigation"):
        r = await d.c.post(f"{CASES}/cases/{cid}/decision/change", headers=d.lead, json={**body, "source": source})
        assert r.status_code == 409 and r.json()["rule_code"] == "change_never_heavier", r.text


async def test_a_lawful_reduction_by_the_bureau_is_still_recorded_and_flagged_once(stack):
    """Positive beside A1: the same change down to 100,000 (and then an equal 'change') is recorded; the fine due
    follows, the kinds stay; the reduction is flagged once, the equal change flags nothing more."""
    d = CaseDriver(stack)
    cid = (await d.penalty_decided(fine=150000.0))["id"]
    case = await d.change_decision(cid, "changed", "bureau", fine=100000.0)
    assert case["execution"]["fine_due"] == 100000.0 and case["execution"]["penalty_kinds"] == ["fine"]
    ch = case["decision_changes"][0]
    assert ch["reduces"] and ch["kinds_before"] == ["fine"] and ch["kinds_after"] == ["fine"]
    case = await d.change_decision(cid, "changed", "reconsideration", fine=100000.0)  # not heavier, not lighter
    assert not case["decision_changes"][1]["reduces"]
    await d.post(cid, "legal-review", d.rev, {"opinion": "approve", "proposed_change": "changed"})
    r = await d.change_decision(cid, "changed", "bureau", fine=100000.01, expect=409)
    assert r["rule_code"] == "change_never_heavier", r
    flag = await _flag(stack, cid, "decision_revoked_or_reduced")
    assert [r["code"] for r in flag["rules"]] == ["decision_revoked_or_reduced"]


async def test_an_exemption_cannot_be_changed_into_a_fine(stack):
    """[A] 第四十四条、第五十七条: an exemption (不予行政处罚) 'changed' into a 500,000-yuan fine: 409
    change_never_heavier, nothing written; its lawful revocation is still recorded."""
    d = CaseDriver(stack)
    cid = (await d.decided_case("no_penalty"))["id"]
    await d.post(cid, "legal-review", d.rev, {"opinion": "approve", "proposed_change": "changed"})
    body = {"source": "bureau", "outcome": "changed", "reason": "自行纠错", "fine_amount": 500000.0,
            "document": {**CHANGE_DOC, "number": "吴环变〔2026〕2号"}}
    before = await _timeline(d, cid)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision/change", headers=d.lead, json=body)
    assert r.status_code == 409, f"an exemption turned into a fine was accepted: {r.status_code} {r.text[:300]}"
    p = r.json()
    assert p["rule_code"] == "change_never_heavier" and "exemption" in p["detail"] and "500000" in p["detail"], p
    assert await _timeline(d, cid) == before  # nothing written
    r = await d.c.post(f"{CASES}/cases/{cid}/decision/change", headers=d.lead,
                       json={**body, "fine_amount": 0.0, "penalty_kinds": ["warning"]})
    assert r.status_code == 409 and r.json()["rule_code"] == "change_never_heavier", r.text  # a warning is a penalty


async def test_an_exemption_can_still_be_revoked(stack):
    """Positive beside A2: the bureau revokes the exemption (to decide anew through the gate): recorded, flagged once."""
    d = CaseDriver(stack)
    cid = (await d.decided_case("no_penalty"))["id"]
    case = await d.change_decision(cid, "revoked", "bureau")
    assert case["decision_status"] == "revoked" and case["decision_changes"][0]["reduces"]
    assert case["execution"]["penalty_kinds"] == []
    flag = await _flag(stack, cid, "decision_revoked_or_reduced")  # beside the exemption's own flag
    assert [r["code"] for r in flag["rules"]].count("decision_revoked_or_reduced") == 1


# -- [C6] a change that drops a penalty kind but keeps the fine is a reduction --------------------------------
async def _fine_and_warning(d: CaseDriver) -> str:
    """A penalty decided with two kinds: 警告 and a fine of 150,000 yuan (both in the notice)."""
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid)
    await d.post(cid, "notice", d.off, {"intended_type": "penalty", "intended_fine": 150000.0,
                                         "penalty_kinds": ["warning", "fine"], "facts_and_reasons": "超标排放"})
    await d.waive(cid)
    await d.decide(cid, {"type": "penalty", "fine_amount": 150000.0, "penalty_kinds": ["warning", "fine"],
                         "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}})
    return cid


async def test_a_change_that_drops_a_penalty_kind_is_a_reduction(stack):
    """C6: 行政复议 removes 警告 and keeps the fine: the change records the kinds now in force, execution reads them,
    reduces=True and the audit flags it (decision_revoked_or_reduced) once; the decision as decided is kept."""
    d = CaseDriver(stack)
    cid = await _fine_and_warning(d)
    body = {"source": "reconsideration", "outcome": "changed", "reason": "复议变更", "fine_amount": 150000.0,
            "penalty_kinds": ["fine"], "document": {**CHANGE_DOC, "body": "苏州市人民政府", "number": "苏府复决〔2026〕9号"}}
    case = await d.post(cid, "decision/change", d.lead, body)
    ch = case["decision_changes"][0]
    assert ch["reduces"] and ch["fine_before"] == ch["fine_after"] == 150000.0
    assert ch["kinds_before"] == ["warning", "fine"] and ch["kinds_after"] == ["fine"]
    assert case["execution"]["penalty_kinds"] == ["fine"] and case["execution"]["fine_due"] == 150000.0
    assert case["decision"]["penalty_kinds"] == ["warning", "fine"]
    flag = await _flag(stack, cid, "decision_revoked_or_reduced")
    assert [r["code"] for r in flag["rules"]] == ["decision_revoked_or_reduced"]
    assert "warning" in flag["rules"][0]["detail"]


async def test_a_change_cannot_add_a_penalty_kind(stack):
    """C6, negative: a change that adds 责令停产整治 (or brings back the dropped 警告) is heavier: 409
    change_never_heavier, nothing written; 'fine' without a fine is bad input (422)."""
    d = CaseDriver(stack)
    cid = await _fine_and_warning(d)
    body = {"source": "litigation", "outcome": "changed", "reason": "判决变更", "fine_amount": 100000.0,
            "penalty_kinds": ["warning", "fine", "suspend_for_rectification"],
            "document": {**CHANGE_DOC, "body": "苏州市吴江区人民法院", "number": "（2026）苏0509行初1号"}}
    before = await _timeline(d, cid)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision/change", headers=d.lead, json=body)
    assert r.status_code == 409 and r.json()["rule_code"] == "change_never_heavier", r.text
    assert "suspend_for_rectification" in r.json()["detail"]
    r = await d.c.post(f"{CASES}/cases/{cid}/decision/change", headers=d.lead,
                       json={**body, "fine_amount": 0.0, "penalty_kinds": ["warning", "fine"]})
    assert r.status_code == 422 and "penalty_kinds" in r.text, r.text
    assert await _timeline(d, cid) == before  # nothing written
    case = await d.post(cid, "decision/change", d.lead, {**body, "penalty_kinds": ["fine"]})  # lawful: lighter
    assert case["execution"]["penalty_kinds"] == ["fine"]
    await d.post(cid, "decision/change", d.lead, {**body, "penalty_kinds": ["warning", "fine"]}, expect=409)


# -- [A] a suspension or an extension is the leader's (fixed) ----------------------------------------------
SUSPENSION = {"kind": "suspension", "reason": "等待检测报告", "approved_by": "局长"}
EXTENSION = {"kind": "head_approval", "approved_by": "局长", "reason": "案情复杂"}


async def test_a_handler_alone_cannot_suspend_the_case(stack):
    """《处罚办法》第三十五条、第五十七条 (中止、延期须经负责人批准, read in interpretations): a handler's suspension or
    extension is refused and nothing is written; the handling period keeps running."""
    d = CaseDriver(stack)
    cid = (await d.file(await d.enterprise()))["id"]
    before = await d.get(cid)
    for path, body in (("suspensions", SUSPENSION), ("extensions", EXTENSION)):
        r = await d.c.post(f"{CASES}/cases/{cid}/{path}", headers=d.off, json=body)
        assert r.status_code == 409 and r.json()["rule_code"] == "time_limit_approved_by_leader", r.text[:300]
    assert await d.get(cid) == before


async def test_a_leader_who_does_not_handle_the_case_suspends_it(stack):
    d = CaseDriver(stack)
    cid = (await d.file(await d.enterprise()))["id"]
    case = await d.post(cid, "suspensions", d.lead, SUSPENSION)
    assert case["due"]["handling"]["suspended"] is True
    case = await d.post(cid, "suspensions/end", d.off)
    case = await d.post(cid, "extensions", d.lead, EXTENSION)
    assert case["records"]["extensions"][0]["by"] == "leader-1"


# -- [B] a revoked fine no longer counts as the act's fine (fixed) ------------------------------------------
# 第二十九条 forbids fining one act twice; a fine revoked (责令重作 by 行政复议) no longer stands, so the act is
# decided again. The refusal beside it (an unrevoked fine of the same act):
# tests/cases/test_act_time.py::test_one_act_is_fined_once.
async def test_an_act_whose_fine_was_revoked_can_be_fined_again(stack):
    d = CaseDriver(stack)
    first = await d.penalty_decided(fine=150000.0)
    await d.change_decision(first["id"], "redo", "reconsideration")
    act_date = first["violations"][0]["occurred_on"]
    cid = (await d.file(first["uscc"], occurred_on=act_date))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid)
    await notified(d, cid, 150000.0)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json={
        "type": "penalty", "fine_amount": 150000.0, "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"},
        "correction_order": CORRECTION_ORDER})
    assert r.status_code == 200, r.text[:400]


# -- [B] a 'must' list item not yet in force forbids a penalty ---------------------------------------------
MUST_ITEM = {
    "code": "NP-REVIEW-MUST-LATE",
    "violation": "评审用条目：污水处理设施出水轻微超标（应当不予）",
    "applies_to": ["GI-WAT-001"],
    "legal_basis": [{"law": "中华人民共和国水污染防治法", "article": "第八十三条"}],
    "conditions": [{"key": "review_only_condition", "text": "评审用条件"}],
    "modality": "must",
    "effective_from": "2026-07-01",
    "source": "测试数据（非真实清单）",
}


# Fixed (i23-inforce): [B] 第三十七条 / 试点方案 三（六）: a list item not yet in force binds nobody.
# decision._load_record asked evaluate_all() without the decision date, so a 'must' item effective only from
# 2026-07-01 forbade (must_list_item_forbids_penalty) a lawful penalty decided on 2026-06-01.
async def test_a_must_item_not_yet_in_force_does_not_forbid_a_penalty(stack):
    d = CaseDriver(stack)
    d.at(2026, 6, 1)
    admin = stack.auth("admin-1", "admin")
    r = await stack.client.post(f"{API}/imports/no-penalty-items", params={"format": "yaml"}, headers=admin,
                                content=yaml.safe_dump({"list": {"list_version": "评审清单"}, "items": [MUST_ITEM]},
                                                       allow_unicode=True).encode())
    assert r.status_code == 200, r.text
    facts = {"first_offence": True, "harm_minor": True, "corrected_in_time": True, "review_only_condition": True}
    cid = (await d.file(await d.enterprise(), occurred_on="2026-03-01"))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid, facts)
    await d.review(cid)
    await notified(d, cid, 150000.0)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json={
        "type": "penalty", "fine_amount": 150000.0, "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"},
        "correction_order": CORRECTION_ORDER})
    assert r.status_code == 200, r.text[:400]


# -- [A] 第四十五条: a defence made at the hearing is a defence (fixed) -----------------------------------------
async def _heard_with_defence(d: CaseDriver) -> str:
    """Notice of 150,000, hearing requested, scheduled and held with the party's 申辩 in its record."""
async def test_a_must_item_in_force_at_the_decision_date_still_forbids_a_penalty(stack):
    """The positive beside it: the same must item in force on the decision date forbids the penalty (409,
    must_list_item_forbids_penalty, nothing written)."""
    from tests.cases.test_decision_gate import refused

    d = CaseDriver(stack)
    d.at(2026, 6, 1)
    item = {**MUST_ITEM, "code": "NP-REVIEW-MUST-NOW", "effective_from": "2026-05-01"}
    r = await _import(stack, [item])
    assert r.status_code == 200, r.text
    facts = {"first_offence": True, "harm_minor": True, "corrected_in_time": True, "review_only_condition": True}
    cid = (await d.file(await d.enterprise(), occurred_on="2026-03-01"))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid, facts)
    await d.review(cid)
    await notified(d, cid, 150000.0)
    p = await refused(d, cid, {"type": "penalty", "fine_amount": 150000.0,
                               "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}},
                      "must_list_item_forbids_penalty")
    assert "NP-REVIEW-MUST-NOW" in p["detail"], p


# -- [A] 第四十五条: a defence made at the hearing is a defence (fixed) -----------------------------------------
async def _heard_with_defence(d: CaseDriver) -> str:
    """Notice of 150,000, hearing requested, scheduled and held with the party's 申辩 in its record."""
    from datetime import datetime

    from shared import clock

    d.at(2026, 6, 1)
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid, "penalty", 150000.0)
    await d.notify(cid, 150000.0)
    ent = d.s.auth("e1", "enterprise", uscc=(await d.get(cid))["uscc"])
    await d.post(cid, "hearing/request", ent)
    await d.schedule_hearing(cid, datetime(2026, 6, 12, 9, 30, tzinfo=clock.TZ))
    d.at(2026, 6, 12, 11)
    await d.hold_hearing(cid, party_statements="当事人申辩：超标系设备突发故障，已整改，请求从轻处罚")
    return cid


HEAVIER = {"intended_type": "penalty", "intended_fine": 500000.0, "penalty_kinds": ["fine"],
           "facts_and_reasons": "超标排放"}


async def test_a_heavier_renotice_after_a_defence_at_the_hearing_needs_new_facts(stack):
    """第四十五条 with 第六十四条第（七）项: the party's 申辩 at the hearing is a defence; a heavier re-notice on
    unchanged facts is refused, and nothing is written."""
    d = CaseDriver(stack)
    cid = await _heard_with_defence(d)
    before = await d.get(cid)
    r = await d.c.post(f"{CASES}/cases/{cid}/notice", headers=d.off, json=HEAVIER)
    assert r.status_code == 409, f"500,000 after the hearing defence: {r.status_code} {r.text[:300]}"
    assert r.json()["rule_code"] == "heavier_renotice_needs_new_facts", r.text
    assert await d.get(cid) == before


async def test_a_heavier_renotice_after_the_hearing_on_new_facts_stands(stack):
    """The lawful path beside it: re-investigated, new evidence and changed facts, the heavier notice stands
    and says what is new (第四十五条 forbids a heavier penalty *because of* the defence, not on new facts)."""
    d = CaseDriver(stack)
    cid = await _heard_with_defence(d)
    d.at(2026, 6, 15)
    await d.reinvestigate(cid)
    await d.evidence(cid, "补充监测报告", "复测：出水COD 120mg/L，超标一倍以上")
    await d.complete_investigation(cid, {"exceedance": 4})  # 排污超标状况：超标100-200% (a vocabulary key)
    await d.review(cid, "penalty", 500000.0)
    case = await d.post(cid, "notice", d.off, HEAVIER)
    assert case["state"] == "notified"
    new = case["records"]["notice"]["new_facts"]
    assert new and "exceedance" in str(new), new


# -- [A] 第五十七条第二款: the fine threshold of the collective discussion fails closed (fixed) ----------------
MAX_FINE = {"type": "penalty", "fine_amount": 1000000.0, "reason": "违法情节严重，书面说明罚款数额理由",
            "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}}


async def test_the_statutory_maximum_fine_needs_a_collective_discussion_by_default(stack):
    """With no threshold set, the default (200,000 yuan, 处罚办法第八十九条 as read in a commentary, labelled)
    applies: the statutory maximum of 《水污染防治法》第八十三条 decided by one leader is refused, naming the source."""
    d = CaseDriver(stack)
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid, "penalty", 1000000.0)
    await notified(d, cid, 1000000.0)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json=MAX_FINE)
    assert r.status_code == 409 and r.json()["rule_code"] == "collective_discussion_required", r.text[:300]
    assert "第八十九条" in r.json()["detail"] and "本地设置" in r.json()["detail"], r.json()["detail"]


async def test_the_statutory_maximum_fine_discussed_by_the_leaders_is_decided(stack):
    d = CaseDriver(stack)
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid, "penalty", 1000000.0)
    await d.discuss(cid, "penalty", 1000000.0)
    await notified(d, cid, 1000000.0)
    case = await d.decide(cid, MAX_FINE)
    assert case["state"] == "decided" and case["decision"]["fine_amount"] == 1000000.0


# -- [B] 第三十七条: a list item's next version announced ahead hides the version in force -----------------
# Fixed (i23-inforce): [B] 第三十七条 / 试点方案 三（六）: the item version in force on the decision date
# applies. evaluate_item(version=None) took the LATEST published version whatever its effective_from, so once
# a revision effective 2027-01-01 was imported the version in force since 2026-01-01 exempted nobody.
async def test_the_list_item_version_in_force_exempts_although_a_later_one_is_announced(stack):
    from tests.cases.test_law_in_time import FACTS, LIST_ITEM

    d = CaseDriver(stack)
    d.at(2026, 6, 1)
    admin = stack.auth("admin-1", "admin")
    for version, start in (("2026版", "2026-01-01"), ("2027版", "2027-01-01")):
        item = {**LIST_ITEM, "code": "NP-REVIEW-V", "effective_from": start}
        r = await stack.client.post(f"{API}/imports/no-penalty-items", params={"format": "yaml"}, headers=admin,
                                    content=yaml.safe_dump({"list": {"list_version": version}, "items": [item]},
                                                           allow_unicode=True).encode())
        assert r.status_code == 200, r.text
    cid = (await d.file(await d.enterprise(), occurred_on="2026-03-01"))["id"]
    await d.investigate(cid, FACTS)
    await d.review(cid, proposed_type="no_penalty")
    await d.discuss(cid)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead,
                       json={"type": "no_penalty", "basis": {"no_penalty_item": "NP-REVIEW-V"}})
    assert r.status_code == 200, r.text[:400]
    assert r.json()["decision"]["basis"]["no_penalty_item_version"] == 1, r.json()["decision"]["basis"]


async def test_no_version_in_force_exempts_nothing_and_the_later_one_applies_from_its_date(stack):
    """The positive beside it: version 1 ends 2026-02-28 and version 2 starts 2027-01-01 — neither at the act
    (2026-03-01) nor on 2026-06-01 is a version in force (list_item_in_force, nothing written); on 2027-02-01
    version 2 is the one evaluated."""
    from tests.cases.test_decision_gate import refused
    from tests.cases.test_law_in_time import FACTS, LIST_ITEM

    d = CaseDriver(stack)
    d.at(2026, 6, 1)
    for version, start, end in (("2026版", "2026-01-01", "2026-02-28"), ("2027版", "2027-01-01", None)):
        item = {**LIST_ITEM, "code": "NP-REVIEW-GAP", "effective_from": start, "effective_to": end}
        assert (await _import(stack, [item], {"list_version": version})).status_code == 200
    later = (await stack.client.post(f"{API}/no-penalty-items/NP-REVIEW-GAP/evaluate", headers=d.off,
                                     json={"facts": FACTS, "on": "2027-02-01"})).json()
    assert later["item_version"] == 2 and later["in_force"] is True and later["list_version"] == "2027版", later
    cid = await _exemption_case(d, FACTS)
    p = await refused(d, cid, {"type": "no_penalty", "basis": {"no_penalty_item": "NP-REVIEW-GAP"}},
                      "list_item_in_force")
    assert "2027-01-01" in p["detail"], p


# -- [C] a verified quotation that is not the article's words ----------------------------------------------
# 《行政处罚法》第五十九条第一款第（三）项 as LawRefBook/Laws 行政法/行政处罚法(2021-01-22).md writes it.
ART_59_3 = "（三）行政处罚的种类和依据；"


def test_fine_required_quotes_article_59_verbatim():
    quoted = RULES["fine_required"].text.split("……")[1]
    assert quoted in ART_59_3, quoted

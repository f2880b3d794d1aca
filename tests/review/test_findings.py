"""Independent legal review of issue 23's decision gate (branch i23-review): one test per finding, each
written as the LAWFUL expectation and marked ``xfail(strict=True)`` — it fails on the merged code today
(proving the finding) and will turn the suite red the day the finding is fixed, so the mark is removed
then. Pure tests call the rules directly; API tests drive the cases service over HTTP on both setups.

Severity in each reason: [A] unlawful outcome accepted; [B] lawful decision refused; [C] documentation."""

from __future__ import annotations

import pytest
import yaml

from services.cases.workflow.rules import RULES
from services.testing.factories import CASES, CaseDriver
from tests.cases.test_decision_gate import notified

API = "/checklist/v1"


# -- [C] verified: true on text that is our reading ---------------------------------------------------------
@pytest.mark.xfail(strict=True, reason=(
    "[C] rules.py: seven Rule(...) entries (verified defaults to True) append '本系统解读：…' to the quoted article "
    "text — evidence_by_certified_handlers, must_list_item_forbids_penalty, damage_compensation_required, "
    "list_item_in_force, no_penalty_conditions_met, revocation_stops_execution, hearing_right_not_given (its "
    "'较大数额为本地设置' gloss). The 409 then cites a reading as the article's verified words."))
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
    before the decision date is refused, nothing written; one whose last day is the decision date exempts."""
    from tests.cases.test_decision_gate import refused
    from tests.cases.test_law_in_time import FACTS, LIST_ITEM

    d = CaseDriver(stack)
    d.at(2026, 6, 1)
    items = [{**LIST_ITEM, "code": "NP-REVIEW-GONE", "effective_from": "2025-01-01", "effective_to": "2026-05-31"},
             {**LIST_ITEM, "code": "NP-REVIEW-LAST", "effective_from": "2025-01-01", "effective_to": "2026-06-01"}]
    r = await _import(stack, items)
    assert r.status_code == 200, r.text
    item = (await stack.client.get(f"{API}/no-penalty-items/NP-REVIEW-GONE", headers=d.off)).json()
    assert item["effective_to"] == "2026-05-31", item
    ev = (await stack.client.post(f"{API}/no-penalty-items/NP-REVIEW-GONE/evaluate", headers=d.off,
                                  json={"facts": FACTS, "on": "2026-06-01"})).json()
    assert ev["in_force"] is False and ev["eligible"] is False and ev["effective_to"] == "2026-05-31", ev
    assert "已失效" in ev["note"], ev["note"]
    cid = await _exemption_case(d, FACTS)
    p = await refused(d, cid, {"type": "no_penalty", "basis": {"no_penalty_item": "NP-REVIEW-GONE"}},
                      "list_item_in_force")
    assert "2026-05-31" in p["detail"], p
    cid = await _exemption_case(d, FACTS)
    case = await d.decide(cid, {"type": "no_penalty", "basis": {"no_penalty_item": "NP-REVIEW-LAST"}})
    assert case["decision"]["law_applied"]["item_effective_to"] == "2026-06-01", case["decision"]["law_applied"]


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


# -- [A] a change after the decision bypasses every rule of the decision -----------------------------------
@pytest.mark.xfail(strict=True, reason=(
    "[A] 第四十四条、第四十五条、第六十二条、第六十三条: a heavier penalty needs a notice of it and the party's "
    "rights. gate.check_change never looks at the fine; decision.change_decision sets case.fine_amount to any "
    "amount (reduces=False, so the audit flags nothing). The bureau 'changes' 150,000 into 900,000 yuan "
    "with no new notice, statement or hearing, and the 900,000 is then served and collected."))
async def test_the_bureau_cannot_raise_its_fine_by_a_change(stack):
    d = CaseDriver(stack)
    cid = (await d.penalty_decided(fine=150000.0))["id"]
    await d.post(cid, "legal-review", d.rev, {"opinion": "approve", "proposed_change": "changed"})
    body = {"source": "bureau", "outcome": "changed", "reason": "自行纠错", "fine_amount": 900000.0,
            "document": {"body": "苏州市吴江生态环境局", "number": "吴环变〔2026〕1号", "issued_on": "2026-03-02",
                         "reference": "变更决定书"}}
    r = await d.c.post(f"{CASES}/cases/{cid}/decision/change", headers=d.lead, json=body)
    assert r.status_code == 409, f"a heavier fine by 'change' was accepted: {r.status_code} {r.text[:300]}"


@pytest.mark.xfail(strict=True, reason=(
    "[A] 第四十四条、第五十七条、第五十八条: an exemption (不予行政处罚, decided without any notice) is 'changed' by "
    "the bureau into a 500,000-yuan fine: check_change does not look at the decision type or the fine, so a "
    "penalty is imposed with no 事先告知, no rights period, no fine-range check (fine_within_statutory_range) "
    "and no audit flag (reduces=False)."))
async def test_an_exemption_cannot_be_changed_into_a_fine(stack):
    d = CaseDriver(stack)
    cid = (await d.decided_case("no_penalty"))["id"]
    await d.post(cid, "legal-review", d.rev, {"opinion": "approve", "proposed_change": "changed"})
    body = {"source": "bureau", "outcome": "changed", "reason": "自行纠错", "fine_amount": 500000.0,
            "document": {"body": "苏州市吴江生态环境局", "number": "吴环变〔2026〕2号", "issued_on": "2026-03-02",
                         "reference": "变更决定书"}}
    r = await d.c.post(f"{CASES}/cases/{cid}/decision/change", headers=d.lead, json=body)
    assert r.status_code == 409, f"an exemption turned into a fine was accepted: {r.status_code} {r.text[:300]}"


# -- [A] suspension without the leader's approval ----------------------------------------------------------
@pytest.mark.xfail(strict=True, reason=(
    "[A] 《处罚办法》第三十五条 (as the rule suspension_open states it: 中止须经负责人批准) and 第六十条: a handler "
    "alone suspends the case (approved_by is free text, the router takes any Officer), and the days are "
    "excluded from the 90-day handling period — the time limit is stopped without a 负责人. coverage.yaml "
    "marks the row enforced and admits it in gaps."))
async def test_a_handler_alone_cannot_suspend_the_case(stack):
    d = CaseDriver(stack)
    cid = (await d.file(await d.enterprise()))["id"]
    r = await d.c.post(f"{CASES}/cases/{cid}/suspensions", headers=d.off,
                       json={"kind": "suspension", "reason": "等待检测报告", "approved_by": "局长"})
    assert r.status_code == 409, f"a handler's suspension was accepted: {r.status_code}"


# -- [B] a revoked fine still counts as the act's fine ------------------------------------------------------
@pytest.mark.xfail(strict=True, reason=(
    "[B] 第二十九条 forbids fining one act twice; a fine revoked (撤销/责令重作 by 行政复议) no longer stands. "
    "decision.prior_fines() selects every decided case with fine_amount > 0 whatever its decision status "
    "(a revocation leaves case.fine_amount as decided), so the lawful re-decision of the act after 责令重作 is "
    "refused one_act_one_fine naming the revoked case."))
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
        "type": "penalty", "fine_amount": 150000.0, "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}})
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
        "type": "penalty", "fine_amount": 150000.0, "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}})
    assert r.status_code == 200, r.text[:400]


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


# -- [A] 第四十五条: a defence made at the hearing does not count as a defence ------------------------------
@pytest.mark.xfail(strict=True, reason=(
    "[A] 第四十五条 (行政机关不得因当事人陈述、申辩而给予更重的处罚) with 第六十四条第（七）项 (the party 申辩和质证 at "
    "the hearing): service.answered_notices() reads only records.statement, never the hearing's "
    "party_statements, so after a hearing where the party defended itself against 150,000 yuan the bureau "
    "re-notifies 500,000 on unchanged facts (no re-investigation, no evidence) and decides it — "
    "heavier_renotice_needs_new_facts and no_heavier_for_defence never fire."))
async def test_a_heavier_renotice_after_a_defence_at_the_hearing_needs_new_facts(stack):
    from datetime import datetime

    from shared import clock

    d = CaseDriver(stack)
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
    heavier = {"intended_type": "penalty", "intended_fine": 500000.0, "penalty_kinds": ["fine"],
               "facts_and_reasons": "超标排放"}
    r = await d.c.post(f"{CASES}/cases/{cid}/notice", headers=d.off, json=heavier)
    if r.status_code == 200:  # the heavier notice stood: then at least 500,000 must never be decided
        await d.review(cid, "penalty", 500000.0)
        d.at(2026, 6, 30)
        r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json={
            "type": "penalty", "fine_amount": 500000.0, "reason": "违法情节较重，书面说明罚款数额理由"})
    assert r.status_code == 409, f"500,000 after the hearing defence: {r.status_code} {r.text[:300]}"


# -- [A] 第五十七条第二款: the fine threshold of the collective discussion fails open -------------------------
@pytest.mark.xfail(strict=True, reason=(
    "[A] 第五十七条第二款 / issue 23 item 5 ('fines over a bureau-set threshold (a labelled local setting)'): "
    "config.discussion_fine_threshold() defaults to hearing_threshold(), which defaults to None — no default "
    "number is chosen, so out of the box no fine needs the leaders' collective discussion: the statutory "
    "maximum of 《水污染防治法》第八十三条 (1,000,000 yuan) is decided by one leader. The hearing threshold fails "
    "safe when unset (every fine gets the hearing right); the discussion threshold fails open."))
async def test_the_statutory_maximum_fine_needs_a_collective_discussion_by_default(stack):
    d = CaseDriver(stack)
    uscc = await d.enterprise()
    cid = (await d.file(uscc))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid)
    await notified(d, cid, 1000000.0)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json={
        "type": "penalty", "fine_amount": 1000000.0, "reason": "违法情节严重，书面说明罚款数额理由",
        "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}})
    assert r.status_code == 409 and r.json()["rule_code"] == "collective_discussion_required", r.text[:300]


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
    """The positive beside it: version 1 ends 2026-05-31 and version 2 starts 2027-01-01 — on 2026-06-01 no
    version is in force (list_item_in_force, nothing written); on 2027-02-01 version 2 is the one evaluated."""
    from tests.cases.test_decision_gate import refused
    from tests.cases.test_law_in_time import FACTS, LIST_ITEM

    d = CaseDriver(stack)
    d.at(2026, 6, 1)
    for version, start, end in (("2026版", "2026-01-01", "2026-05-31"), ("2027版", "2027-01-01", None)):
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


@pytest.mark.xfail(strict=True, reason=(
    "[C] rules.py fine_required (verified) quotes 第五十九条 as '……处罚种类和依据……'; the article reads "
    "'（三）行政处罚的种类和依据' — the quoted fragment is not the statute's wording."))
def test_fine_required_quotes_article_59_verbatim():
    quoted = RULES["fine_required"].text.split("……")[1]
    assert quoted in ART_59_3, quoted

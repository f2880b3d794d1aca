"""Issue 23 (3): the law in force at the time of the act (《行政处罚法》第三十七条 从旧兼从轻). Guidance item
versions carry effective dates; the checklist calculates `on` a date with the version in force then; the
decision takes the range at the act date and at the decision date and applies the lighter, recording both
(``decision.law_applied``); a no-penalty list item not yet in force at the decision date exempts nothing.
Through the HTTP API on both setups; each refusal a 409 naming its rule with nothing written."""

from __future__ import annotations

import yaml

from services.testing.factories import CaseDriver, guidance_item
from tests.cases.test_decision_gate import WHY, driver, fine, notified, refused

API = "/checklist/v1"


async def item_with_new_version(stack, code: str, old: tuple[int, int], new: tuple[int, int], new_from: str) -> None:
    """Guidance item ``code``: version 1 (no dates: in force) fining ``old``; version 2 fining ``new`` from ``new_from``."""
    admin = stack.auth("admin-1", "admin")
    body = guidance_item(code)
    body["liability"] = {"fine": {"kind": "fixed_range", "min_cny": old[0], "max_cny": old[1]}}
    r = await stack.client.post(f"{API}/guidance-items", headers=admin, json=body)
    assert r.status_code == 201, r.text
    revision = {k: v for k, v in body.items() if k != "code"}
    revision.update(liability={"fine": {"kind": "fixed_range", "min_cny": new[0], "max_cny": new[1]}},
                    effective_from=new_from, base_version=1, title=body["title"] + "（修订）")
    r = await stack.client.put(f"{API}/guidance-items/{code}", headers=admin, json=revision)
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["effective_from"] == new_from, r.text


async def opened(d: CaseDriver, code: str, occurred_on: str, amount: float) -> str:
    cid = (await d.file(await d.enterprise(), violation=code, occurred_on=occurred_on))["id"]
    await d.investigate(cid)
    await d.review(cid, "penalty")
    await d.discuss(cid, "penalty")  # 第五十七条第二款: fines of these sizes are the leaders' collective decision
    await notified(d, cid, amount)
    return cid


async def test_a_lighter_new_law_applies_and_a_fine_above_it_is_refused(stack):
    """law_at_time_of_act: the act under version 1 (100,000–1,000,000), the decision under version 2
    (50,000–500,000, from 2026-05-01): the new law is lighter and applies."""
    d = await driver(stack)  # 2026-06-01
    await item_with_new_version(stack, "GI-T37-001", (100_000, 1_000_000), (50_000, 500_000), "2026-05-01")
    calc = {"violation_code": "GI-T37-001", "facts": {}}
    then = await stack.client.post(f"{API}/discretion/calculate", headers=d.off, json={**calc, "on": "2026-03-01"})
    now = await stack.client.post(f"{API}/discretion/calculate", headers=d.off, json={**calc, "on": "2026-06-01"})
    assert then.json()["violation"]["version"] == 1 and then.json()["statutory_max"] == 1_000_000, then.text
    assert now.json()["violation"]["version"] == 2 and now.json()["statutory_max"] == 500_000, now.text

    cid = await opened(d, "GI-T37-001", "2026-03-01", 600_000.0)
    p = await refused(d, cid, fine("penalty", 600_000.0, WHY), "law_at_time_of_act")
    assert "500000" in p["detail"] and "[100000, 1e+06]" in p["detail"] and "第三十七条" in p["article"], p
    case = await d.decide(cid, fine("penalty", 400_000.0, WHY))
    law = case["decision"]["law_applied"]
    assert (law["act_date"], law["decision_date"], law["applied"]) == ("2026-03-01", "2026-06-01", "decision"), law
    assert law["act_range"] == {"statutory_min": 100_000.0, "statutory_max": 1_000_000.0}
    assert law["decision_range"] == {"statutory_min": 50_000.0, "statutory_max": 500_000.0}
    assert (law["violations"][0]["act_item_version"], law["violations"][0]["decision_item_version"]) == (1, 2)
    assert "第三十七条" in law["reason"]


async def test_a_heavier_new_law_does_not_apply(stack):
    """law_at_time_of_act: version 2 (200,000–2,000,000 from 2026-05-01) is heavier: the act's law applies."""
    d = await driver(stack)
    await item_with_new_version(stack, "GI-T37-002", (100_000, 1_000_000), (200_000, 2_000_000), "2026-05-01")
    cid = await opened(d, "GI-T37-002", "2026-03-01", 1_500_000.0)
    p = await refused(d, cid, fine("penalty", 1_500_000.0, WHY), "law_at_time_of_act")
    assert "[200000, 2e+06]" in p["detail"], p
    case = await d.decide(cid, fine("penalty", 900_000.0, WHY))
    assert case["decision"]["law_applied"]["applied"] == "act"
    # An act under the new version alone: one range, nothing to choose.
    cid = await opened(d, "GI-T37-002", "2026-05-10", 1_500_000.0)
    case = await d.decide(cid, fine("penalty", 1_500_000.0, WHY))
    assert case["decision"]["law_applied"]["applied"] == "act"
    assert case["decision"]["law_applied"]["act_range"] == case["decision"]["law_applied"]["decision_range"]


LIST_ITEM = {
    "violation": "测试用条目：污水处理设施出水轻微超标",
    "applies_to": ["GI-WAT-001"],
    "legal_basis": [{"law": "中华人民共和国水污染防治法", "article": "第八十三条"}],
    "conditions": [{"key": "first_offence", "text": "初次违法"},
                   {"key": "corrected_within_48h", "text": "48小时内整改并达标"}],
    "modality": "may",
    "source": "测试数据（非真实清单）",
}
FACTS = {"first_offence": True, "corrected_within_48h": True, "harm_minor": True, "corrected_in_time": True}


async def test_a_list_item_not_yet_in_force_exempts_nothing(stack):
    """list_item_in_force: an item in force only after the decision date is refused (the evaluation says
    so); one in force at the decision but not at the act date still exempts — the new rule is lighter."""
    d = await driver(stack)
    admin = stack.auth("admin-1", "admin")
    items = [{**LIST_ITEM, "code": "NP-T37-LATE", "effective_from": "2026-07-01"},
             {**LIST_ITEM, "code": "NP-T37-NEW", "effective_from": "2026-05-01"}]
    r = await stack.client.post(f"{API}/imports/no-penalty-items", params={"format": "yaml"}, headers=admin,
                                content=yaml.safe_dump({"list": {"list_version": "测试清单"}, "items": items},
                                                       allow_unicode=True).encode())
    assert r.status_code == 200, r.text
    ev = await stack.client.post(f"{API}/no-penalty-items/NP-T37-LATE/evaluate", headers=d.off,
                                 json={"facts": FACTS, "on": "2026-06-01"})
    assert ev.json()["in_force"] is False and ev.json()["eligible"] is False and "2026年7月1日" in ev.json()["note"]  # plain Chinese
    for code, lawful in (("NP-T37-LATE", False), ("NP-T37-NEW", True)):
        cid = (await d.file(await d.enterprise(), occurred_on="2026-03-01"))["id"]
        await d.investigate(cid, FACTS)
        await d.review(cid, proposed_type="no_penalty")
        await d.discuss(cid)
        body = {"type": "no_penalty", "basis": {"no_penalty_item": code}}
        if not lawful:
            p = await refused(d, cid, body, "list_item_in_force")
            assert "2026-07-01" in p["detail"], p
            continue
        law = (await d.decide(cid, body))["decision"]["law_applied"]
        assert law["applied"] == "decision" and law["item_effective_from"] == "2026-05-01", law
        assert "新的规定较轻" in law["reason"]


def test_the_decision_document_says_which_law_applied():
    from services.cases.documents.content import decision_doc

    case = {"number": "320509-2026-00009", "uscc": "91320509MA1XXXXX0X", "source": "日常检查", "summary": "超标排放",
            "violations": [{"code": "GI-T37-001", "occurred_on": "2026-03-01"}], "handlers": ["officer-a", "officer-b"],
            "decision": {"type": "penalty", "fine_amount": 400000.0, "penalty_kinds": ["fine"], "articles": [],
                         "decided_at": "2026-06-01T02:00:00+00:00", "one_act": "GI-A、GI-B (2026-03-01): the range of GI-B",
                         "law_applied": {"act_date": "2026-03-01", "decision_date": "2026-06-01", "applied": "decision",
                                         "reason": "决定时的规定处罚较轻，适用新的规定"}}}
    authority = {"name": "苏州市吴江生态环境局", "reconsideration_body": "苏州市人民政府", "court": "苏州市吴江区人民法院"}
    doc = decision_doc(case, {"name": "某公司"}, {"authority": authority})
    text = "\n".join(line for _, lines in doc.sections for line in lines)
    assert "违法行为发生于2026年3月1日" in text and "适用新的规定" in text and "第二十九条" in text
    assert any("第三十七条" in a for a in doc.articles) and any("第二十九条" in a for a in doc.articles)

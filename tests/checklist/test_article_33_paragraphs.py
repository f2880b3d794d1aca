"""《行政处罚法》第三十三条 read paragraph by paragraph (issue 24 review [C]/[D]): a list item needs a ground of the
paragraph its legal basis cites — 第二款 (没有主观过错) for an item citing it, else 第一款 (轻微不罚 / 首违可不罚); a
recorded 没有造成危害后果 (no_harm) establishes 危害后果轻微 (harm_minor, shared.facts.IMPLIED_BY) for 首违可不罚; and
the evaluation's note is plain Chinese (no keys, no lists, dates as 2026年7月1日). Positive beside each negative."""

from __future__ import annotations

import re

import yaml

from services.checklist.no_penalty.rules import article_33_grounds, article_33_paragraphs
from shared import facts as fact_vocabulary
from shared.law import APL_NAME

API = "/checklist/v1"
FIRST = f"{API}/no-penalty-items/APL33.first_offence_minor_harm/evaluate"
NO_FAULT = {
    "code": "NP-TEST-NOFAULT",
    "violation": "测试条目：因供电部门突然停电致污水处理设施停运、出水超标，当事人有证据证明无主观过错",
    "applies_to": ["GI-WAT-001"],
    "legal_basis": [{"law": APL_NAME, "article": "第三十三条", "clause": "第二款"}],
    "conditions": [{"key": "no_fault_proven", "text": "当事人有证据足以证明没有主观过错"}],
    "modality": "must",
    "source": "测试数据（非真实清单）",
}
PLAIN = re.compile(r"[a-z]+_[a-z_]+|\[|'|\d{4}-\d{2}-\d{2}|discretionary")


def basis(article: str, clause: str | None = None, law: str = APL_NAME) -> dict:
    return {"law": law, "article": article, **({"clause": clause} if clause else {})}


def test_the_paragraph_an_item_cites_decides_its_article_33_grounds():
    assert article_33_paragraphs([basis("第三十三条", "第二款")]) == ("第二款",)
    assert article_33_paragraphs([basis("第三十三条第二款")]) == ("第二款",)
    assert article_33_grounds([basis("第三十三条", "第二款")]) == ("APL33.no_subjective_fault",)
    # 第一款, the article alone, another article's 第二款 or no citation of it: the lists implement 第一款
    for b in ([basis("第三十三条", "第一款第二句")], [basis("第三十三条")], [basis("第二十二条第二款、第三十三条")],
              [basis("第三十三条", "第二款", law="中华人民共和国水污染防治法")], []):
        assert article_33_paragraphs(b) == ("第一款",), b
        assert article_33_grounds(b) == ("APL33.minor_corrected_no_harm", "APL33.first_offence_minor_harm"), b
    assert article_33_paragraphs([basis("第三十三条", "第一款"), basis("第三十三条", "第二款")]) == ("第一款", "第二款")


def test_no_harm_establishes_minor_harm_and_nothing_else():
    assert fact_vocabulary.with_implied({"no_harm": True}) == {"no_harm": True, "harm_minor": True}
    assert fact_vocabulary.holds({"no_harm": True}, "harm_minor")
    # no harm not established, or harm recorded: harm_minor stays as recorded (unknown or false)
    assert fact_vocabulary.with_implied({"no_harm": False}) == {"no_harm": False}
    assert not fact_vocabulary.holds({"no_harm": None}, "harm_minor")
    assert fact_vocabulary.with_implied({"no_harm": True, "harm_minor": False})["harm_minor"] is False
    # the converse does not hold: a minor harm is a harm
    assert not fact_vocabulary.holds({"harm_minor": True}, "no_harm")


async def test_a_first_offence_with_no_harm_meets_the_minor_harm_ground(stack):
    off = stack.auth("officer-a", "officer", bureau="320509")
    r = await stack.client.post(FIRST, headers=off, json={
        "facts": {"first_offence": True, "no_harm": True, "corrected_in_time": True}})
    ev = r.json()
    assert r.status_code == 200 and ev["eligible"] is True and "harm_minor" in ev["met"], r.text
    assert "据此认定“危害后果轻微”" in ev["note"] and not PLAIN.search(ev["note"]), ev["note"]
    vocabulary = {f["key"]: f for f in (await stack.client.get(f"{API}/facts", headers=off)).json()}
    assert vocabulary["harm_minor"]["implied_by"] == ["no_harm"] and "第三十三条第一款第二句" in \
        vocabulary["harm_minor"]["implied_basis"]
    assert "implied_by" not in vocabulary["no_harm"] or vocabulary["no_harm"]["implied_by"] is None
    # no harm not established and minor harm not recorded: unknown, not eligible
    r = await stack.client.post(FIRST, headers=off, json={
        "facts": {"first_offence": True, "no_harm": False, "corrected_in_time": True}})
    ev = r.json()
    assert r.status_code == 200 and ev["eligible"] is False and ev["unknown"] == ["harm_minor"], r.text
    # a list item on 第一款: 首违可不罚 established through no_harm
    item = (await stack.client.get(f"{API}/no-penalty-items/NP-EX-002", headers=off)).json()
    own = {c["key"]: True for c in item["conditions"]}
    r = await stack.client.post(f"{API}/no-penalty-items/NP-EX-002/evaluate", headers=off,
                                json={"facts": {**own, "no_harm": True, "corrected_in_time": True}})
    ev = r.json()
    assert ev["eligible"] is True and ev["article_33"]["ground"] == "APL33.first_offence_minor_harm", r.text
    r = await stack.client.post(f"{API}/no-penalty-items/NP-EX-002/evaluate", headers=off,
                                json={"facts": {**own, "no_harm": False, "corrected_in_time": True}})
    assert r.json()["eligible"] is False and "harm_minor" in r.json()["unknown"], r.text


async def _import(stack, item: dict, **meta) -> None:
    doc = {"list": {"list_version": "测试清单", **meta}, "items": [item]}
    r = await stack.client.post(f"{API}/imports/no-penalty-items", params={"format": "yaml"},
                                headers=stack.auth("admin-1", "admin"),
                                content=yaml.safe_dump(doc, allow_unicode=True).encode())
    assert r.status_code == 200 and r.json()["errors"] == [], r.text


async def test_a_second_paragraph_item_needs_its_own_ground_and_says_so(stack):
    await _import(stack, NO_FAULT)
    off = stack.auth("officer-a", "officer", bureau="320509")
    path = f"{API}/no-penalty-items/{NO_FAULT['code']}/evaluate"
    # “法律、行政法规另有规定的，从其规定” not yet established false: not eligible, and the need names 第二款
    r = await stack.client.post(path, headers=off, json={"facts": {"no_fault_proven": True}})
    ev = r.json()
    assert r.status_code == 200 and ev["eligible"] is False, r.text
    assert ev["article_33"]["paragraphs"] == ["第二款"] and ev["unknown"] == ["other_law_provides_otherwise"], ev
    need = ev["needs"][0]
    assert need["item"] is False and "第三十三条第二款" in need["article"], need
    assert "第三十三条第二款" in ev["note"] and "第一款" not in ev["note"] and not PLAIN.search(ev["note"]), ev["note"]
    r = await stack.client.post(path, headers=off,
                                json={"facts": {"no_fault_proven": True, "other_law_provides_otherwise": False}})
    ev = r.json()
    assert ev["eligible"] is True and ev["article_33"]["ground"] == "APL33.no_subjective_fault", r.text
    # the public list: 第二款 for it, 第一款 still for the items citing no paragraph
    items = {i["code"]: i for i in (await stack.client.get(f"{API}/public/no-penalty-items")).json()["items"]}
    mine = items[NO_FAULT["code"]]
    assert mine["article_33_paragraphs"] == ["第二款"] and [a["label"] for a in mine["article_33"]] == ["无主观过错不罚"]
    assert "第三十三条第二款规定的情形：当事人有证据足以证明没有主观过错" in mine["requirement"], mine["requirement"]
    assert "法律、行政法规另有规定的，从其规定" in mine["requirement"] and "第一款" not in mine["requirement"]
    assert "第三十三条第一款规定的下列情形之一" in items["NP-EX-002"]["requirement"]
    page = (await stack.client.get("/no-penalty")).text
    assert "第三十三条第二款规定的下列情形：" in page and "第三十三条第一款规定的下列情形之一" in page


async def test_the_evaluation_note_names_violations_and_dates_in_chinese(stack):
    await _import(stack, {**NO_FAULT, "code": "NP-TEST-LATER"}, effective_from="2026-07-01")
    off = stack.auth("officer-a", "officer", bureau="320509")
    title = (await stack.client.get(f"{API}/public/guidance-items/GI-WAT-002")).json()["title"]
    r = await stack.client.post(f"{API}/no-penalty-items/NP-TEST-LATER/evaluate", headers=off, json={
        "facts": {"no_fault_proven": True, "other_law_provides_otherwise": False},
        "violation_codes": ["GI-WAT-002"], "on": "2026-06-01"})
    ev = r.json()
    assert r.status_code == 200 and ev["eligible"] is False and ev["in_force"] is False, r.text
    assert ev["not_covered"] == ["GI-WAT-002"] and ev["effective_from"] == "2026-07-01"  # the codes stay in fields
    note = ev["note"]
    assert f"“{title}”不在该事项的适用范围内" in note and "自2026年7月1日起施行，2026年6月1日尚未生效" in note, note
    assert not PLAIN.search(note) and "GI-WAT" not in note, note
    # in force and covering: the note says only that the conditions are met
    r = await stack.client.post(f"{API}/no-penalty-items/NP-TEST-LATER/evaluate", headers=off, json={
        "facts": {"no_fault_proven": True, "other_law_provides_otherwise": False},
        "violation_codes": ["GI-WAT-001"], "on": "2026-07-01"})
    assert r.json()["eligible"] is True and r.json()["note"] == "条件均已满足：依法不予行政处罚", r.text

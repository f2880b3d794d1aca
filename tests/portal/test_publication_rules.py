"""The pure rules of 处罚决定公开: what is removed from the published facts, who counts as a natural
person, how long website publication lasts, and which end comes first."""

from __future__ import annotations

from datetime import date

from services.cases.publication import rules

CASE = {"number": "320509-2026-00001", "uscc": "91320509MA1XXXXX0X", "bureau": "320509",
        "summary": "经查超标排放。", "violations": [{"code": "GI-WAT-001"}],
        "decision": {"type": "lighter", "fine_amount": 85000.0, "penalty_kinds": ["fine", "warning"],
                     "articles": ["《中华人民共和国行政处罚法》第三十二条"],
                     "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}}}


def test_personal_data_is_removed_from_the_facts():
    text = ("联系人李四（身份证32050119900101123X，手机+86 13912345678，座机0512-65123456，"
            "邮箱li.si@example.cn，银行卡6222 0212 3456 7890 123；账户6217001234567890）。")
    out, applied = rules.redact(text, ["李四", " "])
    for secret in ("32050119900101123X", "13912345678", "0512-65123456", "li.si@example.cn", "6217001234567890",
                   "6222 0212", "7890 123", "李四"):
        assert secret not in out, secret
    assert {a["rule"] for a in applied} == {"id_number", "mobile", "landline", "email", "bank_account", "named_by_officer"}
    assert all("removed" not in a and "李四" not in str(a) for a in applied), "what was removed is not kept"
    assert rules.redact("无个人信息。", []) == ("无个人信息。", [])
    kept = "2026年6月1日罚款人民币150,000.00元，排放量12345.6吨，案号320509-2026-00001。"
    assert rules.redact(kept, [])[0] == kept, "dates, amounts and case numbers stay"


def test_published_content_follows_the_data_items():
    content, _ = rules.public_content(case=CASE, enterprise_name="苏州某公司", titles={"GI-WAT-001": "水污染物达标排放"},
                                      summary=None, names=[], decided_on=date(2026, 6, 15))
    assert content["penalty_content"] == "从轻行政处罚：罚款人民币85,000.00元；警告"
    assert content["penalty_categories"] == ["罚款", "警告"] and content["fine_amount_wan_yuan"] == 8.5
    assert content["penalty_legal_basis"][0] == "《中华人民共和国水污染防治法》第八十三条"
    assert (content["party_name"], content["party_uscc"]) == ("苏州某公司", CASE["uscc"])
    sole = {**CASE, "uscc": "92320509MA1XXXXX0X"}
    content, applied = rules.public_content(case=sole, enterprise_name="张三", titles={}, summary="改写后的事实。",
                                            names=[], decided_on=date(2026, 6, 15))
    assert content["party_category"] == "个体工商户" and "张三" not in str(content) and content["party_uscc"] is None
    assert content["violation_facts"] == "改写后的事实。" and applied[-1]["rule"] == "uscc_category"


def test_retention_and_which_end_comes_first():
    years = {"organisation": 5, "natural_person": 2}
    assert rules.retention_until(date(2024, 2, 29), "法人及非法人组织", years) == date(2029, 2, 28)
    assert rules.retention_until(date(2026, 6, 15), "个体工商户", years) == date(2028, 6, 15)
    credit = rules.CreditView(published=True, status="published", publicity_max_until=date(2027, 6, 15))
    kw = dict(status="published", withdrawal_kind=None, publish_until=date(2031, 6, 15), follows_credit=True)
    assert rules.ended_by(credit=credit, today=date(2027, 6, 15), **kw) is None
    assert rules.ended_by(credit=credit, today=date(2027, 6, 16), **kw) == "publicity_expired"
    assert rules.ended_by(credit=credit, today=date(2027, 6, 16), **{**kw, "follows_credit": False}) is None
    assert rules.ended_by(credit=credit, today=date(2031, 6, 16), **kw) == "retention_ended"
    not_shown = rules.CreditView(published=False, status="not_published", publicity_max_until=None)
    assert rules.ended_by(credit=not_shown, today=date(2030, 1, 1), **kw) is None, "a minor record: website only"
    repaired = rules.CreditView(published=True, status="repaired", publicity_max_until=date(2027, 6, 15))
    assert rules.ended_by(credit=repaired, today=date(2026, 10, 1), **kw) == "credit_repaired"
    assert rules.ended_by(credit=None, today=date(2026, 10, 1), **{**kw, "status": "withdrawn",
                                                                   "withdrawal_kind": "legal_change"}) == "legal_change"
    assert all(r.article for r in rules.WITHDRAWAL_RULES.values())

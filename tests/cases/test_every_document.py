"""Every document kind the workflow issues, rendered and read back with pdftotext (issue 24 item 2;
《行政处罚法》第五十九条): the authority's name, the kind's 文号 where it is numbered, the seal block, a Chinese
date, page numbers, the party with its 法定代表人 — and no identifier a developer would recognise, no ISO date.
Also: the 听证通知书 (第六十四条), 三书同时送达 at service, and 第二十八条第一款's 责令改正 on every penalty."""

from __future__ import annotations

import re
from datetime import datetime

from services.testing.factories import BUREAU, CASES, CaseDriver
from shared import clock
from tests.cases.helpers import snapshot
from tests.cases.test_decision_documents import CORRECTION, IDENTIFIER, pdftotext

AUTHORITY = "苏州市吴江生态环境局"
PARTY = "苏州某某环保科技有限公司"
REPRESENTATIVE = "王某某"
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
CN_DATE = re.compile(r"20\d\d年\d{1,2}月\d{1,2}日")
LAW_ARTICLE = "《中华人民共和国水污染防治法》第八十三条"


def assert_document(text: str, *, title: str, number: str | None) -> str:
    """What every document carries (第五十九条第（一）、（六）项), and nothing a developer wrote."""
    flat = re.sub(r"\s+", "", text)
    for expected in (AUTHORITY, title, PARTY, f"法定代表人：{REPRESENTATIVE}", f"{AUTHORITY}（印章）", "第1页共"):
        assert expected in flat, f"{expected!r} not in the {title}:\n{text}"
    assert CN_DATE.search(flat), f"no Chinese date in the {title}:\n{text}"
    if number is not None:
        assert re.search(number, flat), f"{number} not in the {title}:\n{text}"
    assert not IDENTIFIER.findall(text), f"identifiers in the {title}: {IDENTIFIER.findall(text)}\n{text}"
    assert not ISO.findall(text), f"ISO dates in the {title}: {ISO.findall(text)}\n{text}"
    assert "—" not in text, f"a dash for a missing value in the {title}:\n{text}"
    return flat


async def _driver(stack) -> CaseDriver:
    d = CaseDriver(stack, auto_certify=False)
    await d._register("officer-a", "张三", "JS32050001")
    await d._register("officer-b", "李四", "JS32050002")
    await d._register("hearing-officer-1", "王五", "JS32050009")  # the presider: not a handler (第六十四条（四）)
    await d.register_leaders()
    d.at(2026, 5, 11)
    return d


async def _enterprise(d: CaseDriver) -> str:
    uscc = await d.enterprise(PARTY)
    r = await d.c.patch(f"{CASES}/enterprises/{uscc}", headers=d.off, json={"legal_representative": REPRESENTATIVE})
    assert r.status_code == 200 and r.json()["legal_representative"] == REPRESENTATIVE, r.text
    return uscc


async def document(d: CaseDriver, cid: str, kind: str) -> str:
    r = await d.c.get(f"{CASES}/cases/{cid}/documents/{kind}", headers=d.off)
    assert r.status_code == 200, f"{kind}: {r.status_code} {r.text}"
    return pdftotext(r.content)


def at(y: int, m: int, day: int, h: int = 9) -> datetime:
    return datetime(y, m, day, h, 30, tzinfo=clock.TZ)


async def _heard_penalty(d: CaseDriver, uscc: str) -> str:
    """A penalty case whose party asked for a hearing: notice, request, schedule (the 听证通知书), hearing, review."""
    cid = (await d.file(uscc))["id"]
    await d.investigate(cid)
    await d.review(cid, "penalty", 150000.0)
    await d.notify(cid, 150000.0)
    await d.post(cid, "hearing/request", d.s.auth("e1", "enterprise", uscc=uscc))
    return cid


async def test_every_document_kind_is_official(stack):
    d = await _driver(stack)
    uscc = await _enterprise(d)

    # 行政处罚事先告知书, 听证通知书 (第六十四条), 行政处罚决定书 with its 责令改正, then 三书同时送达.
    cid = await _heard_penalty(d, uscc)
    scheduled = await d.schedule_hearing(cid, at(2026, 5, 21))
    hearing_number = scheduled["records"]["hearing"]["number"]
    assert re.fullmatch(r"吴环听告字〔2026〕第\d+号", hearing_number), hearing_number
    text = await document(d, cid, "hearing_notice")
    flat = assert_document(text, title="听证通知书", number=re.escape(hearing_number))
    for expected in ("2026年5月21日9时30分（北京时间）", "吴江区生态环境局听证室", "听证主持人：王五", "申请回避",
                     "委托一至二人代理", "听证公开举行", "国家秘密、商业秘密或者个人隐私", "七日前", "2026年5月11日"):
        assert expected in flat, f"{expected!r} not in the hearing notice:\n{text}"
    assert "hearing-officer" not in text
    notice_text = await document(d, cid, "notice")
    assert_document(notice_text, title="行政处罚事先告知书", number=r"吴环罚告字〔2026〕第\d+号")

    d.at(2026, 5, 21, 11)
    await d.hold_hearing(cid)
    await d.review(cid, "penalty", 150000.0)  # 第五十八条第一款第（二）项: reviewed again after the hearing
    decided = (await d.decide(cid, {"type": "penalty", "fine_amount": 150000.0, "basis": {"law_article": LAW_ARTICLE},
                                    "reason": "综合考虑违法情节与整改情况", "correction_order": CORRECTION}))["decision"]
    assert re.fullmatch(r"吴环罚字〔2026〕第\d+号", decided["document_number"])
    guidance_number = decided["document_numbers"]["credit_repair_guidance"]
    assert re.fullmatch(r"吴环信修字〔2026〕第\d+号", guidance_number), decided
    flat = assert_document(await document(d, cid, "decision"), title="行政处罚决定书",
                           number=re.escape(decided["document_number"]))
    assert "责令改正" in flat and CORRECTION in flat and "第二十八条第一款" in flat

    async def credit_notice_ready() -> bool:
        return (await d.c.get(f"/credit/v1/notices/{cid}", headers=d.off)).status_code == 200
    await stack.wait_for(credit_notice_ready, timeout=60, what="the credit notice")
    r = await d.c.post(f"{CASES}/cases/{cid}/service", headers=d.off)
    assert r.status_code == 200, r.text
    served = {x["kind"]: x for x in r.json()["documents"]}
    assert list(served) == ["decision", "credit_record_notice", "credit_repair_guidance"], served  # 三书同时送达
    assert served["decision"]["number"] == decided["document_number"]
    assert served["credit_repair_guidance"]["number"] == guidance_number
    flat = assert_document(await document(d, cid, "credit_record_notice"), title="环保信用失信记录告知书", number=None)
    assert f"与行政处罚决定书{decided['document_number']}同时送达" in flat
    flat = assert_document(await document(d, cid, "credit_repair_guidance"), title="信用修复指引",
                           number=re.escape(guidance_number))
    assert "信用中国" in flat

    # 不予行政处罚决定书 and the exemption's 合规建议书 (第三十三条第三款), numbered when the decision is made.
    ex_id, body = await d.prepared_case("no_penalty", await _enterprise(d))  # a first offence: another party
    exempt = (await d.decide(ex_id, body))["decision"]
    assert_document(await document(d, ex_id, "decision"), title="不予行政处罚决定书",
                    number=re.escape(exempt["document_number"]))
    advice_number = exempt["document_numbers"]["compliance_advice"]
    assert re.fullmatch(r"吴环合规字〔2026〕第\d+号", advice_number), exempt
    flat = assert_document(await document(d, ex_id, "compliance_advice"), title="合规建议书",
                           number=re.escape(advice_number))
    assert "进行教育" in flat and exempt["document_number"] in flat
    r = await d.c.post(f"{CASES}/cases/{ex_id}/service", headers=d.off)
    assert [(x["kind"], x.get("number")) for x in r.json()["documents"]] == [
        ("decision", exempt["document_number"]), ("compliance_advice", advice_number)], r.text

    # 合规建议书 of an inspection (试点方案 三（三）), numbered when issued.
    r = await d.c.post(f"{CASES}/advice-letters", headers=d.off, json={
        "uscc": uscc, "findings": ["危废贮存场所标识不全"],
        "requirements": [{"text": "补齐危废贮存场所标识", "due": "2026-06-30"}], "due": "2026-07-31"})
    assert r.status_code == 201, r.text
    letter = r.json()
    assert re.fullmatch(r"吴环合规字〔2026〕第\d+号", letter["document_number"]), letter
    pdf = await d.c.get(f"{CASES}/advice-letters/{letter['id']}/document", headers=d.off)
    assert pdf.status_code == 200, pdf.text
    flat = assert_document(pdftotext(pdf.content), title="合规建议书", number=re.escape(letter["document_number"]))
    assert "补齐危废贮存场所标识（完成期限：2026年6月30日）" in flat and "2026年7月31日" in flat


async def test_a_hearing_is_not_scheduled_for_a_bureau_without_the_notice_prefix(stack):
    d = await _driver(stack)
    admin = stack.auth("admin-1", "admin")
    cid = await _heard_penalty(d, await _enterprise(d))
    entry = (await d.c.get(f"{CASES}/bureaus/{BUREAU}", headers=admin)).json()
    keep = {k: entry[k] for k in ("name", "prefixes", "address", "contact", "reconsideration_body", "court",
                                  "payment", "example", "source")}
    prefixes = {k: v for k, v in keep["prefixes"].items() if k != "hearing_notice"}
    assert (await d.c.put(f"{CASES}/bureaus/{BUREAU}", headers=admin, json={**keep, "prefixes": prefixes})).status_code == 200
    before = await snapshot(stack)
    body = {"at": at(2026, 5, 21).isoformat(), "place": "听证室", "presided_by": "hearing-officer-1"}
    r = await d.c.post(f"{CASES}/cases/{cid}/hearing/schedule", headers=d.lead, json=body)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "bureau_setting_missing" and r.json()["setting"] == "prefixes.hearing_notice", r.json()
    assert await snapshot(stack) == before  # nothing scheduled, no 文号 used up
    assert (await d.c.get(f"{CASES}/cases/{cid}/documents/hearing_notice", headers=d.off)).status_code == 409

    await d.c.put(f"{CASES}/bureaus/{BUREAU}", headers=admin, json=keep)
    scheduled = await d.schedule_hearing(cid, at(2026, 5, 21))
    assert scheduled["records"]["hearing"]["number"] == "吴环听告字〔2026〕第1号"


async def test_a_penalty_decision_must_order_the_correction(stack):
    """第二十八条第一款: 行政机关实施行政处罚时，应当责令当事人改正或者限期改正违法行为."""
    d = await _driver(stack)
    cid, body = await d.prepared_case("lighter", await _enterprise(d))
    before = await snapshot(stack)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead,
                       json={k: v for k, v in body.items() if k != "correction_order"})
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["rule_code"] == "correction_order_required" and problem["field"] == "correction_order", problem
    assert "第二十八条第一款" in problem["article"] and "correction_order" in problem["detail"]
    assert await snapshot(stack) == before
    decided = await d.decide(cid, {**body, "correction_order": CORRECTION})
    assert decided["decision"]["correction_order"] == CORRECTION


async def test_the_party_block_follows_the_enterprise_record(stack):
    d = await _driver(stack)
    uscc = await d.enterprise(PARTY)
    r = await d.c.patch(f"{CASES}/enterprises/{uscc}", headers=d.off, json={"legal_representative": ""})
    assert r.status_code == 422 and "legal_representative" in r.text, r.text
    other = stack.auth("officer-x", "officer", bureau="320581")
    r = await d.c.patch(f"{CASES}/enterprises/{uscc}", headers=other, json={"legal_representative": REPRESENTATIVE})
    assert r.status_code == 404, r.text  # another bureau's enterprise reads as not there (issue 25 S17)
    assert (await d.c.get(f"{CASES}/enterprises/{uscc}", headers=d.off)).json()["legal_representative"] is None
    r = await d.c.patch(f"{CASES}/enterprises/{uscc}", headers=d.off,
                        json={"legal_representative": REPRESENTATIVE, "address": "苏州市吴江区某某路1号"})
    assert r.status_code == 200 and r.json()["address"] == "苏州市吴江区某某路1号", r.text
    cid, body = await d.prepared_case("penalty", uscc)
    await d.decide(cid, body)
    flat = re.sub(r"\s+", "", await document(d, cid, "decision"))
    assert f"法定代表人：{REPRESENTATIVE}" in flat and "住所：苏州市吴江区某某路1号" in flat

"""Independent legal review of issue 24's documents, the 第二十八条 gate rule and the fact vocabulary (branch
i24-review). One test per finding, written as the LAWFUL expectation; each was first marked ``xfail(strict=True)``,
failing on the code as merged and proving the finding, and the commit that fixed it removed its mark: all 15 pass. The positive case
stands beside each negative (in the same test, asserted first, so the xfail proves the finding and not a broken
setup). API tests drive the cases service over HTTP on both setups; the builders are pure and tested directly.

Severity in each comment: [A] a document states what the law does not say, or leaves out what it must say;
[B] a lawful decision refused; [C] the vocabulary or the public list misstates 第三十三条; [D] identifiers or
English a person reads."""

from __future__ import annotations

import re
import typing

import yaml

from services.cases.case.schemas import PenaltyKind
from services.cases.documents import content
from services.testing.factories import CASES, CaseDriver
from tests.cases.test_decision_documents import CORRECTION, pdftotext

API = "/checklist/v1"
OBLIGATION = "违反了《中华人民共和国水污染防治法》第十条"


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


async def _doc(d: CaseDriver, cid: str, kind: str) -> str:
    r = await d.c.get(f"{CASES}/cases/{cid}/documents/{kind}", headers=d.off)
    assert r.status_code == 200, f"{kind}: {r.status_code} {r.text}"
    return pdftotext(r.content)


async def _penalty(stack, decision_type: str = "lighter") -> tuple[CaseDriver, str]:
    d = CaseDriver(stack)
    d.at(2026, 5, 11)
    cid, body = await d.prepared_case(decision_type)
    await d.decide(cid, body)
    return d, cid


async def _exemption(stack, **extra) -> tuple[CaseDriver, str, dict]:
    d = CaseDriver(stack)
    d.at(2026, 5, 11)
    cid, body = await d.prepared_case("no_penalty")
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json={**body, **extra})
    return d, cid, r.json() | {"status_code": r.status_code}


# -- [D] high: the 事先告知书 prints the API's English keys ---------------------------------------------------
# services/cases/case/rights.py:84-88 (_default_reasons) writes body.intended_type and body.penalty_kinds raw into
# the notice's 理由 when the officer gives none; content.py:252-253 prints it: "拟作出行政处罚（lighter、罚款
# 120000元、fine）". The identifier test (IDENTIFIER = [a-z]+_[a-z_]+ …) does not catch single words.
async def test_the_notice_reasons_are_chinese(stack):
    d, cid = await _penalty(stack)
    text = await _doc(d, cid, "notice")
    assert "拟罚款金额：人民币120,000.00元" in flat(text)  # the positive: the notice states the intended fine
    assert not re.findall(r"[a-z]{3,}", text), re.findall(r"[a-z]{3,}", text)


# -- [A] medium: an ordinary fine cites 《水污染防治法》第九十五条 (按日连续处罚 after 复查) as its basis ----------
# content.py:106-123 (_provisions) prints every role=penalty article of the notice basis, which rights.py fills
# with every penalty article of the guidance item — GI-WAT-001 lists 第九十五条: "……受到罚款处罚，被责令改正的，
# 依法作出处罚决定的行政机关应当组织复查，发现其继续违法排放水污染物或者拒绝、阻挠复查的，依照《中华人民共和国
# 环境保护法》的规定按日连续处罚". A first decision is not a 复查 finding continued discharge: 第九十五条 is not its
# 依据 (第五十九条第（三）项 行政处罚的种类和依据). The same sentence also names 第八十三条 twice.
async def test_a_first_fine_is_not_based_on_daily_penalty_article(stack):
    d, cid = await _penalty(stack, "penalty")
    text = flat(await _doc(d, cid, "decision"))
    assert "依据《中华人民共和国水污染防治法》第八十三条" in text
    assert "第九十五条" not in text


# -- [A] medium: the 不予行政处罚决定书 does not say which provision was violated --------------------------------
# content.py:202-209: the exemption's reasons call _provisions(ctx, d), whose violated provisions come only from
# the 事先告知 basis — an exemption has no notice, so the document never says "违反了…的规定" (the item 2:
# "the violated provision … the same for every document kind").
async def test_the_exemption_names_the_violated_provision(stack):
    d, cid = await _penalty(stack, "penalty")
    assert OBLIGATION in flat(await _doc(d, cid, "decision"))  # the positive: the penalty decision says it
    d2, ex, _ = await _exemption(stack)
    assert OBLIGATION in flat(await _doc(d2, ex, "decision"))


# -- [A] low-medium: "本机关公布的免罚清单" and no item named ---------------------------------------------------------
# content.py:203: an in-list exemption reads "符合本机关公布的免罚清单所列情形". The 长三角 list (试点方案 三（六）) is
# published by the provincial eco-environment departments, the example items by Shanghai and an unnamed province —
# not by 苏州市吴江生态环境局; and the document names neither the list nor the item it relies on.
async def test_the_exemption_names_the_list_item_without_claiming_to_have_published_it(stack):
    d, ex, decided = await _exemption(stack)
    assert decided["status_code"] == 200 and decided["decision"]["basis"]["no_penalty_item"] == "NP-EX-002"
    text = flat(await _doc(d, ex, "decision"))
    assert "本机关公布的免罚清单" not in text
    assert "城镇污水处理厂出水轻微超标" in text


# -- [A] low: 第七十三条 (不停止执行) printed on a 不予行政处罚决定书 --------------------------------------------------------
# content.py:133 (remedies) adds "行政复议和行政诉讼期间，本决定不停止执行……（第七十三条）" to every decision. 第七十三条:
# "当事人对行政处罚决定不服，申请行政复议或者提起行政诉讼的，行政处罚不停止执行" — an exemption imposes nothing to execute.
async def test_the_exemption_does_not_speak_of_execution(stack):
    d, cid = await _penalty(stack, "penalty")
    assert "本决定不停止执行" in flat(await _doc(d, cid, "decision"))  # right on a penalty
    d2, ex, _ = await _exemption(stack)
    assert "不停止执行" not in flat(await _doc(d2, ex, "decision"))


# -- [A]/[B] medium: an exemption's 责令改正 is accepted, stored and never printed ----------------------------------
# decision.py stores body.correction_order for any type; content.py:224 prints it only in the penalty branch. The
# party is ordered to correct by a record it never receives. Either refuse it (naming the field) or print it.
async def test_an_exemptions_correction_order_is_printed_or_refused(stack):
    order = "限期三日内完成污水处理设施整改"
    d, ex, decided = await _exemption(stack, correction_order=order)
    if decided["status_code"] != 200:
        assert decided["status_code"] in (409, 422) and "correction_order" in str(decided), decided
        return
    assert decided["decision"]["correction_order"] == order
    assert order in flat(await _doc(d, ex, "decision"))


# -- [A] low: 第七十二条 加处罚款 stated as automatic ------------------------------------------------------------------
# content.py:230: "到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款". 第七十二条: "当事人逾期不履行行政处罚决定的，
# 作出行政处罚决定的行政机关可以采取下列措施：（一）到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款" — a measure the
# bureau may take, not a consequence that follows by itself (and 第七十三条第三款: not counted during 复议/诉讼).
async def test_the_surcharge_is_what_the_bureau_may_impose(stack):
    d, cid = await _penalty(stack, "penalty")
    text = flat(await _doc(d, cid, "decision"))
    assert "百分之三加处罚款" in text and "第七十二条" in text
    assert re.search(r"可以[^。]{0,30}加处罚款", text), text


# -- [A] medium: the 事先告知书 deems the 陈述、申辩 right waived when a local period lapses --------------------------
# content.py:254-258: "逾期未提出的，视为放弃上述权利" after both the statement and the hearing rights. Only the hearing
# request has a statutory period (第六十四条第（一）项: "应当在行政机关告知后五日内提出"); deadlines.py:28-31 itself says
# "The law fixes no separate period for 陈述、申辩" (a local setting), and 第六十二条 excepts only "当事人明确放弃陈述或者
# 申辩权利". 第四十五条: "行政机关必须充分听取当事人的意见".
async def test_the_notice_does_not_deem_the_statement_right_waived(stack):
    d, cid = await _penalty(stack)
    text = flat(await _doc(d, cid, "notice"))
    assert "你单位有权进行陈述和申辩" in text
    assert not re.search(r"视为放弃(上述|陈述)", text), text


# -- [A] low: "2026年5月18日前" for a period whose last day is 5月18日 ---------------------------------------------------
# content.py:254-256: "请于2026年5月18日前提出" / "告知后五个工作日内（2026年5月18日前）提出". The fifth working day after a
# notice on 5月11日 is 5月18日 (第六十四条第（一）项 "告知后五日内", 第八十五条 working days) and the system accepts a request
# that day (deadlines.overdue: today > due) — "前" reads as ending on 5月17日, a day short of the period. "以内" and a
# stated inclusive end day are unambiguous.
async def test_the_notice_states_the_last_day_of_the_period_unambiguously(stack):
    d = CaseDriver(stack)
    d.at(2026, 5, 11)
    uscc = await d.enterprise()
    cid = (await d.file(uscc))["id"]
    await d.investigate(cid)
    await d.review(cid, "penalty", 150000.0)
    await d.notify(cid, 150000.0)
    text = flat(await _doc(d, cid, "notice"))
    assert "2026年5月18日" in text  # the fifth working day after 2026年5月11日
    d.at(2026, 5, 18, 16)  # the last day: the request is in time
    await d.post(cid, "hearing/request", d.s.auth("e1", "enterprise", uscc=uscc))
    assert "2026年5月18日前" not in text, text


# -- [A]/[D] medium: the 环保信用失信记录告知书 cites news reports as its basis ---------------------------------------
# content.py:365-368 prints the credit service's sources as 所依据的条款 — "令第36号分类（新闻报道）……（未核实）" — and
# the criterion's data note "（“较大数额罚款”“巨额罚款”的金额标准数据中未载明……）". The item 5: the technical
# provenance stays in the API; a citizen's line says the period rests on interpretations, with the official citation.
async def test_the_credit_record_notice_cites_no_news_report(stack):
    d, cid = await _penalty(stack, "penalty")

    async def ready() -> bool:
        return (await d.c.get(f"/credit/v1/notices/{cid}", headers=d.off)).status_code == 200
    await stack.wait_for(ready, timeout=60, what="the credit notice")
    text = flat(await _doc(d, cid, "credit_record_notice"))
    assert "《信用修复管理办法》" in text
    assert "新闻报道" not in text and "数据中未载明" not in text, text


# -- [A] low-medium: the decision's kinds and their performance ------------------------------------------------------
# content.py:33-36: PENALTY_KIND has no label for "detention_transfer", a kind the API accepts (schemas.py
# PenaltyKind), so the decision reads "给予行政处罚：其他行政处罚" — 第五十九条第（三）项 requires 行政处罚的种类. (The
# kind "other" prints the same bare words.)
def test_every_accepted_penalty_kind_has_a_label():
    accepted = set(typing.get_args(PenaltyKind)) - {"other"}
    assert {"warning", "fine"} <= set(content.PENALTY_KIND)
    assert accepted <= set(content.PENALTY_KIND), accepted - set(content.PENALTY_KIND)


def _decision(kinds: list[str], fine: float | None) -> tuple[dict, dict, dict]:
    case = {"uscc": "91320509MA1XXXXXX0", "summary": "超标排放", "source": "日常检查", "facts": {},
            "violations": [{"code": "GI-WAT-001"}],
            "decision": {"type": "penalty", "document_number": "吴环罚字〔2026〕第9号", "penalty_kinds": kinds,
                         "fine_amount": fine, "correction_order": CORRECTION, "decided_at": "2026-05-11",
                         "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}}}
    ctx = {"authority": {"name": "苏州市吴江生态环境局", "reconsideration_body": "苏州市人民政府",
                         "court": "苏州市吴江区人民法院"}}
    return case, {"name": "某公司"}, ctx


# content.py:226-230: 履行方式和期限 (第五十九条第（四）项) is written only for a fine; 责令停产整治 (水污染防治法第八十三条
# "责令限制生产、停产整治，并处……罚款") gets no manner or period, and DecisionCreate has no field to carry one.
def test_the_performance_section_covers_every_kind():
    doc = content.decision_doc(*_decision(["fine", "suspend_for_rectification"], 150000.0))
    sections = dict(doc.sections)
    assert "责令停产整治" in doc.text() and "十五日内" in "".join(sections["履行方式和期限"])
    assert "停产整治" in "".join(sections["履行方式和期限"]), sections["履行方式和期限"]


# -- [C]/[B] low-medium: every list item is made to need a 第三十三条第一款 ground ----------------------------------------
# no_penalty/rules.py:86-88 (ARTICLE_33_LIST_GROUNDS), service.py:121-124 and public/router.py:106-127 require
# 轻微不罚 or 首违可不罚 for every list item, and the public list says "还须同时符合……第三十三条第一款规定的下列情形之一".
# An item a list founds on 第三十三条第二款 ("当事人有证据足以证明没有主观过错的，不予行政处罚") needs no 第一款 ground:
# the evaluation refuses a lawful (mandatory) exemption and the published sentence misstates what it needs.
NO_FAULT_ITEM = {
    "code": "NP-REVIEW-NOFAULT",
    "violation": "评审用条目：因供电部门突然停电致污水处理设施停运、出水超标，当事人有证据证明无主观过错",
    "applies_to": ["GI-WAT-001"],
    "legal_basis": [{"law": "中华人民共和国行政处罚法", "article": "第三十三条", "clause": "第二款"}],
    "conditions": [{"key": "no_fault_proven", "text": "当事人有证据足以证明没有主观过错"}],
    "modality": "must",
    "source": "测试数据（非真实清单）",
}


async def test_a_no_fault_list_item_needs_no_first_paragraph_ground(stack):
    admin = stack.auth("admin-1", "admin")
    r = await stack.client.post(f"{API}/imports/no-penalty-items", params={"format": "yaml"}, headers=admin,
                                content=yaml.safe_dump({"list": {"list_version": "评审清单"}, "items": [NO_FAULT_ITEM]},
                                                       allow_unicode=True).encode())
    assert r.status_code == 200, r.text
    off = stack.auth("officer-a", "officer", bureau="320509")
    facts = {"no_fault_proven": True, "other_law_provides_otherwise": False}
    r = await stack.client.post(f"{API}/no-penalty-items/APL33.no_subjective_fault/evaluate", headers=off,
                                json={"facts": facts})
    assert r.status_code == 200 and r.json()["eligible"] is True, r.text  # the statutory ground: eligible
    r = await stack.client.post(f"{API}/no-penalty-items/{NO_FAULT_ITEM['code']}/evaluate", headers=off,
                                json={"facts": facts, "violation_codes": ["GI-WAT-001"]})
    assert r.status_code == 200 and r.json()["covers"] is True, r.text
    assert r.json()["eligible"] is True, r.json()["needs"]
    public = (await stack.client.get(f"{API}/public/no-penalty-items")).json()["items"]
    item = next(i for i in public if i["code"] == NO_FAULT_ITEM["code"])
    assert "第一款" not in (item.get("requirement") or ""), item["requirement"]


# -- [C] low (our reading): 首违可不罚 with no harm at all ------------------------------------------------------------
# statutory_no_penalty.yaml: 首违可不罚 needs harm_minor; a case recording 没有造成危害后果 (no_harm) is not eligible
# under 第一款第二句 unless harm_minor is also recorded, and the vocabulary says nothing of how the two relate.
# "初次违法且危害后果轻微并及时改正的，可以不予行政处罚": a first offence corrected in time that caused no harm at all
# has, a fortiori, no more than minor harm — unless the violation is also 轻微 it falls under neither ground.
async def test_a_first_offence_without_any_harm_may_be_exempted(stack):
    off = stack.auth("officer-a", "officer", bureau="320509")
    path = f"{API}/no-penalty-items/APL33.first_offence_minor_harm/evaluate"
    r = await stack.client.post(path, headers=off, json={
        "facts": {"first_offence": True, "harm_minor": True, "corrected_in_time": True}})
    assert r.status_code == 200 and r.json()["eligible"] is True, r.text
    r = await stack.client.post(path, headers=off, json={
        "facts": {"first_offence": True, "no_harm": True, "corrected_in_time": True}})
    assert r.status_code == 200 and r.json()["eligible"] is True, r.json()


# -- [D] low: the evaluation's note carries field names and Python lists ----------------------------------------------
# no_penalty/service.py:128 "该事项不适用于违法行为 ['GI-WAT-002']（适用范围 applies_to：['GI-WAT-001']）"; :132-136 ISO
# dates ("该事项自 2026-07-01 起施行"); rules.py:68 "……由行政机关裁量决定（discretionary）". The note is Chinese prose an
# officer reads; the codes belong in covers/not_covered/effective_from, which the answer already carries.
async def test_the_evaluation_note_is_plain_chinese(stack):
    off = stack.auth("officer-a", "officer", bureau="320509")
    r = await stack.client.post(f"{API}/no-penalty-items/NP-EX-002/evaluate", headers=off,
                                json={"facts": {"first_offence": True}, "violation_codes": ["GI-WAT-002"]})
    assert r.status_code == 200 and r.json()["not_covered"] == ["GI-WAT-002"], r.text
    note = r.json()["note"]
    assert not re.findall(r"[a-z]+_[a-z_]+|\[|'", note), note

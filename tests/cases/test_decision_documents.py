"""The documents a bureau signs (issue 24, 《行政处罚法》第五十九条): the authority's name from the bureau
registry, a 文号, the party, the facts and evidence in Chinese, the officers' names and 执法证号, a Chinese
date, the seal block, the remedy bodies — and no identifier a developer would recognise. A bureau without a
setting a document needs is refused at the step with 409 naming it, never printed as "未配置"."""

from __future__ import annotations

import re
import subprocess

from services.testing.factories import BUREAU, CASES, CaseDriver
from tests.cases.helpers import snapshot

IDENTIFIER = re.compile(r"[a-z]+_[a-z_]+|@\d|\.md|NOT_FOUND|officer-[a-z]|leader-\d|reviewer-\d|未配置")
CORRECTION = "立即停止超标排放，于2026年6月30日前完成污水处理设施整改"


def pdftotext(content: bytes) -> str:
    assert content[:4] == b"%PDF", content[:200]
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()


async def _named_driver(stack) -> CaseDriver:
    d = CaseDriver(stack, auto_certify=False)
    await d._register("officer-a", "张三", "JS32050001")
    await d._register("officer-b", "李四", "JS32050002")
    await d.register_leaders()
    d.at(2026, 5, 11)
    return d


def assert_official(text: str, *, title: str, number: str) -> None:
    flat = re.sub(r"\s+", "", text)
    for expected in ("苏州市吴江生态环境局", title, "苏州某某环保科技有限公司", "张三", "李四", "JS32050001",
                     "2026年5月11日", "苏州市吴江生态环境局（印章）", "第1页共"):
        assert expected in flat, f"{expected!r} not in the {title}:\n{text}"
    assert re.search(number, flat), f"{number} not in the {title}:\n{text}"
    assert not IDENTIFIER.findall(text), f"identifiers in the {title}: {IDENTIFIER.findall(text)}\n{text}"


async def test_penalty_decision_and_notice_carry_what_article_59_requires(stack):
    d = await _named_driver(stack)
    cid, body = await d.prepared_case("lighter")
    decided = await d.decide(cid, {**body, "correction_order": CORRECTION})
    number = decided["decision"]["document_number"]
    assert re.fullmatch(r"吴环罚字〔2026〕第\d+号", number), number
    assert decided["decision"]["authority"] == "苏州市吴江生态环境局"

    text = pdftotext((await d.c.get(f"{CASES}/cases/{cid}/documents/decision", headers=d.off)).content)
    assert_official(text, title="行政处罚决定书", number=re.escape(number))
    flat = re.sub(r"\s+", "", text)
    for expected in ("苏州市人民政府申请行政复议", "苏州市吴江区人民法院提起行政诉讼", "六十日", "六个月", "责令改正",
                     CORRECTION, "十五日内", "现场检查笔录", "裁量说明", "从轻"):
        assert expected in flat, f"{expected!r} not in the decision:\n{text}"

    notice = pdftotext((await d.c.get(f"{CASES}/cases/{cid}/documents/notice", headers=d.off)).content)
    assert_official(notice, title="行政处罚事先告知书", number=r"吴环罚告字〔2026〕第\d+号")


async def test_no_penalty_decision_names_its_authority_and_remedies(stack):
    d = await _named_driver(stack)
    cid, body = await d.prepared_case("no_penalty")
    decided = await d.decide(cid, body)
    number = decided["decision"]["document_number"]
    assert re.fullmatch(r"吴环不罚字〔2026〕第\d+号", number), number
    text = pdftotext((await d.c.get(f"{CASES}/cases/{cid}/documents/decision", headers=d.off)).content)
    assert_official(text, title="不予行政处罚决定书", number=re.escape(number))
    flat = re.sub(r"\s+", "", text)
    assert "苏州市人民政府" in flat and "苏州市吴江区人民法院" in flat and "进行教育" in flat


async def test_a_bureau_without_a_setting_is_refused_at_the_step_naming_it(stack):
    d = await _named_driver(stack)
    admin = stack.auth("admin-1", "admin")
    cid, body = await d.prepared_case("lighter")
    entry = (await d.c.get(f"{CASES}/bureaus/{BUREAU}", headers=admin)).json()
    keep = {k: entry[k] for k in ("name", "prefixes", "address", "contact", "reconsideration_body", "court",
                                  "payment", "example", "source")}
    r = await d.c.put(f"{CASES}/bureaus/{BUREAU}", headers=admin, json={**keep, "court": None})
    assert r.status_code == 200, r.text
    before = await snapshot(stack)
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json=body)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "bureau_setting_missing" and r.json()["setting"] == "court", r.json()
    assert await snapshot(stack) == before  # nothing written, no 文号 used up

    prefixes = {k: v for k, v in keep["prefixes"].items() if k != "penalty_decision"}
    await d.c.put(f"{CASES}/bureaus/{BUREAU}", headers=admin, json={**keep, "prefixes": prefixes})
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json=body)
    assert r.status_code == 409 and r.json()["setting"] == "prefixes.penalty_decision", r.text

    await d.c.put(f"{CASES}/bureaus/{BUREAU}", headers=admin, json=keep)
    decided = await d.decide(cid, body)
    await d.c.put(f"{CASES}/bureaus/{BUREAU}", headers=admin, json={**keep, "reconsideration_body": None})
    r = await d.c.get(f"{CASES}/cases/{cid}/documents/decision", headers=d.off)
    assert r.status_code == 409 and r.json()["setting"] == "reconsideration_body", r.text
    assert decided["decision"]["document_number"].startswith("吴环罚字〔2026〕第")


async def test_the_suspension_period_is_printed_and_refused_without_a_suspension(stack):
    """第五十九条第（四）项 行政处罚的履行方式和期限: 责令停产整治 (《水污染防治法》第八十三条) is performed too — its period
    (``suspension_period``) printed under 履行方式和期限; a period given with no such kind is refused naming the field."""
    d = CaseDriver(stack)
    d.at(2026, 5, 11)
    uscc = await d.enterprise()
    cid = (await d.file(uscc))["id"]
    await d.investigate(cid)
    await d.review(cid, "penalty", 150000.0)
    await d.discuss(cid, "penalty", 150000.0)  # 责令停产整治: 第五十七条第二款 集体讨论
    kinds = ["fine", "suspend_for_rectification"]
    await d.post(cid, "notice", d.off, {"intended_type": "penalty", "intended_fine": 150000.0, "penalty_kinds": kinds,
                                        "facts_and_reasons": "超标排放"})
    await d.waive(cid, by="当事人")
    period = "自收到本决定书之日起至完成整治并经本机关核查合格之日止"
    body = {"type": "penalty", "fine_amount": 150000.0, "correction_order": CORRECTION, "penalty_kinds": ["fine"],
            "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}, "suspension_period": period}
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "suspension_period", r.text
    decided = await d.decide(cid, {**body, "penalty_kinds": kinds})
    assert decided["decision"]["suspension_period"] == period
    text = re.sub(r"\s+", "", pdftotext((await d.c.get(f"{CASES}/cases/{cid}/documents/decision", headers=d.off)).content))
    assert "给予行政处罚：罚款、责令停产整治。" in text, text
    assert f"责令停产整治：期限为{period}" in text and "十五日内" in text, text

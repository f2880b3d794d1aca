"""The plain-Chinese lines the pages make of the APIs' technical notes, and Beijing time marked."""

from __future__ import annotations

from datetime import UTC, datetime

from services.portal import plain
from services.portal.labels import bureau_name, timeline_action
from shared.chinese_dates import beijing_time, cn_date


def test_a_source_note_keeps_only_its_official_citation():
    assert plain.citation("LawRefBook/Laws@2f4c5c23716267af9dbebbbbd6cbbf732b101981:行政法/行政处罚法(2021-01-22).md") == ""
    assert plain.citation("上海市《生态环境轻微违法违规行为免罚清单》（2020年版）第1项（转载：https://www.h2o-china.com/news/"
                          "307962.html；仅见条目开头）") == "上海市《生态环境轻微违法违规行为免罚清单》（2020年版）第1项"
    assert plain.citation("某省生态环境领域免罚清单报道（省份未能确认；https://www.gy3yek.com/show-242-340-1.html）") == "某省生态环境领域免罚清单报道"
    assert plain.citation("https://wanglu.net/a.html 与 https://wanglu.net/b.html（OCR转载，2019-07）") == ""
    assert plain.clean("附件的计算方法部分不可见（NOT_FOUND）") == "附件的计算方法部分不可见"
    assert plain.clean("缺少申请材料：fine_receipt（缴纳罚款的收据（材料二.1））") == "缺少申请材料：缴纳罚款的收据（材料二.1）"


def test_the_credit_criterion_and_a_deadline_basis_read_plainly():
    text = plain.criterion("[ndrc-order-36-2025/general_penalty] 列为一般失信信息（依据：国家发展和改革委员会令第36号《信用修复管理办法》"
                           "；未核实来源：令第36号分类（新闻报道）、令第36号（据答记者问的新闻报道））")
    assert text == f"列为一般失信信息（依据：国家发展和改革委员会令第36号《信用修复管理办法》；{plain.NEWS_SOURCES}）"
    due = {"basis": "第五十七条：可延长三十日（第五十七条据解读材料，原文未核实）；中止期间不计入（第三十五条，据解读材料）", "verified": True}
    assert plain.deadline_basis(due["basis"]) == "第五十七条：可延长三十日；中止期间不计入" and plain.from_reading(due)
    assert plain.list_note({"list_version": "example", "verified": False}) == plain.EXAMPLE


def test_times_in_beijing_time_marked_and_names_for_codes():
    assert beijing_time(datetime(2026, 12, 7, 1, 18, tzinfo=UTC)) == "2026年12月7日 09:18（北京时间）"
    assert beijing_time("2026-12-06T16:30:00") == "2026年12月7日 00:30（北京时间）"  # naive: UTC, the next local day
    assert cn_date("2026-06-15") == "2026年6月15日" and cn_date(None) == "—"
    assert bureau_name("320509") == "苏州市吴江生态环境局" and bureau_name("999999") == "999999"
    assert timeline_action({"action": "record_statement", "detail": {"waived": True}}) == "放弃陈述、申辩"
    assert timeline_action({"action": "record_statement", "detail": {"waived": False}}) == "陈述、申辩"

"""案卷评查, read against the statute: each pre-filled item judged on the case's records as the law measures it
(《行政处罚法》第五十九条、第六十条、第六十一条、第八十五条), each positive case beside its negative."""

from __future__ import annotations

from services.audit.casefile_review import prefill
from services.audit.casefile_review.standard import seeded

NUMBER = "苏环罚案〔2026〕7号"


def case(**kw) -> dict:
    base = {"number": NUMBER, "filed_at": "2026-01-05T02:00:00+00:00", "timeline": [],
            "due": {"handling": {"date": "2026-04-05", "done": True, "provisional": False},
                    "filing": {"date": "2026-01-10", "done": True, "provisional": False, "verified": False}},
            "decision": {"type": "general", "decided_at": "2026-04-03T02:00:00+00:00", "articles": []}}
    base.update(kw)
    return base


def test_a_decision_made_after_the_handling_period_is_not_met_though_the_closed_case_shows_nothing_overdue():
    late = case(overdue=False, overdue_deadlines=[],
                decision={"type": "general", "decided_at": "2026-04-07T02:00:00+00:00"})
    got = prefill.deadlines_kept(late, [], {})
    assert got.met is False
    assert "办案期限" in got.evidence[-1]["value"] and "2026年4月7日" in got.evidence[1]["value"]
    assert prefill.deadlines_kept(case(), [], {}).met is True  # decided on day 88: in time


def test_the_decision_on_the_last_day_of_the_period_is_in_time_in_beijing_time():
    # 2026-04-05 23:30 Beijing time is 15:30 UTC: still the last day of the period
    on_time = case(decision={"type": "general", "decided_at": "2026-04-05T15:30:00+00:00"})
    assert prefill.deadlines_kept(on_time, [], {}).met is True
    next_day = case(decision={"type": "general", "decided_at": "2026-04-05T16:30:00+00:00"})
    assert prefill.deadlines_kept(next_day, [], {}).met is False


def test_a_late_filing_is_not_met_and_its_unverified_period_says_so():
    late = case(filed_at="2026-01-12T02:00:00+00:00")
    got = prefill.deadlines_kept(late, [], {})
    assert got.met is False and "立案期限" in got.evidence[-1]["value"]
    assert "原文未核实" in got.evidence[0]["value"]


def test_service_after_a_provisional_seventh_working_day_is_left_to_the_reviewer_and_after_a_firm_one_is_not_met():
    served = [{"action": "serve", "at": "2026-04-20T02:00:00+00:00"}]
    firm = case(timeline=served, due={"service": {"date": "2026-04-14", "provisional": False}})
    assert prefill.service_within_7_days(firm, [], {}).met is False
    provisional = case(timeline=served, due={"service": {"date": "2026-04-14", "provisional": True}})
    got = prefill.service_within_7_days(provisional, [], {})
    assert got.met is None and "人工核对" in got.evidence[-1]["value"]
    in_time = case(timeline=[{"action": "serve", "at": "2026-04-14T08:00:00+00:00"}],
                   due={"service": {"date": "2026-04-14", "provisional": True}})
    assert prefill.service_within_7_days(in_time, [], {}).met is True


def test_an_exemption_decision_carries_its_remedies_though_it_cites_no_article_59():
    exemption = case(decision={"type": "no_penalty", "decided_at": "2026-04-03T02:00:00+00:00",
                               "articles": ["《中华人民共和国行政处罚法》第三十三条"]})
    docs = [{"kind": "decision", "number": "苏环不罚〔2026〕3号"}]
    got = prefill.remedies_on_decision(exemption, docs, {})
    assert got.met is True and "不予行政处罚决定书 苏环不罚〔2026〕3号" in got.evidence[0]["value"]
    assert "申请行政复议或者提起行政诉讼的途径和期限" in got.evidence[0]["value"]
    # no decision document issued: the records do not show the remedies, the reviewer judges
    assert prefill.remedies_on_decision(exemption, [{"kind": "notice", "number": "告〔2026〕1号"}], {}).met is None


def test_a_document_identified_only_by_the_case_number_lacks_its_own_number():
    numbered = [{"kind": "decision", "number": "苏环罚〔2026〕9号"}, {"kind": "notice", "number": "苏环告〔2026〕9号"},
                {"kind": "service_receipt", "number": NUMBER}]
    got = prefill.documents_numbered(case(), numbered, {})
    assert got.met is True and f"以案号标识 {NUMBER}" in got.evidence[0]["value"]
    unnumbered = [{"kind": "decision", "number": NUMBER}, {"kind": "notice", "number": "苏环告〔2026〕9号"}]
    assert prefill.documents_numbered(case(), unnumbered, {}).met is False


def test_the_seeded_standard_says_what_was_read_and_what_is_local():
    std = seeded()
    guide = std.sources[0]
    assert guide.verified and "目录" in guide.note and "供参考" in guide.note
    items = {i.code: i for i in std.items}
    assert "四种情形" in items["P2"].basis and "本地规则" in items["P2"].basis
    assert "本地规则" in items["D1"].basis and "项目内容与分值" in items["F2"].basis
    assert "第八十五条" in items["P4"].basis
    assert [s.name for s in std.sections] == ["主体合法", "事实清楚", "证据充分", "适用法律正确", "程序合法", "文书规范",
                                             "执行到位", "归档规范"]


def test_the_flag_of_a_failed_file_names_where_its_veto_rule_and_its_pass_mark_come_from():
    from datetime import date

    from services.audit.flags import rules
    vetoed = rules.casefile_review_failed("2026年度评查", 100, 100, 60, ["S2"], date(2026, 6, 1))
    assert "否决项不符合：S2" in vetoed.detail and "发文未核实" in vetoed.detail
    low = rules.casefile_review_failed("2026年度评查", 55, 100, 60, [], date(2026, 6, 1))
    assert "低于及格线 60%（本地设置）" in low.detail and "发文未核实" not in low.detail
    assert "供参考" in low.detail


def test_a_decision_after_a_review_that_returned_the_case_was_not_reviewed_though_an_earlier_one_approved():
    decided = [{"action": "decide", "at": "2026-04-03T02:00:00+00:00"}]
    approve = {"opinion": "approve", "by": "fz-1", "at": "2026-03-20T02:00:00+00:00"}
    back = {"opinion": "return", "by": "fz-1", "at": "2026-03-25T02:00:00+00:00"}
    returned = case(timeline=decided, records={"legal_reviews": [approve, back]})
    got = prefill.legal_review_before_decision(returned, [], {"fz-1": "钱法审"})
    assert got.met is False and "钱法审" in got.evidence[0]["value"] and "审核未通过" in got.evidence[0]["value"]
    again = {"opinion": "approve", "by": "fz-1", "at": "2026-03-30T02:00:00+00:00"}
    approved = case(timeline=decided, records={"legal_reviews": [approve, back, again]})
    assert prefill.legal_review_before_decision(approved, [], {}).met is True
    after = case(timeline=decided, records={"legal_reviews": [{**again, "at": "2026-04-04T02:00:00+00:00"}]})
    assert prefill.legal_review_before_decision(after, [], {}).met is False  # reviewed only after deciding

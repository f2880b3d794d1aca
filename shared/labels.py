"""Chinese labels for the audit's codes, one place for every page that shows them (the audit service's
dashboard and the supervision workspace): integrity-risk rules, flag statuses and review outcomes, flag-history
actions, the events the audit log holds, decision types. The rules' legal sources are in
``services.audit.flags.rules`` (each rule's docstring, served at ``GET /audit/v1/rules``)."""

from __future__ import annotations

RULE_CN = {
    "exemption_or_light_penalty": "免罚轻罚监督审核",
    "missing_legal_review": "缺少法制审核",
    "missing_collective_discussion": "缺少集体讨论",
    "out_of_list_steps_missing": "清单外免罚缺少环节",
    "missing_notice": "缺少事先告知",
    "repeated_exemption": "重复免罚",
    "unusual_exemption_share": "免罚占比异常",
    "fine_below_range_without_reason": "低于裁量区间无理由",
    "similar_case_disparity": "类案不同罚",
    "case_overdue": "案件超期",
    "relapse_found": "复查发现反弹",
    "recorded_interference": "干预插手案件记录",
    "reconciliation_gap": "核对发现缺失",
    "case_ended_without_penalty": "未经处罚结束案件",
    "decision_revoked_or_reduced": "决定被撤销或减轻",
    "repeated_refused_exemption_attempts": "多次被拒的免罚轻罚尝试",
    "fine_outside_calculated_range": "罚款超出裁量计算区间",
    "fine_outside_statutory_range": "罚款超出法定幅度",
    "first_offence_against_record": "初次违法认定与记录不符",
    "same_act_fined_twice": "同一违法行为重复罚款",
    "decision_differs_from_discussion": "决定与集体讨论结论不一致",
    "decider_handled_case": "决定人系本案经办人",
    "compensation_in_lieu_of_penalty": "以赔代罚（减罚超出实际赔偿）",
    "damage_claim_not_started": "有生态环境损害未启动索赔且无不启动依据",
    "casefile_review_failed": "案卷评查不合格",
    "substantiated_complaint": "投诉举报查证属实",
}
ACTION_CN = {"raised": "生成审核标记", "rule_added": "增加触发规则", "reopened": "重新开启审核", "assigned": "分派审核",
             "reviewed": "作出审核结论", "review_started": "开始审核", "attachment_added": "添加审核附件"}
SEVERITY_CN = {"review": "例行审核", "warning": "提示", "high": "高风险"}
# 无问题 / 发现问题并责令纠正 / 移送纪检监察 (issue 26): a review's outcomes.
OUTCOME_CN = {"cleared": "无问题", "issue_found": "发现问题并责令纠正", "referred": "移送纪检监察"}
STATUS_CN = {"open": "待审核", "in_review": "审核中", "cleared": "审核无问题", "issue_found": "发现问题",
             "referred": "移送纪检监察"}
DECISION_TYPE_CN = {"penalty": "处罚", "no_penalty": "不予处罚", "lighter": "从轻处罚", "mitigated": "减轻处罚",
                    "heavier": "从重处罚", "undecided": "未决定"}
EVENT_CN = {
    "ecocomply.case.filed.v1": "立案", "ecocomply.case.investigation_completed.v1": "调查终结",
    "ecocomply.case.legal_reviewed.v1": "法制审核", "ecocomply.case.collective_discussed.v1": "集体讨论",
    "ecocomply.case.notified.v1": "事先告知", "ecocomply.case.opinion_recorded.v1": "征求意见",
    "ecocomply.case.rectification_assessed.v1": "整改评估", "ecocomply.case.decided.v1": "作出决定",
    "ecocomply.case.ended.v1": "结束案件（撤销立案、终止、移送）", "ecocomply.case.decision_changed.v1": "决定变更、撤销",
    "ecocomply.case.served.v1": "送达", "ecocomply.case.closed.v1": "结案", "ecocomply.case.overdue.v1": "超期",
    "ecocomply.case.relapse_found.v1": "复查发现反弹", "ecocomply.case.document_issued.v1": "文书签发（存证哈希）",
    "ecocomply.case.gate_refused.v1": "决定被关口拒绝",
    "ecocomply.credit.record_created.v1": "信用记录",
    "audit.interference_recorded": "干预记录", "audit.flag_assigned": "分派审核", "audit.flag_reviewed": "审核结论",
    "audit.flag_review_started": "开始审核", "audit.flag_reopened": "重新开启审核",
    "audit.flag_attachment_added": "添加审核附件",
    "ecocomply.case.damage_opened.v1": "生态环境损害赔偿线索筛查（一案双查）",
    "ecocomply.case.damage_step_recorded.v1": "生态环境损害赔偿",
    "audit.accountability_trace_opened": "错案责任倒查", "audit.responsibility_recorded": "责任认定",
    "audit.excuse_decided": "容错纠错决定",
    "audit.casefile_review_campaign_created": "创建案卷评查活动", "audit.casefile_assigned": "分派案卷评查",
    "audit.casefile_scored": "案卷评查评分", "audit.casefile_failed": "案卷评查不合格",
    "audit.complaint_filed": "收到投诉举报", "audit.complaint_handled": "办理投诉举报",
}
# The documents a case issues (what ``GET /cases/v1/cases/{id}/documents`` lists by ``kind``).
DOCUMENT_CN = {
    "decision": "行政处罚决定书", "no_penalty_decision": "不予行政处罚决定书", "notice": "行政处罚事先告知书",
    "hearing_notice": "听证通知书", "compliance_advice": "合规建议书", "credit_record_notice": "环保信用失信记录告知书",
    "credit_repair_guidance": "信用修复指引",
}


def document_title(kind: str, decision_type: str | None = None) -> str:
    """A document's title as its reader knows it: the decision of an exemption is a 不予行政处罚决定书
    (试点方案 三（六）：出具不予行政处罚决定书; 《行政处罚法》第五十七条), though its kind is ``decision`` like a
    penalty's."""
    if kind == "decision" and decision_type == "no_penalty":
        return DOCUMENT_CN["no_penalty_decision"]
    return DOCUMENT_CN.get(kind, "文书")


# 一案双查 (issue 27): the damage-compensation matter's statuses, steps and 不启动 grounds (their sources are in
# ``services.cases.damage.workflow``).
DAMAGE_STATUS_CN = {"screening": "线索筛查", "not_started": "不启动索赔", "started": "启动索赔", "assessed": "调查/鉴定评估",
                    "consultation": "磋商", "agreement": "赔偿协议", "confirmed": "司法确认", "litigation": "诉讼",
                    "restoration": "修复", "evaluated": "修复效果评估通过"}
DAMAGE_ACTION_CN = {"open": "线索筛查（开启）", "start": "启动索赔", "not_start": "不启动索赔", "assess": "调查/鉴定评估",
                    "consult": "开始磋商", "agree": "签订赔偿协议", "consultation_failed": "磋商未达成一致或无法磋商，提起诉讼",
                    "confirm": "司法确认", "restore": "开始修复", "evaluate": "修复效果评估", "pay": "缴纳赔偿金"}
DAMAGE_GROUND_CN = {"significantly_slight": "损害显著轻微且不需要赔偿", "already_restored": "已通过行政执法、诉讼等途径实现修复"}
DAMAGE_TRIGGER_CN = {"facts": "案件事实认定造成生态环境损害", "officer": "执法人员登记线索"}
# 错案责任倒查与容错纠错 (issue 27 point 4; sources in services.audit.accountability.law).
# A person's part in a case, as the audit's records show it (services.audit.accountability.people).
CASE_ROLE_CN = {
    "handler": "承办人", "filer": "立案人", "investigator": "调查终结人", "legal_reviewer": "法制审核人",
    "discussion_participant": "集体讨论参加人", "discussion_recorder": "集体讨论记录人", "opinion_recorder": "征求意见记录人",
    "notifier": "事先告知人", "rectification_assessor": "整改评估人", "decider": "决定人（行政机关负责人）",
    "attempted_decision": "提出被关口拒绝的决定", "involved": "其他参与人",
}
FINDING_CN = {"none": "无责任", "responsible": "有责任"}
RESPONSIBILITY_OUTCOME_CN = {
    "talk_reminder": "谈话提醒", "criticism_education": "批评教育", "ordered_self_examination": "责令检查",
    "admonishment": "诫勉", "circulated": "通报（党内问责）", "warning": "警告（处分或政务处分）",
    "demerit": "记过（处分或政务处分）", "major_demerit": "记大过（处分或政务处分）", "demotion": "降级（处分或政务处分）",
    "removal_from_post": "撤职（处分或政务处分）", "expulsion": "开除（处分或政务处分）",
    "referred_to_discipline": "移送纪检监察", "organisational_adjustment": "组织调整", "other": "其他（须写明）",
}
EXCUSE_CONDITION_CN = {"no_breach_of_discipline_or_law": "不违反党的纪律和国家法律法规", "diligent": "勤勉尽责",
                       "no_private_gain": "未谋私利", "corrected_in_time": "能够及时纠错改正"}
RELIEF_CN = {"exempted": "免除相关责任（不作负面评价）", "lightened": "从轻减轻处理（不作负面评价）"}
# A person's standing in one trace (已免责 counted apart, never as 有责任).
STANDING_CN = {"pending": "未认定", "not_responsible": "无责任", "responsible": "有责任", "lightened": "有责任（容错从轻减轻）",
               "excused": "已免责"}
TRACE_GROUND_CN = {"issue_found": "审核发现问题", "referred": "审核移送纪检监察", "casefile_review_failed": "案卷评查不合格"}
# 案卷评查 (issue 27): how a file came into the sample, its status and verdict.
CASEFILE_DRAWN_CN = {"random": "随机抽取", "all_exemptions": "免罚轻罚全部纳入"}
CASEFILE_STATUS_CN = {"drawn": "待分派", "assigned": "待评查", "scored": "已评查"}

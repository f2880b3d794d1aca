"""Chinese labels for the codes the services' APIs answer with (what a reader sees on the pages)."""

from __future__ import annotations

from shared.bureaus import bureau_name  # noqa: F401 - the pages call labels.bureau_name (web.py filter)
from shared.labels import DAMAGE_ACTION_CN as DAMAGE_ACTION  # noqa: F401 - 一案双查 (my_case.html)
from shared.labels import DAMAGE_GROUND_CN as DAMAGE_GROUND  # noqa: F401
from shared.labels import DAMAGE_STATUS_CN as DAMAGE_STATUS  # noqa: F401
from shared.vocabulary import DecisionType

RISK = {"high": "高风险", "medium": "中风险", "low": "低风险"}
CASE_STATE = {
    "filed": "已立案", "investigated": "调查终结", "reviewed": "法制审核通过", "discussed": "已集体讨论",
    "notified": "已事先告知", "decided": "已作出决定", "served": "已送达", "executing": "执行中", "closed": "已结案",
    "withdrawn": "已撤销立案", "transferred": "已移送", "terminated": "已终止",
}
# How a case ended before a decision, and what became of a decision (issue 23).
ENDING = {"withdrawn": "撤销立案", "facts_not_established": "违法事实不能成立，不予行政处罚", "terminated": "终止调查",
          "transferred": "移送"}
DECISION_STATUS = {"in_force": "有效", "changed": "已依法变更", "revoked": "已依法撤销（不再执行，信用记录和公开信息已撤回）"}
CHANGE_OUTCOME = {"upheld": "维持", "changed": "变更", "revoked": "撤销", "confirmed_illegal": "确认违法",
                  "redo": "撤销并责令重新作出"}
CHANGE_SOURCE = {"bureau": "本机关自行纠正", "reconsideration": "行政复议", "litigation": "行政诉讼"}
DECISION = {DecisionType.PENALTY: "行政处罚", DecisionType.EXEMPTION: "不予行政处罚", DecisionType.LIGHTER: "从轻行政处罚",
            DecisionType.MITIGATED: "减轻行政处罚", DecisionType.HEAVIER: "从重行政处罚"}
DEADLINE = {
    "filing": "立案期限", "handling": "办案期限", "statement": "陈述申辩期限", "hearing_request": "申请听证期限",
    "service": "送达期限", "payment": "缴纳罚款期限",
}
SEVERITY = {"minor": "轻微失信", "general": "一般失信", "serious": "严重失信"}
RECORD_STATUS = {"published": "公示中", "not_published": "不公示", "repaired": "已修复（终止公示）",
                 "expired": "公示期满（停止公示）", "withdrawn": "决定已被撤销（撤回公示）"}
REPAIR_STATUS = {"submitted": "已提交，待受理", "accepted": "已受理，待决定", "approved": "已同意修复",
                 "rejected": "已驳回"}
ADVICE_STATUS = {"issued": "待反馈", "feedback_received": "已反馈", "completed": "已完成整改", "overdue": "已逾期"}
ANSWER = {"yes": "是", "no": "否", "unknown": "不确定"}
METHOD = {"coefficient": "系数制", "levels": "因素分级", "two_dimensional": "二维叠加", "percentage": "百分比"}
EFFECT = {"heavier": "从重", "lighter": "从轻", "mitigated": "减轻", "neutral": "—"}
ENDED = {"legal_change": "决定已被依法变更或撤销", "credit_repaired": "信用修复已完成，终止公示",
         "publicity_expired": "最长公示期已届满", "retention_ended": "网站公开期限已届满"}
EVIDENCE_KIND = {"identity": "身份证明/授权委托书", "fine_receipt": "缴纳罚款的收据", "rectification": "整改完成的证明",
                 "other": "其他佐证材料"}
# The form fields a refusal may name (the services' problem+json ``errors[].field``), as the forms label them.
FORM_FIELD = {"evidence": "证明材料", "commitment": "信用承诺书", "record_id": "信用记录", "content": "反馈内容",
              "completed": "是否已完成整改", "reapplication_note": "补正说明", "answers": "问卷回答", "industry": "所属行业"}


def label(table: dict[str, str], code: str | None) -> str:
    return table.get(code or "", code or "—")

ACTION = {
    "file": "立案", "add_evidence": "调查取证", "complete_investigation": "调查终结", "legal_review": "法制审核",
    "record_opinion": "征求意见", "case_review": "一案一议", "rectification_plan": "提交合规整改方案",
    "rectification_assessment": "整改评估", "calculate_discretion": "裁量计算", "collective_discussion": "集体讨论",
    "notice": "事先告知", "record_statement": "陈述、申辩", "request_hearing": "申请听证", "hold_hearing": "举行听证",
    "decide": "作出决定", "serve": "送达", "record_payment": "缴纳罚款", "close": "结案", "withdraw": "撤销立案",
    "transfer": "移送", "extend_handling": "延长办案期限", "suspend": "中止", "resume": "恢复办理",
    "economic_impact": "经济影响评估", "schedule_follow_up": "安排跟踪检查", "record_follow_up": "跟踪检查",
    "terminate": "终止", "change_decision": "决定的变更、撤销", "schedule_hearing": "通知听证时间、地点",
    "reinvestigate": "重新调查（复核）",
}


def timeline_action(entry: dict) -> str:
    """A case timeline entry's step in Chinese; a recorded waiver reads as one (第六十二条)."""
    if entry.get("action") == "record_statement" and (entry.get("detail") or {}).get("waived"):
        return "放弃陈述、申辩"
    return label(ACTION, entry.get("action"))



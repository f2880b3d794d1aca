"""The credit record notice (环保信用失信记录告知书) and credit-repair guidance (信用修复指引) for one
record — pure: built from the stored record and the dated rule data, no I/O.

Suzhou serves them together with the penalty decision (三书送达); the cases service fetches this
notice when it serves a penalty decision.
"""

from __future__ import annotations

from datetime import date

from services.credit.models import CreditRecord
from services.credit.records.rules import (
    RULE_SETS_BY_CODE,
    RuleSet,
    repair_available_from,
    rule_set_on,
    severity_label,
    source,
)
from services.credit.records.schemas import (
    CreditRecordNotice,
    CreditRepairGuidance,
    NoticeRead,
    RepairConditionRead,
    RuleSetRead,
    SourceRead,
)
from services.credit.repair.rules import COMMITMENT_RULE, required_documents

SERVED_WITH = ["行政处罚决定书", "环保信用失信记录告知书", "信用修复指引"]
SUZHOU_THREE_DOCUMENTS = source(
    "suzhou_three_documents",
    "《关于规范苏州市生态环境处罚信息信用公示和修复工作的通知》（苏州，2022年）：送达《行政处罚决定书》的同时，将《环保信用失信记录告知书》"
    "和《信用修复指引》一并送至企业，主动告知其公示期限、失信等级及申请失信修复的政策和途径",
    "http://www.ouyq.cn/dujia/zixun/20221031/53982.html",
    False,
    "reprint of 苏报, 2022-10-31",
)


def _rule_set(rs: RuleSet) -> RuleSetRead:
    return RuleSetRead(
        code=rs.code,
        title=rs.title,
        order=rs.order,
        effective_from=rs.effective_from,
        effective_to=rs.effective_to,
        source=SourceRead.of(rs.source),
    )


def build_notice(record: CreditRecord, *, today: date) -> NoticeRead:
    classified_by = RULE_SETS_BY_CODE[record.rule_set]
    repair_from = repair_available_from(record.publicity_min_until) if record.published else None
    # Repair is applied for under the rules in force when the enterprise can first apply.
    repair_rules = rule_set_on(max(today, repair_from or today))
    label = severity_label(classified_by, record.severity, record.published)
    fine = f"，罚款{record.fine_amount:g}元" if record.fine_amount else ""
    recorded = f"行政处罚信息：{record.case_number}（{record.decision_date.isoformat()}作出{fine}）"

    if record.published:
        period = (
            f"自{record.publicity_from.isoformat()}起公示，最短至{record.publicity_min_until}，"
            f"最长至{record.publicity_max_until}；最长公示期届满后自动停止公示"
        )
        when = f"最短公示期届满后（{repair_from.isoformat() if repair_from else '—'}起）可申请信用修复"
    else:
        period = "不予公示"
        when = "该信息不予公示；" + (repair_rules.repair_note or "纠正失信行为、履行法定义务后可申请信用修复")

    notice = CreditRecordNotice(
        text=(f"贵单位{recorded}，依据{classified_by.order}《{classified_by.title}》认定为{label}，{period}。"
              if classified_by.grades else
              f"贵单位{recorded}，依据{classified_by.order}《{classified_by.title}》作为{label}处理（该办法不区分轻微、一般、"
              f"严重失信信息），{period}。"),
        recorded=recorded,
        severity=record.severity,
        severity_label=label,
        published=record.published,
        publicity_from=record.publicity_from,
        publicity_min_until=record.publicity_min_until,
        publicity_max_until=record.publicity_max_until,
        criterion=record.criterion,
        sources=[SourceRead(**s) for s in record.sources],
        rule_set=_rule_set(classified_by),
    )
    guidance = CreditRepairGuidance(
        text=f"{when}；申请途径：“信用中国”网站（国家公共信用信息中心受理生态环境等领域的行政处罚信息信用修复）。",
        repair_available_from=repair_from,
        rule_set=_rule_set(repair_rules),
        conditions=[
            RepairConditionRead(
                key=c.key,
                text=c.text,
                source=SourceRead.of(c.source),
                applies=record.published or c.key != "minimum_period_served",
            )
            for c in repair_rules.repair_conditions
        ],
        where=SourceRead.of(repair_rules.repair_route),
        materials=[SourceRead.of(m) for m in repair_rules.materials],
        documents=[
            {
                "kind": "commitment",
                "text": "信用承诺书",
                "cite": COMMITMENT_RULE.cite(),
                "verified": COMMITMENT_RULE.verified,
            },
            *(
                {"kind": d.kind, "text": d.text, "cite": d.source.cite(), "verified": d.source.verified}
                for d in required_documents(record.fine_amount)
            ),
        ],
    )
    return NoticeRead(
        case_id=record.case_id,
        case_number=record.case_number,
        record_id=record.id,
        uscc=record.uscc,
        bureau=record.bureau,
        generated_on=today,
        served_with=SERVED_WITH,
        served_with_basis=SourceRead.of(SUZHOU_THREE_DOCUMENTS),
        credit_record_notice=notice,
        credit_repair_guidance=guidance,
    )

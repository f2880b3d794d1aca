"""The self-check risk report as a PDF (``shared.pdf``: embedded CJK font, text extracts back)."""

from __future__ import annotations

from typing import Any

from services.portal import labels
from shared.pdf import Doc, render


def report_doc(industry: str, report: dict[str, Any], generated_on: str) -> Doc:
    risks = report.get("risks") or []
    summary = [
        f"行业：{industry}",
        f"自查得分：{report['score']:g}（{report['score_note']}）",
        f"问卷题数：{report.get('questions', '—')}；存在风险的清单事项：{len(risks)}项；未作答或不确定：{len(report.get('unanswered') or [])}题",
        f"生成日期：{generated_on}。本报告未保存在系统中（匿名自查）。",
    ]
    sections: list[tuple[str, list[str]]] = [("自查结果", summary)]
    for r in risks:
        lines = [f"风险等级：{labels.label(labels.RISK, r['risk_level'])}（清单事项{r['item_code']}，第{r['item_version']}版）"]
        lines += [f"合规建议{i}：{a}" for i, a in enumerate(r.get("advice") or [], start=1)]
        sections.append((f"{r.get('title') or r['item_code']}", lines))
    if not risks:
        sections.append(("未发现风险", ["根据您的回答，未发现问卷所列的违法情形。请继续按合规指导清单做好日常管理。"]))
    return Doc(
        "企业环境合规自查报告", f"问卷版本：{report['questionnaire_version']}", sections,
        ["《苏州市生态环境领域涉企行政合规指导工作试点方案》三（四）、（九）：企业自查自纠、免费合规体检",
         "合规指导清单：据法律法规条文编制，非江苏省生态环境厅官方《涉企行政合规指导清单》"],
        articles_heading="依据与说明",
    )


def report_pdf(industry: str, report: dict[str, Any], generated_on: str) -> bytes:
    return render(report_doc(industry, report, generated_on))

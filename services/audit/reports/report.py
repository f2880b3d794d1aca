"""The annual report (免罚轻罚案件纳入年报) as CSV (UTF-8 with BOM, for Excel) and XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from services.audit.complaints import figures
from shared.spreadsheet import csv_cell, xlsx_row

COLUMNS = [
    ("year", "年度"), ("bureau", "执法机构（代码）"), ("decided", "作出决定案件数"),
    ("penalty", "行政处罚（一般）"), ("heavier", "从重处罚"), ("lighter", "从轻处罚"), ("mitigated", "减轻处罚"),
    ("no_penalty", "不予行政处罚（免罚）"), ("exemptions_and_light", "免罚轻罚案件合计"),
    ("fines_total", "罚款金额合计（元）"), ("flags", "监督审核标记数"), ("flags_open", "待审核"),
    ("flags_cleared", "审核无问题"), ("flags_issue_found", "审核发现问题"), ("flags_referred", "移送纪检监察"),
    ("flags_reopened", "其中重新审核中（按原结论计）"),
    # 错案责任倒查与容错纠错 (issue 27 point 4): persons by their standing now; 已免责 never counted as 有责任.
    ("accountability_traces", "错案责任倒查案件数"), ("accountability_responsible", "认定有责任人次（不含容错）"),
    ("accountability_lightened", "容错从轻减轻人次"), ("accountability_excused", "容错已免责人次"),
    ("casefiles_reviewed", "案卷评查数"), ("casefiles_passed", "评查合格"), ("casefile_pass_rate", "评查合格率"),
    *figures.COLUMNS,  # 投诉举报 (工作要点（二十一）)
]
SOURCE = ("依据：《苏州市生态环境领域涉企行政合规指导工作试点方案》五（二）试点过程中的免罚、轻罚案件要纳入"
          "行政执法总体情况年报；案卷评查：《2023年苏州市生态环境系统法治政府建设工作要点》（十九）")


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([cn for _, cn in COLUMNS])
    for r in rows:
        w.writerow([csv_cell(r[k]) for k, _ in COLUMNS])
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")


def to_xlsx(rows: list[dict[str, Any]], year: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年度执法情况"
    ws.append([f"{year}年度生态环境行政执法总体情况（含免罚轻罚案件）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([SOURCE])
    ws.append([cn for _, cn in COLUMNS])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(xlsx_row(ws, [r[k] for k, _ in COLUMNS]))
    for i, (_, cn) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=3, column=i).column_letter].width = max(10, len(cn) * 2)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

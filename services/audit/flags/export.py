"""The flag queue exported as CSV (UTF-8 with BOM, for Excel) or XLSX: the queue's filter, Chinese column
headers, bureaus and people by the names the registry gives (``shared.registry``; a person it does not know
by their login id), times in Beijing time and marked so, every cell neutralised against formula injection
(``shared.spreadsheet``)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook

from services.audit.flags import review
from services.audit.flags.rules import TYPE_CN
from services.audit.models import Flag
from services.audit.reports.dashboard import RULE_CN, STATUS_CN
from shared.chinese_dates import beijing_time
from shared.spreadsheet import csv_cell, xlsx_row

LIMIT = 10_000  # rows one export may hold; a larger queue is narrowed by its filter (dates, bureau …)
COLUMNS = ("标记编号", "案号", "执法机构", "当事人统一社会信用代码", "决定类型", "罚款金额（元）", "触发规则",
           "状态", "审核结论", "审核人", "审核意见", "分派给", "决定人", "决定时间（北京时间）",
           "标记时间（北京时间）", "审核期限（北京时间）", "是否超期", "审核时间（北京时间）")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _who(sub: str | None, people: dict[str, str]) -> str:
    if not sub:
        return ""
    return "系统自动" if sub == "system" else people.get(sub) or sub


def row(flag: Flag, *, bureaus: dict[str, str], people: dict[str, str], now: datetime) -> list[Any]:
    outcome = review.OUTCOME_NAMES.get(flag.outcome or "", "")
    return [
        flag.id, flag.number, bureaus.get(flag.bureau) or flag.bureau, flag.uscc,
        TYPE_CN.get(flag.decision_type, flag.decision_type), flag.fine_amount,
        "；".join(RULE_CN.get(r.code, r.code) for r in flag.rules),
        STATUS_CN.get(flag.status, flag.status), outcome, _who(flag.reviewed_by, people), flag.review_notes or "",
        _who(flag.assignee, people), _who(flag.decided_by, people),
        beijing_time(flag.decided_at) if flag.decided_at else "", beijing_time(flag.created_at),
        beijing_time(flag.due_at) if flag.due_at else "", "是" if review.sla_breached(flag, now) else "否",
        beijing_time(flag.reviewed_at) if flag.reviewed_at else "",
    ]


def to_csv(rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([csv_cell(v) for v in r])
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")


def to_xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("监督审核标记")
    ws.append(list(COLUMNS))
    for r in rows:
        ws.append(xlsx_row(ws, r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

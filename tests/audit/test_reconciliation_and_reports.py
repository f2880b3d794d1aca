"""Reconciliation proves every exemption/light penalty has a flag (a deleted flag is found, re-raised
and counted); statistics and the annual report (CSV, XLSX) count what was decided."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from audit_helpers import all_flags, at, auditor, consumed, emit, flag_of
from openpyxl import load_workbook
from prometheus_client import REGISTRY
from sqlalchemy import delete

from services.audit.models import Flag
from services.testing.factories import BUREAU, OTHER_BUREAU, CaseDriver
from shared import contracts as c
from shared.clock import local_date


def missing_total() -> float:
    return REGISTRY.get_sample_value("ecocomply_audit_reconciliation_missing_total") or 0.0


@pytest.mark.clock_edge
async def test_reconciliation_finds_a_deleted_flag_and_raises_its_own(stack):
    driver = CaseDriver(stack)
    exempt = await driver.decided_case("no_penalty")
    light = await driver.decided_case("lighter")
    plain = await driver.decided_case("penalty")

    async def flagged():
        ids = {f["case_id"] for f in await all_flags(stack)}
        return {exempt["id"], light["id"]} <= ids

    await stack.wait_for(flagged, timeout=60, what="flags of the HTTP-decided cases")
    # Reconciliation periods are Asia/Shanghai dates: derive the day as the product does.
    day = local_date(exempt["decision"]["decided_at"]).isoformat()
    period = {"from": day, "to": day}
    r = await stack.client.get("/audit/v1/reconciliation", params=period, headers=auditor(stack))
    assert r.status_code == 200, r.text
    assert r.json()["checked"] >= 2 and r.json()["missing"] == []

    rt = stack.runtimes["audit"]
    async with rt.engine.begin() as conn:
        await conn.execute(delete(Flag).where(Flag.case_id == light["id"]))
    before = missing_total()
    r = await stack.client.get("/audit/v1/reconciliation", params=period, headers=auditor(stack))
    assert r.status_code == 200 and r.json()["missing"] == [light["id"]]
    assert missing_total() == before + 1
    flag = await flag_of(stack, light["id"])
    assert [x["code"] for x in flag["rules"]] == ["exemption_or_light_penalty", "reconciliation_gap"]
    assert flag["decision_type"] == "lighter" and flag["number"] == light["number"]
    assert plain["id"] not in {f["case_id"] for f in await all_flags(stack)}
    # Complete again; a period with no decisions checks nothing.
    r = await stack.client.get("/audit/v1/reconciliation", params=period, headers=auditor(stack))
    assert r.json()["missing"] == [] and missing_total() == before + 1
    r = await stack.client.get("/audit/v1/reconciliation", params={"from": "2020-01-01", "to": "2020-01-31"},
                               headers=auditor(stack))
    assert r.json() == {"checked": 0, "missing": [], "from": "2020-01-01", "to": "2020-01-31"}
    r = await stack.client.get("/audit/v1/reconciliation", params={"from": day, "to": "2020-01-01"}, headers=auditor(stack))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"
    r = await stack.client.get("/audit/v1/reconciliation", params=period, headers=stack.auth("l", "leader", bureau=BUREAU))
    assert r.status_code == 403


async def test_stats_and_annual_report_count_the_years_decisions(stack, decisions):
    plan = [("no_penalty", BUREAU, "2026-02-10", None), ("lighter", BUREAU, "2026-02-11", 30_000.0),
            ("penalty", BUREAU, "2026-03-01", 100_000.0), ("mitigated", OTHER_BUREAU, "2026-03-05", 8_000.0),
            ("penalty", OTHER_BUREAU, "2026-04-01", 50_000.0), ("no_penalty", BUREAU, "2025-12-30", None)]
    for t, b, day, fine in plan:
        _, e = await decisions.emit(decision_type=t, bureau=b, fine_amount=fine, decided_at=at(day),
                                    decision_date=date.fromisoformat(day))
        await decisions.processed("audit", e.id)
    overdue = await emit(stack, c.CaseOverdue(case_id="case-od-1", number="苏常环罚〔2026〕5号", uscc="", bureau=OTHER_BUREAU,
                                              deadline="handling", due_date=date(2026, 3, 1), detected_at=at("2026-03-02")))
    await consumed(stack, overdue)
    h = auditor(stack)
    s = (await stack.client.get("/audit/v1/stats", params={"from": "2026-01-01", "to": "2026-12-31"}, headers=h)).json()
    assert s["total"] == 5 and s["by_decision_type"] == {"no_penalty": 1, "lighter": 1, "penalty": 2, "mitigated": 1}
    assert s["by_bureau"][BUREAU] == {"no_penalty": 1, "lighter": 1, "penalty": 1}
    assert s["by_month"]["2026-02"] == {"no_penalty": 1, "lighter": 1}
    assert s["exemptions_light_by_month_bureau"] == {"2026-02": {BUREAU: 2}, "2026-03": {OTHER_BUREAU: 1}}
    assert s["by_rule"]["exemption_or_light_penalty"] == 3 and s["by_rule"]["case_overdue"] == 1
    assert s["fines_total"] == 188_000.0
    only = (await stack.client.get("/audit/v1/stats", params={"bureau": OTHER_BUREAU, "from": "2026-03-01",
                                                              "to": "2026-03-31"}, headers=h)).json()
    assert only["by_decision_type"] == {"mitigated": 1} and only["by_rule"] == {"exemption_or_light_penalty": 1,
                                                                                  "case_overdue": 1}
    r = await stack.client.get("/audit/v1/stats", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=h)
    assert r.status_code == 422
    leader = stack.auth("l", "leader", bureau=BUREAU)
    assert (await stack.client.get("/audit/v1/stats", headers=leader)).json()["by_bureau"].keys() == {BUREAU}

    r = await stack.client.get("/audit/v1/reports/annual", params={"year": 2026}, headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    by = {row["执法机构（代码）"]: row for row in rows}
    assert set(by) == {BUREAU, OTHER_BUREAU, "合计"}
    assert (by[BUREAU]["不予行政处罚（免罚）"], by[BUREAU]["从轻处罚"], by[BUREAU]["免罚轻罚案件合计"]) == ("1", "1", "2")
    assert by["合计"]["作出决定案件数"] == "5" and by["合计"]["免罚轻罚案件合计"] == "3"
    assert by[OTHER_BUREAU]["监督审核标记数"] == "2"  # the mitigated decision and the overdue case
    r = await stack.client.get("/audit/v1/reports/annual", params={"year": 2026, "format": "xlsx"}, headers=h)
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert "免罚轻罚" in ws["A1"].value and "五（二）" in ws["A2"].value
    header = [cell.value for cell in ws[3]]
    total = [cell.value for cell in ws[ws.max_row]]
    assert total[header.index("执法机构（代码）")] == "合计" and total[header.index("免罚轻罚案件合计")] == 3
    r = await stack.client.get("/audit/v1/reports/annual", params={"year": 2026, "format": "pdf"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"
    r = await stack.client.get("/audit/v1/reports/annual", params={"year": 2025}, headers=h)
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["不予行政处罚（免罚）"] for row in rows] == ["1", "1"]

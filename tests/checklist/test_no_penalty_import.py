"""Import of a no-penalty list (免罚清单, kind: list): every row validated first, all or nothing, a
report naming each bad row and field; items become new versions (old ones readable); an imported item
(new code) is evaluated and a case can be decided no_penalty on it; the CLI."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import yaml
from openpyxl import Workbook
from sqlalchemy import func, select

from services.checklist.models import NoPenaltyItem
from services.checklist.no_penalty import importing as no_penalty_import
from services.testing.factories import CaseDriver

API = "/checklist/v1"
LIST_VERSION = "测试清单（2026年版）"
ITEM = {
    "code": "NP-T-001",
    "violation": "测试用条目：污水处理设施出水轻微超标",
    "applies_to": ["GI-WAT-001"],
    "legal_basis": [{"law": "中华人民共和国水污染防治法", "article": "第八十三条"}],
    "conditions": [
        {"key": "first_offence", "text": "初次违法"},
        {"key": "corrected_within_48h", "text": "48小时内整改并达标"},
    ],
    "modality": "may",
    "source": "测试数据（非真实清单）",
}
# The item's own conditions and the 第三十三条第一款 ground a list implements (初次违法且危害后果轻微并及时改正).
FACTS = {"first_offence": True, "corrected_within_48h": True, "harm_minor": True, "corrected_in_time": True}


def _yaml(items: list[dict], list_version: str = LIST_VERSION) -> bytes:
    return yaml.safe_dump({"list": {"list_version": list_version}, "items": items}, allow_unicode=True).encode()


def _csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=no_penalty_import.COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow({k: (json.dumps(v, ensure_ascii=False) if k in ("legal_basis", "conditions")
                        else "\n".join(v) if k == "applies_to" else v) for k, v in r.items()})
    return buf.getvalue().encode("utf-8")


async def _count(stack) -> int:
    async with stack.runtimes["checklist"].sessionmaker() as s:
        return await s.scalar(select(func.count()).select_from(NoPenaltyItem))


async def test_imported_item_is_versioned_evaluated_and_decides_a_case(stack):
    c = stack.client
    admin = stack.auth("admin-1", "admin")
    officer = stack.auth("officer-1", "officer")
    r = await c.post(f"{API}/imports/no-penalty-items", params={"format": "yaml"}, content=_yaml([ITEM]),
                     headers=officer)
    assert r.status_code == 403
    r = await c.post(f"{API}/imports/no-penalty-items", params={"format": "yaml"}, content=_yaml([ITEM]),
                     headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == ["NP-T-001"] and r.json()["applied"] is True
    item = (await c.get(f"{API}/no-penalty-items/NP-T-001", headers=officer)).json()
    assert (item["kind"], item["version"], item["list_version"]) == ("list", 1, LIST_VERSION)
    assert item["verified"] is False and item["source"] == ITEM["source"]  # not verified unless the file says so
    assert [x["key"] for x in item["conditions"]] == ["first_offence", "corrected_within_48h"]
    assert item["discretionary"] is True

    # evaluated like any list item: a missing fact is unknown, never assumed
    r = await c.post(f"{API}/no-penalty-items/NP-T-001/evaluate", json={"facts": {"first_offence": True}},
                     headers=officer)
    # … and so is each fact of 《行政处罚法》第三十三条第一款 the decision needs besides the item's own conditions
    assert r.json()["eligible"] is False and r.json()["unknown"][0] == "corrected_within_48h"
    assert {"violation_minor", "corrected_in_time", "no_harm", "harm_minor"} <= set(r.json()["unknown"])
    assert [n["key"] for n in r.json()["needs"] if n["item"]] == ["corrected_within_48h"]
    r = await c.post(f"{API}/no-penalty-items/NP-T-001/evaluate", json={"facts": FACTS}, headers=officer)
    assert r.json()["eligible"] is True and r.json()["item_version"] == 1

    # the cases service decides a no_penalty on the imported item
    d = CaseDriver(stack)
    cid = (await d.file(await d.enterprise(), violation="GI-WAT-001"))["id"]
    await d.investigate(cid, FACTS)
    await d.review(cid, proposed_type="no_penalty")
    await d.discuss(cid)
    dec = (await d.decide(cid, {"type": "no_penalty", "basis": {"no_penalty_item": "NP-T-001"}}))["decision"]
    assert dec["type"] == "no_penalty"
    assert dec["versions"]["list"] == LIST_VERSION and dec["versions"]["no_penalty_item"] == 1

    # the same file again changes nothing; a changed row is a new version, the old one stays readable
    r = await c.post(f"{API}/imports/no-penalty-items", params={"format": "yaml"}, content=_yaml([ITEM]),
                     headers=admin)
    assert r.json()["unchanged"] == ["NP-T-001"]
    changed = ITEM | {"verified": True, "conditions": [*ITEM["conditions"], {"key": "no_harm", "text": "没有造成危害后果"}]}
    r = await c.post(f"{API}/imports/no-penalty-items", params={"format": "yaml"},
                     content=_yaml([changed], "测试清单（2027年版）"), headers=admin)
    assert r.json()["revised"] == ["NP-T-001"]
    latest = (await c.get(f"{API}/no-penalty-items/NP-T-001", headers=officer)).json()
    assert (latest["version"], latest["list_version"], latest["verified"]) == (2, "测试清单（2027年版）", True)
    old = (await c.get(f"{API}/no-penalty-items/NP-T-001", params={"version": 1}, headers=officer)).json()
    assert len(old["conditions"]) == 2 and old["list_version"] == LIST_VERSION
    # the bundled example items loaded through the same path
    ex = (await c.get(f"{API}/no-penalty-items/NP-EX-002", headers=officer)).json()
    assert ex["version"] == 1 and ex["list_version"] == "example" and ex["verified"] is False


async def test_bad_rows_are_all_reported_and_nothing_is_written(stack):
    c = stack.client
    admin = stack.auth("admin-1", "admin")
    before = await _count(stack)
    rows = [
        ITEM | {"list_version": LIST_VERSION},  # row 2: good
        ITEM | {"code": "NP-T-002", "list_version": LIST_VERSION, "applies_to": ["GI-WAT-001", "GI-NOPE-9"]},
        ITEM | {"code": "NP-T-003", "list_version": LIST_VERSION, "conditions": [{"key": "首违", "text": "初次违法"}]},
        ITEM | {"code": "NP-T-004", "list_version": LIST_VERSION, "modality": ""},
        ITEM | {"code": "NP-T-001", "list_version": LIST_VERSION},  # duplicate of row 2
        ITEM | {"code": "NP-T-006", "list_version": LIST_VERSION, "legal_basis": [{"law": "《水法》", "article": "八十三"}]},
    ]
    r = await c.post(f"{API}/imports/no-penalty-items", params={"format": "csv"}, content=_csv(rows), headers=admin)
    assert r.status_code == 422, r.text
    got = {(e["row"], e["field"]) for e in r.json()["errors"]}
    assert {(3, "applies_to.1"), (4, "conditions.0.key"), (5, "modality"), (6, "code"),
            (7, "legal_basis.0.law"), (7, "legal_basis.0.article")} <= got
    assert not any(e["row"] == 2 for e in r.json()["errors"])
    assert await _count(stack) == before

    # the good row alone loads from a workbook
    wb = Workbook()
    ws = wb.active
    ws.append(list(no_penalty_import.COLUMNS))
    data = list(csv.reader(io.StringIO(_csv(rows[:1]).decode())))[1]
    ws.append(data)
    buf = io.BytesIO()
    wb.save(buf)
    r = await c.post(f"{API}/imports/no-penalty-items", params={"format": "xlsx"}, content=buf.getvalue(),
                     headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == ["NP-T-001"] and await _count(stack) == before + 1


def test_cli_imports_a_no_penalty_list(tmp_path):
    exe = Path(sys.executable).parent / "ecocomply"
    f = tmp_path / "list.yaml"
    f.write_bytes(_yaml([ITEM, ITEM | {"code": "NP-T-002", "applies_to": ["GI-NOPE-1"]}]))
    args = ["checklist", "import", str(f), "--kind", "no-penalty", "--data-dir", str(tmp_path / "var")]
    r = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "row 2 (NP-T-002): applies_to.0" in r.stderr and "nothing was imported" in r.stderr
    f.write_bytes(_yaml([ITEM]))
    r = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "created 1" in r.stdout

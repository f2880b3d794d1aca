"""The registry of enforcement bodies (issue 24): admins write, staff read, the seeded examples say they are
examples; 文号 run per bureau, kind and year without gaps or duplicates under concurrent issues."""

from __future__ import annotations

import asyncio

from services.cases.bureaus import service as bureaus
from services.testing.factories import BUREAU, CASES

NEW = {"code": "320506", "name": "苏州市吴中生态环境局（测试）", "prefixes": {"penalty_decision": "吴中环罚字"},
       "reconsideration_body": "苏州市人民政府", "court": "苏州市吴中区人民法院"}


async def test_registry_admin_writes_staff_reads_examples_labelled(stack):
    admin, off = stack.auth("admin-1", "admin"), stack.auth("officer-a", "officer", bureau=BUREAU, cert_no="JS1")
    listed = (await stack.client.get(f"{CASES}/bureaus", headers=off)).json()
    wujiang = next(b for b in listed if b["code"] == BUREAU)
    assert wujiang["name"] == "苏州市吴江生态环境局" and wujiang["example"] is True
    assert wujiang["prefixes"]["penalty_decision"] == "吴环罚字" and wujiang["prefix_labels"]["penalty_decision"] == "行政处罚决定书"

    r = await stack.client.post(f"{CASES}/bureaus", headers=off, json=NEW)
    assert r.status_code == 403
    r = await stack.client.post(f"{CASES}/bureaus", headers=admin, json=NEW)
    assert r.status_code == 201, r.text
    assert r.json()["example"] is False and r.json()["updated_by"] == "admin-1"
    r = await stack.client.post(f"{CASES}/bureaus", headers=admin, json=NEW)
    assert r.status_code == 409 and r.json()["code"] == "bureau_exists"
    body = {k: v for k, v in NEW.items() if k != "code"}
    r = await stack.client.put(f"{CASES}/bureaus/320506", headers=admin,
                               json={**body, "prefixes": {"penalty_decision": "吴中环罚字", "notice": "吴中环告字"}})
    assert r.status_code == 200 and r.json()["prefixes"]["notice"] == "吴中环告字"
    r = await stack.client.get(f"{CASES}/bureaus/320506", headers=off)
    assert r.status_code == 200 and r.json()["court"] == "苏州市吴中区人民法院"
    r = await stack.client.put(f"{CASES}/bureaus/320506", headers=admin, json={**body, "prefixes": {"decision_x": "X"}})
    assert r.status_code == 422 and "prefixes" in r.text
    assert (await stack.client.get(f"{CASES}/bureaus/999999", headers=off)).status_code == 404


async def test_document_numbers_are_distinct_and_gapless_under_concurrent_issues(stack):
    rt = stack.runtimes["cases"]
    async with rt.sessionmaker() as session:
        row = await session.get(bureaus.Bureau, BUREAU)

    async def issue(fail: bool) -> str | None:
        try:
            async with rt.sessionmaker() as session, session.begin():
                n = await bureaus.issue_number(session, row, "penalty_decision", 2031)
                if fail:
                    raise RuntimeError("the issuing transaction fails")  # its number is given back
                return n
        except RuntimeError:
            return None

    got = await asyncio.gather(*(issue(i % 5 == 4) for i in range(25)))
    numbers = [n for n in got if n is not None]
    assert len(numbers) == 20
    assert sorted(numbers, key=lambda s: int(s.split("第")[1][:-1])) == [f"吴环罚字〔2031〕第{i}号" for i in range(1, 21)]
    # Another kind and another year run on their own.
    async with rt.sessionmaker() as session, session.begin():
        assert await bureaus.issue_number(session, row, "notice", 2031) == "吴环罚告字〔2031〕第1号"
        assert await bureaus.issue_number(session, row, "penalty_decision", 2032) == "吴环罚字〔2032〕第1号"


def test_cli_imports_bureaus_into_the_embedded_database(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    f = tmp_path / "bureaus.yaml"
    f.write_text("bureaus:\n  - code: '320506'\n    name: 苏州市吴中生态环境局（测试）\n"
                 "    prefixes: {penalty_decision: 吴中环罚字}\n    court: 苏州市吴中区人民法院\n", encoding="utf-8")
    run = [sys.executable, "-m", "services.cli", "bureaus", "import", str(f), "--data-dir", str(tmp_path / "var")]
    out = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=root)
    assert out.returncode == 0 and "320506 苏州市吴中生态环境局（测试）: 1 文号 prefix(es)" in out.stdout, out.stderr
    f.write_text("bureaus:\n  - code: '320506'\n    name: 吴中\n    prefixes: {decision_x: X}\n", encoding="utf-8")
    bad = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=root)
    assert bad.returncode == 1 and "bureaus[0].prefixes" in bad.stderr, bad.stderr

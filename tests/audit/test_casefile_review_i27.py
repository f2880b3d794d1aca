"""案卷评查 (issue 27 point 1) through the HTTP API on both setups: the standard (seeded from 环办〔2012〕98号's
structure, versioned, exported and imported), a campaign's reproducible draw per bureau, cross review
(another bureau's reviewer, never the case's people), scoring with the system's pre-filled evidence from the case's
own records, results per file / bureau / item, the flag a 不合格 file raises, the events and the audit log."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime

from sqlalchemy import select

from services.audit.casefile_review import draw as drawing
from services.audit.casefile_review import prefill, scoring
from services.audit.casefile_review.standard import seeded
from services.audit.models import DecidedCase, LogEntry
from services.audit.workspace import accounts
from services.testing.factories import BUREAU, OTHER_BUREAU, CaseDriver
from tests.audit.audit_helpers import flag_of

API = "/audit/v1"
CR = f"{API}/casefile-reviews"
PASSWORD = "评查口令-Strong-2026!"


def auditor(stack, sub: str, bureau: str | None = None) -> dict[str, str]:
    return stack.auth(sub, "auditor", **({"bureau": bureau} if bureau else {}))


async def add_account(stack, username: str, name: str, bureau: str) -> None:
    rt = stack.runtimes["audit"]
    async with rt.sessionmaker() as s, s.begin():
        await accounts.create(s, username=username, name=name, roles=["auditor"], bureau=bureau, password=PASSWORD,
                              now=rt.clock.now())


async def decided_in_audit(stack, case_id: str) -> None:
    rt = stack.runtimes["audit"]

    async def seen():
        async with rt.sessionmaker() as s:
            return await s.get(DecidedCase, case_id)
    await stack.wait_for(seen, timeout=60, what=f"the audit to record the decision of {case_id}")


def all_met(standard: dict, **overrides: dict) -> dict:
    items = {i["code"]: {"met": True} for i in standard["items"]}
    items.update(overrides)
    return {"items": items}


async def test_the_standard_is_versioned_data_exported_and_imported(stack):
    a = auditor(stack, "auditor-1")
    r = await stack.client.get(f"{CR}/standards", headers=a)
    assert r.status_code == 200, r.text
    [v1] = r.json()
    assert v1["version"] == 1 and v1["max_points"] == 100 and v1["veto_items"] == 5
    std = (await stack.client.get(f"{CR}/standards/1", headers=a)).json()
    assert [s["name"] for s in std["sections"]] == ["主体合法", "事实清楚", "证据充分", "适用法律正确", "程序合法",
                                                    "文书规范", "执行到位", "归档规范"]
    guide = next(s for s in std["sources"] if "环办〔2012〕98号" in s["title"])
    assert guide["verified"] is True and guide["url"].startswith("http")
    assert "本地设置" in std["points_source"] and "未找到" in std["points_source"]
    assert {i["text"].split("（")[-1].rstrip("）") for i in std["items"] if i["veto"]} >= {
        "主体资格", "事实证据", "依据适用", "畸轻畸重"}

    exported = await stack.client.get(f"{API}/exports/casefile-review-standard", headers=a)
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    content = json.loads(exported.content)
    same = await stack.client.post(f"{API}/imports/casefile-review-standard", headers=a, json=content)
    assert same.status_code == 200 and same.json()["version"] == 1 and same.json()["created"] is False

    changed = copy.deepcopy(content)
    changed["items"][3]["points"] = 10  # F2 worth 10 instead of 8
    dry = await stack.client.post(f"{API}/imports/casefile-review-standard", params={"dry_run": "true"}, headers=a,
                                  json=changed)
    assert dry.json() == {"version": 2, "created": True, "dry_run": True, "items": len(changed["items"]),
                          "max_points": 102.0}
    assert len((await stack.client.get(f"{CR}/standards", headers=a)).json()) == 1  # a dry run writes nothing
    made = await stack.client.post(f"{API}/imports/casefile-review-standard", headers=a, json=changed)
    assert made.json()["version"] == 2 and made.json()["created"] is True
    assert (await stack.client.get(f"{CR}/standards/1", headers=a)).json() == std  # version 1 never changes

    bad = copy.deepcopy(content)
    bad["items"][0]["section"] = "nowhere"
    r = await stack.client.post(f"{API}/imports/casefile-review-standard", headers=a, json=bad)
    assert r.status_code == 422 and "nowhere" in r.text
    assert len((await stack.client.get(f"{CR}/standards", headers=a)).json()) == 2
    leader = stack.auth("leader-1", "leader", bureau=BUREAU)
    assert (await stack.client.post(f"{API}/imports/casefile-review-standard", headers=leader,
                                    json=changed)).status_code == 403


async def test_a_campaign_end_to_end(stack, decisions):
    rt = stack.runtimes["audit"]
    a_driver = CaseDriver(stack)
    real = await a_driver.penalty_decided()  # a real case: its records pre-fill the sheet
    await decided_in_audit(stack, real["id"])
    emitted = []
    when = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
    for bureau, kind, handlers in [(BUREAU, "penalty", ["officer-a", "reviewer-b9"]), (BUREAU, "no_penalty", None),
                                   *[(OTHER_BUREAU, "penalty", None)] * 4]:
        extra = {"handlers": handlers} if handlers else {}
        payload, event = await decisions.emit(bureau=bureau, decision_type=kind, decided_at=when, **extra,
                                              **({"fine_amount": None, "basis": {"no_penalty_item": "NP-EX-002"}}
                                                 if kind == "no_penalty" else {}))
        emitted.append(payload)
        await decisions.processed("audit", event.id)
    for username, name, bureau in [("auditor-wj", "吴江评查员", BUREAU), ("auditor-cs", "常熟评查员", OTHER_BUREAU),
                                   ("auditor-cs2", "常熟评查员二", OTHER_BUREAU), ("reviewer-b9", "常熟某人", OTHER_BUREAU)]:
        await add_account(stack, username, name, bureau)

    supervisor = auditor(stack, "auditor-1")
    today = rt.clock.today()
    params = {"period_from": "2026-01-01", "period_to": today.isoformat(), "seed": "吴江常熟-2026-评查",
              "ratio": 0.2, "minimum": 3, "all_exemptions": True, "bureaus": [BUREAU, OTHER_BUREAU]}
    body = {"title": "2026年度行政执法案卷评查", **params}
    first, second = await asyncio.gather(*(stack.client.post(f"{CR}/campaigns", headers=supervisor, json=body)
                                           for _ in range(2)))
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    campaign = (first if first.status_code == 201 else second).json()
    assert campaign["standard_version"] == 1 and campaign["pass_mark"] == 60 and campaign["seed"] == params["seed"]
    files = campaign["items"]
    per_bureau = {b: [f for f in files if f["bureau"] == b] for b in (BUREAU, OTHER_BUREAU)}
    assert len(per_bureau[OTHER_BUREAU]) == 3  # max(3, ceil(0.2 × 4)) of 4
    exemption = next(f for f in files if f["case_id"] == emitted[1].case_id)
    assert exemption["drawn_by"] == "all_exemptions"
    assert real["id"] in {f["case_id"] for f in per_bureau[BUREAU]}

    again = await stack.client.post(f"{CR}/draws/preview", headers=supervisor, json=params)
    assert sorted(f["case_id"] for f in again.json()["files"]) == sorted(f["case_id"] for f in files)  # reproducible
    other_seed = await stack.client.post(f"{CR}/draws/preview", headers=supervisor, json={**params, "seed": "别的种子"})
    assert other_seed.json()["seed"] == "别的种子"

    path = f"{CR}/campaigns/{campaign['id']}/files"
    real_file = next(f for f in files if f["case_id"] == real["id"])
    r = await stack.client.post(f"{path}/{real_file['id']}/assign", headers=supervisor, json={"reviewer": "auditor-wj"})
    assert r.status_code == 403 and r.json()["code"] == "reviewer_own_bureau" and "（十九）" in r.json()["rule"]
    involved = next(f for f in files if f["case_id"] == emitted[0].case_id)
    r = await stack.client.post(f"{path}/{involved['id']}/assign", headers=supervisor, json={"reviewer": "reviewer-b9"})
    assert r.status_code == 403 and r.json()["code"] == "reviewer_involved" and "三（十）" in r.json()["rule"]
    r = await stack.client.post(f"{path}/{real_file['id']}/assign", headers=supervisor, json={"reviewer": "nobody-x"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_reviewer"
    r = await stack.client.post(f"{path}/{real_file['id']}/assign", headers=supervisor, json={"reviewer": "auditor-cs"})
    assert r.status_code == 200 and r.json()["reviewer_bureau"] == OTHER_BUREAU and r.json()["status"] == "assigned"

    sheet = (await stack.client.get(f"{path}/{real_file['id']}", headers=supervisor)).json()
    items = {i["code"]: i for i in sheet["items"]}
    assert items["S2"]["prefill_met"] is True and "张执法：JS" in items["S2"]["evidence"][0]["value"]
    assert items["P2"]["prefill_met"] is True and "审核通过" in items["P2"]["evidence"][0]["value"]
    assert "北京时间" in items["P2"]["evidence"][1]["value"]
    assert items["D1"]["prefill_met"] is True and "行政处罚决定书：" in items["D1"]["evidence"][0]["value"]
    assert items["D2"]["prefill_met"] is True
    assert items["P4"]["prefill_met"] is False and "未见送达记录" in items["P4"]["evidence"][1]["value"]
    assert items["E1"]["prefill_met"] is None and items["E1"]["evidence"] == []

    standard = (await stack.client.get(f"{CR}/standards/1", headers=supervisor)).json()
    cs = auditor(stack, "auditor-cs", OTHER_BUREAU)
    r = await stack.client.post(f"{path}/{real_file['id']}/score", headers=auditor(stack, "auditor-cs2", OTHER_BUREAU),
                                json=all_met(standard))
    assert r.status_code == 403 and r.json()["code"] == "not_assignee"
    r = await stack.client.post(f"{path}/{real_file['id']}/score", headers=cs, json=all_met(standard))
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    assert r.json()["errors"][0]["field"] == "items.P4.reason"  # overriding the pre-fill needs a reason
    scored = await stack.client.post(f"{path}/{real_file['id']}/score", headers=cs, json=all_met(
        standard, P4={"met": False, "reason": "决定书尚未送达"},
        L2={"met": False, "reason": "罚款数额与违法情节明显不相称"}))
    assert scored.status_code == 200, scored.text
    out = scored.json()
    assert out["passed"] is False and out["vetoed"] == ["L2"] and out["total"] == 94 and out["flag_id"]
    flag = await flag_of(stack, real["id"])
    hit = next(x for x in flag["rules"] if x["code"] == "casefile_review_failed")
    assert "（十九）" in hit["detail"] and "环办〔2012〕98号" in hit["detail"] and "畸轻畸重" in hit["detail"]
    again = await stack.client.post(f"{path}/{real_file['id']}/score", headers=cs, json=all_met(standard))
    assert again.status_code == 409 and again.json()["code"] == "already_scored"
    # a 不合格 file is traced to its people (错案责任倒查) without waiting for the flag's review
    r = await stack.client.post("/audit/v1/accountability/traces", json={"flag_id": out["flag_id"]}, headers=supervisor)
    assert r.status_code == 201 and r.json()["ground"] == "casefile_review_failed", r.text

    # the reviewed file's bundle for the provincial 案卷质量管理系统: documents as issued, index, hashes
    r = await stack.client.get(f"{path}/{real_file['id']}/bundle", headers=supervisor)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    manifest = json.loads(z.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(z.read(entry["path"])).hexdigest() == entry["sha256"]
    index = json.loads(z.read("index.json"))
    assert index["case"]["number"] == real["number"] and index["review"]["passed"] is False
    assert {d["kind"] for d in index["documents"]} >= {"decision", "notice"}
    assert all(d["number"] and z.read(d["path"]).startswith(b"%PDF") for d in index["documents"])
    assert next(i for i in index["review"]["items"] if i["code"] == "L2")["reason"] == "罚款数额与违法情节明显不相称"

    other = per_bureau[OTHER_BUREAU][0]
    assert (await stack.client.post(f"{path}/{other['id']}/assign", headers=supervisor,
                                    json={"reviewer": "auditor-wj"})).status_code == 200
    r = await stack.client.post(f"{path}/{other['id']}/score", headers=auditor(stack, "auditor-wj", BUREAU),
                                json=all_met(standard, F2={"met": True, "points": 6, "reason": "危害后果记载简略"}))
    assert r.status_code == 200 and r.json()["passed"] is True and r.json()["total"] == 98

    # a new standard version afterwards changes no score already given
    changed = copy.deepcopy(standard)
    changed["items"][3]["points"] = 20
    assert (await stack.client.post(f"{API}/imports/casefile-review-standard", headers=supervisor,
                                    json=changed)).json()["version"] == 2
    res = (await stack.client.get(f"{CR}/campaigns/{campaign['id']}/results", headers=supervisor)).json()
    assert res["standard_version"] == 1
    bureaus = {b["bureau"]: b for b in res["bureaus"]}
    assert bureaus[BUREAU]["scored"] == 1 and bureaus[BUREAU]["pass_rate"] == 0
    assert bureaus[OTHER_BUREAU]["scored"] == 1 and bureaus[OTHER_BUREAU]["pass_rate"] == 1
    by_item = {i["code"]: i for i in res["items"]}
    assert by_item["L2"]["met"] == 1 and by_item["L2"]["scored"] == 2
    assert by_item["P4"]["overridden"] == 0 and by_item["F2"]["points_lost"] == 2
    listed = (await stack.client.get(f"{CR}/campaigns", headers=supervisor)).json()
    assert listed[0]["scored"] == 2 and listed[0]["failed"] == 1

    # the statistics (the dashboards' source) and the annual report carry the campaign's figures
    year = today.year
    s = (await stack.client.get(f"{API}/stats", params={"from": f"{year}-01-01", "to": f"{year}-12-31"},
                                headers=supervisor)).json()
    assert s["casefile_review"][BUREAU] == {"reviewed": 1, "passed": 0, "failed": 1, "pass_rate": 0.0}
    assert s["casefile_review"][OTHER_BUREAU]["pass_rate"] == 1.0
    report = (await stack.client.get(f"{API}/reports/annual", params={"year": year}, headers=supervisor)).text
    header, *rows = [line.split(",") for line in report.lstrip("\ufeff").splitlines()]
    at = header.index("案卷评查数")
    assert header[at:at + 3] == ["案卷评查数", "评查合格", "评查合格率"]
    total = next(r for r in rows if r[1] == "合计")
    assert total[at:at + 3] == ["2", "1", "50.0%"]

    async with rt.sessionmaker() as s:
        logged = set(await s.scalars(select(LogEntry.type)))
    assert {"audit.casefile_review_campaign_created", "audit.casefile_assigned", "audit.casefile_scored",
            "audit.casefile_failed"} <= logged
    o = rt.tables.outbox
    async with rt.engine.connect() as conn:
        types = set((await conn.execute(select(o.c.type))).scalars())
    assert {"ecocomply.audit.casefile_review_campaign_created.v1", "ecocomply.audit.casefile_scored.v1",
            "ecocomply.audit.casefile_failed.v1"} <= types


def test_the_draw_is_reproducible_whatever_the_order_read():
    pop = [drawing.Candidate(f"c{i:02d}", f"N{i}", "U", "A" if i % 2 else "B", "penalty", date(2026, 5, 1))
           for i in range(20)]
    one = drawing.draw(pop, seed="s", ratio=0.3, minimum=2, all_exemptions=True)
    two = drawing.draw(list(reversed(pop)), seed="s", ratio=0.3, minimum=2, all_exemptions=True)
    assert one == two and len(one) == 6
    assert drawing.draw(pop, seed="t", ratio=0.3, minimum=2, all_exemptions=True) != one


def test_a_file_with_all_items_met_under_the_pass_mark_fails_and_a_veto_fails_whatever_the_total():
    std = seeded()
    given = {i.code: {"met": True} for i in std.items}
    assert scoring.verdict(scoring.judge(std, given, {}), 60).passed
    low = {**given, **{c: {"met": False, "reason": "缺失"} for c in ("E1", "P1", "P2", "F2", "F3")}}
    v = scoring.verdict(scoring.judge(std, low, {}), 60)
    assert v.total == 60 and v.passed  # exactly the pass mark passes
    lower = {**low, "E2": {"met": False, "reason": "缺失"}}
    assert not scoring.verdict(scoring.judge(std, lower, {}), 60).passed
    veto = {**given, "S2": {"met": False, "reason": "仅一名持证执法人员"}}
    v = scoring.verdict(scoring.judge(std, veto, {"two_certified_officers": prefill.Prefill(False)}), 60)
    assert v.total == 100 and not v.passed and v.vetoed == ["S2"]


async def test_bad_input_is_refused_by_field_and_a_file_is_scored_once_under_concurrent_calls(stack, decisions):
    when = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    for _ in range(2):
        _, event = await decisions.emit(bureau=BUREAU, decided_at=when)
        await decisions.processed("audit", event.id)
    await add_account(stack, "auditor-cs", "常熟评查员", OTHER_BUREAU)
    boss = auditor(stack, "auditor-1")
    params = {"period_from": "2026-03-01", "period_to": "2026-03-31", "minimum": 5}
    r = await stack.client.post(f"{CR}/campaigns", headers=boss, json={"title": "倒置期间", **params,
                                                                      "period_from": "2026-04-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period_to"
    r = await stack.client.post(f"{CR}/campaigns", headers=boss, json={"title": "空期间", **params,
                                                                      "period_from": "2020-01-01", "period_to": "2020-01-31"})
    assert r.status_code == 422 and r.json()["code"] == "nothing_to_draw"
    r = await stack.client.post(f"{CR}/campaigns", headers=boss, json={"title": "比例越界", **params, "ratio": 2})
    assert r.status_code == 422 and "ratio" in r.text
    assert (await stack.client.get(f"{CR}/campaigns", headers=boss)).json() == []  # nothing half-written
    assert (await stack.client.get(f"{CR}/standards/9", headers=boss)).status_code == 404

    made = await stack.client.post(f"{CR}/campaigns", headers=boss, json={"title": "三月评查", **params})
    assert made.status_code == 201, made.text
    assert len(made.json()["items"]) == 2  # the minimum is capped by the files there are
    f = made.json()["items"][0]
    path = f"{CR}/campaigns/{made.json()['id']}/files/{f['id']}"
    assert (await stack.client.post(f"{path}/assign", headers=boss, json={"reviewer": "auditor-cs"})).status_code == 200
    cs = auditor(stack, "auditor-cs", OTHER_BUREAU)
    standard = (await stack.client.get(f"{CR}/standards/1", headers=boss)).json()
    r = await stack.client.post(f"{path}/score", headers=cs, json=all_met(standard, ZZ9={"met": True}))
    assert r.status_code == 422 and r.json()["code"] == "unknown_item"
    partial = all_met(standard)
    del partial["items"]["A1"]
    r = await stack.client.post(f"{path}/score", headers=cs, json=partial)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.A1"
    r = await stack.client.post(f"{path}/score", headers=cs, json=all_met(standard, F2={"met": True, "points": 9}))
    assert r.status_code == 422 and r.json()["code"] == "points_out_of_range"

    answers = await asyncio.gather(*(stack.client.post(f"{path}/score", headers=cs, json=all_met(standard))
                                     for _ in range(3)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409], [a.text for a in answers]
    sheet = (await stack.client.get(path, headers=boss)).json()
    assert sheet["file"]["passed"] is True and sheet["file"]["total"] == 100
    assert all(i["met"] is True for i in sheet["items"])
    r = await stack.client.post(f"{path}/assign", headers=boss, json={"reviewer": "auditor-cs"})
    assert r.status_code == 409 and r.json()["code"] == "already_scored"

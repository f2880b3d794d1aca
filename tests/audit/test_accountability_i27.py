"""错案责任倒查与容错纠错 (issue 27 point 4; 工作要点（二十二）（二十）, 试点方案 五（三）): a flag reviewed as 发现问题
is traced to each person's part in the case from the audit's records; opening twice (or at once) is one trace; a
supervisor — never of the audited bureau, never a person of the case — records responsibility per person (a change is
a new entry) and a 容错 excuse only with every condition affirmed with evidence; the excused person is counted as
已免责, not as responsible, in the per-person view and the annual report; each act is in the audit log and an event."""

from __future__ import annotations

import asyncio
import csv
import io

from sqlalchemy import select

from services.testing.factories import BUREAU, OTHER_BUREAU
from tests.audit.accountability_helpers import ALL_AFFIRMED, refused_attempt, supervisor, wrong_case

PEOPLE = {"officer-a": ["handler", "filer"], "officer-b": ["handler"], "legal-1": ["legal_reviewer"],
          "leader-2": ["discussion_participant", "discussion_recorder"], "leader-3": ["discussion_participant"],
          "leader-1": ["decider"]}


async def _open(stack, flag_id, headers=None):
    return await stack.client.post("/audit/v1/accountability/traces", json={"flag_id": flag_id},
                                   headers=headers or supervisor(stack))


async def _outbox(stack, type_: str) -> list[str]:
    rt = stack.runtimes["audit"]
    o = rt.tables.outbox
    async with rt.engine.connect() as conn:
        return list((await conn.execute(select(o.c.envelope).where(o.c.type == type_))).scalars())


async def test_a_flag_found_wrong_is_traced_to_its_people_once_and_an_unreviewed_one_is_not(stack):
    unreviewed = await wrong_case(stack, review=None)
    r = await _open(stack, unreviewed["flag_id"])
    assert r.status_code == 409 and r.json()["code"] == "not_traceable" and "错案责任倒查" in r.json()["rule"]
    case = await wrong_case(stack)
    # The audited bureau's own auditor and a person of the case may not trace it.
    own = await _open(stack, case["flag_id"], stack.auth("auditor-wj", "auditor", bureau=BUREAU))
    assert own.status_code == 403 and own.json()["code"] == "reviewer_own_bureau"
    involved = await _open(stack, case["flag_id"], stack.auth("legal-1", "auditor", bureau="320500"))
    assert involved.status_code == 403 and involved.json()["code"] == "reviewer_involved"
    leader = await _open(stack, case["flag_id"], stack.auth("leader-1", "leader", bureau=BUREAU))
    assert leader.status_code == 403
    first = await _open(stack, case["flag_id"])
    assert first.status_code == 201, first.text
    trace = first.json()
    assert trace["ground"] == "issue_found" and trace["number"] == case["number"]
    assert {p["person"]: p["roles"] for p in trace["people"]} == PEOPLE
    assert all(p["standing"] == "pending" for p in trace["people"])
    again = await _open(stack, case["flag_id"])
    assert again.status_code == 200 and again.json()["id"] == trace["id"]
    # Concurrent openings of another flag make one trace and one event.
    other = await wrong_case(stack, review="referred")
    answers = await asyncio.gather(*(_open(stack, other["flag_id"]) for _ in range(5)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    events = await _outbox(stack, "ecocomply.audit.accountability_trace_opened.v1")
    assert len(events) == 2 and sum(other["flag_id"] in e for e in events) == 1
    log = await stack.client.get("/audit/v1/log/entries", params={"case_id": case["case_id"]},
                                 headers=supervisor(stack))
    assert "audit.accountability_trace_opened" in log.text


async def test_responsibility_per_person_and_an_excuse_only_with_every_condition(stack):
    case = await wrong_case(stack)
    trace = (await _open(stack, case["flag_id"])).json()
    url = f"/audit/v1/accountability/traces/{trace['id']}"
    h = supervisor(stack)
    missing = await stack.client.post(f"{url}/responsibilities", headers=h, json={
        "person": "officer-a", "finding": "responsible", "reason": "未核实首违事实"})
    assert missing.status_code == 422 and missing.json()["code"] == "outcome_required"
    stranger = await stack.client.post(f"{url}/responsibilities", headers=h, json={
        "person": "officer-z", "finding": "none", "reason": "无"})
    assert stranger.status_code == 422 and stranger.json()["code"] == "person_not_in_trace"
    other_text = await stack.client.post(f"{url}/responsibilities", headers=h, json={
        "person": "officer-a", "finding": "responsible", "outcome": "other", "reason": "未核实首违事实"})
    assert other_text.status_code == 422 and other_text.json()["code"] == "outcome_text_required"
    a = await stack.client.post(f"{url}/responsibilities", headers=h, json={
        "person": "officer-a", "finding": "responsible", "kind": "直接责任", "outcome": "admonishment",
        "reason": "承办人未调取该企业两年内的处罚记录即认定初次违法"})
    assert a.status_code == 201, a.text
    for finding, body in (("responsible", {"outcome": "criticism_education"}), ("none", {})):
        r = await stack.client.post(f"{url}/responsibilities", headers=h, json={
            "person": "legal-1", "finding": finding, "reason": f"法制审核人认定：{finding}", **body})
        assert r.status_code == 201, r.text
    # A change is a new entry: both findings on legal-1 stay, the latest counts.
    got = (await stack.client.get(url, headers=h)).json()
    assert [f["finding"] for f in got["findings"] if f["person"] == "legal-1"] == ["responsible", "none"]
    standing = {p["person"]: p["standing"] for p in got["people"]}
    assert standing["officer-a"] == "responsible" and standing["legal-1"] == "not_responsible"
    # 容错纠错: refused unless every condition of 试点方案 五（三） is affirmed with evidence.
    not_diligent = {**ALL_AFFIRMED, "diligent": {"affirmed": False, "evidence": ""}}
    refused = await stack.client.post(f"{url}/excuses", headers=h, json={
        "person": "officer-a", "relief": "exempted", "conditions": not_diligent, "reason": "先行先试"})
    body = refused.json()
    assert refused.status_code == 422 and body["code"] == "excuse_condition_not_met"
    assert "勤勉尽责" in body["detail"] and [m["code"] for m in body["missing"]] == ["diligent"]
    assert "五（三）" in body["rule"] and "尽职照单免责" in body["rule"]
    no_evidence = {**ALL_AFFIRMED, "no_private_gain": {"affirmed": True, "evidence": " "}}
    r = await stack.client.post(f"{url}/excuses", headers=h, json={
        "person": "officer-a", "relief": "exempted", "conditions": no_evidence, "reason": "先行先试"})
    assert r.status_code == 422 and "未谋私利" in r.json()["detail"]
    not_found = await stack.client.post(f"{url}/excuses", headers=h, json={
        "person": "legal-1", "relief": "exempted", "conditions": ALL_AFFIRMED, "reason": "无"})
    assert not_found.status_code == 409 and not_found.json()["code"] == "no_responsibility_found"
    ok = await stack.client.post(f"{url}/excuses", headers=h, json={
        "person": "officer-a", "relief": "exempted", "conditions": ALL_AFFIRMED,
        "reason": "试点中的偏差失误，本人勤勉尽责、未谋私利并及时纠错"})
    assert ok.status_code == 201, ok.text
    got = (await stack.client.get(url, headers=h)).json()
    assert {p["person"]: p["standing"] for p in got["people"]}["officer-a"] == "excused"
    # The figures: 已免责 apart, never as responsible.
    view = (await stack.client.get("/audit/v1/accountability/people/officer-a", headers=h)).json()
    assert view["counts"]["excused"] == 1 and view["counts"]["responsible"] == 0
    report = await stack.client.get("/audit/v1/reports/annual", params={"year": 2026}, headers=h)
    rows = {r["执法机构（代码）"]: r for r in csv.DictReader(io.StringIO(report.content.decode("utf-8-sig")))}
    row = rows[BUREAU]
    assert row["错案责任倒查案件数"] == "1" and row["容错已免责人次"] == "1" and row["认定有责任人次（不含容错）"] == "0"
    # Each act is in the audit log and an event.
    log = (await stack.client.get("/audit/v1/log/entries", params={"case_id": case["case_id"]}, headers=h)).text
    assert "audit.responsibility_recorded" in log and "audit.excuse_decided" in log
    assert len(await _outbox(stack, "ecocomply.audit.responsibility_recorded.v1")) == 3
    assert len(await _outbox(stack, "ecocomply.audit.excuse_decided.v1")) == 1
    # A person of the case may not record a finding on it.
    r = await stack.client.post(f"{url}/responsibilities", json={"person": "officer-b", "finding": "none", "reason": "x"},
                                headers=stack.auth("leader-3", "auditor", bureau="320500"))
    assert r.status_code == 403 and r.json()["code"] == "reviewer_involved"


async def test_a_persons_view_joins_traces_interference_and_refusals_and_a_leader_sees_their_bureau(stack):
    case = await wrong_case(stack)
    await _open(stack, case["flag_id"])
    await refused_attempt(stack, case, "leader-1")
    r = await stack.client.post("/audit/v1/interference-records", headers=supervisor(stack), json={
        "case_id": case["case_id"], "person": "leader-1", "position": "副局长", "manner": "电话要求不予处罚",
        "occurred_on": "2026-06-11"})
    assert r.status_code == 201, r.text
    view = (await stack.client.get("/audit/v1/accountability/people/leader-1", headers=supervisor(stack))).json()
    assert [t["roles"] for t in view["traces"]] == [["decider"]] and view["traces"][0]["standing"] == "pending"
    assert view["refused_attempts"] == {"total": 1, "exemption": 1}
    assert [i["manner"] for i in view["interference"]] == ["电话要求不予处罚"]
    own = stack.auth("leader-9", "leader", bureau=BUREAU)
    mine = (await stack.client.get("/audit/v1/accountability/people/leader-1", headers=own)).json()
    assert mine["counts"]["traces"] == 1 and mine["counts"]["interference"] == 1
    people = (await stack.client.get("/audit/v1/accountability/people", headers=own)).json()
    assert "leader-1" in {p["person"] for p in people}
    other = stack.auth("leader-8", "leader", bureau=OTHER_BUREAU)
    theirs = (await stack.client.get("/audit/v1/accountability/people/leader-1", headers=other)).json()
    assert theirs["traces"] == [] and theirs["interference"] == [] and theirs["refused_attempts"]["total"] == 0
    assert (await stack.client.get("/audit/v1/accountability/people", headers=other)).json() == []
    asked = await stack.client.get("/audit/v1/accountability/people", params={"bureau": BUREAU}, headers=other)
    assert asked.status_code == 403

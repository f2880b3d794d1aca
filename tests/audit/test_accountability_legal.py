"""错案责任倒查与容错纠错 read against the law (issue 27 point 4, legal review):
* an excuse after a referral to 纪检监察, or from a 处分/政务处分, records the competent organ's finding — the supervisor
  never grants it alone (政务处分法 第二条、第三条; 公务员法 第五十七条第三款; 试点方案 五（三） 不违反党的纪律和国家法律法规);
* responsibility and excuses follow a case still found wrong — not while its flag is reviewed again, nor after the
  later review found 无问题 (工作要点（二十二）), though a person may always be cleared;
* a person the case's records place in it (here the 事先告知 officer) may not even open the trace."""

from __future__ import annotations

from datetime import timedelta

from services.testing.factories import OTHER_BUREAU
from shared.contracts import CaseNotified
from tests.audit.accountability_helpers import ALL_AFFIRMED, AT, supervisor, wrong_case
from tests.audit.audit_helpers import consumed, emit


async def _trace(stack, flag_id):
    r = await stack.client.post("/audit/v1/accountability/traces", json={"flag_id": flag_id},
                                headers=supervisor(stack))
    assert r.status_code == 201, r.text
    return f"/audit/v1/accountability/traces/{r.json()['id']}"


async def _find(stack, url, person, outcome=None, finding="responsible"):
    body = {"person": person, "finding": finding, "reason": "未核实首违事实即免罚"}
    if outcome:
        body["outcome"] = outcome
    return await stack.client.post(f"{url}/responsibilities", json=body, headers=supervisor(stack))


async def _excuse(stack, url, person, **extra):
    return await stack.client.post(f"{url}/excuses", headers=supervisor(stack), json={
        "person": person, "relief": "exempted", "conditions": ALL_AFFIRMED,
        "reason": "试点中的偏差失误，及时纠正", **extra})


async def test_an_excuse_after_a_referral_to_discipline_records_the_competent_organs_finding(stack):
    case = await wrong_case(stack, review="referred")
    url = await _trace(stack, case["flag_id"])
    assert (await _find(stack, url, "officer-a", "talk_reminder")).status_code == 201
    alone = await _excuse(stack, url, "officer-a")
    assert alone.status_code == 422 and alone.json()["code"] == "excuse_reserved_to_competent_organ"
    assert "有权机关" in alone.json()["detail"] and "政务处分法》第二条、第三条" in alone.json()["rule"]
    blank = await _excuse(stack, url, "officer-a", organ_decision="  ")
    assert blank.status_code == 422 and blank.json()["code"] == "excuse_reserved_to_competent_organ"
    organ = "苏州市吴江区纪委监委 吴纪〔2026〕12号：不予追究，容错免责"
    ok = await _excuse(stack, url, "officer-a", organ_decision=organ)
    assert ok.status_code == 201, ok.text
    assert ok.json()["organ_decision"] == organ
    got = (await stack.client.get(url, headers=supervisor(stack))).json()
    assert {p["person"]: p["standing"] for p in got["people"]}["officer-a"] == "excused"
    assert got["excuses"][0]["organ_decision"] == organ


async def test_a_disciplinary_sanction_is_the_organs_to_lift_a_lighter_outcome_the_supervisors_to_excuse(stack):
    case = await wrong_case(stack)  # 发现问题, not referred
    url = await _trace(stack, case["flag_id"])
    assert (await _find(stack, url, "officer-a", "demerit")).status_code == 201
    assert (await _find(stack, url, "officer-b", "criticism_education")).status_code == 201
    refused = await _excuse(stack, url, "officer-a")
    assert refused.status_code == 422 and refused.json()["code"] == "excuse_reserved_to_competent_organ"
    assert (await _excuse(stack, url, "officer-a", organ_decision="吴江生态环境局 处分决定撤销：容错免责")).status_code == 201
    assert (await _excuse(stack, url, "officer-b")).status_code == 201  # 批评教育: no organ's finding needed
    view = (await stack.client.get("/audit/v1/accountability/people/officer-b", headers=supervisor(stack))).json()
    assert view["counts"]["excused"] == 1 and view["counts"]["responsible"] == 0
    # A later finding is not relieved by the excuse of an earlier one: officer-b counts as responsible again.
    assert (await _find(stack, url, "officer-b", "admonishment")).status_code == 201
    view = (await stack.client.get("/audit/v1/accountability/people/officer-b", headers=supervisor(stack))).json()
    assert view["counts"]["excused"] == 0 and view["counts"]["responsible"] == 1
    assert view["excuses"][0]["finding_id"] == view["findings"][0]["id"]


async def test_no_responsibility_or_excuse_once_the_case_is_no_longer_found_wrong_but_clearing_stays_open(stack):
    case = await wrong_case(stack)
    url = await _trace(stack, case["flag_id"])
    assert (await _find(stack, url, "officer-a", "admonishment")).status_code == 201
    h = stack.auth("auditor-sz2", "auditor", bureau="320500", name="吴复核")
    r = await stack.client.post(f"/audit/v1/flags/{case['flag_id']}/reopen", headers=h,
                                json={"reason": "企业提交了首违的新证据"})
    assert r.status_code == 200, r.text
    blocked = await _find(stack, url, "officer-b", "admonishment")
    assert blocked.status_code == 409 and blocked.json()["code"] == "not_traceable"
    assert "不再是认定的错案" in blocked.json()["detail"] and "错案责任倒查" in blocked.json()["rule"]
    excuse = await _excuse(stack, url, "officer-a")
    assert excuse.status_code == 409 and excuse.json()["code"] == "not_traceable"
    r = await stack.client.post(f"/audit/v1/flags/{case['flag_id']}/review", headers=h,
                                json={"outcome": "cleared", "notes": "首违事实经核实成立，免罚无误"})
    assert r.status_code == 200, r.text
    assert (await _find(stack, url, "officer-b", "admonishment")).status_code == 409
    cleared = await _find(stack, url, "officer-a", finding="none")
    assert cleared.status_code == 201, cleared.text
    got = (await stack.client.get(url, headers=supervisor(stack))).json()
    assert {p["person"]: p["standing"] for p in got["people"]}["officer-a"] == "not_responsible"
    # A flag found wrong again is traceable again.
    r = await stack.client.post(f"/audit/v1/flags/{case['flag_id']}/reopen", headers=h, json={"reason": "再查"})
    assert r.status_code == 200, r.text
    r = await stack.client.post(f"/audit/v1/flags/{case['flag_id']}/review", headers=h,
                                json={"outcome": "issue_found", "notes": "首违证据系伪造"})
    assert r.status_code == 200, r.text
    assert (await _find(stack, url, "officer-b", "admonishment")).status_code == 201


async def test_a_person_the_records_place_in_the_case_may_not_open_its_trace(stack):
    case = await wrong_case(stack)
    await consumed(stack, await emit(stack, CaseNotified(
        case_id=case["case_id"], number=case["number"], bureau=case["bureau"], notified_by="notifier-1",
        notified_at=AT + timedelta(days=4))))
    r = await stack.client.post("/audit/v1/accountability/traces", json={"flag_id": case["flag_id"]},
                                headers=stack.auth("notifier-1", "auditor", bureau=OTHER_BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "reviewer_involved"
    ok = await stack.client.post("/audit/v1/accountability/traces", json={"flag_id": case["flag_id"]},
                                 headers=supervisor(stack))
    assert ok.status_code == 201 and "notifier-1" in {p["person"] for p in ok.json()["people"]}


async def test_a_supervisor_recorded_as_interfering_in_the_case_may_not_act_on_its_trace(stack):
    case = await wrong_case(stack)
    url = await _trace(stack, case["flag_id"])
    r = await stack.client.post("/audit/v1/interference-records", headers=supervisor(stack), json={
        "case_id": case["case_id"], "person": "钱处长", "position": "市局执法监督处处长", "manner": "打招呼要求从轻",
        "occurred_on": "2026-06-11"})
    assert r.status_code == 201, r.text
    qian = stack.auth("auditor-qian", "auditor", bureau="320500", name="钱处长")
    refused = await stack.client.post(f"{url}/responsibilities", headers=qian, json={
        "person": "officer-a", "finding": "none", "reason": "承办人无责任"})
    assert refused.status_code == 403 and refused.json()["code"] == "reviewer_interfered"
    assert "干预、插手" in refused.json()["rule"]
    other = stack.auth("auditor-sun", "auditor", bureau="320500", name="孙科长")
    ok = await stack.client.post(f"{url}/responsibilities", headers=other, json={
        "person": "officer-a", "finding": "none", "reason": "承办人无责任"})
    assert ok.status_code == 201, ok.text

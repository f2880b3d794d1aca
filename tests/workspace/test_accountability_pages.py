"""The 错案责任倒查 pages over HTTP (issue 27 point 4): from a flag reviewed as 发现问题 a supervisor opens the trace
(the flag page's button), the trace page lists each person by name and role, a refused excuse shows which condition
is missing and its source and records nothing, an excused person shows 已免责; the people and per-person pages;
a bureau leader reads without the forms; every page plain Chinese (names, not login ids)."""

from __future__ import annotations

import re

from services.testing.factories import BUREAU
from services.testing.workspace import signed_in
from tests.audit.accountability_helpers import MUNICIPAL, register_people, wrong_case
from tests.portal.plain_text import identifiers
from tests.workspace.test_pages import csrf_of

LOGINS = ("officer-a", "officer-b", "legal-1", "leader-1", "leader-2", "leader-3", "auditor-sz")
CONDITIONS = ("no_breach_of_discipline_or_law", "diligent", "no_private_gain", "corrected_in_time")


async def test_a_supervisor_traces_a_wrong_case_records_a_finding_and_an_excuse(stack):
    await register_people(stack)
    case = await wrong_case(stack)
    h = await signed_in(stack, "auditor-sz", "auditor", name="周监督", bureau=MUNICIPAL)
    flag_page = await stack.client.get(f"/workspace/flags/{case['flag_id']}", headers=h)
    assert 'id="trace-form"' in flag_page.text
    opened = await stack.client.post(f"/workspace/flags/{case['flag_id']}/trace", headers=h,
                                     data={"csrf": csrf_of(h)})
    assert opened.status_code == 303
    url = opened.headers["location"].split("?")[0]
    page = await stack.client.get(url, headers=h)
    assert page.status_code == 200 and "已开启" not in page.text
    for name, role in (("张执法", "承办人、立案人"), ("王法审", "法制审核人"), ("局长0", "决定人（行政机关负责人）"),
                       ("副局长1", "集体讨论参加人、集体讨论记录人")):
        assert re.search(rf"{name}</a></td><td>{role}</td>", page.text), name
    assert identifiers(page.text, LOGINS) == []
    # The flag page now links to the trace instead of the button.
    again = await stack.client.get(f"/workspace/flags/{case['flag_id']}", headers=h)
    assert 'id="trace-link"' in again.text and 'id="trace-form"' not in again.text
    trace_id = url.rsplit("/", 1)[1]
    r = await stack.client.post(f"{url}/responsibilities", headers=h, data={
        "csrf": csrf_of(h), "person": "officer-a", "finding": "responsible", "kind": "直接责任",
        "outcome": "admonishment", "reason": "未调取处罚记录即认定初次违法"})
    assert r.status_code == 303, r.text
    # A refused excuse: the missing condition named with its source; nothing recorded.
    form = {"csrf": csrf_of(h), "person": "officer-a", "relief": "exempted", "reason": "先行先试中的偏差",
            **{f"c_{c}": "yes" for c in CONDITIONS if c != "corrected_in_time"},
            **{f"e_{c}": "有书面证据" for c in CONDITIONS}}
    refused = await stack.client.post(f"{url}/excuses", headers=h, data=form)
    assert refused.status_code == 422 and "能够及时纠错改正" in refused.text and "五（三）" in refused.text
    assert 'id="no-excuses"' in refused.text
    ok = await stack.client.post(f"{url}/excuses", headers=h, data={**form, "c_corrected_in_time": "yes"})
    assert ok.status_code == 303, ok.text
    page = await stack.client.get(url, headers=h)
    assert "已免责" in page.text and "免除相关责任" in page.text and "诫勉" in page.text
    person = await stack.client.get("/workspace/people/officer-a", headers=h)
    assert person.status_code == 200 and "张执法：责任倒查与容错" in person.text
    assert re.search(r'id="count-excused">1<', person.text) and re.search(r'id="count-responsible">0<', person.text)
    assert trace_id in person.text and identifiers(person.text, LOGINS) == []
    people = await stack.client.get("/workspace/people", headers=h)
    assert "张执法" in people.text and identifiers(people.text, LOGINS) == []


async def test_a_bureau_leader_reads_the_trace_without_the_forms(stack):
    await register_people(stack)
    case = await wrong_case(stack)
    auditor = await signed_in(stack, "auditor-sz", "auditor", name="周监督", bureau=MUNICIPAL)
    opened = await stack.client.post(f"/workspace/flags/{case['flag_id']}/trace", headers=auditor,
                                     data={"csrf": csrf_of(auditor)})
    url = opened.headers["location"].split("?")[0]
    leader = await signed_in(stack, "leader-9", "leader", name="钱局长", bureau=BUREAU)
    page = await stack.client.get(url, headers=leader)
    assert page.status_code == 200 and 'id="read-only"' in page.text and 'id="finding-form"' not in page.text
    refused = await stack.client.post(f"{url}/responsibilities", headers=leader, data={
        "csrf": csrf_of(leader), "person": "officer-a", "finding": "none", "reason": "无"})
    assert refused.status_code == 403 and "局领导只能查看" in refused.text
    assert "张执法" in (await stack.client.get("/workspace/people", headers=leader)).text


async def test_an_excuse_on_a_referred_case_asks_for_the_competent_organs_finding_and_shows_it(stack):
    await register_people(stack)
    case = await wrong_case(stack, review="referred")
    h = await signed_in(stack, "auditor-sz", "auditor", name="周监督", bureau=MUNICIPAL)
    opened = await stack.client.post(f"/workspace/flags/{case['flag_id']}/trace", headers=h,
                                     data={"csrf": csrf_of(h)})
    url = opened.headers["location"].split("?")[0]
    page = await stack.client.get(url, headers=h)
    assert 'id="x-organ"' in page.text and "组织调整" in page.text  # the form's field and the sourced outcome
    r = await stack.client.post(f"{url}/responsibilities", headers=h, data={
        "csrf": csrf_of(h), "person": "officer-a", "finding": "responsible", "outcome": "talk_reminder",
        "reason": "未调取处罚记录即认定初次违法"})
    assert r.status_code == 303, r.text
    form = {"csrf": csrf_of(h), "person": "officer-a", "relief": "exempted", "reason": "先行先试中的偏差",
            **{f"c_{c}": "yes" for c in CONDITIONS}, **{f"e_{c}": "有书面证据" for c in CONDITIONS}}
    refused = await stack.client.post(f"{url}/excuses", headers=h, data=form)
    assert refused.status_code == 422 and "有权机关" in refused.text and 'id="no-excuses"' in refused.text
    organ = "吴江区纪委监委：不予追究，容错免责"
    ok = await stack.client.post(f"{url}/excuses", headers=h, data={**form, "organ_decision": organ})
    assert ok.status_code == 303, ok.text
    page = await stack.client.get(url, headers=h)
    assert f"有权机关的认定：{organ}" in page.text and "已免责" in page.text

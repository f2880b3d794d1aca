"""投诉举报 pages in the workspace over HTTP (issue 27 point 2): an auditor of the complained-about bureau is refused
each handling step on the page in Chinese with the rule, nothing changed; its leader reads the complaint without the
complainant and without the forms, and cannot post a step; a step without its required text is refused naming it."""

from __future__ import annotations

from services.testing.factories import BUREAU
from services.testing.workspace import signed_in
from tests.workspace.test_pages import csrf_of

BODY = {"bureau": BUREAU, "category": "abuse", "summary": "执法人员在检查中索要好处，否则威胁从重处罚。",
        "anonymous": False, "complainant_name": "周某某", "complainant_contact": "13900000000",
        "idempotency_key": "workspace-page-key-0001"}


async def test_the_complained_about_bureau_is_refused_and_never_sees_the_complainant(stack):
    cid = (await stack.client.post("/audit/v1/public/complaints", json=BODY)).json()["id"]
    own = await signed_in(stack, "auditor-wj", "auditor", name="吴审核", bureau=BUREAU)
    page = await stack.client.get(f"/workspace/complaints/{cid}", headers=own)
    assert page.status_code == 200 and "周某某" not in page.text and "13900000000" not in page.text
    assert 'id="actions"' not in page.text  # no forms for the complained-about bureau's own auditor
    r = await stack.client.post(f"/workspace/complaints/{cid}/accept", headers=own, data={"csrf": csrf_of(own)})
    assert r.status_code == 403 and "不能办理针对本机关的投诉" in r.text and "（二十一）" in r.text
    leader = await signed_in(stack, "leader-1", "leader", name="王局长", bureau=BUREAU)
    page = await stack.client.get(f"/workspace/complaints/{cid}", headers=leader)
    # 《信访工作条例》第三十条第三款: the bureau's leader reads that the complaint exists, not its material.
    assert page.status_code == 200 and "索要好处" not in page.text and "周某某" not in page.text
    assert "对被投诉机关保密" in page.text and "第三十条第三款" in page.text
    assert 'id="complainant"' not in page.text and 'id="actions"' not in page.text
    r = await stack.client.post(f"/workspace/complaints/{cid}/accept", headers=leader, data={"csrf": csrf_of(leader)})
    assert r.status_code == 403 and "局领导只能查看" in r.text
    state = (await stack.client.get(f"/audit/v1/complaints/{cid}", headers=stack.auth("a", "auditor"))).json()
    assert state["status"] == "submitted" and len(state["steps"]) == 1  # nothing changed

    municipal = await signed_in(stack, "auditor-sz", "auditor", name="赵审核", bureau="320500")
    page = await stack.client.get(f"/workspace/complaints/{cid}", headers=municipal)
    assert "周某某" in page.text and "13900000000" in page.text and 'id="actions"' in page.text
    r = await stack.client.post(f"/workspace/complaints/{cid}/refuse", headers=municipal,
                                data={"csrf": csrf_of(municipal), "reason": ""})
    assert r.status_code == 422 and "请填写不予受理的理由" in r.text
    r = await stack.client.post(f"/workspace/complaints/{cid}/accept", headers=municipal,
                                data={"csrf": "x" * 32})
    assert r.status_code == 403 and "表单已失效" in r.text
    r = await stack.client.post(f"/workspace/complaints/{cid}/accept", headers=municipal,
                                data={"csrf": csrf_of(municipal), "reason": "予以受理"})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=accept#actions")


async def test_the_dashboard_counts_complaints_per_bureau_by_name_and_links_to_the_queue(stack):
    from shared.bureaus import BUREAU_NAMES

    for i in range(2):
        r = await stack.client.post("/audit/v1/public/complaints", json={**BODY, "idempotency_key": f"dashboard-key-{i:04d}"})
        assert r.status_code == 201, r.text
    municipal = await signed_in(stack, "auditor-sz", "auditor", name="赵审核", bureau="320500")
    page = await stack.client.get("/workspace/dashboard", headers=municipal)
    assert page.status_code == 200
    table = page.text.split('id="complaints-table"', 1)[1].split("</table>", 1)[0]
    row = table.split(BUREAU_NAMES[BUREAU], 1)[1].split("</tr>", 1)[0]
    assert f"/workspace/complaints?bureau={BUREAU}" in table and row.count("<td>2</td>") == 1  # received 2
    assert "被投诉机关" in table and BUREAU not in table.replace(f"bureau={BUREAU}", "")  # the name, not the code
    # another bureau's leader sees none of them
    other = await signed_in(stack, "leader-x", "leader", name="钱局长", bureau="320506")
    page = await stack.client.get("/workspace/dashboard", headers=other)
    assert page.status_code == 200 and "期间内尚无投诉举报" in page.text

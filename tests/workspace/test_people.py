"""The workspace names its own people (issue 26: names not codes): auditors, leaders and administrators are not
on the officers register, so the workspace knows them from the local accounts and from the people the identity
provider signed in. A flag is assigned by choosing an auditor's name, and the flag's page names them."""

from __future__ import annotations

import re

from services.audit.workspace import accounts
from tests.workspace.test_pages import auditor, csrf_of, flag_id_of, flagged

PASSWORD = "correct-horse-battery"


async def _account(stack, username: str, name: str, role: str, bureau: str | None = None) -> None:
    rt = stack.runtimes["audit"]
    async with rt.sessionmaker() as s, s.begin():
        await accounts.create(s, username=username, name=name, roles=[role], bureau=bureau, password=PASSWORD,
                              now=rt.clock.now())


async def test_auditors_are_offered_by_name_and_named_after_assignment(stack):
    await _account(stack, "zhao-audit", "赵审核", "auditor")
    await _account(stack, "admin-1", "钱管理", "admin")
    payload, = await flagged(stack)
    fid = await flag_id_of(stack, payload.case_id)
    h = await auditor(stack)
    page = await stack.client.get(f"/workspace/flags/{fid}", headers=h)
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', page.text.split('id="assign-form"')[1].split("</form>")[0])
    assert ("zhao-audit", "赵审核") in options
    assert all(sub != "admin-1" for sub, _ in options)  # an administrator is not an auditor
    done = await stack.client.post(f"/workspace/flags/{fid}/assign", headers=h,
                                   data={"csrf": csrf_of(h), "assignee": "zhao-audit"})
    assert done.status_code == 303
    after = await stack.client.get(f"/workspace/flags/{fid}", headers=h)
    assert 'id="assignee">赵审核<' in after.text and "zhao-audit" not in after.text.split("<main")[1].split("<form")[0]


async def test_people_list_is_for_workspace_roles_and_a_leader_sees_auditors_and_own_bureau(stack):
    await _account(stack, "zhao-audit", "赵审核", "auditor")
    await _account(stack, "wang-leader", "王局长", "leader", bureau="320509")
    await _account(stack, "sun-leader", "孙局长", "leader", bureau="320581")
    r = await stack.client.get("/audit/v1/workspace/people", headers=stack.auth("a", "auditor"))
    assert {p["name"] for p in r.json()} == {"赵审核", "王局长", "孙局长"}
    r = await stack.client.get("/audit/v1/workspace/people", headers=stack.auth("w", "leader", bureau="320509"))
    assert {p["name"] for p in r.json()} == {"赵审核", "王局长"}
    r = await stack.client.get("/audit/v1/workspace/people", headers=stack.auth("o", "officer", bureau="320509"))
    assert r.status_code == 403

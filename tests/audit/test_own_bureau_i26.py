"""The audited bureau never works its own flags (issue 26 item 3: an outcome is changed only by a later review,
never by the audited bureau; 试点方案 三（十）: supervision of exemptions and light penalties, 纳入执法稽查): a
person whose token names the flag's bureau is refused assigning, starting, reviewing and reopening it, while an
auditor of the municipal bureau (or with no bureau) works it; no account is both an auditor and a bureau leader."""

from __future__ import annotations

import pytest

from services.audit.workspace import accounts
from services.testing.factories import BUREAU
from tests.workspace.test_pages import flag_id_of, flagged

MUNICIPAL = "320500"


async def test_an_auditor_of_the_audited_bureau_is_refused_and_a_municipal_auditor_works_the_flag(stack):
    payload, = await flagged(stack)
    fid = await flag_id_of(stack, payload.case_id)
    own = stack.auth("auditor-wj", "auditor", bureau=BUREAU)
    for path, body in (("assign", {"assignee": "auditor-sz"}), ("start", None),
                       ("review", {"outcome": "cleared", "notes": "无问题"}), ("bulk-assign", None)):
        url = f"/audit/v1/flags/{fid}/{path}" if path != "bulk-assign" else "/audit/v1/flags/bulk-assign"
        if path == "bulk-assign":
            body = {"flag_ids": [fid], "assignee": "auditor-sz"}
        r = await stack.client.post(url, headers=own, json=body)
        assert r.status_code in (403, 409) and "reviewer_own_bureau" in r.text, (path, r.text)
    flag = (await stack.client.get(f"/audit/v1/flags/{fid}", headers=stack.auth("a", "auditor"))).json()
    assert flag["status"] == "open" and flag["assignee"] is None  # nothing changed
    municipal = stack.auth("auditor-sz", "auditor", bureau=MUNICIPAL)
    assert (await stack.client.post(f"/audit/v1/flags/{fid}/start", headers=municipal)).status_code == 200
    r = await stack.client.post(f"/audit/v1/flags/{fid}/review", headers=municipal,
                                json={"outcome": "cleared", "notes": "已核对全部环节，无问题"})
    assert r.status_code == 200 and r.json()["status"] == "cleared"
    r = await stack.client.post(f"/audit/v1/flags/{fid}/reopen", headers=own, json={"reason": "本局认为应重新审核"})
    assert r.status_code == 403 and r.json()["code"] == "reviewer_own_bureau"


def test_no_account_is_both_an_auditor_and_a_bureau_leader():
    with pytest.raises(accounts.AccountError, match="不得同时是被监督机关的局领导"):
        accounts.check_new_account("wang", "王某", ["auditor", "leader"], BUREAU)
    assert accounts.check_new_account("wang", "王某", ["leader"], BUREAU) == ("leader",)
    assert accounts.check_new_account("zhao", "赵某", ["auditor"], MUNICIPAL) == ("auditor",)

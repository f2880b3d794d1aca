"""Paging the flags list while the audit keeps raising flags (issue 13: stable pagination). New flags
arrive at the front of the newest-first list; a client that pages with the ``next`` cursor sees every
flag that existed when it started exactly once, where offset pages would repeat some."""

from __future__ import annotations


async def _exemptions(decisions, n: int) -> list[str]:
    out = []
    for _ in range(n):
        payload, event = await decisions.emit(decision_type="no_penalty", fine_amount=None)
        await decisions.processed("audit", event.id)
        out.append(payload.case_id)
    return out


async def test_cursor_pages_see_each_flag_once_while_new_flags_arrive(stack, decisions):
    headers = stack.auth("auditor-1", "auditor")
    first = await _exemptions(decisions, 7)

    async def page(**params) -> dict:
        r = await stack.client.get("/audit/v1/flags", params={"size": 3, **params}, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    p1 = await page()
    assert len(p1["items"]) == 3 and p1["total"] == 7 and p1["next"]
    newer = await _exemptions(decisions, 4)  # the audit goes on while the client reads page 1

    seen = [f["case_id"] for f in p1["items"]]
    cursor = p1["next"]
    for _ in range(20):  # a cursor that does not advance must not loop forever
        if not cursor:
            break
        body = await page(cursor=cursor)
        seen += [f["case_id"] for f in body["items"]]
        cursor = body["next"]
    assert sorted(seen) == sorted(first) and len(seen) == len(set(seen)) == 7
    # What offset paging would have shown: page 2 now starts inside what page 1 already showed.
    offset_p2 = [f["case_id"] for f in (await page(page=2))["items"]]
    assert set(offset_p2) & {f["case_id"] for f in p1["items"]}
    # A fresh reader sees the newer flags first.
    assert {f["case_id"] for f in (await page(size=4))["items"]} == set(newer)


async def test_a_cursor_that_is_not_ours_is_refused_naming_it(stack):
    r = await stack.client.get("/audit/v1/flags", params={"cursor": "bm90LWEtY3Vyc29y"},
                               headers=stack.auth("auditor-1", "auditor"))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "cursor"
    r = await stack.client.get("/audit/v1/flags", params={"page": 10**20}, headers=stack.auth("auditor-1", "auditor"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "page"

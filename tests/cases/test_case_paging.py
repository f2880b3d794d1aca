"""Paging the cases list while officers keep filing (issue 13: stable pagination): the ``next`` cursor
shows each case that existed when the client started exactly once."""

from __future__ import annotations

from services.testing.factories import CASES, CaseDriver


async def test_cursor_pages_see_each_case_once_while_cases_are_filed(stack):
    d = CaseDriver(stack)
    uscc = await d.enterprise()
    original = {(await d.file(uscc))["id"] for _ in range(5)}

    async def page(**params) -> dict:
        r = await stack.client.get(f"{CASES}/cases", params={"size": 2, **params}, headers=d.off)
        assert r.status_code == 200, r.text
        return r.json()

    first = await page()
    assert first["total"] == 5 and len(first["items"]) == 2 and first["next"]
    newer = {(await d.file(uscc))["id"] for _ in range(2)}  # filed while the client reads page 1
    seen = [c["id"] for c in first["items"]]
    cursor = first["next"]
    for _ in range(20):
        if not cursor:
            break
        body = await page(cursor=cursor)
        seen += [c["id"] for c in body["items"]]
        cursor = body["next"]
    assert len(seen) == len(set(seen)) and set(seen) == original
    assert {c["id"] for c in (await page(size=2))["items"]} == newer
    r = await stack.client.get(f"{CASES}/cases", params={"cursor": "eyJ4IjoxfQ"}, headers=d.off)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"

"""Issue 25 S17: a token holder cannot learn which enterprises are registered with another bureau — "not yours"
answers exactly as "not there" (404, same code) on every route keyed by a USCC, while the owner still reads it."""

from __future__ import annotations

from services.testing.factories import CASES, CaseDriver, new_uscc

ROUTES = ("GET /enterprises/{uscc}", "GET /enterprises/{uscc}/risk-warnings", "PATCH /enterprises/{uscc}")


async def _call(d: CaseDriver, route: str, uscc: str, headers: dict):
    method, path = route.split(" ")
    url = CASES + path.format(uscc=uscc)
    if method == "PATCH":
        return await d.c.patch(url, headers=headers, json={"legal_representative": "王某某"})
    return await d.c.get(url, headers=headers)


async def test_a_foreign_enterprise_reads_as_one_not_registered(stack):
    d = CaseDriver(stack)
    registered = await d.enterprise()  # registered with bureau 320509
    absent = new_uscc()
    foreign = stack.auth("officer-b", "officer", bureau="320506")
    for route in ROUTES:
        own = await _call(d, route, registered, d.off)
        assert own.status_code == 200, (route, own.text)  # the positive: the bureau's officer reads and writes it
        theirs, missing = await _call(d, route, registered, foreign), await _call(d, route, absent, foreign)
        assert (theirs.status_code, missing.status_code) == (404, 404), (route, theirs.text, missing.text)
        assert theirs.json()["code"] == missing.json()["code"] == "not_found"
        assert theirs.json()["detail"].replace(registered, "X") == missing.json()["detail"].replace(absent, "X")
    other_party = stack.auth("e-other", "enterprise", uscc=new_uscc())
    theirs = await _call(d, ROUTES[0], registered, other_party)
    missing = await _call(d, ROUTES[0], absent, other_party)
    assert (theirs.status_code, missing.status_code) == (404, 404)
    party = stack.auth("e-own", "enterprise", uscc=registered)
    assert (await _call(d, ROUTES[0], registered, party)).status_code == 200

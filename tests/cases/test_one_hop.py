"""Issue 28 item 2 — one hop, one call, on both setups.

* The checklist routes another service calls in-process (``services/checklist/inprocess.py``) answer exactly as
  over HTTP: the same status and JSON (problem+json included) for the same request and token — a service's, an
  officer's, an enterprise's, a bad one — and without an HTTP request.
* A decision asks the checklist once (``POST /checklist/v1/decision-context``) and decides the same whether the
  services call each other in-process (the embedded mode) or over HTTP (as distributed ones do).
* Its cached reference data follows the checklist's announcements: a newly published item version is seen by the
  next decision.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.testing.factories import IN_LIST_FACTS, CaseDriver, guidance_item
from services.testing.stack import SETUPS, Stack, build_stack
from tests.cases.test_decision_gate import WHY, fine, notified
from tests.cases.test_law_in_time import item_with_new_version
from tests.cases.test_reference_cache import PUBLISHED, _consumed

API = "/checklist/v1"
BUREAU = "320509"


def _http_only(client):
    """The same client with its in-process routes set aside: every call a full HTTP request (ASGI)."""

    class Http:
        async def request(self, *a, **kw):
            saved, client._local = client._local, {}
            try:
                return await client.request(*a, **kw)
            finally:
                client._local = saved

    return Http()


def _requests(stack: Stack) -> list[tuple[str, str, dict[str, Any]]]:
    ctx = {"facts": {"first_offence": True, "harm_minor": True}, "violation_codes": ["GI-WAT-001"], "bureau": BUREAU,
           "on": "2026-06-01"}
    penalty = {**ctx, "act_on": "2026-03-01", "must": True,
               "calculation": {"facts": {"first_offence": True}, "mitigation": None, "act_dates": ["2026-03-01"]}}
    return [
        ("POST", "/decision-context", {"json": penalty}),
        ("POST", "/decision-context", {"json": {**ctx, "facts": IN_LIST_FACTS, "no_penalty_item": "NP-EX-002",
                                                "act_on": "2026-03-01"}}),
        ("POST", "/decision-context", {"json": {**ctx, "no_penalty_item": "NP-NO-SUCH"}}),
        ("POST", "/decision-context", {"json": {**ctx, "violation_codes": ["GI-NO-SUCH"], "calculation": {}}}),
        ("POST", "/decision-context", {"json": {**ctx, "calculation": {"mitigation": "mitigated"}}}),
        ("POST", "/decision-context", {"json": {**ctx, "facts": {"no_such_fact": True}, "must": True}}),
        ("POST", "/decision-context", {"json": {"violation_codes": [], "on": "2026-13-01", "extra": 1}}),
        ("POST", "/decision-context", {"json": {**ctx, "calculation": {"act_dates": ["2026-01-01", None]}}}),
        ("POST", "/discretion/calculate", {"json": {"violation_code": "GI-WAT-001", "facts": {}, "on": "2026-06-01"}}),
        ("POST", "/discretion/calculate", {"json": {"violation_code": "GI-NO-SUCH", "facts": {}}}),
        ("POST", "/discretion/calculate", {"json": {"violation_code": "GI-WAT-001", "mitigation": "mitigated"}}),
        ("POST", "/discretion/calculate", {"json": {"facts": {}}}),
        ("GET", "/circumstances", {"params": {"bureau": BUREAU}}),
        ("GET", "/circumstances", {"params": {"bureau": "x" * 21}}),
        ("GET", "/facts", {}),
        ("GET", "/guidance-items/GI-WAT-001", {}),
        ("GET", "/guidance-items/GI-NO-SUCH", {}),
        ("GET", "/guidance-items/GI-WAT-001", {"params": {"version": 0}}),
        ("GET", "/circumstances", {"params": {"bureau": "32\x00"}}),
        ("POST", "/decision-context", {"json": {**ctx, "facts": {"first\x00offence": True}}}),
    ]


async def test_in_process_routes_answer_as_http_does(stack):
    client = stack.comp.runtimes["cases"].http
    assert client is not None and "checklist" in client._local  # the embedded composition answers in-process
    http = _http_only(client)
    sent: list[str] = []
    real = client._client.request

    async def counted(method, url, **kw):
        sent.append(f"{method} {url}")
        return await real(method, url, **kw)

    client._client.request = counted
    tokens = [None, stack.token("officer-a", "officer", bureau=BUREAU), stack.token("e1", "enterprise", uscc="91320509X"),
              "not-a-token", stack.token("nobody", "officer", bureau=BUREAU, ttl_seconds=-3600)]
    try:
        for method, path, kw in _requests(stack):
            for token in tokens:
                local = await client.request("checklist", method, path, token=token, **kw)
                assert sent == [], f"{method} {path} went over HTTP"
                remote = await http.request("checklist", method, path, token=token, **kw)
                sent.clear()
                what = f"{method} {path} {kw} as {token and token[:12]}"
                assert local.status_code == remote.status_code, (what, local.text[:500], remote.text[:500])
                assert local.json() == remote.json(), what
                assert local.headers["content-type"] == remote.headers["content-type"], what
    finally:
        client._client.request = real
    # a path httpx refuses to send (a control character) goes the HTTP way, and fails as it always did
    for c in (client, http):
        with pytest.raises(httpx.InvalidURL):
            await c.request("checklist", "GET", "/guidance-items/GI-\x00")
    # what the equivalence covered: answers, refusals and bad input
    statuses = set()
    for method, path, kw in _requests(stack):
        statuses.add((await client.request("checklist", method, path, **kw)).status_code)
    assert {200, 404, 422} <= statuses, statuses


def _comparable(case: dict[str, Any]) -> dict[str, Any]:
    """A decided case without what differs between two cases (ids, numbers, the enterprise)."""
    dec = dict(case["decision"])
    for k in ("document_number", "document_numbers", "decided_at"):
        dec.pop(k, None)
    return {"state": case["state"], "steps": case["steps"], "decision": dec,
            "discretion": {k: v for k, v in ((case.get("records") or {}).get("discretion") or {}).items()
                           if k not in ("at",)}}


async def _decide_both_ways(stack, d: CaseDriver, prepare, body: dict) -> tuple[dict, dict, list[str]]:
    """Two identical cases decided, one with the in-process calls, one over HTTP; the checklist calls the first made."""
    client = stack.comp.runtimes["cases"].http
    first, second = await prepare(), await prepare()
    calls: list[str] = []
    real = client.request

    async def counted(service, method, path, **kw):
        calls.append(f"{method} {service}{path}")
        return await real(service, method, path, **kw)

    client.request = counted
    try:
        local = await d.decide(first, body)
    finally:
        del client.request
    saved, client._local = client._local, {}
    try:
        remote = await d.decide(second, body)
    finally:
        client._local = saved
    return local, remote, calls


@pytest.fixture(params=SETUPS)
async def both(request, tmp_path) -> AsyncIterator[Stack]:
    s, cleanup = await build_stack(request.param, tmp_path, reference_recheck_seconds=0)
    try:
        await s.comp.start()
        yield s
    finally:
        await cleanup()


async def test_a_decision_asks_the_checklist_once_and_decides_the_same_in_process_and_over_http(stack):
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    await d.register_leaders()
    d.at(2026, 6, 1)
    # 第三十七条: the act under version 1, the decision under version 2 (both calculations, the lighter applies)
    await item_with_new_version(stack, "GI-HOP-001", (100_000, 1_000_000), (50_000, 500_000), "2026-05-01")
    await _consumed(stack, PUBLISHED, "GI-HOP-001")  # the cached reference data is not dropped under the decisions

    async def penalty_case() -> str:
        cid = (await d.file(await d.enterprise(), violation="GI-HOP-001", occurred_on="2026-03-01"))["id"]
        await d.investigate(cid)
        await d.review(cid, "penalty")
        await d.discuss(cid, "penalty")
        await notified(d, cid, 400_000.0)
        return cid

    await d.decide(await penalty_case(), fine("penalty", 400_000.0, WHY))  # the reference data cached
    local, remote, calls = await _decide_both_ways(stack, d, penalty_case, fine("penalty", 400_000.0, WHY))
    assert _comparable(local) == _comparable(remote)
    assert local["decision"]["law_applied"]["applied"] == "decision", local["decision"]["law_applied"]
    assert calls == ["POST checklist/decision-context"], calls

    async def exemption_case() -> str:
        cid = (await d.file(await d.enterprise()))["id"]
        await d.evidence(cid)
        await d.complete_investigation(cid, IN_LIST_FACTS)
        await d.review(cid, "no_penalty")
        await d.discuss(cid)
        return cid

    exempt = {"type": "no_penalty", "basis": {"no_penalty_item": "NP-EX-002"}}
    local, remote, calls = await _decide_both_ways(stack, d, exemption_case, exempt)
    assert _comparable(local) == _comparable(remote)
    assert local["decision"]["basis"]["no_penalty_item_version"] == 1 and calls == ["POST checklist/decision-context"]

    # a bad answer is the same refusal both ways: an unknown no-penalty item is a 422 naming the field
    cid = await exemption_case()
    client = stack.comp.runtimes["cases"].http
    bad = {"type": "no_penalty", "basis": {"no_penalty_item": "NP-NO-SUCH"}}
    r1 = await d.c.post(f"/cases/v1/cases/{cid}/decision", headers=d.lead, json=bad)
    saved, client._local = client._local, {}
    try:
        r2 = await d.c.post(f"/cases/v1/cases/{cid}/decision", headers=d.lead, json=bad)
    finally:
        client._local = saved
    assert r1.status_code == r2.status_code == 422 and r1.json()["code"] == r2.json()["code"] == "unknown_no_penalty_item"


async def test_the_next_decision_sees_a_newly_published_item_version(both):
    """Item 3: the circumstance keys and the fact vocabulary a decision reads from cache are dropped when the
    checklist announces a new version (``item_published``); the decision's own question is asked afresh — the
    next decision calculates with the new version."""
    stack = both
    d = CaseDriver(stack, auto_certify=False)
    await d.register_officers()
    await d.register_leaders()
    d.at(2026, 6, 1)
    admin = stack.auth("admin-1", "admin")
    body = guidance_item("GI-HOP-REF")
    body["liability"] = {"fine": {"kind": "fixed_range", "min_cny": 100_000, "max_cny": 1_000_000}}
    r = await stack.client.post(f"{API}/guidance-items", headers=admin, json=body)
    assert r.status_code == 201, r.text
    await _consumed(stack, PUBLISHED, "GI-HOP-REF")
    client = stack.comp.runtimes["cases"].http

    async def decided() -> dict:
        cid = (await d.file(await d.enterprise(), violation="GI-HOP-REF", occurred_on="2026-05-20"))["id"]
        await d.investigate(cid)
        await d.review(cid, "penalty")
        await d.discuss(cid, "penalty")
        await notified(d, cid, 300_000.0)
        return await d.decide(cid, fine("penalty", 300_000.0, WHY))

    first = await decided()
    assert first["decision"]["discretion"]["statutory_max"] == 1_000_000.0
    assert any(k.startswith("circumstances:") for k in client._cache)
    revision = {k: v for k, v in body.items() if k != "code"}
    revision.update(liability={"fine": {"kind": "fixed_range", "min_cny": 50_000, "max_cny": 500_000}}, base_version=1)
    r = await stack.client.put(f"{API}/guidance-items/GI-HOP-REF", headers=admin, json=revision)
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    await _consumed(stack, PUBLISHED, "GI-HOP-REF")  # both versions' announcements
    assert not any(k.startswith("circumstances:") for k in client._cache)  # dropped with the announcement
    second = await decided()
    assert second["decision"]["discretion"]["statutory_max"] == 500_000.0
    assert second["decision"]["law_applied"]["violations"][0]["decision_item_version"] == 2


async def test_a_defect_in_an_in_process_handler_is_the_problem_500_a_server_answers(stack):
    """As the app's own handler answers it (logged, problem+json 500), so the caller's client maps it as it maps a
    distributed service's 500 (``dependency_error``), and nothing is written."""
    from shared.inprocess import LocalRoute, LocalRoutes

    async def broken(call):
        raise RuntimeError("a defect")

    rt = stack.comp.runtimes["checklist"]
    routes = LocalRoutes("checklist", rt, rt.verifier, [LocalRoute("GET", "/broken/{code}", broken)])
    found = routes.match("get", "/broken/x")
    assert found is not None and found[1] == {"code": "x"}
    r = await routes.call(found[0], found[1], token=stack.token("officer-a", "officer", bureau=BUREAU), path="/broken/x")
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "internal_error" and r.json()["instance"] == "/checklist/v1/broken/x"
    assert routes.match("GET", "/broken/a%2Fb") is None and routes.match("POST", "/broken/x") is None

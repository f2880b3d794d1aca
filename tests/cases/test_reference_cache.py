"""The guidance items the cases service caches from the checklist follow the checklist's announcements, on
both setups: once ``checklist.item_retired.v1`` is consumed, filing a case that cites the item is refused
(422 ``unknown_violation``), and once a new version's ``item_published.v1`` is consumed, a decision marked
for publication shows the new title — long before the cache's five-minute life ends. Also when the API and
the pipeline (the consumer) run in separate processes, so that the consumer cannot touch the API's cache:
the API then sees the change through the count the consumer keeps in the cases database.

Every process re-reads that count at most every ``reference_recheck_seconds``: 0 here, so that nothing
waits on the wall clock."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy import select

from services.composition import EMBEDDED_BASE, load_spec
from services.testing.factories import CASES, CaseDriver, guidance_item, leader
from services.testing.stack import SECRET, SETUPS, Stack, build_stack
from shared.auth import TokenVerifier
from shared.clock import TZ
from shared.config import SERVICES
from shared.http import ServiceClient
from shared.service import Runtime

CHECKLIST = "/checklist/v1"
CODE = "GI-TEST-REF-1"
ITEM = guidance_item(CODE)
NEW_TITLE = "危险废物贮存场所鹭岛测试事项"
AT = datetime(2026, 6, 15, 10, 0, tzinfo=TZ)  # every runtime's clock (filing, decision, publication dates)
PUBLISHED = "ecocomply.checklist.item_published.v1"
RETIRED = "ecocomply.checklist.item_retired.v1"


@pytest.fixture(params=SETUPS)
async def built(request, tmp_path) -> AsyncIterator[Stack]:
    """A stack (not started) whose processes re-read the change count at every lookup."""
    s, cleanup = await build_stack(request.param, tmp_path, reference_recheck_seconds=0)
    for rt in s.runtimes.values():
        rt.clock.set(AT)
    try:
        yield s
    finally:
        await cleanup()


def _admin(stack) -> dict[str, str]:
    return stack.auth("admin-1", "admin")


async def _consumed(stack, type_: str, code: str) -> None:
    """Wait until the cases service's checklist consumer has committed every ``type_`` event of ``code``
    (its inbox rows, in the cases database that the API and the pipeline process share)."""
    checklist, cases = stack.runtimes["checklist"], stack.runtimes["cases"]
    outbox, inbox = checklist.tables.outbox, cases.tables.inbox
    async with checklist.engine.connect() as conn:
        ids = set((await conn.execute(
            select(outbox.c.event_id).where(outbox.c.type == type_, outbox.c.key == code))).scalars())
    assert ids, f"the checklist emitted no {type_} for {code}"

    async def seen():
        async with cases.engine.connect() as conn:
            rows = (await conn.execute(select(inbox.c.event_id, inbox.c.outcome).where(
                inbox.c.consumer == "cases.checklist-events", inbox.c.event_id.in_(ids)))).all()
        return len(rows) == len(ids) and {o for _, o in rows}

    assert await stack.wait_for(seen, what=f"the cases service to consume {type_} of {code}") == {"handled"}


async def _file(d: CaseDriver, uscc: str, code: str) -> httpx.Response:
    return await d.c.post(f"{CASES}/cases", headers=d.off, json={
        "uscc": uscc, "bureau": d.bureau, "source": "日常检查", "summary": "贮存场所地面未做防渗处理",
        "violations": [{"code": code}], "handlers": ["officer-a", "officer-b"], "facts": {}})


async def _retire_and_refuse(stack, d: CaseDriver, uscc: str) -> None:
    r = await stack.client.post(f"{CHECKLIST}/guidance-items/{CODE}/retire", headers=_admin(stack))
    assert r.status_code == 200, r.text
    await _consumed(stack, RETIRED, CODE)
    r = await _file(d, uscc, CODE)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "unknown_violation" and r.headers["content-type"] == "application/problem+json"
    assert problem["errors"][0]["field"] == "violations.0.code" and CODE in problem["errors"][0]["message"]


async def test_a_retired_item_is_refused_at_filing_once_its_retirement_is_consumed(built):
    await built.comp.start()
    r = await built.client.post(f"{CHECKLIST}/guidance-items", json=ITEM, headers=_admin(built))
    assert r.status_code == 201, r.text
    d = CaseDriver(built)
    uscc = await d.enterprise()
    r = await _file(d, uscc, CODE)  # the item is fetched and cached
    assert r.status_code == 201, r.text
    assert [v["code"] for v in r.json()["violations"]] == [CODE]
    await _retire_and_refuse(built, d, uscc)


async def test_the_api_process_sees_a_change_the_pipeline_process_consumed(built):
    """``ecocomply serve`` with its pipeline in a second process: the cases API runtime runs no consumer; a
    runtime of its own (its own engine and service client, sharing only the database) consumes."""
    stack = built
    await stack.comp.start(workers=False)
    for name in ("checklist", "credit", "audit"):
        await stack.runtimes[name].start_workers()
    cases = stack.runtimes["cases"]
    worker_http = ServiceClient({n: EMBEDDED_BASE for n in SERVICES}, secret=SECRET, caller="cases",
                                transport=httpx.ASGITransport(app=stack.comp.root))
    worker = Runtime(load_spec("cases"), cases.settings, bus=stack.comp.bus, verifier=TokenVerifier(secret=SECRET),
                     http=worker_http)
    worker.clock.set(AT)
    try:
        await worker.start_workers()
        r = await stack.client.post(f"{CHECKLIST}/guidance-items", json=ITEM, headers=_admin(stack))
        assert r.status_code == 201, r.text
        d = CaseDriver(stack)
        uscc = await d.enterprise()
        cid = (await d.file(uscc, violation=CODE))["id"]  # the API process caches the item (version 1)
        await d.investigate(cid)
        await d.review(cid)
        await d.notice(cid, 150000.0, "penalty")
        await d.decide(cid, {"type": "penalty", "fine_amount": 150000.0,
                             "basis": {"law_article": "《中华人民共和国固体废物污染环境防治法》第一百一十二条"}})

        # A new version with a new title, published: the public page of the decision marked afterwards names it.
        revision = {k: v for k, v in copy.deepcopy(ITEM).items() if k != "code"}
        r = await stack.client.put(f"{CHECKLIST}/guidance-items/{CODE}", headers=_admin(stack),
                                   json={**revision, "title": NEW_TITLE, "base_version": 1})
        assert r.status_code == 200 and r.json()["version"] == 2, r.text
        await _consumed(stack, PUBLISHED, CODE)
        r = await stack.client.post(f"{CASES}/cases/{cid}/publication", headers=leader(stack), json={
            "reason": "罚款数额较大，社会关注度高，属于具有一定社会影响的行政处罚决定"})
        assert r.status_code == 201, r.text
        r = await stack.client.get(f"{CASES}/public/decisions/{r.json()['id']}")
        assert r.status_code == 200, r.text
        assert r.json()["violation_type"] == [{"code": CODE, "title": NEW_TITLE}], json.dumps(r.json(), ensure_ascii=False)

        await _retire_and_refuse(stack, d, uscc)
    finally:
        await worker.close()
        await worker_http.aclose()

"""Admin create / revise / publish / retire of guidance items on both setups: immutable versions,
optimistic concurrency (409), validation of the legal basis (422, nothing written), the
item_published event in the outbox, and search that follows the published version."""

from __future__ import annotations

import asyncio
import copy
import json

import pytest
from sqlalchemy import func, select

from services.checklist.models import GuidanceItem, SearchDocument
from services.testing.factories import guidance_item
from shared.events import CloudEvent

API = "/checklist/v1"

NEW_ITEM = guidance_item()


@pytest.fixture
def admin(stack):
    return stack.auth("admin-1", "admin")


async def _outbox(stack, type_: str) -> list[CloudEvent]:
    rt = stack.runtimes["checklist"]
    async with rt.sessionmaker() as s:
        rows = (await s.execute(select(rt.tables.outbox.c.envelope).where(rt.tables.outbox.c.type == type_))).all()
    return [CloudEvent.model_validate(json.loads(r[0])) for r in rows]


async def _count(stack) -> tuple[int, int]:
    async with stack.runtimes["checklist"].sessionmaker() as s:
        return (
            await s.scalar(select(func.count()).select_from(GuidanceItem)),
            await s.scalar(select(func.count()).select_from(SearchDocument)),
        )


def _revision(item: dict, base: int, **changes) -> dict:
    body = {k: v for k, v in copy.deepcopy(item).items() if k != "code"}
    return {**body, "base_version": base, **changes}


async def test_create_revise_versions_and_event(stack, admin):
    c = stack.client
    r = await c.post(f"{API}/guidance-items", json=NEW_ITEM, headers=admin)
    assert r.status_code == 201, r.text
    v1 = r.json()
    assert (v1["version"], v1["status"], v1["verified"], v1["compiled"]) == (1, "published", False, False)
    assert "未经原文核实" in v1["provenance"] and len(v1["content_hash"]) == 64
    # found by search at once (2 characters: the common Chinese case)
    r = await c.get(f"{API}/guidance-items", params={"q": "鲸湾"}, headers=admin)
    assert [i["code"] for i in r.json()["items"]] == ["GI-TEST-001"]

    rev = _revision(NEW_ITEM, 1, title="危险废物贮存场所鹭岛测试事项", advice=["完成鹭岛改造"])
    r = await c.put(f"{API}/guidance-items/GI-TEST-001", json=rev, headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["title"]) == (2, "危险废物贮存场所鹭岛测试事项")
    assert r.json()["content_hash"] != v1["content_hash"]

    # version 1 stays readable and unchanged; the latest is version 2; search follows it
    r = await c.get(f"{API}/guidance-items/GI-TEST-001", params={"version": 1}, headers=admin)
    assert r.json() == v1
    assert (await c.get(f"{API}/guidance-items/GI-TEST-001", headers=admin)).json()["version"] == 2
    r = await c.get(f"{API}/guidance-items", params={"q": "鲸湾改造"}, headers=admin)
    assert r.json()["total"] == 0
    r = await c.get(f"{API}/search", params={"q": "鹭岛"}, headers=admin)
    assert [(h["ref"], h["version"], h["rank"]) for h in r.json()["items"]] == [("GI-TEST-001", 2, 2)]
    r = await c.get(f"{API}/guidance-items/GI-TEST-001/versions", headers=admin)
    assert [(v["version"], v["hash_matches"]) for v in r.json()] == [(1, True), (2, True)]

    events = await _outbox(stack, "ecocomply.checklist.item_published.v1")
    assert [(e.data["code"], e.data["version"]) for e in events] == [("GI-TEST-001", 1), ("GI-TEST-001", 2)]
    assert events[1].data["content_hash"] == r.json()[1]["content_hash"]

    # a stale base version is a conflict, not a lost update; so is creating an existing code
    r = await c.put(f"{API}/guidance-items/GI-TEST-001", json=_revision(NEW_ITEM, 1, title="另一个标题"), headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "version_conflict" and r.json()["current_version"] == 2
    r = await c.post(f"{API}/guidance-items", json=NEW_ITEM, headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "duplicate"
    # an unchanged revision is refused
    same = _revision(NEW_ITEM, 2, title="危险废物贮存场所鹭岛测试事项", advice=["完成鹭岛改造"])
    r = await c.put(f"{API}/guidance-items/GI-TEST-001", json=same, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "no_change"
    r = await c.put(f"{API}/guidance-items/GI-NOPE-1", json=_revision(NEW_ITEM, 1), headers=admin)
    assert r.status_code == 404


async def test_concurrent_revisions_one_wins(stack, admin):
    c = stack.client
    assert (await c.post(f"{API}/guidance-items", json=NEW_ITEM, headers=admin)).status_code == 201
    bodies = [_revision(NEW_ITEM, 1, title=f"并发修订{i}") for i in range(2)]
    results = await asyncio.gather(
        *(c.put(f"{API}/guidance-items/GI-TEST-001", json=b, headers=admin) for b in bodies)
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    winner = next(r for r in results if r.status_code == 200).json()
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["code"] == "version_conflict"
    latest = (await c.get(f"{API}/guidance-items/GI-TEST-001", headers=admin)).json()
    assert latest["version"] == 2 and latest["title"] == winner["title"]
    r = await c.get(f"{API}/guidance-items/GI-TEST-001/versions", headers=admin)
    assert [v["version"] for v in r.json()] == [1, 2]


MALFORMED = [
    (lambda b: b.update(legal_basis=[]), "legal_basis"),
    (lambda b: b["legal_basis"][1].update(article="112条"), "legal_basis.1.article"),
    (lambda b: b["legal_basis"][1].update(article=""), "legal_basis.1.article"),
    (lambda b: b["legal_basis"][0].update(law="《中华人民共和国固体废物污染环境防治法》"), "legal_basis.0.law"),
    (lambda b: b["legal_basis"].pop(1), "legal_basis"),  # no penalty article
    (lambda b: b["legal_basis"][0].pop("law"), "legal_basis.0.law"),
    (lambda b: b["liability"]["fine"].update(min_cny=2000000), "liability.fine"),
    (lambda b: b.update(risk_level="severe"), "risk_level"),
]


async def test_malformed_basis_is_refused_and_nothing_written(stack, admin):
    c = stack.client
    assert (await c.post(f"{API}/guidance-items", json=NEW_ITEM, headers=admin)).status_code == 201
    before = await _count(stack)
    for mutate, field in MALFORMED:
        bad = _revision(NEW_ITEM, 1, title="改了标题")
        mutate(bad)
        r = await c.put(f"{API}/guidance-items/GI-TEST-001", json=bad, headers=admin)
        assert r.status_code == 422, (field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in r.json()["errors"]], (field, r.json())
        created = copy.deepcopy(NEW_ITEM) | {"code": "GI-TEST-002"}
        mutate(created)
        r = await c.post(f"{API}/guidance-items", json=created, headers=admin)
        assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], field
    assert await _count(stack) == before
    assert len(await _outbox(stack, "ecocomply.checklist.item_published.v1")) == 1


async def test_draft_publish_retire_and_roles(stack, admin):
    c = stack.client
    officer = stack.auth("officer-1", "officer", bureau="320509")
    r = await c.post(f"{API}/guidance-items", json=NEW_ITEM, headers=officer)
    assert r.status_code == 403 and r.json()["code"] == "role_required"

    r = await c.post(f"{API}/guidance-items", json=NEW_ITEM | {"publish": False}, headers=admin)
    assert r.status_code == 201 and r.json()["status"] == "draft"
    assert (await c.get(f"{API}/guidance-items/GI-TEST-001", headers=admin)).status_code == 404
    assert (await c.get(f"{API}/search", params={"q": "鲸湾"}, headers=admin)).json()["total"] == 0
    assert await _outbox(stack, "ecocomply.checklist.item_published.v1") == []

    r = await c.post(f"{API}/guidance-items/GI-TEST-001/versions/1/publish", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert len(await _outbox(stack, "ecocomply.checklist.item_published.v1")) == 1
    r = await c.post(f"{API}/guidance-items/GI-TEST-001/versions/1/publish", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert r.json()["state"] == "published" and "retire" in r.json()["allowed_actions"]

    r = await c.post(f"{API}/guidance-items/GI-TEST-001/retire", headers=admin)
    assert r.status_code == 200 and [v["status"] for v in r.json()] == ["retired"]
    assert (await c.get(f"{API}/guidance-items/GI-TEST-001", headers=admin)).status_code == 404
    r = await c.get(f"{API}/guidance-items/GI-TEST-001", params={"version": 1}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "retired"
    assert (await c.get(f"{API}/search", params={"q": "鲸湾"}, headers=admin)).json()["total"] == 0
    r = await c.post(f"{API}/guidance-items/GI-TEST-001/retire", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    retired = await _outbox(stack, "ecocomply.checklist.item_retired.v1")
    assert [(e.data["code"], e.data["last_version"]) for e in retired] == [("GI-TEST-001", 1)]


async def test_the_calculator_follows_a_revised_fine_and_still_reads_the_version_a_decision_named(stack, admin):
    """``POST /discretion/calculate`` keeps what it read of a version (issue 12: a version's content never
    changes, its hash names it); a revision with a new fine range is used at once, version 1 stays
    calculable by number, and a retired item has no latest version to calculate with."""
    c = stack.client
    officer = stack.auth("officer-1", "officer", bureau="320509")
    assert (await c.post(f"{API}/guidance-items", json=NEW_ITEM, headers=admin)).status_code == 201

    async def calc(**extra) -> dict:
        r = await c.post(f"{API}/discretion/calculate", json={"violation_code": "GI-TEST-001", "facts": {}, **extra},
                         headers=officer)
        assert r.status_code == 200, r.text
        return r.json()

    v1 = await calc()
    assert (v1["violation"]["version"], v1["statutory_min"], v1["statutory_max"]) == (1, 100_000, 1_000_000)
    fine = {"fine": {"kind": "fixed_range", "min_cny": 200_000, "max_cny": 2_000_000}}
    r = await c.put(f"{API}/guidance-items/GI-TEST-001", json=_revision(NEW_ITEM, 1, liability=fine), headers=admin)
    assert r.status_code == 200, r.text
    v2 = await calc()
    assert (v2["violation"]["version"], v2["statutory_min"], v2["statutory_max"]) == (2, 200_000, 2_000_000)
    assert v2["violation"]["content_hash"] == r.json()["content_hash"] != v1["violation"]["content_hash"]
    again = await calc(item_version=1)
    assert (again["violation"], again["statutory_max"]) == (v1["violation"], 1_000_000)

    assert (await c.post(f"{API}/guidance-items/GI-TEST-001/retire", headers=admin)).status_code == 200
    r = await c.post(f"{API}/discretion/calculate", json={"violation_code": "GI-TEST-001", "facts": {}}, headers=officer)
    assert r.status_code == 404 and "GI-TEST-001" in r.json()["detail"]
    assert (await calc(item_version=2))["statutory_max"] == 2_000_000  # a retired version stays readable by number

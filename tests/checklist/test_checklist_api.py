"""The checklist service through the whole composition, on both setups (sqlite-local, postgres-kafka).

Expectations are computed from the bundled YAML in the test, never hard-coded counts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from services.checklist.models import Base, GuidanceItem, NoPenaltyItem
from shared.migrations import drift

DATA = Path(__file__).resolve().parents[2] / "services" / "checklist" / "data"
API = "/checklist/v1"


def _yaml(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


GUIDANCE = _yaml("guidance_items.yaml")
STATUTORY = _yaml("statutory_no_penalty.yaml")
EXAMPLES = _yaml("example_no_penalty_items.yaml")
GROUNDS = {f"APL33.{g['id']}": g for g in STATUTORY["article_33"]["grounds"]}


def _searchable(item: dict) -> list[str]:
    """What ``q`` searches, per API.md: title, violations, basis and advice."""
    out = [item["title"], *item["common_violations"], *item["advice"]]
    for role in ("obligation_basis", "penalty_basis", "related_basis"):
        for b in item.get(role) or []:
            out += [b["law"], b["article"], b.get("clause") or "", b["text_excerpt"]]
    return out


def _expected_codes(q: str) -> list[str]:
    """Matching codes in ranked order: the query in the title first, then by code (case-insensitive)."""
    q = q.lower()
    hits = [i for i in GUIDANCE["items"] if any(q in t.lower() for t in _searchable(i))]
    return [i["code"] for i in sorted(hits, key=lambda i: (q not in i["title"].lower(), i["code"]))]


@pytest.fixture
def officer(stack):
    return stack.auth("officer-1", "officer", bureau="320509")


async def test_guidance_list_search_and_filters(stack, officer):
    c = stack.client
    r = await c.get(f"{API}/guidance-items", params={"size": 200}, headers=officer)
    assert r.status_code == 200, r.text
    body = r.json()
    codes = sorted(i["code"] for i in GUIDANCE["items"])
    assert body["total"] == len(codes) == GUIDANCE["meta"]["item_count"]
    assert [i["code"] for i in body["items"]] == codes
    commit = GUIDANCE["meta"]["source_commit"]
    by_code = {i["code"]: i for i in GUIDANCE["items"]}
    for item in body["items"]:
        src = by_code[item["code"]]
        assert item["version"] == 1 and item["status"] == "published"
        assert item["compiled"] is True and item["verified"] is None  # the file gives no verified flag
        assert commit in item["source"] and "LawRefBook/Laws" in item["source"]
        assert item["title"] == src["title"] and item["risk_level"] == src["risk_level"]
        assert item["liability"]["fine"]["max_cny"] == src["fine"]["max_cny"]
        roles = [b["role"] for b in item["legal_basis"]]
        assert roles.count("obligation") == len(src["obligation_basis"])
        assert roles.count("penalty") == len(src["penalty_basis"])
        assert roles.count("related") == len(src.get("related_basis") or [])

    # paging: ordered by code
    r = await c.get(f"{API}/guidance-items", params={"page": 2, "size": 10}, headers=officer)
    assert [i["code"] for i in r.json()["items"]] == codes[10:20] and r.json()["total"] == len(codes)

    # Chinese substrings (2 and 4 characters, and a longer one); LIKE wildcards are literal
    for q in ("废", "废水", "台账", "噪声", "危险废", "危险废物", "排污许可证", "VOCs", "vocs", "%", "_", "x%y"):
        r = await c.get(f"{API}/guidance-items", params={"q": q, "size": 200}, headers=officer)
        assert r.status_code == 200, r.text
        assert [i["code"] for i in r.json()["items"]] == _expected_codes(q), q
        assert r.json()["total"] == len(_expected_codes(q)) and r.json()["total_is_exact"] is True
    assert _expected_codes("废水") and _expected_codes("危险废物") and _expected_codes("vocs")
    # ranking is visible: an item with 台账 in its title comes before one that only mentions it
    ranked = _expected_codes("台账")
    assert "台账" in next(i for i in GUIDANCE["items"] if i["code"] == ranked[0])["title"]
    assert ranked != sorted(ranked)

    # filters
    for params, pred in (
        ({"risk_level": "medium"}, lambda i: i["risk_level"] == "medium"),
        ({"domain": "危废"}, lambda i: i["domain"] == "危废"),
        ({"batch": "starter", "q": "危险废物"}, lambda i: i["code"] in _expected_codes("危险废物")),
    ):
        r = await c.get(f"{API}/guidance-items", params={**params, "size": 200}, headers=officer)
        assert [i["code"] for i in r.json()["items"]] == sorted(
            i["code"] for i in GUIDANCE["items"] if pred(i)
        )
    r = await c.get(f"{API}/guidance-items", params={"batch": "no-such-batch"}, headers=officer)
    assert r.json() == {"items": [], "total": 0, "total_is_exact": True}

    # bad input names the field
    r = await c.get(f"{API}/guidance-items", params={"risk_level": "severe"}, headers=officer)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["risk_level"]
    r = await c.get(f"{API}/guidance-items", params={"size": 201}, headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "size"


async def test_guidance_versions_seed_and_migrations(stack, officer):
    c = stack.client
    rt = stack.runtimes["checklist"]
    r = await c.get(f"{API}/guidance-items/GI-AIR-001", headers=officer)
    assert r.status_code == 200 and r.json()["version"] == 1
    v1 = r.json()

    for path in ("/guidance-items/GI-NOPE-999", "/guidance-items/GI-AIR-001?version=2"):
        r = await c.get(API + path, headers=officer)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "not_found"

    # A new published version supersedes version 1, which stays readable; a draft is not published.
    async with rt.sessionmaker() as s, s.begin():
        row = await s.scalar(select(GuidanceItem).where(GuidanceItem.code == "GI-AIR-001"))
        data = {k: getattr(row, k) for k in GuidanceItem.__table__.columns.keys() if k != "id"}
        s.add(GuidanceItem(**{**data, "version": 2, "title": "第二版标题", "created_at": datetime.now(UTC)}))
        s.add(GuidanceItem(**{**data, "version": 3, "title": "草稿", "status": "draft"}))
    r = await c.get(f"{API}/guidance-items/GI-AIR-001", headers=officer)
    assert (r.json()["version"], r.json()["title"]) == (2, "第二版标题")
    r = await c.get(f"{API}/guidance-items/GI-AIR-001", params={"version": 1}, headers=officer)
    assert r.json() == v1
    r = await c.get(f"{API}/guidance-items/GI-AIR-001", params={"version": 3}, headers=officer)
    assert r.status_code == 404
    r = await c.get(f"{API}/guidance-items", params={"size": 200}, headers=officer)
    listed = [(i["code"], i["version"]) for i in r.json()["items"] if i["code"] == "GI-AIR-001"]
    assert listed == [("GI-AIR-001", 2)] and r.json()["total"] == len(GUIDANCE["items"])

    # Seeding again (every start does) adds nothing.
    async def counts() -> tuple[int, int]:
        async with rt.sessionmaker() as s:
            return (
                await s.scalar(select(func.count()).select_from(GuidanceItem)),
                await s.scalar(select(func.count()).select_from(NoPenaltyItem)),
            )

    before = await counts()
    assert before == (len(GUIDANCE["items"]) + 2, len(GROUNDS) + len(EXAMPLES["items"]))
    await rt.seed()
    await rt.seed()
    assert await counts() == before

    # The schema built by `alembic upgrade head` matches the models.
    assert await drift(rt.engine, Base.metadata) == []


async def test_no_penalty_items(stack, officer):
    c = stack.client
    r = await c.get(f"{API}/no-penalty-items", headers=officer)
    assert r.status_code == 200, r.text
    items = {i["code"]: i for i in r.json()["items"]}
    example_codes = {i["code"] for i in EXAMPLES["items"]}
    assert set(items) == set(GROUNDS) | example_codes and r.json()["total"] == len(items)

    law = STATUTORY["source"]
    for code, g in GROUNDS.items():
        item = items[code]
        assert item["kind"] == "statutory" and item["verified"] is True
        assert item["applies_to"] == [] and item["list_version"] == law["version"]
        assert item["violation"] == g["text"]
        assert item["conditions"] == [{"key": x["key"], "text": x["text_cn"]} for x in g["conditions"]]
        assert item["discretionary"] is (g["modality"] == "may")
        assert item["legal_basis"][0]["law"] == "中华人民共和国行政处罚法"
        assert item["legal_basis"][0]["article"] == "第三十三条"
        assert item["legal_basis"][0]["clause"] == g["clause"]
        assert law["commit"] in item["source"] and law["path"] in item["source"]
    for src in EXAMPLES["items"]:
        item = items[src["code"]]
        assert item["kind"] == "list" and item["verified"] is False and item["list_version"] == "example"
        assert item["source"] == src["source"] and item["note"] == src["note"]
        assert item["applies_to"] == src["applies_to"]

    r = await c.get(f"{API}/no-penalty-items", params={"kind": "statutory"}, headers=officer)
    assert {i["code"] for i in r.json()["items"]} == set(GROUNDS)
    r = await c.get(f"{API}/no-penalty-items", params={"kind": "list"}, headers=officer)
    assert {i["code"] for i in r.json()["items"]} == example_codes
    r = await c.get(f"{API}/no-penalty-items", params={"kind": "other"}, headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"

    r = await c.get(f"{API}/no-penalty-items/NP-EX-002", headers=officer)
    assert r.status_code == 200 and r.json() == items["NP-EX-002"]
    r = await c.get(f"{API}/no-penalty-items/NP-NOPE", headers=officer)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")

    # 《行政处罚法》第三十二条: the five mitigating circumstances
    r = await c.get(f"{API}/circumstances", headers=officer)
    assert r.status_code == 200, r.text
    situations = STATUTORY["article_32"]["situations"]
    statutory = [x for x in r.json() if x["article"].startswith("《中华人民共和国行政处罚法》第三十二条")]
    assert [x["key"] for x in statutory] == [s["key"] for s in situations] and len(situations) == 5
    for got, s in zip(statutory, situations, strict=True):
        assert got["kind"] == "mitigating" and got["effect"] == "lighter"
        assert set(got["effects"]) == {"lighter", "mitigated"}
        assert got["text"] == s["text_cn"]
        assert got["article"] == f"《中华人民共和国行政处罚法》第三十二条第{s['item']}项"


async def test_evaluate_no_penalty_item(stack, officer):
    c = stack.client

    async def evaluate(code: str, facts: dict, **kw) -> dict:
        r = await c.post(
            f"{API}/no-penalty-items/{code}/evaluate", json={"facts": facts}, headers=officer, **kw
        )
        assert r.status_code == 200, r.text
        return r.json()

    must = "APL33.minor_corrected_no_harm"
    keys = [x["key"] for x in GROUNDS[must]["conditions"]]
    # a key of the vocabulary the item does not use is ignored (an unknown key is a 422: test_fact_vocabulary.py)
    ev = await evaluate(must, dict.fromkeys(keys, True) | {"coerced_or_induced": False})
    assert ev["eligible"] is True and ev["unmet"] == [] and ev["unknown"] == []
    assert ev["item_version"] == 1 and ev["discretionary"] is False and ev["outcome"] == "no_penalty"
    assert any(
        b["article"] == "第三十三条" and b["law"] == "中华人民共和国行政处罚法" for b in ev["legal_basis"]
    )

    ev = await evaluate(must, dict.fromkeys(keys, True) | {keys[1]: False})
    assert ev["eligible"] is False and ev["unmet"] == [keys[1]] and ev["unknown"] == []

    # missing or null facts are unknown, never assumed true
    ev = await evaluate(must, {keys[0]: True, keys[2]: None})
    assert ev["eligible"] is False and ev["unmet"] == [] and ev["unknown"] == [keys[1], keys[2]]
    ev = await evaluate(must, {})
    assert ev["eligible"] is False and ev["unknown"] == keys

    # “可以不予” — eligible, but the outcome is the bureau's discretion
    may = "APL33.first_offence_minor_harm"
    ev = await evaluate(may, {x["key"]: True for x in GROUNDS[may]["conditions"]})
    assert ev["eligible"] is True and ev["discretionary"] is True
    assert ev["outcome"] == "no_penalty_discretionary" and "裁量" in ev["note"]

    # 第三十三条第二款 “法律、行政法规另有规定的，从其规定”: must be established not to apply
    ev = await evaluate("APL33.no_subjective_fault", {"no_fault_proven": True})
    assert ev["eligible"] is False and ev["unknown"] == ["other_law_provides_otherwise"]
    ev = await evaluate(
        "APL33.no_subjective_fault", {"no_fault_proven": True, "other_law_provides_otherwise": True}
    )
    assert ev["eligible"] is False and ev["unmet"] == ["other_law_provides_otherwise"]
    ev = await evaluate(
        "APL33.no_subjective_fault", {"no_fault_proven": True, "other_law_provides_otherwise": False}
    )
    assert ev["eligible"] is True

    # a list item (may): cites its own basis and 第三十三条
    ex = next(i for i in EXAMPLES["items"] if i["code"] == "NP-EX-002")
    own = {x["key"]: True for x in ex["conditions"]}
    ev = await evaluate("NP-EX-002", own, params={"version": 1})
    # the item's own conditions are not enough: a ground of 第三十三条第一款 must be established too
    assert ev["eligible"] is False and ev["article_33"]["met"] is False and ev["outcome"] == "not_eligible"
    assert {g["code"] for g in ev["article_33"]["grounds"]} == {"APL33.minor_corrected_no_harm",
                                                                "APL33.first_offence_minor_harm"}
    first_offence_ground = {**own, "harm_minor": True, "corrected_in_time": True}
    ev = await evaluate("NP-EX-002", first_offence_ground, params={"version": 1})
    assert ev["eligible"] is True and ev["discretionary"] is True and ev["kind"] == "list"
    assert ev["article_33"] == {**ev["article_33"], "met": True, "ground": "APL33.first_offence_minor_harm"}
    # an item applies only to the violations it lists (applies_to)
    r = await c.post(f"{API}/no-penalty-items/NP-EX-002/evaluate", headers=officer,
                     json={"facts": first_offence_ground, "violation_codes": ["GI-AIR-001"]})
    assert r.json()["eligible"] is False and r.json()["covers"] is False and r.json()["not_covered"] == ["GI-AIR-001"]
    r = await c.post(f"{API}/no-penalty-items/NP-EX-002/evaluate", headers=officer,
                     json={"facts": first_offence_ground, "violation_codes": ["GI-WAT-001"]})
    assert r.json()["eligible"] is True and r.json()["covers"] is True and r.json()["applies_to"] == ["GI-WAT-001"]
    assert {b["article"] for b in ev["legal_basis"]} >= {"第三十三条", ex["legal_basis"][0]["article"]}

    # bad input and unknown items are problems
    r = await c.post(
        f"{API}/no-penalty-items/{must}/evaluate", json={"facts": {"x": "maybe"}}, headers=officer
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "facts.x"
    r = await c.post(f"{API}/no-penalty-items/NP-NOPE/evaluate", json={"facts": {}}, headers=officer)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_found"
    r = await c.post(
        f"{API}/no-penalty-items/{must}/evaluate", json={"facts": {}}, headers=officer, params={"version": 9}
    )
    assert r.status_code == 404

    # reads need a valid token
    for method, path in (
        ("GET", "/guidance-items"),
        ("GET", "/guidance-items/GI-AIR-001"),
        ("GET", "/no-penalty-items"),
        ("GET", f"/no-penalty-items/{must}"),
        ("POST", f"/no-penalty-items/{must}/evaluate"),
        ("GET", "/circumstances"),
    ):
        r = await c.request(method, API + path, json={"facts": {}} if method == "POST" else None)
        assert r.status_code == 401, path
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await c.get(f"{API}/circumstances", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    # any role reads the catalog
    r = await c.get(
        f"{API}/circumstances", headers=stack.auth("ent-1", "enterprise", uscc="91320500MA1X0000X0")
    )
    assert r.status_code == 200


async def test_search_pages_through_the_many_hits_path(stack, officer, monkeypatch):
    """The path for segments with many hits (on 10,000 items: walk the items in code order and test
    each, a window at a time) gives the same ranked pages and totals as Python ``q in text``: forced
    here for every segment, with the smallest windows so that they have to grow."""
    from services.checklist import search

    monkeypatch.setattr(search, "DIRECT_SORT_MAX", 0)
    monkeypatch.setattr(search, "WALK_FACTOR", 1)
    monkeypatch.setattr(search, "WALK_MIN", 0)
    monkeypatch.setattr(search, "GIN_SCAN_MAX", 0)  # PostgreSQL 3+ characters: counted by a scan too
    for q in ("废", "排污", "台账", "危险废", "危险废物", "鲸湾"):
        expected, got, page = _expected_codes(q), [], 1
        while True:
            r = await stack.client.get(f"{API}/guidance-items", params={"q": q, "size": 3, "page": page}, headers=officer)
            assert r.status_code == 200, r.text
            assert r.json()["total"] == len(expected), q
            if not r.json()["items"]:
                break
            got += [i["code"] for i in r.json()["items"]]
            page += 1
        assert got == expected, q
    assert _expected_codes("废") and _expected_codes("台账") and not _expected_codes("鲸湾")


async def test_search_total_is_capped_past_the_count_cap(stack, officer, monkeypatch):
    """Totals are counted up to ``COUNT_CAP`` hits (so a 1-character query over a million items reads
    the index only that far): past it ``total_is_exact`` is false and ``total`` is the cap — fewer than
    the real hits — while the pages still go on, ranked as before, to the last hit. Forced here with a
    cap of 5, on every path (few hits looked up, many walked)."""
    from services.checklist import search

    monkeypatch.setattr(search, "COUNT_CAP", 5)
    for direct_max in (300, 0):
        monkeypatch.setattr(search, "DIRECT_SORT_MAX", direct_max)
        for q in ("废", "台账", "危险废物", "鲸湾"):
            expected, got, page = _expected_codes(q), [], 1
            while True:
                r = await stack.client.get(
                    f"{API}/guidance-items", params={"q": q, "size": 4, "page": page}, headers=officer
                )
                assert r.status_code == 200, r.text
                body = r.json()
                if len(expected) > 5 and page == 1:
                    assert body["total"] == 5 and body["total_is_exact"] is False, q
                elif len(expected) <= 5:
                    assert body["total"] == len(expected) and body["total_is_exact"] is True, q
                if not body["items"]:
                    break
                got += [i["code"] for i in body["items"]]
                page += 1
            assert got == expected, (q, direct_max)
        # /search says the same
        r = await stack.client.get(f"{API}/search", params={"q": "废", "kind": "guidance", "size": 3}, headers=officer)
        assert r.json()["total"] == 5 and r.json()["total_is_exact"] is False
    assert len(_expected_codes("废")) > 5 and 0 < len(_expected_codes("危险废物")) and not _expected_codes("鲸湾")


async def test_search_index_migrates_down_and_up_with_the_same_answers(stack, officer):
    """Revision 0005 (block postings on PostgreSQL, title-only tokens and trigrams on SQLite) is built
    from the indexed documents in both directions: after a downgrade to 0004 and back, the seeded
    catalog answers every query length as before, ranked, with exact totals."""
    from shared.migrations import current_revisions, downgrade, head_revisions

    rt = stack.runtimes["checklist"]
    queries = ("废", "台账", "危险废物", "排污许可证", "鲸湾")

    async def answers() -> dict:
        out = {}
        for q in queries:
            r = await stack.client.get(f"{API}/guidance-items", params={"q": q, "size": 200}, headers=officer)
            out[q] = ([i["code"] for i in r.json()["items"]], r.json()["total"])
        return out

    before = await answers()
    assert before == {q: (_expected_codes(q), len(_expected_codes(q))) for q in queries}
    await downgrade(rt.engine, rt.spec.migrations_dir, "0004")
    assert await current_revisions(rt.engine) == {"0004"}
    await rt.migrate()
    # back at the head (0007 today: no-penalty items' effective_to), whatever revisions are added later
    assert await current_revisions(rt.engine) == head_revisions(rt.spec.migrations_dir)
    assert await answers() == before
    assert await drift(rt.engine, Base.metadata) == []

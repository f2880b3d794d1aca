"""Public reads without a token (API.md "Public reads"), on both setups: the published checklist and its
1–4 character search agree with the data, the no-penalty list, the benchmarks in force, typical cases and
a self-check that stores nothing — cached (ETag, 304) and rate-limited per address (429); drafts,
superseded and retired versions stay private, and every private read still answers 401 without a token."""

from __future__ import annotations

import httpx
from portal_helpers import penalised_case
from sqlalchemy import func, select

from services.checklist.models import SelfCheck
from services.testing.factories import BUREAU, CASES, new_uscc
from services.testing.stack import build_stack

PUBLIC = "/checklist/v1/public"
NEW_ITEM = {
    "code": "GI-TEST-901",
    "batch": "第一批",
    "title": "鲸湾草稿测试事项",
    "domain": "危废",
    "common_violations": ["鲸湾贮存场所地面未做防渗处理"],
    "legal_basis": [
        {"role": "obligation", "law": "中华人民共和国固体废物污染环境防治法", "article": "第八十一条"},
        {"role": "penalty", "law": "中华人民共和国固体废物污染环境防治法", "article": "第一百一十二条"},
    ],
    "liability": {"fine": {"kind": "fixed_range", "min_cny": 100000, "max_cny": 1000000}},
    "risk_level": "high",
    "advice": ["对照贮存污染控制标准完成鲸湾改造"],
    "source": "测试用例（非真实清单）",
    "verified": False,
    "publish": False,
}


def _parts(item: dict) -> list[str]:
    """What ``q`` is matched against, part by part (a match never spans two parts)."""
    parts = [item["title"], *item["common_violations"], *item["advice"]]
    for b in item["legal_basis"]:
        parts += [x for x in (b["law"], b["article"], b.get("clause"), b.get("text_excerpt")) if x]
    return [p.lower() for p in parts]


async def _all_items(c) -> list[dict]:
    r = await c.get(f"{PUBLIC}/guidance-items", params={"size": 100})
    assert r.status_code == 200, r.text
    assert r.json()["total"] == len(r.json()["items"])
    return r.json()["items"]


async def test_public_checklist_and_search_agree_with_the_data(stack):
    c = stack.client
    items = await _all_items(c)
    assert len(items) == 35
    for q in ("废", "噪声", "排污", "危险废物"):  # 1, 2, 2 and 4 characters
        expected = {i["code"] for i in items if any(q in p for p in _parts(i))}
        title_hits = {i["code"] for i in items if q in i["title"]}
        r = await c.get(f"{PUBLIC}/guidance-items", params={"q": q, "size": 100})
        assert r.status_code == 200 and r.json()["q"] == q
        got = [i["code"] for i in r.json()["items"]]
        assert set(got) == expected and r.json()["total"] == len(expected) > 0, q
        assert set(got[: len(title_hits)]) == title_hits, f"{q}: title hits first"
        # The same answer as the authenticated contract endpoint gives.
        r = await c.get("/checklist/v1/guidance-items", params={"q": q, "size": 100},
                        headers=stack.auth("o", "officer", bureau=BUREAU))
        assert [i["code"] for i in r.json()["items"]] == got

    # An item as published: violations, legal basis with the article text, liability, risk, advice.
    r = await c.get(f"{PUBLIC}/guidance-items/GI-AIR-001")
    assert r.status_code == 200
    item = r.json()
    assert item["risk_level"] == "high" and item["liability"]["fine"]["max_cny"] == 1000000
    assert any(b["role"] == "penalty" and "十万元以上一百万元以下" in (b["text_excerpt"] or "")
               for b in item["legal_basis"])
    assert {"status", "content_hash", "created_by"}.isdisjoint(item) and "source_path" not in r.text
    assert r.headers["cache-control"] == "public, max-age=300" and r.headers["etag"]
    again = await c.get(f"{PUBLIC}/guidance-items/GI-AIR-001", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""

    # The no-penalty list: the statutory grounds and the list items, conditions in plain Chinese.
    r = await c.get(f"{PUBLIC}/no-penalty-items")
    npl = r.json()["items"]
    assert {i["kind"] for i in npl} == {"statutory", "list"} and "第三十三条" in r.json()["basis"]
    contract = (await c.get("/checklist/v1/no-penalty-items", headers=stack.auth("o", "officer"))).json()["items"]
    assert {i["code"]: [x["text"] for x in i["conditions"]] for i in contract} == \
        {i["code"]: [x["text"] for x in i["conditions"]] for i in npl}
    assert all(set(cond) == {"text"} for i in npl for cond in i["conditions"])
    assert {i["outcome"] for i in npl} >= {"不予行政处罚", "可以不予行政处罚（是否不予处罚由执法机关决定）"}

    # Benchmarks: the default and each bureau's choice, only rule sets in use.
    r = await c.get(f"{PUBLIC}/benchmarks")
    bench = r.json()
    assert "第三十四条" in bench["basis"] and bench["bureaus"] == []
    assert [s["name"] for s in bench["rule_sets"]] == [bench["default"]["rule_set"]]
    r = await c.put(f"/checklist/v1/discretion/bureau-settings/{BUREAU}", headers=stack.auth("a", "admin"),
                    json={"rule_set": "two-dimensional-superposition"})
    assert r.status_code == 200
    bench2 = (await c.get(f"{PUBLIC}/benchmarks")).json()
    assert bench2["bureaus"] == [{"bureau": BUREAU, "rule_set": "two-dimensional-superposition",
                                  "chosen_by": f"bureau setting of {BUREAU}"}]
    names = [s["name"] for s in bench2["rule_sets"]]
    assert names == [bench["default"]["rule_set"], "two-dimensional-superposition"]
    assert "jiangsu-coefficient-historical" not in names, "a rule set no bureau applies is not published"
    mine = (await c.get(f"{PUBLIC}/benchmarks/{BUREAU}")).json()
    assert mine["name"] == "two-dimensional-superposition" and mine["factors"] and mine["source"]

    # Typical cases: published anonymised, without who published them.
    r = await c.post("/checklist/v1/typical-cases", headers=stack.auth("o", "officer", bureau=BUREAU), json={
        "code": "TC-2026-01", "bureau": BUREAU, "year": 2026, "title": "某公司超标排放废水案",
        "summary": "某公司出水化学需氧量超标。", "outcome": "责令改正并处罚款。", "lesson": "按规定频次监测出水水质。",
        "item_codes": ["GI-WAT-001"]})
    assert r.status_code == 201, r.text
    r = await c.get(f"{PUBLIC}/typical-cases", params={"q": "超标"})
    assert [t["code"] for t in r.json()["items"]] == ["TC-2026-01"] and "published_by" not in r.text


async def test_drafts_superseded_and_retired_versions_stay_private(stack):
    c = stack.client
    admin = stack.auth("admin-1", "admin")
    r = await c.post("/checklist/v1/guidance-items", headers=admin, json=NEW_ITEM)
    assert r.status_code == 201 and r.json()["status"] == "draft"
    assert (await c.get(f"{PUBLIC}/guidance-items/GI-TEST-901")).status_code == 404
    assert (await c.get(f"{PUBLIC}/guidance-items", params={"q": "鲸湾"})).json()["total"] == 0
    assert len(await _all_items(c)) == 35

    # A revision kept as a draft: the public still reads version 1; published, version 2.
    v1 = (await c.get(f"{PUBLIC}/guidance-items/GI-AIR-002")).json()
    body = {k: v for k, v in v1.items() if k in ("batch", "title", "domain", "common_violations", "risk_level",
                                                 "advice", "source", "verified", "effective_from", "risk_rationale")}
    body["legal_basis"] = [{k: v for k, v in b.items() if v is not None} for b in v1["legal_basis"]]
    body["liability"] = {"fine": {k: v for k, v in v1["liability"]["fine"].items() if v is not None},
                         "other_penalties": v1["liability"]["other_penalties"]}
    body["advice"] = [*v1["advice"], "鲸湾修订：新增一条建议"]
    r = await c.put("/checklist/v1/guidance-items/GI-AIR-002", headers=admin,
                    json={**body, "base_version": 1, "publish": False})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["status"] == "draft", r.text
    public = (await c.get(f"{PUBLIC}/guidance-items/GI-AIR-002", params={"version": 2})).json()
    assert public["version"] == 1 and "鲸湾修订：新增一条建议" not in public["advice"]
    r = await c.post("/checklist/v1/guidance-items/GI-AIR-002/versions/2/publish", headers=admin)
    assert r.status_code == 200
    public = (await c.get(f"{PUBLIC}/guidance-items/GI-AIR-002", params={"version": 1})).json()
    assert public["version"] == 2 and "鲸湾修订：新增一条建议" in public["advice"]

    # Retired: gone from the public checklist and its search; still readable by version with a token.
    r = await c.post("/checklist/v1/guidance-items/GI-AIR-002/retire", headers=admin)
    assert r.status_code == 200
    assert (await c.get(f"{PUBLIC}/guidance-items/GI-AIR-002")).status_code == 404
    assert "GI-AIR-002" not in {i["code"] for i in await _all_items(c)}
    assert (await c.get(f"{PUBLIC}/guidance-items", params={"q": "鲸湾"})).json()["total"] == 0
    r = await c.get("/checklist/v1/guidance-items/GI-AIR-002", params={"version": 1}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "retired"


async def test_every_private_read_needs_a_token(stack):
    c = stack.client
    case = "00000000-0000-0000-0000-000000000000"
    uscc = new_uscc()
    private = [
        ("GET", "/checklist/v1/guidance-items"), ("GET", "/checklist/v1/guidance-items/GI-AIR-001?version=1"),
        ("GET", "/checklist/v1/guidance-items/GI-AIR-001/versions"), ("GET", "/checklist/v1/search?q=废"),
        ("GET", "/checklist/v1/no-penalty-items"), ("GET", f"/checklist/v1/self-checks?uscc={uscc}"),
        ("POST", "/checklist/v1/self-checks"), ("GET", "/checklist/v1/discretion/rule-sets"),
        ("GET", "/checklist/v1/typical-cases"), ("GET", "/checklist/v1/exports/guidance-items"),
        ("GET", f"{CASES}/cases"), ("GET", f"{CASES}/cases/{case}"), ("GET", f"{CASES}/cases/{case}/export"),
        ("GET", f"{CASES}/cases/{case}/documents/decision"), ("GET", f"{CASES}/cases/{case}/publication"),
        ("GET", f"{CASES}/advice-letters"), ("GET", f"{CASES}/enterprises/{uscc}"),
        ("GET", f"/credit/v1/enterprises/{uscc}/records"), ("GET", "/credit/v1/my/credit"),
        ("GET", "/credit/v1/repair-applications"), ("GET", f"/credit/v1/notices/{case}"),
        ("GET", "/audit/v1/flags"), ("GET", "/audit/v1/stats"), ("GET", "/audit/v1/workspace/people"),
        ("GET", "/audit/v1/refusals/stats"), ("GET", "/audit/v1/flags/export?format=csv"),
    ]
    for method, path in private:
        r = await c.request(method, path)
        assert r.status_code == 401, f"{method} {path}: {r.status_code}"
        assert r.headers["content-type"] == "application/problem+json", path
    # The auditors' dashboard is a page a person opens: without a token, a Chinese page pointing to the workspace
    # (issue 26), still 401 and nothing of the figures.
    r = await c.get("/audit/dashboard")
    assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
    assert "/workspace/dashboard" in r.text and "flags" not in r.text.lower()
    # The workspace's pages send a visitor without a session to its sign-in page.
    r = await c.get("/workspace/flags")
    assert r.status_code == 303 and r.headers["location"].startswith("/workspace/login")

    # A published decision carries none of the case file, which stays behind the token.
    decided = await penalised_case(stack)
    r = await c.post(f"{CASES}/cases/{decided['id']}/publication", headers=stack.auth(
        "officer-a", "officer", bureau=BUREAU), json={"reason": "社会影响较大"})
    assert r.status_code == 201
    assert (await c.get(f"{CASES}/cases/{decided['id']}")).status_code == 401
    assert (await c.get(f"{CASES}/cases/{decided['id']}/export")).status_code == 401
    [pub] = (await c.get(f"{CASES}/public/decisions")).json()["items"]
    # the 双公示 items; legal_representative (CF_FRDB) for a legal person, never a 个体工商户's operator
    assert set(pub) == {"id", "decision_number", "party_category", "party_name", "party_uscc", "legal_representative",
                        "violation_type",
                        "violation_facts", "penalty_legal_basis", "penalty_categories", "penalty_content",
                        "fine_amount_wan_yuan", "decision_date", "deciding_authority", "publicity_end_date",
                        "published_on", "basis"}


async def test_public_self_check_reports_and_stores_nothing(stack):
    c = stack.client
    industries = (await c.get(f"{PUBLIC}/self-checks/industries")).json()["items"]
    assert "污水处理" in [i["name"] for i in industries]
    q = (await c.get(f"{PUBLIC}/self-checks/questionnaire", params={"industry": "污水处理"})).json()
    questions = q["questions"]
    assert questions and {x["domain"] for x in questions} <= set(q["domains"])
    yes = [x for x in questions if x["item_code"] == "GI-WAT-001"]
    answers = {x["id"]: "no" for x in questions} | {x["id"]: "yes" for x in yes}
    r = await c.post(f"{PUBLIC}/self-checks/assess", json={"industry": "污水处理", "answers": answers})
    assert r.status_code == 200, r.text
    report = r.json()
    assert [x["item_code"] for x in report["risks"]] == ["GI-WAT-001"] and report["risks"][0]["advice"]
    assert report["unanswered"] == [] and 0 < report["score"] < 100 and report["stored"] is False
    r = await c.post(f"{PUBLIC}/self-checks/assess", json={"industry": "污水处理", "answers": {"GI-XXX:1": "yes"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "answers.GI-XXX:1"
    rt = stack.runtimes["checklist"]
    async with rt.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(SelfCheck)) == 0
        outbox = rt.tables.outbox
        assert await s.scalar(select(func.count()).select_from(outbox).where(
            outbox.c.type == "ecocomply.checklist.self_check_submitted.v1")) == 0


async def test_public_reads_are_rate_limited_per_address(tmp_path):
    """The limit is kept in process memory, independent of the database: one setup is enough."""
    stack, cleanup = await build_stack("sqlite-local", tmp_path, public_rate_limit="3/hour",
                                       public_trust_forwarded_for=True)
    try:
        await stack.comp.start()
        c = stack.client
        a, b = {"X-Forwarded-For": "198.51.100.7"}, {"X-Forwarded-For": "203.0.113.9, 198.51.100.8"}
        for _ in range(3):
            assert (await c.get(f"{PUBLIC}/no-penalty-items", headers=a)).status_code == 200
        r = await c.get(f"{PUBLIC}/guidance-items", headers=a)
        assert r.status_code == 429 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
        assert (await c.get(f"{PUBLIC}/no-penalty-items", headers=b)).status_code == 200, "another address"
        # EcoComply's own components (the portal) are not counted against the visitor's address.
        service = {**a, **stack.auth("service:portal", "service")}
        assert (await c.get(f"{PUBLIC}/no-penalty-items", headers=service)).status_code == 200
        # The portal counts its visitors the same way (its own calls to the services are not counted).
        visitor = {"X-Forwarded-For": "198.51.100.99"}
        assert [(await c.get("/", headers=visitor)).status_code for _ in range(3)] == [200, 200, 200]
        r = await c.get("/items", headers=visitor)
        assert r.status_code == 429 and "访问过于频繁" in r.text and int(r.headers["retry-after"]) >= 1
        assert (await c.get("/static/portal.css", headers=visitor)).status_code == 200, "assets are not counted"
        # Without trusting X-Forwarded-For the peer address counts: a client cannot dodge by forging it.
        alone = httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.comp.root, client=("192.0.2.1", 1)),
                                  base_url="http://testserver")
        stack.comp.runtimes["cases"].settings.public_trust_forwarded_for = False
        try:
            codes = [(await alone.get(f"{CASES}/public/decisions", headers={"X-Forwarded-For": f"10.0.0.{i}"}))
                     .status_code for i in range(4)]
        finally:
            await alone.aclose()
        assert codes == [200, 200, 200, 429]
    finally:
        await cleanup()


async def test_a_capped_search_total_reads_as_more_than(stack, monkeypatch):
    """Past the search's count cap the public list says ``total_is_exact: false`` and the portal page
    says “超过 N 项”, never a wrong exact number; under it, the exact number as before."""
    from services.checklist import search

    c = stack.client
    items = await _all_items(c)
    many = [i for i in items if any("法" in p for p in _parts(i))]
    assert len(many) > 20  # more than a portal page
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    r = await c.get(f"{PUBLIC}/guidance-items", params={"q": "法", "size": 3})
    assert (r.json()["total"], r.json()["total_is_exact"]) == (5, False)
    page = await c.get("/items", params={"q": "法"})
    assert page.status_code == 200 and "找到超过 <strong>20</strong> 项" in page.text
    few = [i for i in items if any("噪声" in p for p in _parts(i))]
    assert 0 < len(few) <= 5
    r = await c.get(f"{PUBLIC}/guidance-items", params={"q": "噪声", "size": 3})
    assert (r.json()["total"], r.json()["total_is_exact"]) == (len(few), True)
    page = await c.get("/items", params={"q": "噪声"})
    assert f"找到 <strong>{len(few)}</strong> 项" in page.text

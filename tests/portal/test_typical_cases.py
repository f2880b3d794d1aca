"""典型案例 (issue 24 item 6): the bundled published 免罚 cases are seeded on first start, each with the
page it was read from, the publishing body, the publication date and a ``verified`` flag; the public API
lists them with their sources, the portal's /typical-cases and the home page show them with a plain
Chinese source line, and the admin path still adds more (refusing a source without its publisher)."""

from __future__ import annotations

import re

import pytest

from services.checklist import loader
from services.checklist.programme.service import source_line
from services.testing.factories import BUREAU

PUBLIC = "/checklist/v1/public"
BUNDLED = {c["code"]: c for c in loader.bundled_typical_cases()}


def test_the_bundled_cases_carry_their_sources():
    assert 4 <= len(BUNDLED) <= 8
    for c in BUNDLED.values():
        assert c["source_url"].startswith(("http://", "https://")) and c["source_publisher"], c["code"]
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", c["source_date"]), c["code"]
        assert isinstance(c["verified"], bool) and c["item_codes"]
        assert "某" in c["title"]  # anonymised as published: the party is "某…公司"
        for key in ("title", "summary", "outcome", "lesson", "source_note"):  # no folded-line spaces in Chinese
            assert not re.search(r"[\u4e00-\u9fff，。；] | [\u4e00-\u9fff“《]", c.get(key) or ""), (c["code"], key)
    # verified only where the publishing body's own page was read (a .gov.cn page of that body)
    assert {c["code"] for c in BUNDLED.values() if c["verified"]} == {
        c["code"] for c in BUNDLED.values() if ".gov.cn/" in c["source_url"]}


def test_source_line_in_plain_chinese():
    assert source_line("某某市生态环境局", "2023-05") == "来源：某某市生态环境局，2023年5月发布"
    assert source_line("广西壮族自治区生态环境厅", "2024-11-11") == "来源：广西壮族自治区生态环境厅，2024年11月11日发布"
    assert source_line("某某市生态环境局", None) == "来源：某某市生态环境局"
    assert source_line(None, "2024-11-11") is None


def test_a_case_without_its_source_is_refused_by_the_loader():
    doc = loader.read_data(loader.TYPICAL_CASES_FILE)
    broken = {"meta": {}, "cases": [dict(doc["cases"][0], source_date=None)]}
    with pytest.raises(loader.DataError, match="source_date"):
        loader.typical_cases(broken)
    broken = {"meta": {}, "cases": [dict(doc["cases"][0], verified=None)]}
    with pytest.raises(loader.DataError, match="verified"):
        loader.typical_cases(broken)


async def test_public_api_lists_the_seeded_cases_with_sources(stack):
    c = stack.client
    r = await c.get(f"{PUBLIC}/typical-cases")
    assert r.status_code == 200, r.text
    got = {i["code"]: i for i in r.json()["items"]}
    assert set(BUNDLED) <= set(got) and r.json()["total"] == len(BUNDLED)
    for code, want in BUNDLED.items():
        i = got[code]
        for key in ("source_url", "source_publisher", "source_date", "verified", "title", "outcome"):
            assert i[key] == want[key], (code, key)
        assert i["source_line"] == source_line(want["source_publisher"], want["source_date"])
        assert [x["code"] for x in i["items"]] == want["item_codes"] and all(x["title"] for x in i["items"])
        assert "published_by" not in i
    gx = got["TC-GX-HC-2024-01"]
    assert gx["source_line"] == "来源：广西壮族自治区生态环境厅，2024年11月11日发布" and gx["verified"] is True
    # linked to the checklist item they illustrate, and searchable
    r = await c.get(f"{PUBLIC}/typical-cases", params={"item_code": "GI-EIA-004"})
    assert [i["code"] for i in r.json()["items"]] == ["TC-JS-WX-2024-01"]
    r = await c.get(f"{PUBLIC}/typical-cases", params={"q": "首违不罚"})
    assert [i["code"] for i in r.json()["items"]] == ["TC-FJ-ND-2022-01"]

    # seeding again (every start, `ecocomply seed`) adds nothing
    await loader.seed(stack.runtimes["checklist"])
    r = await c.get(f"{PUBLIC}/typical-cases")
    assert r.json()["total"] == len(BUNDLED)

    # the admin path adds more; a source page must name its publisher, a date must be a date
    officer = stack.auth("o", "officer", bureau=BUREAU)
    body = {"code": "TC-LOCAL-001", "bureau": BUREAU, "year": 2026, "title": "某公司示例案例（示例数据）",
            "summary": "示例数据", "outcome": "不予行政处罚", "item_codes": ["GI-EIA-001"],
            "source_url": "https://example.org/case"}
    r = await c.post("/checklist/v1/typical-cases", json=body, headers=officer)
    assert r.status_code == 422 and "source_publisher" in r.text
    r = await c.post("/checklist/v1/typical-cases", headers=officer,
                     json=body | {"source_publisher": "示例发布机关", "source_date": "2026-13"})
    assert r.status_code == 422 and "source_date" in r.text
    r = await c.post("/checklist/v1/typical-cases", headers=officer,
                     json=body | {"source_publisher": "示例发布机关", "source_date": "2026-11"})
    assert r.status_code == 201, r.text
    r = await c.get(f"{PUBLIC}/typical-cases")
    assert r.json()["total"] == len(BUNDLED) + 1


async def test_the_pages_show_the_cases_with_source_and_date(stack):
    c = stack.client
    r = await c.get("/typical-cases")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for want in BUNDLED.values():
        assert want["title"] in page
        assert source_line(want["source_publisher"], want["source_date"]) in page
        assert f'href="{want["source_url"]}"' in page
    assert "来源：广西壮族自治区生态环境厅，2024年11月11日发布" in page
    assert "来源：安徽省生态环境厅（据转载页），2023年4月发布" in page
    assert page.count("以发布机关原文为准") == sum(not w["verified"] for w in BUNDLED.values())
    assert "建设项目环境影响评价文件未批先建" in page  # linked items by title, not by code
    assert not re.search(r">GI-[A-Z]+-\d+<", page) and "TC-" not in re.sub(r'(id|href)="[^"]*"', "", page)
    assert "暂无发布的典型案例" not in page

    r = await c.get("/")
    assert r.status_code == 200
    assert f'{len(BUNDLED)} 件</span><span>以案释法' in r.text
    assert "来源：广西壮族自治区生态环境厅，2024年11月11日发布" in r.text

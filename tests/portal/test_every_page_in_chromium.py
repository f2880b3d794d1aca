"""Every page of the portal, ``/my`` and the supervisors' dashboard, opened in Chromium WITH DATA on both setups,
reads as plain Chinese (issue 24 item 5): the text the browser shows has no raw key (``[a-z]+_[a-z_]+``), no
versioned id (``@1``), no file path (``.md``), no ``NOT_FOUND``, no login id of the people in the test and no ISO
timestamp. The pages are enumerated from the apps' routes: every GET route of the portal and the dashboard is
visited, except the non-pages listed below with their reason — a new page cannot be forgotten.

Also what a reader notices: bureaus named from the registry (a renamed bureau shows its registered name), people by
their registered names (an unregistered assignee as 未登记的审核人员), a case by what it is about with its number
second, a list's exemption by the Chinese title of the items it applies to, times in Beijing time marked."""

from __future__ import annotations

import re
from pathlib import Path

from plain_text import identifiers
from starlette.routing import Mount, Route
from test_pages_plain_chinese import LOGINS, _data

from services.testing.browser import served_chromium
from services.testing.factories import BUREAU, CASES

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
REGISTERED_NAME = "苏州市吴江区生态环境局（登记名称）"
# GET routes that are not pages a person reads, with the reason.
NON_PAGES = {
    "/healthz": "the portal's health check for the proxy (JSON)",
    "/my/cases/{case_id}/documents/{kind}": "a PDF document (tests/cases: pdftotext)",
    "/static": "stylesheet and script files",
}


def _portal(stack):
    return next(r.app for r in stack.comp.root.router.routes if isinstance(r, Mount) and r.path == "")


def _get_routes(app, prefix: str = "") -> set[str]:
    out = set()
    for r in app.routes:
        if isinstance(r, Mount):
            out.add(prefix + r.path)
        elif isinstance(r, Route) and "GET" in (r.methods or ()):
            out.add(prefix + r.path)
    return out


def _dashboard_routes(stack) -> set[str]:
    audit = stack.comp.apps["audit"]
    return {f"/audit{r.path}" for r in audit.routes
            if getattr(r, "path", "").startswith("/dashboard") and "GET" in (getattr(r, "methods", None) or ())}


async def _rename_bureau(stack) -> None:
    """The registry names the bureau otherwise than ``shared.bureaus``' example: the pages must say so."""
    admin = stack.auth("admin-1", "admin")
    entry = (await stack.client.get(f"{CASES}/bureaus/{BUREAU}", headers=admin)).json()
    body = {k: entry[k] for k in ("prefixes", "address", "contact", "reconsideration_body", "court", "payment",
                                  "example", "source")}
    r = await stack.client.put(f"{CASES}/bureaus/{BUREAU}", headers=admin, json={**body, "name": REGISTERED_NAME})
    assert r.status_code == 200, r.text


async def _assign_flag(stack, case_id: str) -> None:
    auditor = stack.auth("auditor-1", "auditor")
    flags = (await stack.client.get("/audit/v1/flags", headers=auditor)).json()["items"]
    flag = next(f for f in flags if f["case_id"] == case_id)
    r = await stack.client.post(f"/audit/v1/flags/{flag['id']}/assign", headers=auditor, json={"assignee": "auditor-2"})
    assert r.status_code == 200, r.text


async def test_every_page_in_chromium_reads_as_plain_chinese(stack):
    ARTIFACTS.mkdir(exist_ok=True)
    await _rename_bureau(stack)
    data = await _data(stack)
    mine, exempt = data["mine"], data["exempt"]
    await _assign_flag(stack, exempt["id"])
    enterprise = stack.token("ent-1", "enterprise", uscc=mine["uscc"])
    auditor = stack.token("auditor-1", "auditor")

    # (route, url, who): who is None (a visitor), "ent" (the enterprise signed in) or "aud" (a supervisor).
    visits = [
        ("/", "/", None), ("/items", "/items?q=废", None), ("/items/{code}", "/items/GI-WAT-001", None),
        ("/no-penalty", "/no-penalty", None), ("/benchmarks", "/benchmarks", None),
        ("/typical-cases", "/typical-cases", None), ("/decisions", "/decisions", None),
        ("/decisions/{id}", f"/decisions/{data['publication']}", None),
        ("/self-check", "/self-check?industry=污水处理", None), ("/my/login", "/my/login", None),
        ("/my", "/my", None), ("/items/{code}", "/items/GI-NONE-999", None),
        ("/my", "/my", "ent"), ("/my/cases/{case_id}", f"/my/cases/{mine['id']}", "ent"),
        ("/my/cases/{case_id}", f"/my/cases/{exempt['id']}", "ent"),
        ("/audit/dashboard", "/audit/dashboard", "aud"),
        ("/audit/dashboard/cases/{case_id}", f"/audit/dashboard/cases/{exempt['id']}", "aud"),
        ("/complaints", "/complaints", None), ("/complaints/follow", "/complaints/follow", None),
        ("/my/complaints", "/my/complaints", "ent"),
    ]
    routes = _get_routes(_portal(stack)) | _dashboard_routes(stack)
    unvisited = routes - {r for r, _, _ in visits} - set(NON_PAGES)
    assert not unvisited, f"pages no test opens (visit them, or list them in NON_PAGES with a reason): {unvisited}"
    assert "/audit/dashboard" in routes and "/my/cases/{case_id}" in routes

    text: dict[str, str] = {}
    refused: list[str] = []  # what the Content-Security-Policy stopped: the pages must need nothing it forbids
    async with served_chromium(stack) as (browser, base):
        contexts = {}
        for who, token in ((None, None), ("ent", enterprise), ("aud", auditor)):
            ctx = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            if token:
                await ctx.add_cookies([{"name": "ecocomply_token", "value": token, "url": base}])
            contexts[who] = await ctx.new_page()
            contexts[who].on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        for _, url, who in visits:
            page = contexts[who]
            r = await page.goto(base + url)
            assert r is not None and r.status in (200, 401, 404), (url, r and r.status)
            headers = await r.all_headers()  # issue 25 S14: every page framed by nothing, scripts only from files
            csp = headers.get("content-security-policy", "")
            assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp, (url, csp)
            assert headers.get("x-content-type-options") == "nosniff" and headers.get("referrer-policy"), (url, headers)
            if who or url.startswith("/my"):  # a signed-in page, or the sign-in form: never kept in a cache
                assert "no-store" in headers.get("cache-control", ""), (url, headers.get("cache-control"))
            text[f"{who or 'visitor'} {url}"] = " ".join((await page.inner_text("body")).split())
            if (who, url) in (("ent", "/my"), ("aud", "/audit/dashboard")):
                await page.screenshot(path=str(ARTIFACTS / f"every-page-{url.strip('/').replace('/', '-')}.png"),
                                      full_page=True)
        # The self-check report is a POST: answered in the browser as a visitor would.
        page = contexts[None]
        await page.goto(f"{base}/self-check?industry=%E6%B1%A1%E6%B0%B4%E5%A4%84%E7%90%86")
        await page.click("[data-all-no]")
        await page.check('input[name="a.GI-WAT-001:1"][value="yes"]')
        await page.click("#submit-self-check")
        await page.wait_for_selector("#score")
        text["visitor POST /self-check/report"] = " ".join((await page.inner_text("body")).split())
    assert not refused, refused

    found = {url: hits for url, t in text.items()
             if (hits := identifiers(t, LOGINS) + [m.group() for m in ISO_TIME.finditer(t)])}
    assert not found, found

    my, dashboard = text["ent /my"], text["aud /audit/dashboard"]
    timeline = text[f"aud /audit/dashboard/cases/{exempt['id']}"]
    # Bureaus by the registry's name, not the example table's, on /my and the dashboard.
    assert f"执法机构 {REGISTERED_NAME}" in my and REGISTERED_NAME in dashboard and REGISTERED_NAME in timeline
    # People by their registered names; the unregistered assignee says so.
    assert "办案人员 张执法、李执法" in timeline and "作出决定 局长0" in timeline, timeline
    assert "未登记的审核人员" in dashboard and "分派给 未登记的审核人员" in timeline
    # A case by what it is about, the number second; the case page the same; the exemption's advice agrees.
    assert f"水污染物达标排放与重点污染物总量控制 案号 {mine['number']}" in my, my
    case_page = text[f"ent /my/cases/{mine['id']}"]
    assert case_page.index("水污染物达标排放") < case_page.index(f"案号 {mine['number']}")
    assert "没有合规建议书" not in my and "合规建议书（PDF）" in text[f"ent /my/cases/{exempt['id']}"]
    # Times in Beijing time, marked; a waived statement says so.
    assert "2026年6月15日 10:00（北京时间）" in case_page and "放弃陈述、申辩" in case_page
    # /no-penalty names the items a list entry applies to by their titles.
    np = text["visitor /no-penalty"]
    assert "适用于：水污染物达标排放与重点污染物总量控制" in np and "GI-WAT-001" not in np, np[np.find("免罚清单事项"):][:800]
    # The seeded typical cases on the home page and /typical-cases; no developer command on the sign-in page.
    assert "“未批先建”案" in text["visitor /"] and "“未批先建”案" in text["visitor /typical-cases"]
    assert "ecocomply token" not in text["visitor /my/login"] and "企业身份令牌" in text["visitor /my/login"]

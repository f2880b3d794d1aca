"""Issue 25 S14: security headers on every HTML page (a CSP without inline script, no framing, nosniff, a referrer
policy), ``no-store`` on private answers, and the operations endpoints (``/metrics``, ``/openapi.json``,
``/asyncapi.json``, ``/docs``) behind ``ECOCOMPLY_OPS_ENDPOINTS_PUBLIC``. The pages in a real browser, with the
policy in force: tests/portal/test_every_page_in_chromium.py. Headers and access do not depend on the database
or the bus: one setup is enough."""

from __future__ import annotations

from services.testing.stack import build_stack

OPS = ("/cases/metrics", "/cases/openapi.json", "/audit/asyncapi.json", "/checklist/docs")


async def test_pages_carry_the_security_headers(stack):
    c = stack.client
    for path in ("/", "/items", "/my/login", "/no-such-page"):
        r = await c.get(path)
        assert r.headers["content-type"].startswith("text/html"), path
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp and "unsafe-inline" not in \
            csp.split("script-src")[1].split(";")[0], (path, csp)
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
    assert "no-store" in (await c.get("/my/login")).headers["cache-control"]
    assert "no-store" in (await c.get("/my")).headers["cache-control"]
    auditor = stack.auth("auditor-1", "auditor")
    r = await c.get("/audit/dashboard", headers=auditor)
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    r = await c.get("/cases/v1/cases", headers=stack.auth("officer-1", "officer", bureau="320509"))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"  # a private API answer
    assert r.headers["x-content-type-options"] == "nosniff"
    r = await c.get("/checklist/v1/public/guidance-items")  # a public read keeps its own caching
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")


async def test_operations_endpoints_are_public_only_where_configured(stack, tmp_path):
    for path in OPS:  # the embedded default (the `stack` fixture): open, for a developer's machine
        assert (await stack.client.get(path)).status_code == 200, path
    closed, cleanup = await build_stack("sqlite-local", tmp_path / "closed", ops_endpoints_public=False)
    try:
        await closed.comp.start()
        c = closed.client
        officer = closed.auth("officer-1", "officer", bureau="320509")
        for path in OPS:
            r = await c.get(path)
            assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json", (path, r.text)
            assert (await c.get(path, headers=officer)).status_code == 403, path
            for token in (closed.auth("admin-1", "admin"), closed.auth("service:prometheus", "service")):
                assert (await c.get(path, headers=token)).status_code == 200, path  # the positive
        r = await c.get("/cases/metrics", headers=closed.auth("admin-1", "admin"))
        assert "ecocomply_http_request_duration_seconds" in r.text
        assert (await c.get("/cases/healthz")).status_code == 200  # health stays open for the orchestrator
    finally:
        await cleanup()

"""Limits (issue 13): a request body over ``ECOCOMPLY_MAX_BODY_BYTES`` is 413, a string over its
field's length 422 naming the field, writes past ``ECOCOMPLY_WRITE_RATE_LIMIT`` per token 429 with
``Retry-After`` — each as problem+json, with nothing written; and every string of every request body
in the four OpenAPI documents has a bound."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from services.testing.factories import BUREAU, new_uscc
from services.testing.stack import Stack, build_stack

LIMIT = 16384  # room for a field just over its length limit, not for a file


@pytest.fixture
async def limited(tmp_path) -> AsyncIterator[Stack]:
    s, cleanup = await build_stack("sqlite-local", tmp_path, max_body_bytes=LIMIT, write_rate_limit="3/minute")
    try:
        await s.comp.start()
        yield s
    finally:
        await cleanup()


def problem(r, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == code, body
    return body


async def enterprises(stack: Stack) -> int:
    from services.cases.models import Enterprise

    async with stack.runtimes["cases"].sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Enterprise)))


def enterprise(**extra: Any) -> dict[str, Any]:
    return {"uscc": new_uscc(), "name": "苏州某某环保科技有限公司", "bureau": BUREAU, "industry": "污水处理",
            "address": "苏州市吴江区", **extra}


async def test_a_body_over_the_limit_is_413_whether_announced_or_streamed(limited):
    c, off = limited.client, limited.auth("officer-a", "officer", bureau=BUREAU)
    big = enterprise(address="苏" * LIMIT)  # 3 bytes a character in UTF-8
    body = problem(await c.post("/cases/v1/enterprises", headers=off, json=big), 413, "body_too_large")
    assert body["limit_bytes"] == LIMIT and str(LIMIT) in body["detail"]

    async def chunks():  # no Content-Length: counted as it arrives
        raw = b'{"uscc": "' + b"9" * (2 * LIMIT) + b'"}'
        for i in range(0, len(raw), 1000):
            yield raw[i:i + 1000]

    r = await c.post("/cases/v1/enterprises", headers={**off, "Content-Type": "application/json"}, content=chunks())
    problem(r, 413, "body_too_large")
    assert await enterprises(limited) == 0
    # Routes that take files keep their own, larger limit: a checklist import past 16 KiB is read and judged.
    admin = limited.auth("admin-1", "admin")
    r = await c.post("/checklist/v1/imports/guidance-items", params={"format": "yaml", "dry_run": "true"},
                     headers={**admin, "Content-Type": "application/yaml"}, content=("# 注释\n" * 3000).encode())
    assert r.status_code != 413 and r.status_code < 500, r.text


async def test_an_over_long_string_is_422_naming_the_field(limited):
    c = limited.client
    admin = limited.auth("admin-1", "admin")
    r = await c.post("/cases/v1/webhooks/subscriptions", headers=admin, json={
        "url": "https://platform.example/x", "event_types": ["ecocomply.case.*"], "description": "长" * 2001})
    body = problem(r, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["description"] and body["errors"][0]["code"] == "string_too_long"
    r = await c.post("/cases/v1/webhooks/subscriptions", headers=limited.auth("admin-2", "admin"), json={
        "url": "https://platform.example/x", "event_types": ["ecocomply.case.*"], "bureaus": ["3" * 65]})
    assert [e["field"] for e in problem(r, 422, "validation_error")["errors"]] == ["bureaus.0"]
    r = await c.post("/cases/v1/cases", headers=limited.auth("officer-a", "officer", bureau=BUREAU), json={
        "uscc": new_uscc(), "bureau": BUREAU, "source": "日常检查", "summary": "超标排放",
        "violations": [{"code": "GI-WAT-001"}], "handlers": ["a", "b"], "facts": {"note": "x" * 2001}})
    errors = problem(r, 422, "validation_error")["errors"]  # one per member of the fact's union type
    assert {e["field"].rsplit(".", 1)[0] for e in errors} == {"facts.note"}
    assert "string_too_long" in {e["code"] for e in errors}


async def test_writes_past_the_limit_per_token_are_429_with_retry_after(limited):
    c = limited.client
    off = limited.auth("officer-a", "officer", bureau=BUREAU)
    for _ in range(3):
        assert (await c.post("/cases/v1/enterprises", headers=off, json=enterprise())).status_code == 201
    r = await c.post("/cases/v1/enterprises", headers=off, json=enterprise())
    body = problem(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) >= 1 and body["limit"] == "3/minute"
    assert await enterprises(limited) == 3
    # Reads are not writes; another token has its own count.
    assert (await c.get("/cases/v1/cases", headers=off)).status_code == 200
    other = limited.auth("officer-b", "officer", bureau=BUREAU)
    assert (await c.post("/cases/v1/enterprises", headers=other, json=enterprise())).status_code == 201


def _unbounded(schema: Any, comps: dict, path: str, seen: set) -> list[str]:
    """Paths of strings in ``schema`` without maxLength, enum, const, pattern or a date/uuid format."""
    if not isinstance(schema, dict):
        return []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _unbounded(comps[name], comps, path, seen | {name})
    out = [p for key in ("anyOf", "oneOf", "allOf") for s in schema.get(key, [])
           for p in _unbounded(s, comps, path, seen)]
    if schema.get("type") == "string" and not ({"maxLength", "enum", "const", "pattern"} & schema.keys()) \
            and schema.get("format") not in ("date", "date-time", "uuid", "time", "binary"):
        out.append(path)
    for k, v in schema.get("properties", {}).items():
        out += _unbounded(v, comps, f"{path}.{k}", seen)
    for key, suffix in (("additionalProperties", ".*"), ("propertyNames", ".<key>"), ("items", "[]")):
        out += _unbounded(schema.get(key), comps, path + suffix, seen)
    return out


async def test_every_string_of_every_request_body_is_bounded(limited):
    missing = []
    for name, app in limited.comp.apps.items():
        doc = app.openapi()
        comps = doc.get("components", {}).get("schemas", {})
        for route, ops in doc["paths"].items():
            for method, op in ops.items():
                for media in op.get("requestBody", {}).get("content", {}).values():
                    missing += [f"{name} {method.upper()} {route}: {p}"
                                for p in _unbounded(media.get("schema"), comps, "body", set())]
    assert missing == [], "free-text fields without a length limit (use shared.fields):\n" + "\n".join(missing)

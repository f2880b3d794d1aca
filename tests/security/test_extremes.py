"""Issue 25 S15: every date, date-time and number a client sends has a range the databases and Python's date
arithmetic hold. The walker builds the four OpenAPI documents of the running composition and, for every
operation, every query/path parameter and every request-body property (top level, nested objects, items of
arrays) of type integer/number or string format date/date-time, sends the extremes — dates 0001-01-01 and
9999-12-31, date-times 9999-12-31T23:59:59-23:59 and 0001-01-01T00:00:00+23:59, numbers 1e20, -1e20, 2**63
(integers also -2**63-1) — with the other fields filled minimally (a valid-looking body is best effort). Each
answer must be a 4xx problem+json (never a 5xx, never stored): the bounded types of ``shared.fields`` refuse
the value with a 422 naming the field."""

from __future__ import annotations

import json
import uuid
from typing import Any

from services.testing.factories import BUREAU, HANDLERS, CaseDriver, guidance_item, next_act_date
from shared import signing
from shared.problems import PROBLEM_JSON

PLATFORM_SECRET = "p" * 32  # inbound risk warnings are signed (shared.signing); the walker signs its own

DATES = ("0001-01-01", "9999-12-31")
DATETIMES = ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59")
NUMBERS: tuple[Any, ...] = (1e20, -1e20, 2**63)
INTEGERS: tuple[Any, ...] = (*NUMBERS, -(2**63) - 1)


def _resolve(schema: dict, comps: dict) -> dict:
    """The schema itself, its ``$ref`` resolved, the first non-null member of an anyOf/oneOf taken."""
    while True:
        if "$ref" in schema:
            schema = comps[schema["$ref"].rsplit("/", 1)[-1]]
            continue
        members = [s for s in schema.get("anyOf", schema.get("oneOf", [])) if s.get("type") != "null"]
        if members and "type" not in schema:
            schema = members[0]
            continue
        return schema


def _extremes(schema: dict, comps: dict) -> tuple[Any, ...]:
    s = _resolve(schema, comps)
    if s.get("type") == "integer":
        return INTEGERS
    if s.get("type") == "number":
        return NUMBERS
    if s.get("type") == "string" and s.get("format") == "date":
        return DATES
    if s.get("type") == "string" and s.get("format") == "date-time":
        return DATETIMES
    return ()


def _targets(schema: dict, comps: dict, path: tuple = (), seen: frozenset = frozenset()) -> list[tuple]:
    """Paths (property names, ``[]`` for an array's items) of every bounded-type field under ``schema``."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen = seen | {name}
    s = _resolve(schema, comps)
    out: list[tuple] = []
    for member in s.get("anyOf", []) + s.get("oneOf", []) + s.get("allOf", []):
        out += [t for t in _targets(member, comps, path, seen) if t not in out]
    for name, prop in s.get("properties", {}).items():
        if _extremes(prop, comps):
            out.append((*path, name))
        else:
            out += _targets(prop, comps, (*path, name), seen)
    if s.get("type") == "array" and isinstance(s.get("items"), dict):
        if _extremes(s["items"], comps):
            out.append((*path, "[]"))
        else:
            out += _targets(s["items"], comps, (*path, "[]"), seen)
    return out


class Walker:
    def __init__(self, stack) -> None:
        self.stack = stack
        self.known: dict[str, Any] = {"bureau": BUREAU, "code": "GI-WAT-001", "year": 2024, "version": 1,
                                      "index": 0, "delivery_id": 1, "kind": "decision", "name": "default",
                                      "warning_id": "W-EXTREMES-1"}
        self.roles: dict[str, dict[str, str]] = {}
        self.failures: list[str] = []
        self.judged = 0
        self.operation_role: dict[tuple, str] = {}  # the first role not refused (401/403) per operation

    async def seed(self) -> None:
        d = CaseDriver(self.stack)
        self.stack.runtimes["cases"].settings.platform_secret = PLATFORM_SECRET
        self.known["uscc"] = uscc = await d.enterprise()
        filed = await d.file(uscc)
        self.known["case_id"] = filed["id"]
        self.decided = (await d.decided_case("penalty", await d.enterprise()))["id"]
        r = await self.stack.client.post("/cases/v1/webhooks/subscriptions", headers=d.admin, json={
            "url": "https://platform.example/x", "event_types": ["ecocomply.case.*"]})
        assert r.status_code == 201, r.text
        self.known["subscription_id"] = r.json()["id"]
        self.case_body = {"uscc": uscc, "bureau": BUREAU, "source": "日常检查", "summary": "出水化学需氧量超标排放",
                          "violations": [{"code": "GI-WAT-001"}], "handlers": HANDLERS, "facts": {},
                          "occurred_on": next_act_date(uscc=uscc)}
        u = self.known["uscc"]
        self.roles = {
            "admin": self.stack.auth("admin-1", "admin"),
            "officer": self.stack.auth("officer-a", "officer", bureau=BUREAU, cert_no="JS32050001", name="张执法"),
            "leader": self.stack.auth("leader-1", "leader", bureau=BUREAU),
            "legal_reviewer": self.stack.auth("reviewer-1", "legal_reviewer", bureau=BUREAU),
            "auditor": self.stack.auth("auditor-1", "auditor"),
            "enterprise": self.stack.auth("e-1", "enterprise", uscc=u),
            "platform": self.stack.auth("platform-1", "platform"),
        }

    def minimal(self, schema: dict, comps: dict, name: str = "", depth: int = 0) -> Any:
        """A small value of ``schema``: required properties only, known values for known names."""
        if name in self.known and not isinstance(self.known[name], int):
            return self.known[name]
        s = _resolve(schema, comps)
        if "const" in s:
            return s["const"]
        if "enum" in s:
            return s["enum"][0]
        if "default" in s and s["default"] is not None:
            return s["default"]
        kind = s.get("type")
        if kind == "object" or "properties" in s:
            if depth > 6:
                return {}
            return {k: self.minimal(v, comps, k, depth + 1) for k, v in s.get("properties", {}).items()
                    if k in s.get("required", [])}
        if kind == "array":
            items = s.get("items") or {}
            return [self.minimal(items, comps, name, depth + 1) for _ in range(max(1, s.get("minItems", 1)))]
        if kind in ("integer", "number"):
            low = s.get("minimum", s.get("exclusiveMinimum", 0))
            return max(int(low) + 1, 1) if "maximum" not in s else int(low)
        if kind == "boolean":
            return False
        if kind == "string":
            fmt = s.get("format")
            if fmt == "date":
                return "2024-06-03"
            if fmt == "date-time":
                return "2024-06-03T10:00:00+08:00"
            if fmt == "uuid":
                return str(uuid.uuid4())
            return "测" * max(1, s.get("minLength", 1))
        return None

    def body(self, method: str, route: str, schema: dict, comps: dict) -> Any:
        if method == "POST" and route == "/v1/cases":
            return dict(self.case_body)
        if method == "POST" and route == "/v1/guidance-items":
            return guidance_item(f"GI-EXT-{uuid.uuid4().hex[:6].upper()}")
        return self.minimal(schema, comps)

    def path_params(self, route: str, params: list[dict]) -> dict[str, Any]:
        out = {}
        for p in params:
            if p["in"] == "path":
                out[p["name"]] = self.known.get(p["name"], "x")
        if any(route.endswith(tail) for tail in ("/execution", "/decision/change", "/follow-ups", "/result",
                                                  "/publication", "/publication/withdraw", "/economic-impact",
                                                  "/export", "/documents/{kind}")):
            out["case_id"] = self.decided
        return out

    async def send(self, service: str, method: str, route: str, path: dict, query: dict, body: Any,
                   what: str) -> None:
        url = f"/{service}" + route.format(**path)
        order = [self.operation_role.get((service, method, route))] if (service, method, route) in self.operation_role \
            else list(self.roles)
        for role in order:
            headers, raw = dict(self.roles[role]), json.dumps(body).encode()
            if route == "/v1/risk-warnings":
                headers.update(signing.sign(PLATFORM_SECRET, raw))
            try:
                r = await self.stack.client.request(method, url, params=query, content=raw if body is not None else None,
                                                    headers={**headers, "Content-Type": "application/json"})
            except Exception as exc:  # noqa: BLE001 — the in-process transport raises what a server answers as 500
                self.judged += 1
                self.failures.append(f"500 {method} /{service}{route} {what} ({role}): {type(exc).__name__}: {exc}"[:300])
                return
            if r.status_code not in (401, 403) or role == order[-1]:
                self.operation_role.setdefault((service, method, route), role)
                break
        self.judged += 1
        ctype = r.headers.get("content-type", "")
        if not (400 <= r.status_code < 500 and ctype.startswith(PROBLEM_JSON)):
            self.failures.append(f"{r.status_code} {method} /{service}{route} {what} ({role}): {r.text[:160]}")

    async def walk(self) -> None:
        for service, app in self.stack.comp.apps.items():
            doc = app.openapi()
            comps = doc.get("components", {}).get("schemas", {})
            for route, ops in doc["paths"].items():
                for method, op in ops.items():
                    method = method.upper()
                    params = op.get("parameters", [])
                    media = op.get("requestBody", {}).get("content", {})
                    schema = media.get("application/json", {}).get("schema")
                    for p in params:
                        if p["in"] not in ("path", "query"):
                            continue
                        for value in _extremes(p.get("schema", {}), comps):
                            path = self.path_params(route, params)
                            query = {q["name"]: self.minimal(q.get("schema", {}), comps, q["name"])
                                     for q in params if q["in"] == "query" and q.get("required")}
                            (path if p["in"] == "path" else query)[p["name"]] = \
                                "1e20" if value == 1e20 else "-1e20" if value == -1e20 else str(value)
                            body = self.body(method, route, schema, comps) if schema else None
                            await self.send(service, method, route, path, query, body, f"{p['name']}={value}")
                    if schema is None:
                        continue
                    for target in _targets(schema, comps):
                        leaf = _leaf(schema, comps, target)
                        for value in _extremes(leaf, comps):
                            body = self.body(method, route, schema, comps)
                            _put(self, body, schema, comps, target, value)
                            path = self.path_params(route, params)
                            query = {q["name"]: self.minimal(q.get("schema", {}), comps, q["name"])
                                     for q in params if q["in"] == "query" and q.get("required")}
                            await self.send(service, method, route, path, query, body,
                                            f"body.{'.'.join(target)}={value}")


def _leaf(schema: dict, comps: dict, target: tuple) -> dict:
    s = schema
    for key in target:
        s = _resolve(s, comps)
        s = s.get("items", {}) if key == "[]" else _property(s, comps, key)
    return s


def _property(schema: dict, comps: dict, key: str) -> dict:
    s = _resolve(schema, comps)
    if key in s.get("properties", {}):
        return s["properties"][key]
    for member in s.get("anyOf", []) + s.get("oneOf", []) + s.get("allOf", []):
        found = _property(member, comps, key)
        if found:
            return found
    return {}


def _put(w: Walker, body: Any, schema: dict, comps: dict, target: tuple, value: Any) -> None:
    """Set ``value`` at ``target`` in ``body``, creating the (minimal) objects and arrays on the way."""
    node, s = body, schema
    for i, key in enumerate(target):
        last = i == len(target) - 1
        if key == "[]":
            s = _resolve(s, comps).get("items", {})
            if last:
                node[:] = [value]
                return
            if not node:
                node.append(w.minimal(s, comps))
            node = node[0]
            continue
        s = _property(s, comps, key)
        if last:
            node[key] = value
            return
        if not isinstance(node.get(key), dict | list):
            node[key] = w.minimal(s, comps, key)
            if not isinstance(node[key], dict | list):
                node[key] = [] if _resolve(s, comps).get("type") == "array" else {}
        node = node[key]


async def test_every_date_and_number_refuses_its_extremes(stack):
    w = Walker(stack)
    await w.seed()
    await w.walk()
    assert w.judged > 300, w.judged
    assert w.failures == [], f"{len(w.failures)} extremes not refused as a 4xx problem:\n" + "\n".join(w.failures)


async def test_in_range_values_still_pass(stack):
    """The positive beside the walk: an ordinary filing date, a listing window and a redelivery id are judged on
    their merits (201, 200, 404), not refused as out of range."""
    w = Walker(stack)
    await w.seed()
    c, admin = stack.client, w.roles["admin"]
    r = await c.get("/cases/v1/cases", params={"from": "1900-01-01", "to": "2999-12-31"}, headers=admin)
    assert r.status_code == 200, r.text
    r = await c.get("/audit/v1/stats", params={"from": "2024-01-01", "to": "2999-12-31"}, headers=admin)
    assert r.status_code == 200, r.text
    r = await c.post("/cases/v1/webhooks/deliveries/9223372036854775807/redeliver", headers=admin)
    assert r.status_code == 404, r.text
    r = await c.post(f"/cases/v1/webhooks/subscriptions/{w.known['subscription_id']}/replay", headers=admin,
                     json={"from": "2024-01-01T00:00:00+08:00"})
    assert r.status_code < 300, r.text


async def test_the_reported_inputs_are_422_naming_the_field(stack):
    """The inputs of the report (S15), each a 422 problem whose ``errors`` name the field and the bound."""
    w = Walker(stack)
    await w.seed()
    c, admin, sub = stack.client, w.roles["admin"], w.known["subscription_id"]
    cases = [
        (c.get("/audit/v1/stats", params={"to": "9999-12-31"}, headers=admin), "to", "date_out_of_range"),
        (c.get("/cases/v1/cases", params={"from": "0001-01-01"}, headers=admin), "from", "date_out_of_range"),
        (c.get("/checklist/v1/guidance-items/GI-WAT-001", params={"version": str(2**63)}, headers=admin),
         "version", "less_than_equal"),
        (c.post(f"/cases/v1/webhooks/deliveries/{2**63}/redeliver", headers=admin), "delivery_id", "less_than_equal"),
        (c.post(f"/cases/v1/webhooks/subscriptions/{sub}/replay", headers=admin,
                json={"from": "9999-12-31T23:59:59-23:59"}), "from", "datetime_out_of_range"),
        (c.post("/cases/v1/cases", headers=w.roles["officer"], json={**w.case_body, "occurred_on": "9999-12-30"}),
         "occurred_on", "date_out_of_range"),
        (c.post("/checklist/v1/guidance-items", headers=admin, json={
            **guidance_item("GI-EXT-FINE"), "liability": {"fine": {"kind": "fixed_range", "max_cny": 1e20}}}),
         "liability.fine.max_cny", "less_than_equal"),
    ]
    for call, field, code in cases:
        r = await call
        assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM_JSON), r.text
        errors = r.json()["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)], errors

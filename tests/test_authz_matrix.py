"""Authorization matrix generated from the route table (issue 13 item 2).

Every route of the four services' apps (FastAPI ``app.routes``) must have a row in ``MATRIX``: the answer
class each caller gets, stated once. The calls name the objects of bureau A / enterprise X made in the
fixture (a decided case, its enterprise, its flag); "own" callers are of bureau A / enterprise X, "other"
callers of bureau B / enterprise Y. A route missing from the table — or in the table but gone — fails.

Columns (one character each, in this order)::

    anon admin auditor platform officer:own officer:other leader:own leader:other
    legal_reviewer:own legal_reviewer:other enterprise:own enterprise:other

Classes: ``2`` 2xx · ``1`` 401 · ``3`` 403 · ``4`` 404 · ``v`` 422 · ``c`` 409 · ``x`` any of 404/409/422
(an allowed caller whose empty body or unknown object is refused after the role check) · ``n`` 503 (the
test stack sets no case-export / platform secret: refused as not configured, after the role check).

Reads send no body; writes send ``{}`` — except the "other" callers' writes that name a bureau-A /
enterprise-X object (by path or by body, ``authz_table.SCOPED``): those send the route's valid body from
``authz_table.BODIES``, so that their answer is the scope check's (403, or 404 for an object that does not
exist), not body validation's 422; the table states 3 or 4 for those cells, and a scoped write taking a
body without a row in BODIES fails ``test_every_route_has_a_row``. The fixture makes one object of each
kind a scoped route names: a decided (no-penalty) case with its flag, enterprise X, an advice letter, a
risk warning, a penalty's credit record and a repair application on it.

For every 2xx answered to an "other" caller the body must not carry bureau A's or enterprise X's data
(their ids, case numbers, USCC): no leak, lists included.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from services.cases.models import RiskWarning
from services.credit.models import RepairApplication
from services.testing.factories import BUREAU, OTHER_BUREAU, CaseDriver, new_uscc, records_of
from services.testing.stack import Stack
from tests.authz_table import BODIES, CROSS_BUREAU, MATRIX, NOT_SCOPED, SCOPED

SERVICES = ("checklist", "cases", "credit", "audit")
COLUMNS = [("anon", None, None), ("admin", None, None), ("auditor", None, None), ("platform", None, None)] + [
    (role, scope, None) for role in ("officer", "leader", "legal_reviewer", "enterprise") for scope in ("own", "other")
]
OPS = {"GET /healthz", "GET /readyz", "GET /asyncapi.json", "GET /metrics", "GET /openapi.json", "GET /docs",
       "GET /docs/oauth2-redirect"}
CLASSES = {"2": range(200, 300), "1": (401,), "3": (403,), "4": (404,), "v": (422,), "c": (409,),
           "x": (404, 409, 422), "n": (503,)}


def served(stack: Stack) -> Iterator[tuple[str, str, str, Any]]:
    """(service, method, path, route object) of every route the apps serve, included routers flattened."""
    for name in SERVICES:
        for r in stack.comp.apps[name].routes:
            contexts = getattr(r, "effective_route_contexts", None)
            found = [(c.original_route, c.path) for c in contexts()] if contexts else [(r, getattr(r, "path", ""))]
            for route, path in found:
                for method in sorted(getattr(route, "methods", None) or ()):
                    if method != "HEAD" and f"{method} {path}" not in OPS:
                        yield name, method, path, route


def routes(stack: Stack) -> Iterator[tuple[str, str, str]]:
    """(service, method, path) of every route the apps serve."""
    for name, method, path, _ in served(stack):
        yield name, method, path


def body_models(route: Any) -> list[type[BaseModel]]:
    """The pydantic models of a route's JSON body (none: it takes no body, or reads it raw)."""
    dependant = getattr(route, "dependant", None)
    out = []
    for param in dependant.body_params if dependant else ():
        ann = param.field_info.annotation
        out += [t for t in (getattr(ann, "__args__", None) or (ann,)) if isinstance(t, type) and issubclass(t, BaseModel)]
    return out


def scoped_names(path: str, route: Any) -> set[str]:
    """The path parameters and top-level body fields of a route that name a bureau-A / enterprise-X object."""
    fields = {a for m in body_models(route) for k, f in m.model_fields.items() for a in (k, f.alias) if a}
    return (set(re.findall(r"\{(\w+)\}", path)) | fields) & SCOPED


def fill_body(value: Any, ids: dict[str, str]) -> Any:
    """A BODIES entry with its ``"{name}"`` strings replaced by the fixture's ids."""
    if isinstance(value, dict):
        return {k: fill_body(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_body(v, ids) for v in value]
    m = re.fullmatch(r"\{(\w+)\}", value) if isinstance(value, str) else None
    return ids[m.group(1)] if m else value


def valid(model: type[BaseModel], body: dict) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


def other_cells(route: str) -> list[str]:
    return [MATRIX[route][i] for i, (_, scope, _) in enumerate(COLUMNS) if scope == "other"]


@pytest.fixture
async def world(stack) -> dict[str, Any]:
    a = CaseDriver(stack)
    b = CaseDriver(stack, bureau=OTHER_BUREAU)
    x = await a.enterprise()
    await b.enterprise()
    case = await a.decided_case("no_penalty", x)
    penalty = await a.penalty_decided(x)  # after the exemption: an earlier penalty would refuse it
    due = (stack.runtimes["cases"].clock.today() + timedelta(days=30)).isoformat()
    r = await stack.client.post("/cases/v1/advice-letters", headers=a.off, json=fill_body(
        BODIES["POST /cases/v1/advice-letters"], {"uscc": x, "due": due}))
    assert r.status_code == 201, r.text
    letter = r.json()["id"]
    flags = await stack.wait_for(lambda: _flags(stack, case["id"]), what="the no-penalty decision's flag")
    [record] = await stack.wait_for(lambda: records_of(stack, x), what="the penalty's credit record")
    warning, app = await _stored(stack, x, record)
    ids = {"case_id": case["id"], "uscc": x, "bureau": BUREAU, "flag_id": str(flags[0]["id"]), "number": case["number"],
           "letter_id": letter, "warning_id": warning, "record_id": record["id"], "app_id": app, "due": due}
    markers = [case["id"], case["number"], x, penalty["id"], penalty["number"], letter, warning, record["id"], app]
    return {"ids": ids, "markers": markers}


async def _stored(stack: Stack, uscc: str, record: dict) -> tuple[str, str]:
    """A risk warning for enterprise X and a repair application on its credit record, written straight into
    the services' tables as they store them: over the API a warning must arrive signed by the platform
    (the test stack sets no platform secret), an application only after the record's minimum publicity
    period (months)."""
    warning, app = f"JSZHJG-MATRIX-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    cases, credit = stack.runtimes["cases"], stack.runtimes["credit"]
    now = cases.clock.now()
    async with cases.sessionmaker() as s, s.begin():
        s.add(RiskWarning(id=warning, uscc=uscc, bureau=BUREAU, level="high", indicators=["废水排放超标"],
                          source="环保脸谱", issued_at=now, received_at=now, received_by="platform", body_sha256="0" * 64,
                          suggestions=[]))
    async with credit.sessionmaker() as s, s.begin():
        s.add(RepairApplication(
            id=app, record_id=record["id"], case_id=record["case_id"], uscc=uscc, bureau=BUREAU, status="submitted",
            open_key=record["id"], attempt=1, commitment="本单位承诺所提交材料真实有效", evidence=[],
            rule_set=record["rule_set"], checks=[], applicant="matrix-enterprise-own", submitted_at=now,
            accept_due=credit.clock.today() + timedelta(days=5), late=[], overdue_reported=[], timeline=[]))
    return warning, app


async def _flags(stack: Stack, case_id: str) -> list[dict]:
    r = await stack.client.get("/audit/v1/flags", params={"case_id": case_id}, headers=stack.auth("a", "auditor"))
    return [f for f in r.json().get("items", []) if f.get("case_id") == case_id]


def headers(stack: Stack, role: str, scope: str | None, uscc_own: str) -> dict[str, str]:
    if role == "anon":
        return {}
    claims: dict[str, str] = {}
    if role in ("officer", "leader", "legal_reviewer"):
        claims["bureau"] = BUREAU if scope == "own" else OTHER_BUREAU
        if role == "officer":
            claims["cert_no"] = "JS00000001"
    if role == "enterprise":
        claims["uscc"] = uscc_own if scope == "own" else "91320581000000000X"
    return stack.auth(f"matrix-{role}-{scope}", role, **claims)


def fill(path: str, ids: dict[str, str]) -> str:
    """The route's path naming bureau A's / enterprise X's objects (a number where one is expected)."""
    numbers = {"year": "2026", "version": "1", "index": "1"}
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1)) or numbers.get(m.group(1), "no-such-object"), path)


async def test_every_route_has_a_row(stack: Stack) -> None:
    """Every route has a row; every write naming a bureau-A / enterprise-X object answers the "other"
    callers 403 or 404 in the table, and has a valid body in BODIES when it takes a body."""
    found = {f"{m} /{s}{p}": (m, p, route) for s, m, p, route in served(stack)}
    assert not set(found) - set(MATRIX), f"routes without a row in the authorization matrix: {sorted(set(found) - set(MATRIX))}"
    assert not set(MATRIX) - set(found), f"rows for routes that no longer exist: {sorted(set(MATRIX) - set(found))}"
    assert not set(BODIES) - set(found), f"bodies for routes that no longer exist: {sorted(set(BODIES) - set(found))}"
    sample = {"case_id": str(uuid.uuid4()), "uscc": new_uscc(), "bureau": BUREAU, "flag_id": str(uuid.uuid4()),
              "number": f"{BUREAU}-2026-00001", "letter_id": str(uuid.uuid4()), "warning_id": "JSZHJG-1",
              "record_id": str(uuid.uuid4()), "app_id": str(uuid.uuid4()), "due": "2026-07-31"}
    problems = []
    for key, (method, path, route) in sorted(found.items()):
        names = scoped_names(path, route) if method != "GET" and key not in NOT_SCOPED else set()
        if not names:
            continue
        if body_models(route) and key not in BODIES:
            problems.append(f"{key} names {sorted(names)} but has no valid body in tests/authz_table.py BODIES: "
                            "bureau B's callers would be answered 422 by body validation before the scope check")
        if set(other_cells(key)) - {"3", "4"}:
            problems.append(f"{key} names {sorted(names)}: its other-bureau/enterprise cells must be 3 or 4, "
                            f"the table says {''.join(other_cells(key))}")
        if key in BODIES and body_models(route) and not any(valid(m, fill_body(BODIES[key], sample))
                                                            for m in body_models(route)):
            problems.append(f"{key}: its BODIES entry is not valid for {[m.__name__ for m in body_models(route)]}")
    assert not problems, "\n".join(problems)


async def test_authorization_matrix(stack: Stack, world: dict[str, Any]) -> None:
    ids, markers = world["ids"], world["markers"]
    wrong, leaks, observed = [], [], {}
    probe = os.environ.get("ECOCOMPLY_AUTHZ_PROBE")  # a file to write the observed rows to, for review
    for route in [f"{m} /{s}{p}" for s, m, p in routes(stack)] if probe else MATRIX:
        method, path = route.split(" ", 1)
        url = fill(path, ids)
        row = ""
        for i, (role, scope, _) in enumerate(COLUMNS):
            h = headers(stack, role, scope, ids["uscc"])
            body = None if method == "GET" else fill_body(BODIES[route], ids) if scope == "other" and route in BODIES else {}
            r = await stack.client.request(method, url, headers=h, json=body)
            row += next((k for k, v in CLASSES.items() if r.status_code in v), "?")
            if not probe and r.status_code not in CLASSES[MATRIX[route][i]]:
                wrong.append(f"{route} {role}:{scope}: {r.status_code} (table: {MATRIX[route][i]}) {r.text[:160]}")
            if scope == "other" and 200 <= r.status_code < 300 and route not in CROSS_BUREAU:
                text = r.text
                leaks += [f"{route} {role}:other carries {m}" for m in markers if m in text]
        observed[route] = row
    if probe:
        await asyncio.to_thread(Path(probe).write_text, "".join(f"    {k!r}: {v!r},\n" for k, v in observed.items()))
    assert not leaks, "\n".join(leaks)
    assert not wrong, "\n".join(wrong)

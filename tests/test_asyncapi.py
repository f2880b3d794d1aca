"""The event contracts are published as AsyncAPI documents, and real events match them."""

from __future__ import annotations

import json

import jsonschema
from sqlalchemy import select

from services.testing.factories import CaseDriver
from shared.config import SERVICES
from shared.events import REGISTRY


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def resolve(doc: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


async def test_every_service_serves_a_consistent_asyncapi_document(sqlite_stack):
    docs = {}
    for name in SERVICES:
        r = await sqlite_stack.client.get(f"/{name}/asyncapi.json")
        assert r.status_code == 200
        doc = docs[name] = r.json()
        assert doc["asyncapi"] == "3.0.0" and doc["defaultContentType"] == "application/cloudevents+json"
        for ref in refs(doc):
            resolve(doc, ref)  # every reference points inside the document
    prefix = sqlite_stack.runtimes["cases"].settings.topic_prefix
    cases = docs["cases"]
    sent = {m["$ref"].rsplit("/", 1)[-1] for m in cases["operations"]["publish_case_events"]["messages"]}
    assert sent == {t.removeprefix("ecocomply.") for t in REGISTRY if t.startswith("ecocomply.case.")}
    assert cases["channels"]["case_events"]["address"] == f"{prefix}.case-events"
    received = {m["$ref"].rsplit("/", 1)[-1] for m in docs["audit"]["operations"]["receive_case_events"]["messages"]}
    assert "case.decided.v1" in received
    # The cases service refetches the guidance items it caches when the checklist announces a change.
    received = {m["$ref"].rsplit("/", 1)[-1] for m in cases["operations"]["receive_checklist_events"]["messages"]}
    assert received == {"checklist.item_published.v1", "checklist.item_retired.v1"}
    assert cases["channels"]["checklist_events"]["address"] == f"{prefix}.checklist-events"
    decided = cases["components"]["schemas"]["CaseDecided"]
    assert set(decided["properties"]["decision_type"]["enum"]) == {"penalty", "no_penalty", "lighter", "mitigated", "heavier"}


async def test_a_real_decided_event_validates_against_the_published_schema(sqlite_stack):
    d = CaseDriver(sqlite_stack)
    await d.decided_case("no_penalty")
    doc = (await sqlite_stack.client.get("/cases/asyncapi.json")).json()
    rt = sqlite_stack.runtimes["cases"]
    o = rt.tables.outbox
    async with rt.engine.connect() as conn:
        envelope = json.loads((await conn.execute(
            select(o.c.envelope).where(o.c.type == "ecocomply.case.decided.v1"))).scalar_one())
    schema = {**doc["components"]["messages"]["case.decided.v1"]["payload"], "components": doc["components"]}
    jsonschema.validate(envelope, schema)
    envelope["data"]["decision_type"] = "amnesty"
    try:
        jsonschema.validate(envelope, schema)
    except jsonschema.ValidationError as e:
        assert "amnesty" in str(e.message)
    else:  # pragma: no cover - the schema must reject an unknown decision type
        raise AssertionError("an unknown decision type passed the published schema")

"""AsyncAPI 3.0 documents generated from the event contracts (``shared.contracts``), one per service:
what it publishes (its aggregate's events) and what it receives (its consumers' event types).

Served at ``/<prefix>/asyncapi.json``. Messages are CloudEvents 1.0 in structured JSON mode; each
message's payload schema is the envelope with ``data`` set to the type's pydantic schema.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from shared.events import AGGREGATE_TOPICS, REGISTRY, TYPE_RE

SERVICE_AGGREGATE = {"checklist": "checklist", "cases": "case", "credit": "credit", "audit": "audit"}
CONTENT_TYPE = "application/cloudevents+json"


def _message_name(type_name: str) -> str:
    m = TYPE_RE.match(type_name)
    assert m is not None
    return f"{m['aggregate']}.{m['name']}.v{m['major']}"


def _channel_id(aggregate: str) -> str:
    return AGGREGATE_TOPICS[aggregate].replace("-", "_")


def document(service: str, *, consumes: list[str], topic_prefix: str = "ecocomply", title: str = "") -> dict[str, Any]:
    aggregate = SERVICE_AGGREGATE[service]
    published = sorted(t for t in REGISTRY if TYPE_RE.match(t)["aggregate"] == aggregate)
    received = sorted(set(consumes))
    types = sorted(set(published) | set(received))
    _, schemas = models_json_schema(
        [(REGISTRY[t], "validation") for t in types], ref_template="#/components/schemas/{model}"
    )
    components_schemas: dict[str, Any] = dict(schemas.get("$defs", {}))
    messages: dict[str, Any] = {}
    for t in types:
        model = REGISTRY[t]
        name = _message_name(t)
        messages[name] = {
            "name": t,
            "title": model.__name__,
            "summary": (model.__doc__ or "").strip().split("\n")[0] or t,
            "contentType": CONTENT_TYPE,
            "headers": {
                "type": "object",
                "properties": {
                    "ce_id": {"type": "string", "description": "the event id (also the envelope's id)"},
                    "ce_type": {"type": "string", "const": t},
                },
            },
            "payload": {
                "type": "object",
                "required": ["specversion", "id", "source", "type", "time", "data"],
                "properties": {
                    "specversion": {"const": "1.0"},
                    "id": {"type": "string", "format": "uuid"},
                    "source": {"type": "string", "examples": [f"/ecocomply/{service}"]},
                    "type": {"const": t},
                    "subject": {"type": "string", "description": "the aggregate id (also the Kafka key)"},
                    "time": {"type": "string", "format": "date-time"},
                    "datacontenttype": {"const": "application/json"},
                    "requestid": {"type": "string", "description": "the request that caused the event"},
                    "data": {"$ref": f"#/components/schemas/{model.__name__}"},
                },
            },
        }
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    by_channel: dict[str, list[str]] = {}
    for t in types:
        by_channel.setdefault(TYPE_RE.match(t)["aggregate"], []).append(t)
    for agg, ts in sorted(by_channel.items()):
        cid = _channel_id(agg)
        channels[cid] = {
            "address": f"{topic_prefix}.{AGGREGATE_TOPICS[agg]}",
            "description": f"{agg} events; Kafka key = the aggregate id (per-aggregate order); "
            f"dead letters on {topic_prefix}.{AGGREGATE_TOPICS[agg]}.dlq",
            "messages": {_message_name(t): {"$ref": f"#/components/messages/{_message_name(t)}"} for t in ts},
        }
        sent = [t for t in ts if t in published]
        got = [t for t in ts if t in received]
        if sent:
            operations[f"publish_{cid}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{cid}"},
                "messages": [{"$ref": f"#/channels/{cid}/messages/{_message_name(t)}"} for t in sent],
            }
        if got:
            operations[f"receive_{cid}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{cid}"},
                "messages": [{"$ref": f"#/channels/{cid}/messages/{_message_name(t)}"} for t in got],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": title or f"EcoComply {service} events",
            "version": "1",
            "description": "Generated from the pydantic event contracts (shared/contracts.py). A consumer ignores "
            "unknown fields and dead-letters an unknown major version.",
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": components_schemas},
    }

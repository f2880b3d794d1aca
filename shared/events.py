"""CloudEvents 1.0 envelope (JSON structured mode) and the registry of typed event payloads.

A payload type is a pydantic model registered under its full CloudEvents type, version included
(``ecocomply.case.decided.v1``). A consumer ignores unknown fields and refuses an unknown major
version loudly (dead-letter), never silently.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.observability import current_request_id

TYPE_RE = re.compile(r"^ecocomply\.(?P<aggregate>[a-z_]+)\.(?P<name>[a-z_]+)\.v(?P<major>\d+)$")

AGGREGATE_TOPICS = {
    "case": "case-events",
    "credit": "credit-events",
    "checklist": "checklist-events",
    "audit": "audit-events",
}


class EventPayload(BaseModel):
    """Base of every event payload: tolerant reader (unknown fields ignored)."""

    model_config = ConfigDict(extra="ignore")
    __event_type__: str = ""
    # True for an event that carries no bureau's data and concerns every bureau (the audit log's signed
    # tree heads): bureau-scoped webhook subscriptions receive it too.
    every_bureau: ClassVar[bool] = False


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    specversion: str = "1.0"
    id: str
    source: str
    type: str
    subject: str | None = None
    time: datetime
    datacontenttype: str = "application/json"
    data: dict[str, Any] = Field(default_factory=dict)
    # CloudEvents extension attribute carrying the request id across services (lower-case alnum name).
    requestid: str | None = None


class UnknownEventType(Exception):
    pass


REGISTRY: dict[str, type[EventPayload]] = {}


def event_type(type_name: str):
    """Class decorator: register a payload model under its CloudEvents type."""
    if not TYPE_RE.match(type_name):
        raise ValueError(f"event type {type_name!r} does not match ecocomply.<aggregate>.<name>.v<major>")

    def _reg(cls: type[EventPayload]) -> type[EventPayload]:
        if type_name in REGISTRY and REGISTRY[type_name] is not cls:
            raise ValueError(f"event type {type_name} registered twice")
        cls.__event_type__ = type_name
        REGISTRY[type_name] = cls
        return cls

    return _reg


def split_type(type_name: str) -> tuple[str, int]:
    """``ecocomply.case.decided.v1`` → (``ecocomply.case.decided``, 1)."""
    m = TYPE_RE.match(type_name)
    if not m:
        raise UnknownEventType(f"malformed event type {type_name!r}")
    return type_name.rsplit(".v", 1)[0], int(m["major"])


def topic_for(type_name: str, prefix: str = "ecocomply") -> str:
    m = TYPE_RE.match(type_name)
    if not m or m["aggregate"] not in AGGREGATE_TOPICS:
        raise UnknownEventType(f"no topic for event type {type_name!r}")
    return f"{prefix}.{AGGREGATE_TOPICS[m['aggregate']]}"


def new_event(payload: EventPayload, *, source: str, subject: str | None, time: datetime) -> CloudEvent:
    """Mint an event once, at the moment its state change is written (its id is stored on the outbox row)."""
    type_name = type(payload).__event_type__
    if not type_name:
        raise TypeError(f"{type(payload).__name__} is not a registered event payload")
    return CloudEvent(
        id=str(uuid.uuid4()),
        source=source,
        type=type_name,
        subject=subject,
        time=time,
        data=payload.model_dump(mode="json"),
        requestid=current_request_id(),
    )


def parse_payload(event: CloudEvent) -> EventPayload:
    cls = REGISTRY.get(event.type)
    if cls is None:
        base, major = split_type(event.type)
        known = sorted(t for t in REGISTRY if t.startswith(base + ".v"))
        raise UnknownEventType(
            f"event type {event.type} (major version {major}) is not known to this consumer; known: {known or 'none'}"
        )
    return cls.model_validate(event.data)

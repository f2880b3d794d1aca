"""Request ids, JSON logs and Prometheus metrics: one place for all three.

The request id comes from ``X-Request-ID`` (or is minted), is logged with every line, is written into
every event the request causes (CloudEvents extension ``requestid``) and is restored by consumers, so
one id follows a decision from the HTTP call to the audit flag.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> contextvars.Token:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


# -- metrics (one process-wide registry; every series carries the service name) ---------------------
HTTP_LATENCY = Histogram(
    "ecocomply_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_PENDING = Gauge("ecocomply_outbox_pending", "outbox rows not yet published", ["service"])
OUTBOX_LAG_SECONDS = Gauge(
    "ecocomply_outbox_lag_seconds", "age of the oldest unpublished outbox row", ["service"]
)
EVENTS_PUBLISHED = Counter("ecocomply_events_published_total", "events published by the relay", ["service"])
EVENTS_CONSUMED = Counter(
    "ecocomply_events_consumed_total", "events handled by a consumer", ["service", "consumer", "result"]
)
CONSUMER_LAG = Gauge("ecocomply_consumer_lag", "messages behind the high watermark", ["service", "consumer"])
DLQ_TOTAL = Counter(
    "ecocomply_dlq_events_total", "events sent to the dead-letter queue (alert on any increase)", ["service", "consumer"]
)


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


_RID_OK = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


class RequestContextMiddleware:
    """Request id in and out, latency histogram by route template. Pure ASGI (no per-request task
    group and memory streams, which ``BaseHTTPMiddleware`` costs on every call)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = ""
        for k, v in scope.get("headers", ()):
            if k == b"x-request-id":
                rid = v.decode("latin-1")
                break
        if not _RID_OK.fullmatch(rid):  # a client's id is kept only if it is a sane token
            rid = uuid.uuid4().hex
        token = set_request_id(rid)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_LATENCY.labels(self.service, scope.get("method", ""), path, str(status)).observe(
                time.perf_counter() - start
            )
            reset_request_id(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": current_request_id(),
        }
        for key in ("service", "event_id", "event_type", "case_id"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

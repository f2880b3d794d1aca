"""Outbound webhooks to the provincial platform (issue 7): signed CloudEvents over HTTP, driven
from the consumer side of the bus, retried, dead-lettered, redelivered and replayed.

Wiring into a service (e.g. cases)::

    webhook_tables = WebhookTables.on(metadata)              # + an Alembic revision for the 3 tables
    # and encrypted_columns=[webhook_tables.subscriptions.c.secret] in the ServiceSpec (shared.secrets)
    deliverer = Deliverer(webhook_tables, service="cases", secrets=runtime.secret_box)  # + timeouts, back-off
    ServiceSpec(
        ...,
        routers=[..., webhook_router(webhook_tables)],       # /cases/v1/webhooks/... (role admin)
        consumers=[..., webhook_consumer(webhook_tables)],   # case, credit and audit events
        jobs=[..., deliverer.job(every_seconds=2)],
    )

* ``record_deliveries(tables)`` — the consumer handler (``async (runtime, session, event, payload)``);
* ``Deliverer.run(sessionmaker)`` — sends what is due (see ``deliverer`` for headers and order);
* ``webhook_router(tables)`` — subscriptions, deliveries, redelivery, replay.

Receivers: ``examples/platform_client.py`` documents and verifies the headers.
"""

from __future__ import annotations

from collections.abc import Sequence

import shared.contracts  # noqa: F401 - registers the event types
from shared.events import AGGREGATE_TOPICS, REGISTRY, TYPE_RE
from shared.service import ConsumerSpec
from shared.webhooks.deliverer import (
    ATTEMPT_HEADER,
    CONTENT_TYPE,
    DELIVERY_HEADER,
    Deliverer,
    RunSummary,
)
from shared.webhooks.recording import record_deliveries
from shared.webhooks.router import webhook_router
from shared.webhooks.tables import WebhookTables

DEFAULT_AGGREGATES = ("case", "credit", "audit")


def webhook_consumer(
    tables: WebhookTables, *, name: str = "webhooks", aggregates: Sequence[str] = DEFAULT_AGGREGATES
) -> ConsumerSpec:
    """A consumer recording deliveries for every registered event type of ``aggregates``."""
    handler = record_deliveries(tables)
    types = [t for t in REGISTRY if (m := TYPE_RE.match(t)) and m["aggregate"] in aggregates]
    return ConsumerSpec(name=name, topics=[AGGREGATE_TOPICS[a] for a in aggregates],
                        handlers={t: handler for t in types})


__all__ = [
    "ATTEMPT_HEADER",
    "CONTENT_TYPE",
    "DELIVERY_HEADER",
    "Deliverer",
    "RunSummary",
    "WebhookTables",
    "record_deliveries",
    "webhook_consumer",
    "webhook_router",
]

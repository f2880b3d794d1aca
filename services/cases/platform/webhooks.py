"""The cases service's side of the provincial platform (issue 7): outbound webhooks.

* ``consumer`` — the ``webhooks`` consumer of the case, credit and audit topics: every event becomes
  one pending delivery per matching subscription, in the consumer's inbox-guarded transaction, so
  delivery state is in the database (survives restarts) before the event is acknowledged;
* ``delivery_job`` — a ``PeriodicJob`` sending what is due (``shared.webhooks.Deliverer``), with the
  timeout, attempts and back-off from the ``webhook_*`` settings;
* ``router`` — the admin API under ``/cases/v1/webhooks/...`` (subscriptions, deliveries, redelivery,
  replay). Metrics: ``ecocomply_webhook_*`` on ``/metrics``.
"""

from __future__ import annotations

from typing import Any

from services.cases.models import webhook_tables
from shared.service import PeriodicJob, Runtime
from shared.webhooks import Deliverer, RunSummary, webhook_consumer, webhook_router

JOB_NAME = "webhook_delivery"
EVERY_SECONDS = 1.0

consumer = webhook_consumer(webhook_tables)
router = webhook_router(webhook_tables)


def deliverer_for(rt: Runtime) -> Deliverer:
    s = rt.settings
    return Deliverer(
        webhook_tables, service=rt.name, timeout_seconds=s.webhook_timeout_seconds,
        max_attempts=s.webhook_max_attempts, backoff_base_seconds=s.webhook_backoff_base_seconds,
        backoff_max_seconds=max(s.webhook_backoff_max_seconds, s.webhook_backoff_base_seconds),
        clock=rt.clock,
    )


async def deliver(rt: Any) -> RunSummary:
    """One pass: send every due delivery, then close the HTTP client (nothing is kept in memory)."""
    deliverer = deliverer_for(rt)
    try:
        return await deliverer.run(rt.sessionmaker)
    finally:
        await deliverer.aclose()


delivery_job = PeriodicJob(JOB_NAME, EVERY_SECONDS, deliver)

"""The cases service's event consumers. Each handler gets a session already in the consumer's
inbox-guarded transaction and calls a use case.

* ``webhooks`` — the case, credit and audit topics: every event becomes one pending delivery per matching
  subscription (``shared.webhooks``), so delivery state is in the database before the event is
  acknowledged; ``jobs.webhook_delivery`` sends them;
* ``publication`` — the credit service's record events that end a decision's publication;
* ``checklist-events`` — a guidance item published or retired: the guidance items this service caches
  are refetched (``reference``)."""

from __future__ import annotations

from services.cases import reference
from services.cases.models import webhook_tables
from services.cases.publication import service as publication
from shared.service import ConsumerSpec
from shared.webhooks import webhook_consumer

webhooks = webhook_consumer(webhook_tables)

publication_events = ConsumerSpec(
    name="publication",
    topics=["credit-events"],
    handlers={
        "ecocomply.credit.record_created.v1": publication.on_record_created,
        "ecocomply.credit.repaired.v1": publication.on_repaired,
        "ecocomply.credit.publicity_expired.v1": publication.on_publicity_expired,
    },
)

checklist_events = ConsumerSpec(
    name="checklist-events",
    topics=["checklist-events"],
    handlers={
        "ecocomply.checklist.item_published.v1": reference.on_item_changed,
        "ecocomply.checklist.item_retired.v1": reference.on_item_changed,
    },
)

consumers = [webhooks, publication_events, checklist_events]

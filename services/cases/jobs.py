"""The cases service's periodic jobs. Each is a handler: it owns its transactions (one per case or batch,
so a failure loses one step, not the run) and calls the use cases with the session."""

from __future__ import annotations

from datetime import date

from services.cases.case import execution
from services.cases.documents import served as issued
from services.cases.models import webhook_tables
from services.cases.publication import service as publication
from shared.service import PeriodicJob, Runtime
from shared.webhooks import Deliverer, RunSummary


async def overdue(rt: Runtime) -> int:
    """Emit ``case.overdue.v1`` once per case and deadline (and due date) that has passed undone."""
    at = rt.clock.now()
    async with rt.sessionmaker() as session, session.begin():
        ids = await execution.overdue_cases(session, rt.clock.today())
    emitted = 0
    for case_id in ids:
        async with rt.sessionmaker() as session, session.begin():
            emitted += await execution.emit_overdue(rt, session, case_id, at)
    return emitted


async def publication_expiry(rt: Runtime, *, today: date | None = None) -> int:
    """Withdraw the publications whose time is over, a batch per transaction."""
    today = today or rt.clock.today()
    done, more = 0, True
    while more:
        async with rt.sessionmaker() as session, session.begin():
            n, more = await publication.withdraw_ended(rt, session, today)
        done += n
    return done


def deliverer_for(rt: Runtime) -> Deliverer:
    s = rt.settings
    return Deliverer(
        webhook_tables, service=rt.name, secrets=rt.secret_box, timeout_seconds=s.webhook_timeout_seconds,
        max_attempts=s.webhook_max_attempts, backoff_base_seconds=s.webhook_backoff_base_seconds,
        backoff_max_seconds=max(s.webhook_backoff_max_seconds, s.webhook_backoff_base_seconds),
        clock=rt.clock, allowed_networks=s.webhook_allowed_networks,
    )


async def webhook_delivery(rt: Runtime) -> RunSummary:
    """One pass of the outbound webhooks (issue 7): send every due delivery (``shared.webhooks.Deliverer``,
    timeout, attempts and back-off from the ``webhook_*`` settings), then close the HTTP client."""
    deliverer = deliverer_for(rt)
    try:
        return await deliverer.run(rt.sessionmaker)
    finally:
        await deliverer.aclose()


async def document_render(rt: Runtime) -> int:
    """Render the documents issued since the last run, once each (``documents.issued``)."""
    return await issued.render_pending(rt)


jobs = [
    # Woken with the relay (the step that issues a document commits it with its event), polled otherwise.
    PeriodicJob("document_render", 5.0, document_render, on_wake=True),
    PeriodicJob("overdue", 3600.0, overdue),
    PeriodicJob("webhook_delivery", 1.0, webhook_delivery),
    PeriodicJob("publication_expiry", 3600.0, publication_expiry),
]

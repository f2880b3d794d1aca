"""What the cases tests check beside the driver (``services.testing.factories.CaseDriver``): the row
counts a refused request must leave unchanged."""

from __future__ import annotations

from sqlalchemy import func, select

# Written by the cases service's own consumers (webhooks, issue 7; the credit state that publication
# follows, issue 15; the count of the checklist's item events, issue 12) as earlier events arrive over the
# bus, asynchronously to the request under test: not part of what a request writes.
CONSUMER_SIDE = {"inbox", "dead_letters", "webhook_event_log", "webhook_deliveries", "publication_credit_state",
                 "reference_generations"}
# A refusal of the decision gate is kept on purpose (issue 26 item 4), in a transaction of its own after the
# request's rolled back: its row and its outbox event are what a refused request writes — nothing of the case.
# tests/cases/test_gate_refusals.py checks them; the snapshot leaves them out.
REFUSAL_RECORD = "gate_refusals"
REFUSAL_EVENT = "ecocomply.case.gate_refused.v1"


async def documents_rendered(stack) -> None:
    """Wait until the cases worker has rendered every document issued so far (it stores each with its
    event, asynchronously to the request that issued it: issue 24, ``documents.served``)."""
    from services.cases.models import IssuedDocument

    rt = stack.runtimes["cases"]

    async def none_pending() -> bool:
        async with rt.engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(IssuedDocument)
                                       .where(IssuedDocument.status == "pending"))).scalar_one() == 0

    await stack.wait_for(none_pending, what="the issued documents rendered")


async def snapshot(stack) -> dict[str, int]:
    """Row counts of the cases service's tables (other services keep consuming earlier events meanwhile;
    the cases service's own consumer-side tables are left out for the same reason), once the documents
    issued so far are rendered."""
    await documents_rendered(stack)
    out = {}
    for name, rt in stack.runtimes.items():
        if name != "cases":
            continue
        async with rt.engine.connect() as conn:
            for table in rt.spec.metadata.sorted_tables:
                if table.name in CONSUMER_SIDE or table.name == REFUSAL_RECORD:
                    continue
                q = select(func.count()).select_from(table)
                if table.name == rt.tables.outbox.name:
                    q = q.where(table.c.type != REFUSAL_EVENT)
                out[f"{name}.{table.name}"] = (await conn.execute(q)).scalar_one()
    return out

"""Reference data the cases service caches from the checklist service (``clients/checklist.py``), kept
fresh by the checklist's own announcements.

The checklist emits ``checklist.item_published.v1`` / ``item_retired.v1`` when a guidance item changes.
The cases service's consumer counts them in ``reference_generations`` (its own database): every
process — the API's, which the pipeline process's consumer cannot reach — reads that count at most every
``ECOCOMPLY_REFERENCE_RECHECK_SECONDS`` (one primary-key select, apart from the request's transaction) and
refetches the entries cached under an older count. Where the consumer runs in the API's process it drops
them at once too. The cache's own life (``REFERENCE_TTL``) stays the backstop.

The fact vocabulary (``GET /checklist/v1/facts``) is cached under the same count: a loaded 免罚清单 brings new
condition keys; so are the 第三十二条 circumstance keys of each bureau's rule set (no event announces a change of
a bureau's rule-set choice: there, the cache's life is the bound). A decision's own question — the evaluation,
every violation's calculation, the must items (``POST /checklist/v1/decision-context``) — is asked afresh each
time: it reads the item versions in force, which is what a change event changes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.models import ReferenceGeneration
from shared.db import dialect_insert
from shared.events import CloudEvent, EventPayload
from shared.service import Runtime

CHECKLIST = "checklist"  # the kind counted: the checklist's guidance and no-penalty items
GUIDANCE_ITEM = "guidance-item:"  # the cache keys of guidance items (``guidance-item:<code>``)
FACTS = "fact-vocabulary"  # the cache key of the fact vocabulary (GET /checklist/v1/facts)
CIRCUMSTANCES = "circumstances:"  # the cache keys of a bureau's circumstance keys (``circumstances:<bureau>``)


async def generation(rt: Runtime) -> int:
    """The count of the checklist's change events, as this process last read it (at most
    ``reference_recheck_seconds`` old)."""
    assert rt.http is not None

    async def read() -> int:
        # A short session of its own, before the request's unit of work takes its first lock (on SQLite
        # every transaction holds the write lock; none is held across the checklist call that may follow).
        async with rt.sessionmaker() as session:
            found = await session.scalar(
                select(ReferenceGeneration.generation).where(ReferenceGeneration.kind == CHECKLIST))
        return found or 0

    return await rt.http.generation(CHECKLIST, read, every=rt.settings.reference_recheck_seconds)


async def on_item_changed(rt: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload) -> None:
    """``checklist.item_published.v1`` / ``item_retired.v1``: one more change of the checklist's items, counted
    in the consumer's transaction (one race-free upsert); this process's cached items, fact vocabulary and circumstance
    keys are dropped at once. A no-penalty item counts too: its conditions are keys of the fact vocabulary (each
    evaluation itself is asked afresh)."""
    t = ReferenceGeneration.__table__
    now = rt.clock.now()
    insert = dialect_insert(session, t).values(kind=CHECKLIST, generation=1, updated_at=now)
    await session.execute(insert.on_conflict_do_update(
        index_elements=[t.c.kind], set_={"generation": t.c.generation + 1, "updated_at": now}))
    if rt.http is not None:
        rt.http.invalidate(GUIDANCE_ITEM)
        rt.http.invalidate(FACTS)
        rt.http.invalidate(CIRCUMSTANCES)

"""The fact vocabulary as it stands: the published no-penalty items (statutory grounds and the loaded
list) with the bundled rule sets, circumstances and case facts (``vocabulary.build``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.discretion.rule_sets import catalog
from services.checklist.facts.vocabulary import build, case_facts
from services.checklist.guidance.store import latest_published
from services.checklist.models import NoPenaltyItem
from shared import facts as fact_check

COLUMNS = ("code", "kind", "label", "violation", "list_version", "legal_basis", "conditions", "exceptions", "verified")


async def vocabulary(session: AsyncSession) -> list[dict[str, Any]]:
    rows = (await session.scalars(latest_published(NoPenaltyItem).order_by(NoPenaltyItem.code))).all()
    sets, _default, overlay, _note = catalog()
    return build(
        no_penalty=[{c: getattr(r, c) for c in COLUMNS} for r in rows],
        circumstances=overlay.article_32,
        overlay=overlay,
        rule_sets=sets.values(),
        case_facts=case_facts(),
    )


async def check(session: AsyncSession, facts: dict[str, Any], *, field: str = "facts") -> None:
    """422 naming each unknown key (with the nearest known ones) or value of the wrong type; nothing else."""
    fact_check.check(facts, await vocabulary(session), field=field)

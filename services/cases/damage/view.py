"""The damage matter as its readers see it (the case's read model embeds it; no import of the case use cases)."""

from __future__ import annotations

from services.cases.damage import settings, workflow
from services.cases.damage.models import DamageMatter
from services.cases.damage.schemas import DamageRead, GroundRead
from services.cases.damage.workflow import GROUNDS, RULES, STATUS_CN, Status


def to_read(m: DamageMatter) -> DamageRead:
    g = GROUNDS.get(m.ground or "")
    return DamageRead(
        id=m.id, case_id=m.case_id, number=m.number, uscc=m.uscc, bureau=m.bureau, status=m.status,
        status_cn=STATUS_CN.get(Status(m.status), m.status), claim_started=m.status in workflow.CLAIM_STARTED,
        trigger=m.trigger, opened_by=m.opened_by, opened_at=m.opened_at,
        ground=GroundRead(code=g.code, text=g.text, source=g.source, url=g.url, verified=g.verified) if g else None,
        simplified=m.simplified, assessed_amount=m.assessed_amount, agreed_amount=m.agreed_amount,
        restoration_terms=m.restoration_terms, paid_total=float(m.paid_total or 0.0),
        evaluation_passed=m.evaluation_passed, allowed_actions=workflow.allowed_actions(m.status), steps=list(m.steps),
        simplified_limit={"amount_cny": settings.simplified_max_cny(), "basis": settings.SIMPLIFIED_SOURCE},
        basis=[r.as_dict() for r in RULES.values()],
    )


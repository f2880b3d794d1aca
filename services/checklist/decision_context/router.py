"""HTTP for ``POST /decision-context`` (thin): a decision's questions to the checklist in one request."""

from __future__ import annotations

from fastapi import APIRouter

from services.checklist.decision_context import service
from services.checklist.decision_context.schemas import DecisionContext, DecisionContextRequest
from shared.auth import CurrentUser
from shared.service import DbSession

router = APIRouter(tags=["decision"])


@router.post("/decision-context", response_model=DecisionContext)
async def decision_context(session: DbSession, user: CurrentUser, body: DecisionContextRequest) -> DecisionContext:
    """Everything the cases service's decision gate asks of the checklist, in one answer (stores nothing): the
    no-penalty item's evaluation (and, when it is not in force on the decision date, at the act date —
    《行政处罚法》第三十七条), every violation's calculation at the decision date and at its act date, and the
    `must` items of `evaluate-all` on each of those days. Each part is exactly what its own endpoint answers
    (`POST /no-penalty-items/{code}/evaluate`, `POST /discretion/calculate`, `POST /no-penalty-items/evaluate-all`);
    a calculation the calculator cannot give (404, 409, 422) is null with its status and detail. A bad body, or
    facts outside the vocabulary, is a 422 problem."""
    return await service.decision_context(session, user, body)

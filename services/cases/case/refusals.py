"""What the decision gate refused is kept (issue 26 item 4): every decision, ending (撤销立案, 违法事实不能成立,
终止, 移送) or change of a decision that a gate rule refuses (``workflow.gate``: ``check_decision``,
``check_correction_order``, ``check_ending``, ``check_change``) is recorded — who attempted what on which
case, when, and which rule refused it — and emitted as ``ecocomply.case.gate_refused.v1`` for the audit
(试点方案 三（十）: supervisors see repeated refused exemption attempts).

The refusal still answers its 409 and rolls the request's transaction back: the case stays exactly as it
was. The record and its outbox event are written afterwards in a transaction of their own (as a refused
risk warning is, ``platform.service.reject``), so neither is lost with the rollback. Only a refusal raised
by the gate counts (``Attempt.gate``): bad input (422), a missing bureau setting or a case changed meanwhile
(409 problems that are not rule refusals) record nothing. A successful decision runs no extra statement."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.case.schemas import GateRefusalList, GateRefusalRead
from services.cases.case.service import load_visible, now
from services.cases.models import Case, GateRefusal
from shared import contracts
from shared.auth import Principal
from shared.rules import Refusal
from shared.service import Runtime

log = logging.getLogger("ecocomply.cases")
T = TypeVar("T")
EVENT = contracts.CaseGateRefused.__event_type__


@dataclass
class Attempt:
    """What the caller attempted, as given, and — once the gate refused it — the refusal and the case as the
    gate saw it (read under the request's lock, before the rollback expires it)."""

    action: contracts.GateAction
    decision_type: str | None = None
    fine_amount: float | None = None
    penalty_kinds: list[str] = field(default_factory=list)
    ending_kind: str | None = None
    change_source: str | None = None
    change_outcome: str | None = None
    refused: Refusal | None = None
    case: dict[str, Any] = field(default_factory=dict)

    def gate(self, case: Case, check: Callable[[], None]) -> None:
        """Run the gate's ``check``; a ``Refusal`` it raises is remembered (with the case) and raised on."""
        try:
            check()
        except Refusal as r:
            self.refused = r
            self.case = {"id": case.id, "number": case.number, "bureau": case.bureau, "uscc": case.uscc,
                         "state": case.state, "handlers": list(case.handlers or [])}
            raise

    def as_given(self) -> dict[str, Any]:
        return {"penalty_kinds": list(self.penalty_kinds), "ending_kind": self.ending_kind,
                "change_source": self.change_source, "change_outcome": self.change_outcome}


async def guarded(rt: Runtime, session: AsyncSession, user: Principal, attempt: Attempt,
                  run: Awaitable[T]) -> T:
    """Await ``run`` (the use case); when the gate refused it, record the refusal, then raise it on."""
    try:
        return await run
    except Refusal as r:
        if r is attempt.refused:
            await record(rt, session, user, attempt, r)
        raise


async def record(rt: Runtime, session: AsyncSession, user: Principal, attempt: Attempt, r: Refusal) -> None:
    """Roll the request's transaction back (it writes nothing now; on SQLite it holds the write lock, on
    PostgreSQL the case's row lock), then write the refusal and its event in a transaction of their own.
    A failure to record is logged and does not change the answer: the caller still gets the refusal."""
    c = attempt.case
    refusal_id = str(uuid.uuid4())
    at = now(rt)
    try:
        if session.in_transaction():
            await session.rollback()
        async with rt.sessionmaker() as own, own.begin():
            own.add(GateRefusal(
                id=refusal_id, case_id=c["id"], number=c["number"], bureau=c["bureau"], uscc=c["uscc"],
                state=c["state"], at=at, actor=user.sub, action=attempt.action, decision_type=attempt.decision_type,
                fine_amount=attempt.fine_amount, attempt=attempt.as_given(), rule_code=r.rule.code,
                article=r.rule.article, rule=r.rule.cite(), detail=r.detail))
            await own.flush()
            await rt.emit(own, contracts.CaseGateRefused(
                refusal_id=refusal_id, case_id=c["id"], number=c["number"], uscc=c["uscc"], bureau=c["bureau"],
                state=c["state"], action=attempt.action, attempted_by=user.sub, attempted_at=at,
                decision_type=attempt.decision_type, fine_amount=attempt.fine_amount,
                penalty_kinds=list(attempt.penalty_kinds), ending_kind=attempt.ending_kind,  # type: ignore[arg-type]
                change_source=attempt.change_source, change_outcome=attempt.change_outcome,
                rule_code=r.rule.code, article=r.rule.article, rule=r.rule.cite(), detail=r.detail,
                handlers=list(c["handlers"])), subject=c["id"])
    except Exception:
        log.exception("the gate refused %s on case %s (%s), but the refusal could not be recorded",
                      attempt.action, c.get("id"), r.rule.code)
        return
    log.info("gate refused %s on case %s by %s: %s", attempt.action, c["number"], user.sub, r.rule.code)


def to_read(row: GateRefusal) -> GateRefusalRead:
    a = row.attempt or {}
    return GateRefusalRead(
        id=row.id, case_id=row.case_id, number=row.number, bureau=row.bureau, uscc=row.uscc, state=row.state,
        at=row.at, attempted_by=row.actor, action=row.action, decision_type=row.decision_type,  # type: ignore[arg-type]
        fine_amount=row.fine_amount, penalty_kinds=list(a.get("penalty_kinds") or []), ending_kind=a.get("ending_kind"),
        change_source=a.get("change_source"), change_outcome=a.get("change_outcome"), rule_code=row.rule_code,
        article=row.article, rule=row.rule, detail=row.detail)


async def list_refusals(session: AsyncSession, user: Principal, case_id: str) -> GateRefusalList:
    """The refused attempts on a case the caller may read, oldest first."""
    case = await load_visible(session, user, case_id)
    rows = (await session.scalars(select(GateRefusal).where(GateRefusal.case_id == case.id)
                                  .order_by(GateRefusal.at, GateRefusal.id).limit(1000))).all()
    return GateRefusalList(items=[to_read(r) for r in rows], total=len(rows))

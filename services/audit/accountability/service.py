"""Use cases of 错案责任倒查 and 容错纠错, each in the caller's transaction (never begins or commits): open a trace on a
flag (idempotent, race-free on ``flag_id``), record a responsibility finding, decide an excuse — each with its
ledger act and its event. Who may act (an auditor of no audited bureau, no person of the case) is checked here."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.accountability import law, people, rules
from services.audit.accountability.models import (
    AccountabilityTrace,
    ExcuseDecision,
    ResponsibilityFinding,
    TracePerson,
)
from services.audit.accountability.schemas import ExcuseCreate, ResponsibilityCreate
from services.audit.flags import review
from services.audit.flags.service import Emit
from services.audit.log import ledger
from services.audit.models import Flag, InterferenceRecord
from shared.auth import Principal
from shared.contracts import AuditAccountabilityTraceOpened, AuditExcuseDecided, AuditResponsibilityRecorded
from shared.db import insert_for
from shared.problems import conflict, forbidden, invalid
from shared.subjects import among


def refuse_unfit(flag: Flag, user: Principal, what: str, case_people: list[str] = (),
                 interferers: list[str] = ()) -> None:
    """The supervisor acting is of no audited bureau, no person of the case (the review's own checks) and no one
    recorded as interfering in it (by login id or registered name)."""
    review.refuse_own_bureau(flag, user.bureau, what)
    review.refuse_involved(flag, user.sub, what)
    if among(user.sub, case_people):
        raise forbidden(f"{user.sub} 是案件 {flag.number} 的参与人，不得{what}", "reviewer_involved",
                        rule=law.SUPERVISOR_RULE)
    if among(user.sub, interferers) or (user.name and user.name in interferers):
        raise forbidden(f"{user.name or user.sub} 被记录为干预、插手案件 {flag.number} 的人员，不得{what}",
                        "reviewer_interfered", rule=law.INTERFERER_RULE)


async def interferers(session: AsyncSession, case_id: str) -> list[str]:
    """The people recorded as interfering in the case (工作要点（二十二）: 干预、插手案件办理的记录)."""
    return list(await session.scalars(select(InterferenceRecord.person).where(InterferenceRecord.case_id == case_id)))


@functools.cache
def _new_trace(dialect: str):
    return insert_for(dialect, AccountabilityTrace).on_conflict_do_nothing(index_elements=["flag_id"])


async def trace_of_flag(session: AsyncSession, flag_id: str) -> AccountabilityTrace | None:
    return await session.scalar(select(AccountabilityTrace).where(AccountabilityTrace.flag_id == flag_id))


async def open_trace(session: AsyncSession, flag: Flag, *, by: Principal, emit: Emit, now: datetime,
                     ground: str | None = None) -> tuple[AccountabilityTrace, bool]:
    """错案责任倒查 on ``flag``: (the trace, whether this call opened it). ``ground``: why the flag may be traced;
    by default ``rules.ground_of(flag)`` (its review found an issue or referred it), else a 409 ``not_traceable``.
    Another slice (a 不合格 case-file review's flag) may pass its own ground. Opening twice is the same trace:
    the INSERT … ON CONFLICT DO NOTHING on ``flag_id`` lets exactly one of concurrent openings write."""
    found = await people.of_case(session, flag)
    refuse_unfit(flag, by, "倒查", [p["person"] for p in found], await interferers(session, flag.case_id))
    existing = await trace_of_flag(session, flag.id)
    if existing is not None:
        return existing, False
    ground = ground or rules.ground_of(flag)
    if ground is None:
        raise conflict("not_traceable", f"案件 {flag.number} 的监督标记未经审核认定“发现问题”或“移送纪检监察”，不能倒查责任",
                       rule=law.TRACE_RULE, state=flag.status, outcome=flag.outcome)
    rules.check_still_wrong(flag, ground, "倒查责任")
    trace_id = str(uuid.uuid4())
    result = await session.execute(_new_trace(session.bind.dialect.name).values(
        id=trace_id, flag_id=flag.id, case_id=flag.case_id, number=flag.number, uscc=flag.uscc, bureau=flag.bureau,
        ground=ground, opened_by=by.sub, opened_at=now))
    trace = await trace_of_flag(session, flag.id)
    assert trace is not None
    if result.rowcount != 1 or trace.id != trace_id:  # opened concurrently: the other call wrote it all
        return trace, False
    for i, p in enumerate(found):
        session.add(TracePerson(trace_id=trace_id, person=p["person"], position=i, bureau=flag.bureau, roles=p["roles"]))
    await ledger.append_act(session, type_="audit.accountability_trace_opened", case_id=flag.case_id, now=now,
                            data={"trace_id": trace_id, "flag_id": flag.id, "ground": ground, "people": found,
                                  "opened_by": by.sub})
    await emit(session, AuditAccountabilityTraceOpened(
        trace_id=trace_id, flag_id=flag.id, case_id=flag.case_id, number=flag.number, bureau=flag.bureau,
        ground=ground, people=found, opened_by=by.sub, opened_at=now), subject=flag.case_id)
    await session.flush()
    return trace, True


async def trace_people(session: AsyncSession, trace_id: str) -> list[TracePerson]:
    return list(await session.scalars(select(TracePerson).where(TracePerson.trace_id == trace_id)
                                       .order_by(TracePerson.position)))


async def _person_of(session: AsyncSession, trace: AccountabilityTrace, person: str) -> TracePerson:
    row = await session.get(TracePerson, (trace.id, person))
    if row is None:
        raise invalid("person", f"{person} 不是案件 {trace.number} 倒查所列的人员", code="person_not_in_trace",
                      rule=law.TRACE_RULE)
    return row


async def record_finding(session: AsyncSession, trace: AccountabilityTrace, flag: Flag, body: ResponsibilityCreate,
                         *, by: Principal, emit: Emit, now: datetime) -> ResponsibilityFinding:
    """责任认定 on one person of the trace: a new entry (an earlier one stays; the latest counts)."""
    listed = [p.person for p in await trace_people(session, trace.id)]
    refuse_unfit(flag, by, "认定责任", listed, await interferers(session, trace.case_id))
    await _person_of(session, trace, body.person)
    rules.check_finding(body)
    if body.finding == "responsible":
        rules.check_still_wrong(flag, trace.ground, "认定有责任")
    row = ResponsibilityFinding(trace_id=trace.id, person=body.person, bureau=trace.bureau, finding=body.finding,
                                kind=body.kind, outcome=body.outcome, outcome_text=body.outcome_text,
                                reason=body.reason, recorded_by=by.sub, recorded_at=now)
    session.add(row)
    await session.flush()
    await ledger.append_act(session, type_="audit.responsibility_recorded", case_id=trace.case_id, now=now,
                            data={"trace_id": trace.id, "finding_id": row.id, "recorded_by": by.sub,
                                  **body.model_dump(mode="json")})
    await emit(session, AuditResponsibilityRecorded(
        trace_id=trace.id, case_id=trace.case_id, bureau=trace.bureau, person=body.person, finding=body.finding,
        kind=body.kind, outcome=body.outcome, outcome_text=body.outcome_text, recorded_by=by.sub,
        recorded_at=now), subject=trace.case_id)
    return row


async def latest_finding(session: AsyncSession, trace_id: str, person: str) -> ResponsibilityFinding | None:
    return await session.scalar(select(ResponsibilityFinding).where(
        ResponsibilityFinding.trace_id == trace_id, ResponsibilityFinding.person == person)
        .order_by(ResponsibilityFinding.id.desc()).limit(1))


async def decide_excuse(session: AsyncSession, trace: AccountabilityTrace, flag: Flag, body: ExcuseCreate,
                        *, by: Principal, emit: Emit, now: datetime) -> ExcuseDecision:
    """容错纠错 for one person found responsible: refused (422 naming each missing condition and its source) unless
    every condition of 试点方案 五（三） is affirmed with evidence; refused while the case is no longer found wrong
    (409 ``not_traceable``); after a referral to 纪检监察 or a 处分/政务处分 only as the record of the competent
    organ's finding (422 ``excuse_reserved_to_competent_organ``, ``law.ORGAN_RULE``)."""
    listed = [p.person for p in await trace_people(session, trace.id)]
    refuse_unfit(flag, by, "作出容错决定", listed, await interferers(session, trace.case_id))
    await _person_of(session, trace, body.person)
    rules.check_excuse(body)
    rules.check_still_wrong(flag, trace.ground, "作出容错决定")
    current = await latest_finding(session, trace.id, body.person)
    if current is None or current.finding != "responsible":
        raise conflict("no_responsibility_found", f"{body.person} 在本案倒查中没有“有责任”的认定，无需容错免责",
                       rule=law.EXCUSE_SOURCE)
    rules.check_organ(trace.ground, current.outcome, body.organ_decision)
    organ = (body.organ_decision or "").strip() or None
    conditions = {k: {"affirmed": v.affirmed, "evidence": v.evidence.strip()} for k, v in body.conditions.items()}
    row = ExcuseDecision(trace_id=trace.id, person=body.person, bureau=trace.bureau, finding_id=current.id,
                         relief=body.relief,
                         conditions=conditions, reason=body.reason, organ_decision=organ, decided_by=by.sub,
                         decided_at=now)
    session.add(row)
    await session.flush()
    await ledger.append_act(session, type_="audit.excuse_decided", case_id=trace.case_id, now=now,
                            data={"trace_id": trace.id, "excuse_id": row.id, "finding_id": current.id,
                                  "person": body.person,
                                  "relief": body.relief, "conditions": conditions, "reason": body.reason,
                                  "organ_decision": organ, "decided_by": by.sub})
    await emit(session, AuditExcuseDecided(
        trace_id=trace.id, case_id=trace.case_id, bureau=trace.bureau, person=body.person, relief=body.relief,
        conditions=sorted(conditions), decided_by=by.sub, decided_at=now), subject=trace.case_id)
    return row

"""错案责任倒查 and 容错纠错 over HTTP (mounted under ``/v1``): open a trace on a flag, record responsibility and
excuses per person, read a trace, the people and one person's view. Supervisors (role ``auditor``, of no audited
bureau, no person of the case) write; auditors and administrators read all, a bureau leader their bureau's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import select

from services.audit.accountability import figures, law, service
from services.audit.accountability.models import AccountabilityTrace
from services.audit.accountability.schemas import (
    ExcuseCreate,
    ExcuseRead,
    FindingRead,
    InterferenceOfPerson,
    PersonSummary,
    PersonView,
    ResponsibilityCreate,
    TraceOpen,
    TracePersonRead,
    TraceRead,
)
from services.audit.flags.router import PROBLEMS, WRITE_PROBLEMS, Auditor, FlagReader, _flag
from shared.auth import ensure_can_see, scope_of
from shared.problems import not_found
from shared.registry import officer_names
from shared.service import DbSession, RuntimeDep

router = APIRouter(prefix="/accountability", tags=["accountability"])


def _finding(f) -> FindingRead:
    return FindingRead(id=f.id, trace_id=f.trace_id, person=f.person, finding=f.finding, kind=f.kind,
                       outcome=f.outcome, outcome_text=f.outcome_text, reason=f.reason, recorded_by=f.recorded_by,
                       recorded_at=f.recorded_at)


def _excuse(e) -> ExcuseRead:
    return ExcuseRead(id=e.id, trace_id=e.trace_id, person=e.person, finding_id=e.finding_id, relief=e.relief,
                      conditions=e.conditions,
                      reason=e.reason, organ_decision=e.organ_decision, decided_by=e.decided_by,
                      decided_at=e.decided_at)


async def _read(session, trace: AccountabilityTrace) -> TraceRead:
    listed = await service.trace_people(session, trace.id)
    findings, excuses = await figures.of_traces(session, [trace.id])
    st = figures.standings(findings, excuses)
    return TraceRead(
        id=trace.id, flag_id=trace.flag_id, case_id=trace.case_id, number=trace.number, uscc=trace.uscc,
        bureau=trace.bureau, ground=trace.ground, opened_by=trace.opened_by, opened_at=trace.opened_at,
        people=[TracePersonRead(person=p.person, roles=p.roles, standing=st.get((trace.id, p.person), "pending"))
                for p in listed],
        findings=[_finding(f) for f in findings], excuses=[_excuse(e) for e in excuses])


async def _trace(session, user, trace_id: str) -> AccountabilityTrace:
    trace = await session.get(AccountabilityTrace, trace_id)
    if trace is None:
        raise not_found("trace", trace_id)
    ensure_can_see(user, bureau=trace.bureau, uscc=None, what="this trace")
    return trace


@router.get("/catalog", responses=PROBLEMS)
async def catalog(user: FlagReader) -> dict:
    """The findings, outcomes, 容错 conditions and reliefs with the source of each (``verified``: its text read)."""
    return law.catalog()


@router.post("/traces", response_model=TraceRead, status_code=201, responses={**WRITE_PROBLEMS, 200: {
    "description": "the flag's trace was already open: the same trace"}})
async def open_trace(body: TraceOpen, user: Auditor, rt: RuntimeDep, session: DbSession, response: Response) -> TraceRead:
    """错案责任倒查 on a flag whose review found an issue (发现问题) or referred it (移送纪检监察) — else 409
    ``not_traceable`` with the rule. Lists each person's part in the case from the audit's records. 201 when
    opened; 200 with the same trace when it was open already (concurrent openings make one)."""
    flag = await _flag(session, body.flag_id)
    ensure_can_see(user, bureau=flag.bureau, uscc=None, what="this flag")
    trace, opened = await service.open_trace(session, flag, by=user, emit=rt.emit, now=rt.clock.now())
    if not opened:
        response.status_code = 200
    return await _read(session, trace)


@router.get("/traces", response_model=list[TraceRead], responses=PROBLEMS)
async def list_traces(user: FlagReader, session: DbSession,
                      flag_id: Annotated[str | None, Query(max_length=36)] = None,
                      bureau: Annotated[str | None, Query(max_length=40)] = None) -> list[TraceRead]:
    """The traces (of one flag, of a bureau), newest first; a bureau leader sees their bureau's."""
    q = select(AccountabilityTrace).where(*scope_of(user, bureau=bureau, what="traces").where(AccountabilityTrace.bureau))
    if flag_id:
        q = q.where(AccountabilityTrace.flag_id == flag_id)
    rows = await session.scalars(q.order_by(AccountabilityTrace.opened_at.desc(), AccountabilityTrace.id).limit(200))
    return [await _read(session, t) for t in rows]


@router.get("/traces/{trace_id}", response_model=TraceRead, responses=PROBLEMS)
async def get_trace(trace_id: str, user: FlagReader, session: DbSession) -> TraceRead:
    return await _read(session, await _trace(session, user, trace_id))


@router.post("/traces/{trace_id}/responsibilities", response_model=FindingRead, status_code=201,
             responses=WRITE_PROBLEMS)
async def record_responsibility(trace_id: str, body: ResponsibilityCreate, user: Auditor, rt: RuntimeDep,
                                session: DbSession) -> FindingRead:
    """责任认定 on one person of the trace (422 ``person_not_in_trace``): ``none`` 无责任, or ``responsible`` 有责任
    with the outcome handed down (``outcome_required``; ``other`` needs ``outcome_text``) — always with a reason.
    A change is a new finding; the latest counts."""
    trace = await _trace(session, user, trace_id)
    flag = await _flag(session, trace.flag_id)
    return _finding(await service.record_finding(session, trace, flag, body, by=user, emit=rt.emit,
                                                 now=rt.clock.now()))


@router.post("/traces/{trace_id}/excuses", response_model=ExcuseRead, status_code=201, responses=WRITE_PROBLEMS)
async def decide_excuse(trace_id: str, body: ExcuseCreate, user: Auditor, rt: RuntimeDep,
                        session: DbSession) -> ExcuseRead:
    """容错纠错 for a person found responsible (409 ``no_responsibility_found`` otherwise): 422
    ``excuse_condition_not_met`` naming each condition of 试点方案 五（三） not affirmed with evidence (``missing``,
    ``rule``). ``exempted`` 免除相关责任 counts the person as 已免责, never as responsible."""
    trace = await _trace(session, user, trace_id)
    flag = await _flag(session, trace.flag_id)
    return _excuse(await service.decide_excuse(session, trace, flag, body, by=user, emit=rt.emit,
                                               now=rt.clock.now()))


@router.get("/people", response_model=list[PersonSummary], responses=PROBLEMS)
async def list_people(user: FlagReader, session: DbSession,
                      bureau: Annotated[str | None, Query(max_length=40)] = None) -> list[PersonSummary]:
    """Everyone named in a trace with their counts (traces; pending, not_responsible, responsible, lightened,
    excused); a bureau leader sees their bureau's people."""
    scope = scope_of(user, bureau=bureau, what="people")
    return [PersonSummary(**p) for p in await figures.people(session, bureau=scope.bureau)]


@router.get("/people/{person}", response_model=PersonView, responses=PROBLEMS)
async def person_view(person: Annotated[str, Path(max_length=100)], user: FlagReader, rt: RuntimeDep,
                      session: DbSession) -> PersonView:
    """One person: their traces with their part and standing, the findings and excuses on them, the interference
    records naming them (by login id or registered name) and their refused decision attempts (counts)."""
    scope = scope_of(user, what="people")
    name = (await officer_names(rt.http)).get(person)
    v = await figures.person_view(session, person, names=[name] if name else [], bureau=scope.bureau)
    return PersonView(
        person=person, counts=v["counts"], traces=v["traces"], refused_attempts=v["refused_attempts"],
        findings=[_finding(f) for f in v["findings"]], excuses=[_excuse(e) for e in v["excuses"]],
        interference=[InterferenceOfPerson(id=r.id, case_id=r.case_id, number=r.number, bureau=r.bureau,
                                           person=r.person, position=r.position, manner=r.manner,
                                           occurred_on=r.occurred_on, recorded_at=r.recorded_at)
                      for r in v["interference"]])

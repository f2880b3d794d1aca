"""Use cases of the cases service: one transaction each, the domain rows and their outbox event
written together. Workflow rules come from ``workflow`` (pure); this module loads, asks, writes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases import checklist_client, workflow
from services.cases.models import Case, CaseCounter, Enterprise, Evidence, TimelineEntry
from services.cases.schemas import (
    CaseCreate,
    CaseList,
    CaseRead,
    CaseSummary,
    CollectiveDiscussion,
    DecisionCreate,
    DueDate,
    EnterpriseCreate,
    EnterpriseRead,
    EvidenceCreate,
    InvestigationComplete,
    LegalReview,
    OpinionCreate,
    RectificationAssessment,
    RectificationPlan,
    TimelineRead,
)
from shared import contracts, uscc
from shared.auth import Principal, ensure_can_see
from shared.problems import Problem, conflict, forbidden, invalid, not_found
from shared.service import Runtime

TZ = ZoneInfo("Asia/Shanghai")
# 《行政处罚法》第六十条: 自立案之日起九十日内作出行政处罚决定 (extensions: issue "cases in depth").
HANDLING_DAYS = 90
HANDLING_BASIS = "《中华人民共和国行政处罚法》第六十条：自行政处罚案件立案之日起九十日内作出行政处罚决定"
OPEN_STATES = frozenset({"filed", "investigated", "reviewed", "discussed", "notified"})


def now() -> datetime:
    return datetime.now(UTC)


def local_date(dt: datetime) -> date:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(TZ).date()


def refusal_problem(r: workflow.Refusal) -> Problem:
    return conflict(
        "illegal_transition",
        f"{r.detail} — {r.rule.cite()}",
        state=r.state,
        action=r.action,
        rule=r.rule.cite(),
        rule_code=r.rule.code,
        article=r.rule.article,
        allowed_actions=r.allowed,
    )


def _view(case: Case) -> workflow.CaseView:
    return workflow.CaseView(
        state=case.state, handlers=tuple(case.handlers), steps=tuple(case.steps), facts=dict(case.facts or {})
    )


# -- enterprises -----------------------------------------------------------------------------------
async def create_enterprise(rt: Runtime, session: AsyncSession, user: Principal, body: EnterpriseCreate) -> EnterpriseRead:
    try:
        code = uscc.validate(body.uscc)
    except uscc.USCCError as e:
        raise invalid("uscc", str(e), code="invalid_uscc") from e
    if not user.has("admin") and user.bureau != body.bureau:
        raise forbidden(f"an officer of bureau {user.bureau} cannot register enterprises for bureau {body.bureau}")
    async with session.begin():
        if await session.get(Enterprise, code) is not None:
            raise conflict("duplicate", f"enterprise {code} is already registered", uscc=code)
        ent = Enterprise(uscc=code, name=body.name, bureau=body.bureau, industry=body.industry,
                         address=body.address, created_at=now())
        session.add(ent)
    return EnterpriseRead.model_validate(ent, from_attributes=True)


async def get_enterprise(session: AsyncSession, user: Principal, code: str) -> EnterpriseRead:
    async with session.begin():
        ent = await session.get(Enterprise, code.upper())
    if ent is None:
        raise not_found("enterprise", code)
    ensure_can_see(user, bureau=ent.bureau, uscc=ent.uscc, what="this enterprise")
    return EnterpriseRead.model_validate(ent, from_attributes=True)


# -- reading cases ---------------------------------------------------------------------------------
def due_dates(case: Case) -> dict[str, DueDate]:
    filed = local_date(case.filed_at)
    return {"handling": DueDate(date=filed + timedelta(days=HANDLING_DAYS), provisional=False, basis=HANDLING_BASIS)}


def is_overdue(case: Case, due: dict[str, DueDate], today: date | None = None) -> bool:
    today = today or local_date(now())
    return case.state in OPEN_STATES and today > due["handling"].date


async def read_case(session: AsyncSession, case: Case) -> CaseRead:
    rows = (
        await session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id).order_by(TimelineEntry.seq))
    ).all()
    due = due_dates(case)
    return CaseRead(
        id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, state=case.state,
        source=case.source, summary=case.summary, handlers=case.handlers, violations=case.violations,
        facts=case.facts, steps=case.steps, decision=case.decision, due=due, overdue=is_overdue(case, due),
        allowed_actions=workflow.allowed_actions(_view(case)), filed_at=case.filed_at,
        timeline=[TimelineRead(at=r.at, actor=r.actor, action=r.action, detail=r.detail) for r in rows],
    )


async def load_visible(session: AsyncSession, user: Principal, case_id: str, *, lock: bool = False) -> Case:
    stmt = select(Case).where(Case.id == case_id)
    if lock:
        stmt = stmt.with_for_update()
    case = await session.scalar(stmt)
    if case is None:
        raise not_found("case", case_id)
    ensure_can_see(user, bureau=case.bureau, uscc=case.uscc, what="this case")
    return case


async def get_case(session: AsyncSession, user: Principal, case_id: str) -> CaseRead:
    async with session.begin():
        case = await load_visible(session, user, case_id)
        return await read_case(session, case)


async def list_cases(
    session: AsyncSession, user: Principal, *, state: str | None, bureau: str | None, uscc_: str | None,
    decision_type: str | None, from_: date | None, to: date | None, page: int, size: int,
) -> CaseList:
    conds = []
    if user.has("enterprise") and not user.has("admin", "auditor", "service", "platform"):
        conds.append(Case.uscc == (user.uscc or "-"))
    elif not user.has("admin", "auditor", "service", "platform"):
        conds.append(Case.bureau == (user.bureau or "-"))
    if state:
        conds.append(Case.state == state)
    if bureau:
        conds.append(Case.bureau == bureau)
    if uscc_:
        conds.append(Case.uscc == uscc_.upper())
    if decision_type:
        conds.append(Case.decision_type == decision_type)
    # The period filters decision dates when a decision type is asked for, filing dates otherwise.
    col = Case.decided_at if decision_type else Case.filed_at
    if from_:
        conds.append(col >= datetime.combine(from_, datetime.min.time(), TZ))
    if to:
        conds.append(col < datetime.combine(to + timedelta(days=1), datetime.min.time(), TZ))
    async with session.begin():
        total = await session.scalar(select(func.count()).select_from(Case).where(*conds))
        rows = (
            await session.scalars(
                select(Case).where(*conds).order_by(Case.filed_at.desc(), Case.id).offset((page - 1) * size).limit(size)
            )
        ).all()
    items = []
    for c in rows:
        items.append(CaseSummary(
            id=c.id, number=c.number, uscc=c.uscc, bureau=c.bureau, state=c.state, decision_type=c.decision_type,
            filed_at=c.filed_at, decided_at=c.decided_at, overdue=is_overdue(c, due_dates(c)),
        ))
    return CaseList(items=items, total=int(total or 0))


# -- filing ----------------------------------------------------------------------------------------
async def _next_number(session: AsyncSession, bureau: str, year: int) -> str:
    dialect = session.bind.dialect.name
    ins = (postgresql if dialect == "postgresql" else sqlite).insert(CaseCounter)
    stmt = ins.values(bureau=bureau, year=year, last=1).on_conflict_do_update(
        index_elements=["bureau", "year"], set_={"last": CaseCounter.last + 1}
    ).returning(CaseCounter.last)
    seq = (await session.execute(stmt)).scalar_one()
    return f"{bureau}-{year}-{seq:05d}"


async def file_case(rt: Runtime, session: AsyncSession, user: Principal, body: CaseCreate) -> CaseRead:
    try:
        code = uscc.validate(body.uscc)
    except uscc.USCCError as e:
        raise invalid("uscc", str(e), code="invalid_uscc") from e
    handlers = workflow.check_handlers(body.handlers)
    if len(handlers) < 2:
        rule = workflow.RULES["two_certified_handlers"]
        raise invalid("handlers", f"a case needs at least two distinct handlers — {rule.cite()}",
                      code="too_few_handlers", rule=rule.cite())
    if not user.has("admin") and user.bureau != body.bureau:
        raise forbidden(f"an officer of bureau {user.bureau} cannot file cases for bureau {body.bureau}")
    violation_codes = [v.code for v in body.violations]
    assert rt.http is not None
    await checklist_client.require_guidance_items(rt.http, violation_codes)
    at = now()
    case_id = str(uuid.uuid4())
    async with session.begin():
        ent = await session.get(Enterprise, code)
        if ent is None:
            raise invalid("uscc", f"enterprise {code} is not registered (POST /enterprises first)",
                          code="unknown_enterprise")
        if ent.bureau != body.bureau and not user.has("admin"):
            raise invalid("bureau", f"enterprise {code} is under bureau {ent.bureau}", code="wrong_bureau")
        number = await _next_number(session, body.bureau, local_date(at).year)
        case = Case(
            id=case_id, number=number, uscc=code, bureau=body.bureau, state="filed", source=body.source,
            summary=body.summary, handlers=handlers, violations=[{"code": c} for c in violation_codes],
            facts=dict(body.facts), steps=["filing"], rectification=None, decision=None, decision_type=None,
            fine_amount=None, filed_by=user.sub, filed_at=at, decided_at=None, updated_at=at, row_version=1,
        )
        session.add(case)
        session.add(TimelineEntry(case_id=case_id, at=at, actor=user.sub, action="file",
                                  detail={"number": number, "handlers": handlers}))
        await session.flush()
        await rt.emit(session, contracts.CaseFiled(
            case_id=case_id, number=number, uscc=code, bureau=body.bureau, violations=violation_codes,
            handlers=handlers, filed_by=user.sub, filed_at=at,
        ), subject=case_id)
        return await read_case(session, case)


# -- workflow actions ------------------------------------------------------------------------------
Mutation = Callable[[Case, datetime], Awaitable[contracts.EventPayload | None]]


async def act(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, action: str,
    mutate: Mutation, *, detail: dict[str, Any], check: Callable[[Case], None] | None = None,
) -> CaseRead:
    """Lock the case, check the rules, apply ``mutate``, add the timeline entry and the event — one
    transaction; a refusal raises before anything is written."""
    async with session.begin():
        case = await load_visible(session, user, case_id, lock=True)
        try:
            if check is not None:
                check(case)
            else:
                workflow.check(_view(case), action, actor=user.sub)
        except workflow.Refusal as r:
            raise refusal_problem(r) from r
        at = now()
        payload = await mutate(case, at)
        case.updated_at = at
        case.row_version = (case.row_version or 0) + 1
        session.add(TimelineEntry(case_id=case.id, at=at, actor=user.sub, action=action, detail=detail))
        if payload is not None:
            await rt.emit(session, payload, subject=case.id)
        return await read_case(session, case)


def _add_step(case: Case, step: str) -> None:
    if step not in case.steps:
        case.steps = [*case.steps, step]


async def add_evidence(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: EvidenceCreate) -> CaseRead:
    async def mutate(case: Case, at: datetime) -> None:
        session.add(Evidence(id=str(uuid.uuid4()), case_id=case.id, kind=body.kind, description=body.description,
                             collected_by=body.collected_by, collected_at=at))
        _add_step(case, "evidence")
        return None

    return await act(rt, session, user, case_id, "add_evidence", mutate,
                     detail={"kind": body.kind, "collected_by": body.collected_by})


async def complete_investigation(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: InvestigationComplete
) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        case.facts = {**(case.facts or {}), **body.facts}
        case.state = "investigated"
        _add_step(case, "investigation")
        return contracts.CaseInvestigationCompleted(
            case_id=case.id, number=case.number, bureau=case.bureau, facts=case.facts,
            completed_by=user.sub, completed_at=at,
        )

    return await act(rt, session, user, case_id, "complete_investigation", mutate, detail={"facts": body.facts})


async def legal_review(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: LegalReview) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        case.state = workflow.next_state(_view(case), "legal_review", opinion=body.opinion)
        if body.opinion == "approve":
            _add_step(case, "legal_review")
        else:
            case.steps = [s for s in case.steps if s != "legal_review"] + ["legal_review_returned"]
        return contracts.CaseLegalReviewed(
            case_id=case.id, number=case.number, bureau=case.bureau, opinion=body.opinion,
            reviewer=user.sub, reviewed_at=at,
        )

    return await act(rt, session, user, case_id, "legal_review", mutate,
                     detail={"opinion": body.opinion, "notes": body.notes})


async def record_opinion(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: OpinionCreate) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        _add_step(case, "opinions")
        return contracts.CaseOpinionRecorded(
            case_id=case.id, number=case.number, bureau=case.bureau, opinion_from=body.from_,
            recorded_by=user.sub, recorded_at=at,
        )

    return await act(rt, session, user, case_id, "record_opinion", mutate,
                     detail={"from": body.from_, "content": body.content})


async def collective_discussion(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: CollectiveDiscussion
) -> CaseRead:
    votes = body.votes.for_ + body.votes.against + body.votes.abstain
    if votes != len(body.participants):
        raise invalid("votes", f"{votes} votes recorded for {len(body.participants)} participants; "
                      "every participant's vote is recorded (for, against or abstain)", code="votes_mismatch")

    async def mutate(case: Case, at: datetime):
        case.state = "discussed"
        _add_step(case, "collective_discussion")
        return contracts.CaseCollectiveDiscussed(
            case_id=case.id, number=case.number, bureau=case.bureau, participants=body.participants,
            conclusion=body.conclusion,
            votes={"for": body.votes.for_, "against": body.votes.against, "abstain": body.votes.abstain},
            recorded_by=user.sub, discussed_at=at,
        )

    return await act(rt, session, user, case_id, "collective_discussion", mutate, detail={
        "participants": body.participants, "conclusion": body.conclusion,
        "votes": {"for": body.votes.for_, "against": body.votes.against, "abstain": body.votes.abstain},
        "minutes": body.minutes,
    })


async def rectification_plan(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: RectificationPlan
) -> CaseRead:
    kinds = [m.kind for m in body.measures]

    def check(case: Case) -> None:
        workflow.check(_view(case), "rectification_plan", actor=user.sub)
        missing = workflow.missing_measures(kinds, case.facts or {})
        if missing:
            raise invalid("measures", f"the plan lacks the measures {missing} — {workflow.RECTIFICATION_RULE.cite()}",
                          code="rectification_incomplete", rule=workflow.RECTIFICATION_RULE.cite())

    async def mutate(case: Case, at: datetime):
        case.rectification = {"measures": [m.model_dump(mode="json") for m in body.measures],
                              "planned_by": user.sub, "planned_at": at.isoformat(), "assessment": None}
        case.steps = [s for s in case.steps if s != "rectification_assessed"]
        _add_step(case, "rectification_plan")
        return None

    return await act(rt, session, user, case_id, "rectification_plan", mutate, check=check,
                     detail={"measures": kinds})


async def rectification_assessment(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: RectificationAssessment
) -> CaseRead:
    def check(case: Case) -> None:
        workflow.check(_view(case), "rectification_assessment", actor=user.sub)
        if not case.rectification:
            raise invalid("case", "there is no rectification plan to assess (POST …/rectification first)",
                          code="no_rectification_plan")

    async def mutate(case: Case, at: datetime):
        case.rectification = {**case.rectification,
                              "assessment": {"passed": body.passed, "notes": body.notes, "by": user.sub,
                                             "at": at.isoformat()}}
        if body.passed:
            _add_step(case, "rectification_assessed")
        return contracts.CaseRectificationAssessed(
            case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, passed=body.passed,
            assessed_by=user.sub, assessed_at=at,
        )

    return await act(rt, session, user, case_id, "rectification_assessment", mutate, check=check,
                     detail={"passed": body.passed, "notes": body.notes})


async def notice(rt: Runtime, session: AsyncSession, user: Principal, case_id: str) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        case.state = "notified"
        _add_step(case, "notice")
        return contracts.CaseNotified(case_id=case.id, number=case.number, bureau=case.bureau,
                                      notified_by=user.sub, notified_at=at)

    return await act(rt, session, user, case_id, "notice", mutate, detail={})


async def decide(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: DecisionCreate) -> CaseRead:
    assert rt.http is not None
    # Ask the checklist service first, outside the transaction (no lock held across HTTP).
    async with session.begin():
        snapshot = await load_visible(session, user, case_id)
        facts = dict(snapshot.facts or {})
    no_penalty: workflow.NoPenaltyBasis | None = None
    basis: dict[str, Any] = body.basis.model_dump(exclude_none=True)
    mitigating: list[str] = []
    if body.type == workflow.EXEMPTION and body.basis.no_penalty_item:
        ev = await checklist_client.evaluate(rt.http, body.basis.no_penalty_item, facts)
        no_penalty = workflow.NoPenaltyBasis(
            code=ev["code"], kind=ev["kind"], eligible=bool(ev["eligible"]), unmet=tuple(ev.get("unmet", [])),
            unknown=tuple(ev.get("unknown", [])), item_version=ev.get("item_version"),
        )
        basis.update({"no_penalty_kind": ev["kind"], "no_penalty_item_version": ev.get("item_version"),
                      "list_version": ev.get("list_version"), "legal_basis": ev.get("legal_basis")})
    if body.type in workflow.LIGHT_PENALTIES:
        mitigating = await checklist_client.mitigating_keys(rt.http)
        basis["mitigating_circumstances"] = [k for k in mitigating if facts.get(k) is True]

    def check(case: Case) -> None:
        if dict(case.facts or {}) != facts:
            raise conflict("case_changed", "the case's facts changed while the decision was being checked; retry")
        workflow.check_decision(_view(case), decision_type=body.type, mitigating_keys=mitigating,
                                no_penalty=no_penalty, fine_amount=body.fine_amount)

    async def mutate(case: Case, at: datetime):
        case.state = "decided"
        _add_step(case, "decision")
        case.decision_type = body.type
        case.fine_amount = body.fine_amount
        case.decided_at = at
        case.decision = {"type": body.type, "basis": basis, "fine_amount": body.fine_amount, "reason": body.reason,
                         "decided_by": user.sub, "decided_at": at.isoformat(), "steps": list(case.steps)}
        return contracts.CaseDecided(
            case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, decision_type=body.type,
            fine_amount=body.fine_amount, basis=basis, steps=list(case.steps), handlers=list(case.handlers),
            decided_by=user.sub, decided_at=at, decision_date=local_date(at),
            violations=[v["code"] for v in case.violations], reason=body.reason,
        )

    return await act(rt, session, user, case_id, "decide", mutate, check=check,
                     detail={"type": body.type, "basis": basis, "fine_amount": body.fine_amount})

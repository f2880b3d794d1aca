"""Use cases of the cases service, the common part: enterprises, officers, reading and listing cases,
filing, and ``act`` — the one-transaction frame every workflow action runs in (lock, check the pure
rules, mutate, recompute the due dates, timeline entry, outbox event). Workflow rules come from
``workflow`` and ``deadlines`` (pure); this module loads, asks, writes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases import deadlines, workflow
from services.cases.calendar import store as calendar_store
from services.cases.case import acts, party_view
from services.cases.case.records import ApprovalRecord, CaseRecords, LimitationRecord, case_records
from services.cases.case.schemas import (
    CaseCreate,
    CaseList,
    CaseRead,
    CaseSummary,
    DueDate,
    EnterpriseCreate,
    EnterpriseRead,
    EnterpriseUpdate,
    OfficerCreate,
    OfficerRead,
    TimelineRead,
)
from services.cases.clients import checklist as checklist_client
from services.cases.damage import opening as damage_opening
from services.cases.damage import view as damage_view
from services.cases.damage.models import DamageMatter
from services.cases.damage.workflow import Standing
from services.cases.models import Case, CaseCounter, Enterprise, Officer, TimelineEntry
from services.cases.workdays import Calendar
from shared import contracts, pagination, uscc
from shared.auth import Principal, ensure_can_see, ensure_registered_for, scope_of
from shared.clock import as_utc, day_end, day_start, local_date
from shared.db import dialect_insert
from shared.problems import conflict, forbidden, invalid, not_found
from shared.service import Runtime

OPEN_STATES = workflow.OPEN_STATES
ENDED_STATES = ("withdrawn", "transferred", "terminated")  # ended before a decision


def now(rt: Runtime | None = None) -> datetime:
    return rt.clock.now()


# -- due dates -------------------------------------------------------------------------------------
def case_times(case: Case) -> deadlines.CaseTimes:
    recs = case_records(case)
    notice, hearing = recs.notice, recs.hearing
    return deadlines.CaseTimes(
        filed_on=local_date(case.filed_at),
        clue_on=case.clue_received_on,
        filing_extended=recs.filing_extension is not None,
        handling_extensions=tuple(e.kind for e in recs.extensions),
        suspensions=tuple(deadlines.Suspension(s.kind, s.from_, s.to) for s in recs.suspensions),
        notice_on=notice.on if notice else None,
        hearing_right=bool(notice and notice.hearing_right),
        statement_done=recs.statement is not None,
        hearing_requested=bool(hearing and hearing.requested_on),
        hearing_held=bool(hearing and hearing.held_on),
        decided_on=local_date(case.decided_at) if case.decided_at else None,
        closed_early=case.state in ENDED_STATES,
        served_on=recs.service.on if recs.service else None,
        fine_due=bool(case.fine_amount),
        paid=bool(recs.execution and recs.execution.fine_paid),
        revoked=recs.decision_status() == "revoked",  # 第四十八条第二款: no service or payment deadline runs on
    )


def refresh_due(case: Case, cal: Calendar, today: date) -> dict[str, deadlines.Due]:
    due = deadlines.compute(case_times(case), cal, today=today)
    case.due = {k: _due_json(d) for k, d in due.items()}
    case.next_due = deadlines.next_due(due)
    case.due_provisional = any(d.provisional and not d.done for d in due.values())
    return due


def _due_json(d: deadlines.Due) -> dict[str, Any]:
    return {"date": d.date.isoformat(), "provisional": d.provisional, "basis": d.basis, "done": d.done,
            "working_days": d.working_days, "verified": d.verified, "local_setting": d.local_setting,
            "suspended": d.suspended}


def stored_due(case: Case) -> dict[str, deadlines.Due]:
    return {
        k: deadlines.Due(k, date.fromisoformat(v["date"]), v["provisional"], v["basis"], v["done"],
                         working_days=v.get("working_days", False), verified=v.get("verified", True),
                         local_setting=v.get("local_setting", False), suspended=v.get("suspended", False))
        for k, v in (case.due or {}).items()
    }


def _proposal(decision_type: str | None, fine_amount: float | None) -> workflow.Proposal:
    return workflow.Proposal(decision_type, fine_amount, ())


def _terms(n) -> workflow.NoticeTerms:
    return workflow.NoticeTerms(n.intended_type, n.intended_fine, tuple(n.penalty_kinds))


def _issue(a: dict[str, Any] | None) -> workflow.NoticeTerms | None:
    return None if a is None else workflow.NoticeTerms(a.get("intended_type"), a.get("intended_fine"),
                                                       tuple(a.get("penalty_kinds") or ()))


def new_since(recs: CaseRecords, facts: dict[str, Any], since: datetime) -> tuple[list[str], dict[str, Any]]:
    """What the investigation established after ``since``: the evidence added, and the facts whose value now
    differs from their value then (``key: {from, to}``) — from ``records.fact_log``."""
    evidence, before = [], {}
    for e in recs.fact_log:
        if e.at <= since:
            continue
        if e.kind == "evidence":
            evidence.append(e.evidence or "")
        for k, ch in e.changed.items():
            before.setdefault(k, ch.get("from") if isinstance(ch, dict) else None)
    changed = {k: {"from": v, "to": facts.get(k)} for k, v in before.items() if v != facts.get(k)}
    return evidence, changed


def defended_at(statement: Any, hearing: Any) -> datetime | None:
    """When the party first defended itself on a notice (第四十五条 陈述、申辩): a statement that is not a waiver,
    or its 申辩 at the hearing (第六十四条第（七）项: 当事人进行申辩和质证) — the hearing's recorded party statements."""
    times = []
    if statement is not None and not statement.waived:
        times.append(statement.at)
    if hearing is not None and hearing.held_at is not None and (hearing.party_statements or "").strip():
        times.append(hearing.held_at)
    return min(times) if times else None


def answered_notices(recs: CaseRecords, facts: dict[str, Any]) -> tuple[workflow.AnsweredNotice, ...]:
    """The notices (earlier and current) the party answered with a statement or a defence at the hearing
    (第四十五条), each with what was established after it first did."""
    pairs = [(n, defended_at(n.statement, n.hearing)) for n in recs.earlier_notices]
    if recs.notice is not None:
        pairs.append((recs.notice, defended_at(recs.statement, recs.hearing)))
    out = []
    for n, since in pairs:
        if since is None:
            continue
        evidence, changed = new_since(recs, facts, since)
        out.append(workflow.AnsweredNotice(_terms(n), bool(evidence), tuple(sorted(changed))))
    return tuple(out)


def damage_compensated(case: Case) -> bool:
    """试点方案 三（七）: the rectification plan holds the damage_compensation measure and its assessment passed."""
    plan = case.rectification or {}
    kinds = {m.get("kind") for m in plan.get("measures") or []}
    return workflow.DAMAGE_MEASURE in kinds and "rectification_assessed" in case.steps


def review_used(recs: CaseRecords, review: Any) -> bool:
    """A review approves one change of the decision: the change that relied on it, or any change recorded after
    it, uses it up — the next change needs a review of its own."""
    return any(c.legal_review_at == review.at or c.at > review.at for c in recs.decision_changes)


def damage_standing(matter: DamageMatter | None) -> Standing | None:
    """What the decision gate reads of the case's damage matter (试点方案 三（七）)."""
    if matter is None:
        return None
    return Standing(status=matter.status, ground=matter.ground, agreed_amount=matter.agreed_amount,
                    paid_total=float(matter.paid_total or 0.0))


def view(case: Case, today: date, now: datetime | None = None, matter: DamageMatter | None = None) -> workflow.CaseView:
    """The case as the workflow's pure rules see it; ``matter`` is the case's damage matter, loaded by the caller."""
    recs = case_records(case)
    due = stored_due(case)
    notice, disc, hearing = recs.notice, recs.discretion, recs.hearing
    review = recs.approved_review()
    # A discussion counts while its step stands (a returned legal review undoes it).
    discussion = recs.approved_discussion() if "collective_discussion" in case.steps else None
    return workflow.CaseView(
        state=case.state, handlers=tuple(case.handlers), steps=tuple(case.steps), facts=dict(case.facts or {}),
        rights_over=notice is not None and deadlines.rights_period_over(due, today),
        rights_provisional_year=deadlines.rights_provisional_year(due) if notice else None,
        hearing_requested=bool(recs.hearing and recs.hearing.requested_on),
        hearing_right=bool(notice and notice.hearing_right),
        hearing_scheduled=bool(hearing and hearing.scheduled_at),
        hearing_time_reached=bool(hearing and hearing.scheduled_at and now is not None and now >= hearing.scheduled_at),
        heard=workflow.Heard(_issue(hearing.at_issue), hearing.facts)
        if hearing and hearing.held_at and hearing.facts is not None else None,
        answered=answered_notices(recs, dict(case.facts or {})),
        intended_fine=notice.intended_fine if notice else None,
        notice=_terms(notice) if notice else None,
        review=_proposal(review.proposed_type, review.proposed_fine) if review else None,
        review_before_hearing=recs.review_before_hearing(),
        discussion=_proposal(discussion.decision_type, discussion.fine_amount) if discussion else None,
        handling_over=deadlines.handling_over(due, today),
        discretion=workflow.Discretion(disc.fine_min, disc.fine_max, disc.rule_version) if disc else None,
        handling_extensions=tuple(e.kind for e in recs.extensions),
        suspended=any(s.to is None for s in recs.suspensions),
        uncounted_evidence=tuple(recs.uncounted_evidence),
        damage_compensated=damage_compensated(case),
        damage_matter=damage_standing(matter),
        fine_due=bool(case.fine_amount),
        paid=bool(recs.execution and recs.execution.fine_paid),
        review_ending=review.proposed_ending if review else None,
        review_change=review.proposed_change if review and not review_used(recs, review) else None,
        decision_status=recs.decision_status(),
    )


# -- enterprises -----------------------------------------------------------------------------------
async def create_enterprise(rt: Runtime, session: AsyncSession, user: Principal, body: EnterpriseCreate) -> EnterpriseRead:
    try:
        code = uscc.validate(body.uscc)
    except uscc.USCCError as e:
        raise invalid("uscc", str(e), code="invalid_uscc") from e
    if not user.has("admin") and user.bureau != body.bureau:
        raise forbidden(f"an officer of bureau {user.bureau} cannot register enterprises for bureau {body.bureau}")
    values = dict(uscc=code, name=body.name, bureau=body.bureau, industry=body.industry, address=body.address,
                  legal_representative=body.legal_representative, created_at=now(rt))
    # One statement: of two concurrent registrations of the same code one inserts, the other gets 409.
    created = await session.scalar(
        dialect_insert(session, Enterprise).values(**values)
        .on_conflict_do_nothing(index_elements=["uscc"]).returning(Enterprise.uscc))
    if created is None:
        raise conflict("duplicate", f"enterprise {code} is already registered", uscc=code)
    return EnterpriseRead(**values)


async def get_enterprise(session: AsyncSession, user: Principal, code: str) -> EnterpriseRead:
    code = code.upper()
    ent = await session.get(Enterprise, code)
    if ent is None:
        raise not_found("enterprise", code)
    ensure_registered_for(user, bureau=ent.bureau, uscc=ent.uscc)
    return EnterpriseRead.model_validate(ent, from_attributes=True)


async def update_enterprise(session: AsyncSession, user: Principal, code: str, body: EnterpriseUpdate) -> EnterpriseRead:
    """The particulars the documents print (name, address, 法定代表人 …): the fields given replace the stored ones."""
    code = code.upper()
    ent = await session.get(Enterprise, code, with_for_update=True)
    if ent is None or not (user.has("admin") or user.bureau == ent.bureau):  # not yours reads as not there (S17)
        raise not_found("enterprise", code)
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is None:
            raise invalid(field, "give a value (the field cannot be cleared)")
        setattr(ent, field, value)
    await session.flush()
    return EnterpriseRead.model_validate(ent, from_attributes=True)


# -- officers (持证上岗) ------------------------------------------------------------------------------
async def remember_officer(session: AsyncSession, user: Principal, at: datetime) -> None:
    """An officer whose token carries a 执法证号 is on the register (added, or its number and bureau updated:
    an officer transferred to another bureau is that bureau's from their next action, and no longer counts
    as a handler of the old bureau's new cases — review of issue 25). An admin's entry wins over the token.

    A plain read first (the usual case: nothing to change, no row lock taken), then one
    ``INSERT … ON CONFLICT`` so that two concurrent first actions of the same officer never collide."""
    if user.has("leader") and user.bureau:
        await _remember_leader(session, user, at)
    if not user.has("officer") or not user.cert_no or not user.bureau:
        return
    row = (await session.execute(select(Officer.cert_no, Officer.bureau, Officer.registered_via)
                                 .where(Officer.sub == user.sub))).first()
    if row is not None and ((row.cert_no, row.bureau) == (user.cert_no, user.bureau) or row.registered_via != "token"):
        return
    ins = dialect_insert(session, Officer).values(
        sub=user.sub, name=user.name or user.sub, bureau=user.bureau, cert_no=user.cert_no, active=True,
        registered_via="token", updated_at=at)
    await session.execute(ins.on_conflict_do_update(
        index_elements=["sub"], set_={"cert_no": ins.excluded.cert_no, "bureau": ins.excluded.bureau,
                                      "updated_at": ins.excluded.updated_at},
        where=(Officer.registered_via == "token") & (Officer.cert_no.is_distinct_from(ins.excluded.cert_no)
                                                     | Officer.bureau.is_distinct_from(ins.excluded.bureau))))


async def _remember_leader(session: AsyncSession, user: Principal, at: datetime) -> None:
    """A token with the leader role puts its holder on the register as a leader (负责人) of its bureau,
    unless an admin's entry says otherwise (the admin's entry wins)."""
    row = (await session.execute(select(Officer.leader, Officer.registered_via)
                                 .where(Officer.sub == user.sub))).first()
    if row is not None and (row.leader or row.registered_via != "token"):
        return
    ins = dialect_insert(session, Officer).values(
        sub=user.sub, name=user.name or user.sub, bureau=user.bureau, cert_no=user.cert_no, active=True,
        leader=True, registered_via="token", updated_at=at)
    await session.execute(ins.on_conflict_do_update(
        index_elements=["sub"], set_={"leader": True, "updated_at": ins.excluded.updated_at},
        where=Officer.registered_via == "token"))


async def registered_leaders(session: AsyncSession, bureau: str, subs: list[str]) -> list[str]:
    """Of ``subs``, those on the register as active leaders (负责人) of ``bureau``."""
    rows = await session.scalars(select(Officer.sub).where(
        Officer.sub.in_(subs), Officer.bureau == bureau, Officer.leader.is_(True), Officer.active.is_(True)))
    return list(rows)


async def register_officer(rt: Runtime, session: AsyncSession, user: Principal, body: OfficerCreate) -> OfficerRead:
    """Add the officer or replace their entry (an admin's entry wins over one learnt from a token):
    one ``INSERT … ON CONFLICT DO UPDATE``, so concurrent registrations of one officer all succeed."""
    values = dict(sub=body.sub, name=body.name, bureau=body.bureau, cert_no=body.cert_no, active=body.active,
                  position=body.position, leader=body.leader, registered_via="admin", updated_at=now(rt))
    ins = dialect_insert(session, Officer).values(**values)
    await session.execute(ins.on_conflict_do_update(
        index_elements=["sub"], set_={k: getattr(ins.excluded, k) for k in values if k != "sub"}))
    return OfficerRead(**values)


async def list_officers(session: AsyncSession, user: Principal, bureau: str | None) -> list[OfficerRead]:
    scope = scope_of(user, bureau=bureau, what="officers")
    stmt = select(Officer).where(*scope.where(Officer.bureau)).order_by(Officer.sub)
    rows = (await session.scalars(stmt)).all()
    return [OfficerRead.model_validate(r, from_attributes=True) for r in rows]


# -- reading cases ---------------------------------------------------------------------------------
async def read_case(session: AsyncSession, case: Case, today: date, viewer: Principal | None = None) -> CaseRead:
    """The case as ``viewer`` reads it: the party (an enterprise) without the bureau's internal deliberation
    (``party_view``, 《行政处罚法》第四十四条、第五十九条), everyone else in full."""
    rows = (
        await session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id).order_by(TimelineEntry.seq))
    ).all()
    due = stored_due(case)
    late = deadlines.overdue(due, today) if case.state not in (*ENDED_STATES, "closed") else []
    matter = await damage_opening.matter_of(session, case.id)  # 一案双查: the linked damage matter
    execution = case_records(case).execution
    party = viewer is not None and party_view.is_party(viewer)
    recs = party_view.records(dict(case.records or {})) if party else dict(case.records or {})
    return CaseRead(
        id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, state=case.state,
        source=case.source, summary=case.summary, handlers=case.handlers, violations=case.violations,
        facts=case.facts, steps=case.steps, decision=case.decision,
        due={k: DueDate(date=d.date, provisional=d.provisional, basis=d.basis, done=d.done, working_days=d.working_days,
                        verified=d.verified, local_setting=d.local_setting, suspended=d.suspended)
             for k, d in due.items()},
        overdue=bool(late), overdue_deadlines=late,
        allowed_actions=workflow.allowed_actions(view(case, today, matter=matter)), filed_at=case.filed_at,
        clue_received_on=case.clue_received_on, rectification=case.rectification,
        execution={"fine_paid": bool(execution and execution.fine_paid),
                   "paid_at": execution.paid_at.isoformat() if execution else None,
                   "amount": execution.amount if execution else None, "fine_due": case.fine_amount,
                   # the penalty kinds now in force (after any change; the decision as decided stays in decision)
                   "penalty_kinds": case_records(case).kinds_in_force(case.decision) if case.decision else []},
        records=recs,
        ending=recs.get("ending"),
        decision_status=case_records(case).decision_status() if case.decision else "none",
        decision_changes=list(recs.get("decision_changes") or []),
        damage=damage_view.to_read(matter) if matter is not None else None,
        timeline=[TimelineRead(at=r.at, actor=party_view.timeline_actor(r.action, r.actor) if party else r.actor,
                               action=r.action,
                               detail=party_view.timeline_detail(r.action, r.detail or {}) if party else r.detail)
                  for r in rows],
    )


# Built once (issue 28: a statement built per request cost its construction and cache key every time); the
# locked one reads the row as it is now, not as an earlier read of this session left it.
_CASE = select(Case).where(Case.id == bindparam("case_id"))
_CASE_LOCKED = _CASE.with_for_update().execution_options(populate_existing=True)


async def load_visible(session: AsyncSession, user: Principal, case_id: str, *, lock: bool = False) -> Case:
    case = await session.scalar(_CASE_LOCKED if lock else _CASE, {"case_id": case_id})
    if case is None:
        raise not_found("case", case_id)
    ensure_can_see(user, bureau=case.bureau, uscc=case.uscc, what="this case")
    return case


def read_apart(rt: Runtime):
    """A short read-only session of its own, for the use cases that ask another service before they
    write: the request's unit of work then takes its first lock only after those HTTP calls (no lock
    held across HTTP — on SQLite every transaction holds the database's write lock), and ``act``
    re-reads the case under its lock. Objects read here are detached when it closes."""
    return rt.sessionmaker()


async def snapshot(rt: Runtime, user: Principal, case_id: str) -> Case:
    """The case as it stands, read apart from the request's unit of work (``read_apart``)."""
    async with read_apart(rt) as session:
        return await load_visible(session, user, case_id)


async def get_case(rt: Runtime, session: AsyncSession, user: Principal, case_id: str) -> CaseRead:
    case = await load_visible(session, user, case_id)
    return await read_case(session, case, rt.clock.today(), user)


CASE_ORDER = ((Case.filed_at, "desc"), (Case.id, "asc"))  # newest filing first; total (id is unique)


async def list_cases(
    rt: Runtime, session: AsyncSession, user: Principal, *, state: str | None, bureau: str | None, uscc_: str | None,
    decision_type: str | None, from_: date | None, to: date | None, page: int, size: int,
    overdue: bool | None = None, provisional: bool | None = None, cursor: str | None = None,
) -> CaseList:
    today = rt.clock.today()
    conds = scope_of(user, bureau=bureau, uscc=uscc_.upper() if uscc_ else None, what="cases").where(Case.bureau, Case.uscc)
    if state:
        conds.append(Case.state == state)
    if decision_type:
        conds.append(Case.decision_type == decision_type)
    if overdue is True:
        conds.append(Case.next_due < today)
    elif overdue is False:
        conds.append((Case.next_due.is_(None)) | (Case.next_due >= today))
    if provisional is not None:
        conds.append(Case.due_provisional.is_(provisional))
    # The period filters decision dates when a decision type is asked for, filing dates otherwise.
    col = Case.decided_at if decision_type else Case.filed_at
    if from_:
        conds.append(col >= day_start(from_))
    if to:
        conds.append(col < day_end(to))
    total = await session.scalar(select(func.count()).select_from(Case).where(*conds))
    query = select(Case).where(*conds).order_by(*pagination.order_by(CASE_ORDER))
    if cursor is not None:  # cases are filed while a client pages: keyset, not offset
        query = query.where(pagination.after(CASE_ORDER, pagination.decode(cursor, (datetime, str))))
    else:
        query = query.offset((page - 1) * size)
    rows = (await session.scalars(query.limit(size + 1))).all()
    nxt = pagination.encode([as_utc(rows[size - 1].filed_at), rows[size - 1].id]) if len(rows) > size else None
    rows = rows[:size]
    items = [
        CaseSummary(
            id=c.id, number=c.number, uscc=c.uscc, bureau=c.bureau, state=c.state, decision_type=c.decision_type,
            filed_at=c.filed_at, decided_at=c.decided_at, overdue=c.next_due is not None and today > c.next_due,
            next_due=c.next_due, due_provisional=bool(c.due_provisional),
        )
        for c in rows
    ]
    return CaseList(items=items, total=int(total or 0), next=nxt)


ENDING_ACTIONS = ("withdraw", "terminate", "transfer", "change_decision")


async def list_endings(rt: Runtime, session: AsyncSession, user: Principal, *, bureau: str | None,
                       from_: date | None, to: date | None, page: int, size: int) -> CaseList:
    """Every case whose penalty was ended or reduced in the period (Asia/Shanghai dates): an ending before
    a decision, or a change after it that revokes or reduces the penalty — one item per case and outcome
    (the latest of the period), oldest first. The period is short (the reconciliation's lookback)."""
    today = rt.clock.today()
    conds = scope_of(user, bureau=bureau, what="cases").where(Case.bureau, Case.uscc)
    tl = [TimelineEntry.action.in_(ENDING_ACTIONS)]
    if from_:
        tl.append(TimelineEntry.at >= day_start(from_))
    if to:
        tl.append(TimelineEntry.at < day_end(to))
    ids = select(TimelineEntry.case_id).where(*tl).distinct()
    rows = (await session.scalars(select(Case).where(Case.id.in_(ids), *conds).order_by(Case.filed_at, Case.id))).all()
    lo, hi = (day_start(from_) if from_ else None), (day_end(to) if to else None)

    def within(at: datetime) -> bool:
        return (lo is None or as_utc(at) >= lo) and (hi is None or as_utc(at) < hi)

    items: list[CaseSummary] = []
    for c in rows:
        recs = case_records(c)
        outcome: tuple[str, datetime] | None = None
        if recs.ending is not None and within(recs.ending.at):
            outcome = (recs.ending.kind, recs.ending.at)
        for ch in recs.decision_changes:
            if ch.reduces and within(ch.at):
                outcome = (ch.outcome, ch.at)
        if outcome is None:
            continue
        items.append(CaseSummary(
            id=c.id, number=c.number, uscc=c.uscc, bureau=c.bureau, state=c.state, decision_type=c.decision_type,
            filed_at=c.filed_at, decided_at=c.decided_at, overdue=c.next_due is not None and today > c.next_due,
            next_due=c.next_due, due_provisional=bool(c.due_provisional), outcome=outcome[0], outcome_at=outcome[1]))
    return CaseList(items=items[(page - 1) * size: page * size], total=len(items), next=None)


# -- filing ----------------------------------------------------------------------------------------
async def _next_number(session: AsyncSession, bureau: str, year: int) -> str:
    ins = dialect_insert(session, CaseCounter)
    stmt = ins.values(bureau=bureau, year=year, last=1).on_conflict_do_update(
        index_elements=["bureau", "year"], set_={"last": CaseCounter.last + 1}
    ).returning(CaseCounter.last)
    seq = (await session.execute(stmt)).scalar_one()
    return f"{bureau}-{year}-{seq:05d}"


def _check_filing_dates(body: CaseCreate, filed_on: date) -> tuple[CaseRecords, list[dict[str, Any]]]:
    """立案时限 (第十八条) and 追责时效 (第三十六条), checked before anything is written."""
    records = CaseRecords()
    if body.clue_received_on is not None:
        if body.clue_received_on > filed_on:
            raise invalid("clue_received_on", "the clue cannot be received after the filing date", code="invalid_date")
        limit = deadlines.FILING_DAYS + (deadlines.FILING_EXTENSION_DAYS if body.filing_extension else 0)
        if (filed_on - body.clue_received_on).days > limit:
            field_ = "clue_received_on" if body.filing_extension else "filing_extension"
            raise invalid(field_, f"filed {(filed_on - body.clue_received_on).days} days after the clue was received; "
                          f"the limit is {limit} days — {deadlines.FILING_BASIS}", code="filing_time_limit",
                          rule=deadlines.FILING_BASIS)
        if body.filing_extension:
            records.filing_extension = ApprovalRecord.model_validate(body.filing_extension.model_dump())
    if body.occurred_on is not None and body.ended_on is not None and body.ended_on < body.occurred_on:
        raise invalid("ended_on", "the act cannot end before it occurred", code="invalid_date")
    if body.occurred_on is not None and body.occurred_on > filed_on:
        raise invalid("occurred_on", "the act cannot occur after the filing date", code="invalid_date")
    if body.ended_on is not None and body.ended_on > filed_on:
        raise invalid("ended_on", "the act cannot end after the filing date", code="invalid_date")
    violations = acts.at_filing(body, filed_on)
    checked: list[tuple[int, deadlines.Limitation]] = []
    for i, v in enumerate(acts.acts_of(violations)):
        if v.occurred_on is None:
            continue
        lim = deadlines.limitation(occurred_on=v.occurred_on, ended_on=v.ended_on,
                                   discovered_on=body.clue_received_on or filed_on, facts=body.facts)
        if lim.expired:
            own = body.violations[i].occurred_on is not None or body.violations[i].ended_on is not None
            raise invalid(f"violations[{i}].occurred_on" if own else "occurred_on",
                          f"the limitation period of {v.code} ran out on {lim.expires.isoformat()} — {lim.basis}",
                          code="limitation_expired", rule=lim.basis)
        checked.append((i, lim))
    if checked and len(checked) == len(violations):
        lim = min((lim for _, lim in checked), key=lambda x: x.expires)
        records.limitation = LimitationRecord(checked=True, runs_from=lim.runs_from, years=lim.years,
                                              expires=lim.expires, basis=lim.basis)
    else:
        records.limitation = LimitationRecord(checked=False, basis=deadlines.LIMITATION_BASIS,
                                              note="违法行为发生日期未录入，追责时效未核查（决定前须录入：第三十六条、第三十七条）")
    return records, violations
    return records


async def file_case(rt: Runtime, session: AsyncSession, user: Principal, body: CaseCreate) -> CaseRead:
    try:
        code = uscc.validate(body.uscc)
    except uscc.USCCError as e:
        raise invalid("uscc", str(e), code="invalid_uscc") from e
    handlers = workflow.check_handlers(body.handlers)
    rule = workflow.RULES["two_certified_handlers"]
    if len(handlers) < 2:
        raise invalid("handlers", f"a case needs at least two distinct handlers — {rule.cite()}",
                      code="too_few_handlers", rule=rule.cite())
    if not user.has("admin") and user.bureau != body.bureau:
        raise forbidden(f"an officer of bureau {user.bureau} cannot file cases for bureau {body.bureau}")
    at = now(rt)
    records, violations = _check_filing_dates(body, local_date(at))
    violation_codes = [v.code for v in body.violations]
    assert rt.http is not None
    await checklist_client.require_guidance_items(rt, violation_codes)
    await checklist_client.check_facts(rt, body.facts)  # 422 naming an unknown key or a wrong value, nothing filed
    case_id = str(uuid.uuid4())
    ent = await session.get(Enterprise, code)
    if ent is None:
        raise invalid("uscc", f"enterprise {code} is not registered (POST /enterprises first)",
                      code="unknown_enterprise")
    if ent.bureau != body.bureau and not user.has("admin"):
        raise invalid("bureau", f"enterprise {code} is under bureau {ent.bureau}", code="wrong_bureau")
    await remember_officer(session, user, at)
    await session.flush()
    officers = (await session.scalars(select(Officer).where(Officer.sub.in_(handlers)))).all()
    other = workflow.of_other_bureau(handlers, {o.sub: o.bureau for o in officers}, body.bureau)
    if other:  # counted toward the two officers only by the case's own bureau (our reading: handlers_of_own_bureau)
        own = workflow.RULES["handlers_of_own_bureau"]
        raise invalid("handlers", f"执法人员{'、'.join(other)}登记为其他行政机关的执法人员，不是本案立案机关（{body.bureau}）"
                      f"的执法人员，不能作为本案执法人员 — {own.cite()}", code="handler_of_other_bureau",
                      rule=own.cite(), other_bureau=other)
    certs = {o.sub: (o.cert_no if o.active else None) for o in officers}
    missing = workflow.uncertified(handlers, certs)
    if missing:
        raise invalid("handlers", f"{missing} have no enforcement certificate on record (POST /officers, or act "
                      f"with a token carrying cert_no) — {rule.cite()}", code="uncertified_handlers",
                      rule=rule.cite(), uncertified=missing)
    number = await _next_number(session, body.bureau, local_date(at).year)
    records.handler_certificates = {h: certs[h] for h in handlers}
    case = Case(
        id=case_id, number=number, uscc=code, bureau=body.bureau, state="filed", source=body.source,
        summary=body.summary, handlers=handlers, violations=violations,
        facts=dict(body.facts), steps=["filing"], rectification=None, decision=None, decision_type=None,
        fine_amount=None, filed_by=user.sub, filed_at=at, decided_at=None, updated_at=at, row_version=1,
        clue_received_on=body.clue_received_on, records=records.stored(), due={}, next_due=None, due_provisional=False,
    )
    refresh_due(case, await calendar_store.load_calendar(session), local_date(at))
    session.add(case)
    session.add(TimelineEntry(case_id=case_id, at=at, actor=user.sub, action="file",
                              detail={"number": number, "handlers": handlers,
                                      "certificates": records.handler_certificates}))
    await session.flush()
    await rt.emit(session, contracts.CaseFiled(
        case_id=case_id, number=number, uscc=code, bureau=body.bureau, violations=violation_codes,
        handlers=handlers, filed_by=user.sub, filed_at=at,
    ), subject=case_id)
    await damage_opening.open_if_damage(rt, session, case, at=at, by=user.sub)  # 一案双查 (issue 27)
    return await read_case(session, case, local_date(at))


# -- workflow actions ------------------------------------------------------------------------------
Mutation = Callable[[Case, datetime], Awaitable[contracts.EventPayload | list[contracts.EventPayload] | None]]


async def act(
    rt: Runtime, session: AsyncSession, user: Principal, case_id: str, action: str,
    mutate: Mutation, *, detail: dict[str, Any], check: Callable[[Case, workflow.CaseView], None] | None = None,
    check_kw: dict[str, Any] | None = None, transition: dict[str, Any] | None = None,
    before_check: Callable[[Case, datetime], Awaitable[None]] | None = None,
) -> CaseRead:
    """Lock the case, check the rules, apply ``mutate`` and the state the workflow's transition table
    gives (``workflow.next_state``; ``transition`` passes what it depends on), recompute the due dates,
    add the timeline entry and the events — one transaction; a refusal raises before anything is written."""
    case = await load_visible(session, user, case_id, lock=True)
    at = now(rt)
    today = local_date(at)
    # The damage matter the gate reads (试点方案 三（七）): its ending states are final and payments only add up, so
    # what it shows now cannot be undone by a concurrent step (no lock on it needed).
    v = view(case, today, now=at, matter=await damage_opening.matter_of(session, case.id))
    if before_check is not None:
        await before_check(case, at)  # loads what the rules need, inside the transaction
    # A refusal (shared.rules.Refusal) is answered by the app with its 409 (shared.problems.refused).
    if check is not None:
        check(case, v)
    else:
        workflow.check(v, action, actor=user.sub, **(check_kw or {}))
    await remember_officer(session, user, at)
    payload = await mutate(case, at)
    case.state = workflow.next_state(v, action, **(transition or {}))
    refresh_due(case, await calendar_store.load_calendar(session), today)
    case.updated_at = at
    case.row_version = (case.row_version or 0) + 1
    session.add(TimelineEntry(case_id=case.id, at=at, actor=user.sub, action=action, detail=detail))
    for p in payload if isinstance(payload, list) else [payload] if payload is not None else []:
        await rt.emit(session, p, subject=case.id)
    await damage_opening.open_if_damage(rt, session, case, at=at, by=user.sub)  # facts may now record damage
    return await read_case(session, case, today, user)


def add_step(case: Case, step: str) -> None:
    if step not in case.steps:
        case.steps = [*case.steps, step]

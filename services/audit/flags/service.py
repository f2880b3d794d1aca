"""Audit use cases around flags: record a decided case, raise or extend its one flag, list and read
flags, record an interference. Nothing here begins or commits: the consumer's or the request's unit of
work owns the transaction.

Exactly one flag per case (``flags.case_id`` is unique): the decision, an overdue or relapse event, an
interference record and reconciliation all go through ``upsert_flag``, which creates the flag or adds
the rules it does not carry yet — whatever the order of arrival or the number of deliveries.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.config import AuditSettings
from services.audit.flags import history_sql as sql
from services.audit.flags import rules
from services.audit.flags.rules import Decision, History, PersonShare, RuleHit
from services.audit.flags.schemas import InterferenceCreate
from services.audit.log import ledger
from services.audit.models import (
    CaseContext,
    DailyCount,
    DailyRuleCount,
    DecidedCase,
    DecisionPerson,
    Flag,
    FlagHistory,
    FlagRule,
    InterferenceRecord,
    PersonDailyCount,
)
from shared import clock, pagination
from shared.auth import Principal, scope_of
from shared.contracts import AuditFlagRaised, AuditInterferenceRecorded, CaseDecided, DamageAtDecision
from shared.db import insert_for
from shared.law import POINTS
from shared.problems import conflict, invalid
from shared.vocabulary import FLAGGED_DECISIONS, DecisionType

log = logging.getLogger("ecocomply.audit")

Emit = Callable[..., Awaitable[object]]  # runtime.emit(session, payload, subject=...)
FINAL = ("cleared", "issue_found", "referred")  # a review's outcomes (review.OUTCOME_NAMES)
PENDING = ("open", "in_review")
# The outcome a later risk may reopen: "no problem found" can be overtaken by a new risk; a finding
# (issue_found) stands whatever comes after it (issue 25 S3).
REOPENABLE = ("cleared",)
UNDECIDED = "undecided"
SYSTEM = "system"


local_date = clock.local_date  # naive timestamps from the database are UTC


@dataclass(frozen=True)
class CaseRef:
    case_id: str
    number: str
    uscc: str
    bureau: str


def add_history(session: AsyncSession, flag: Flag, *, actor: str, action: str, status_from: str | None,
                detail: str, now: datetime) -> None:
    session.add(FlagHistory(flag_id=flag.id, at=now, actor=actor, action=action, status_from=status_from,
                            status_to=flag.status, detail=detail))


_FLAG_OF_CASE = select(Flag).where(Flag.case_id == bindparam("case_id"))  # built once (issue 12)


async def upsert_flag(
    session: AsyncSession,
    *,
    ref: CaseRef,
    hits: Iterable[RuleHit],
    emit: Emit,
    source_event_id: str,
    decision: DecidedCase | None = None,
    handlers: list[str] | None = None,
    now: datetime,
    actor: str = SYSTEM,
    sla_days: int | None = None,
    reopen: bool = True,
) -> Flag | None:
    """Create the case's flag with ``hits``, or add to the existing flag the hits it lacks (a hit of a
    rule it already carries adds its detail when that is new). Returns the flag, None if no hits.

    A review's outcome belongs to the reviewers (试点方案三（十） 监督审核): added hits go into the flag's
    rules and history and never erase a finding — an ``issue_found`` flag stays ``issue_found`` (and
    counted so in the annual report, 五（二）). A ``cleared`` flag is looked at again (reopened) when a risk
    the system detects arrives (``reopen``), never on a person's say-so: an interference record
    (``reopen=False``) is recorded, not allowed to undo a review (issue 25 S3)."""
    hits = list(hits)
    if not hits:
        return None
    flag = await session.scalar(_FLAG_OF_CASE, {"case_id": ref.case_id})
    if flag is None:
        sla = sla_days or AuditSettings().review_sla_days
        flag = Flag(
            id=str(uuid.uuid4()), case_id=ref.case_id, number=ref.number, uscc=ref.uscc, bureau=ref.bureau,
            decision_type=UNDECIDED, fine_amount=None, basis={}, steps=[], handlers=list(handlers or []),
            involved=[], decided_by="", decided_at=None, status="open", source_event_id=source_event_id,
            created_at=now, due_at=now + timedelta(days=sla),
            rules=[FlagRule(code=h.code, position=i, severity=h.severity, detail=h.detail) for i, h in enumerate(hits)],
        )
        _fill_decision(flag, decision)
        session.add(flag)
        await _count_rules(session, flag, hits)
        await session.flush()  # the unique case_id is checked here, before the event is written
        add_history(session, flag, actor=actor, action="raised", status_from=None,
                    detail="；".join(h.code for h in hits), now=now)
        await emit(session, AuditFlagRaised(
            flag_id=flag.id, case_id=flag.case_id, number=flag.number, uscc=flag.uscc, bureau=flag.bureau,
            decision_type=flag.decision_type, rules=[h.as_dict() for h in hits], raised_at=now,
        ), subject=flag.id)
        return flag
    if decision is not None and flag.decision_type == UNDECIDED:
        _fill_decision(flag, decision)
    if handlers and not flag.handlers:
        flag.handlers = list(handlers)
    have = {r.code: r for r in flag.rules}
    added = []
    for h in hits:
        if h.code not in have:
            flag.rules.append(FlagRule(code=h.code, position=len(flag.rules), severity=h.severity, detail=h.detail))
            added.append(h)
        elif h.detail not in have[h.code].detail:
            have[h.code].detail = f"{have[h.code].detail}\n{h.detail}"
            added.append(h)
    new_codes = [h for h in added if h.code not in have]
    if new_codes:
        await _count_rules(session, flag, new_codes)
    if added:
        before = flag.status
        if reopen and flag.status in REOPENABLE and any(h.severity != "review" for h in added):
            flag.status = "open"  # a new risk after a clearing review: the auditors look again
            flag.review_started_at = None  # a later review is started anew (its outcome stays until then)
        await session.flush()
        add_history(session, flag, actor=actor, action="reopened" if before != flag.status else "rule_added",
                    status_from=before, detail="；".join(h.code for h in added), now=now)
    return flag


async def _count_rules(session: AsyncSession, flag: Flag, hits: list[RuleHit]) -> None:
    day = local_date(flag.decided_at or flag.created_at)
    await _increment(session, DailyRuleCount, [dict(bureau=flag.bureau, day=day, code=h.code, count=1) for h in hits])


@functools.cache
def _counter_upsert(model: type, dialect: str, add: tuple[str, ...]):
    """``INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n`` for ``model``, built once: building it
    per row (``insert().values(...)``, ``excluded``) cost more than running it (issue 12's profile)."""
    ins = insert_for(dialect, model)
    keys = [c.name for c in model.__table__.primary_key.columns]
    return ins.on_conflict_do_update(index_elements=keys,
                                     set_={k: getattr(model, k) + getattr(ins.excluded, k) for k in add})


async def _increment(session: AsyncSession, model: type, rows: list[dict], add: tuple[str, ...] = ("count",)) -> None:
    """Add each row's counters to the row of its key, creating it — one upsert per row, in one executemany,
    so concurrent writers neither collide on the key nor lose an increment. The rows' keys are distinct."""
    if rows:
        await session.execute(_counter_upsert(model, session.bind.dialect.name, add), rows)


def _fill_decision(flag: Flag, d: DecidedCase | None) -> None:
    if d is None:
        return
    flag.decision_type = d.decision_type
    flag.fine_amount = d.fine_amount
    flag.decided_by = d.decided_by
    flag.decided_at = d.decided_at
    flag.steps = list(d.steps)
    flag.involved = list(d.people)


# -- decided cases ---------------------------------------------------------------------------------
aware = clock.as_utc  # SQLite hands timestamps back naive (stored in UTC)


def to_decision(row: DecidedCase) -> Decision:
    people = list(row.people)
    return Decision(
        decision_type=row.decision_type, steps=frozenset(row.steps), case_id=row.case_id, uscc=row.uscc,
        bureau=row.bureau, decided_by=row.decided_by, handlers=tuple(p for p in people if p != row.decided_by),
        decided_at=aware(row.decided_at), decision_date=row.decision_date, violation=row.violation,
        facts_key=row.facts_key, fine_amount=row.fine_amount, fine_min=row.fine_min, fine_max=row.fine_max,
        reason=row.reason, no_penalty_kind=row.no_penalty_kind, number=row.number,
        acts=rules.act_spans((row.gate or {}).get("acts")), **gate_fields(row.gate or {}),
        damage=DamageAtDecision.model_validate(row.gate["damage"]) if (row.gate or {}).get("damage") else None,
        compensation_reduction=(row.gate or {}).get("compensation_reduction"),
    )


GATE_FIELDS = ("statutory_min", "statutory_max", "discussion_type", "discussion_fine", "first_offence_claimed")


def gate_fields(gate: dict) -> dict:
    out = {k: gate[k] for k in GATE_FIELDS if gate.get(k) is not None}
    if gate.get("handlers"):
        out["case_handlers"] = tuple(gate["handlers"])
    return out


# The history rules read bounded ranges of indexes (``DecidedCase.__table_args__``) and daily counters,
# never "every decided case of the window": the work per decided event stays flat as history grows. The
# statements are built once (``history_sql``).


def _lean(r) -> Decision:
    """What the history rules read of another case (columns only: no ORM object per row)."""
    return Decision(decision_type=r.decision_type, case_id=r.case_id, uscc=r.uscc, bureau=r.bureau,
                    decided_at=aware(r.decided_at), decision_date=r.decision_date, violation=r.violation,
                    facts_key=r.facts_key, fine_amount=r.fine_amount, number=r.number)


async def history_for(session: AsyncSession, d: DecidedCase, cfg: AuditSettings) -> History:
    """What the history rules compare ``d`` with, each read bounded whatever the history's size:
    the enterprise's first earlier exemptions (and their count) and first earlier decisions on the same
    violation in the repeat window; the most recent ``sql.SIMILAR_SAMPLE`` similar cases; the share of
    exemptions per person from daily counters (at most one row per day of the window)."""
    at = sql.place(d)
    repeat = {**at, "uscc": d.uscc, "lo": d.decision_date - timedelta(days=cfg.repeat_window_days)}
    same: dict[str, Decision] = {}
    exemptions_before = None
    if d.decision_type == DecisionType.EXEMPTION:
        first = [_lean(r) for r in await session.execute(sql.EARLIEST_EXEMPTIONS, repeat)]
        same.update((o.case_id, o) for o in first)
        exemptions_before = len(first)
        if len(first) == sql.LISTED:  # a count over the same index range, only when there may be more
            exemptions_before = await session.scalar(sql.EXEMPTIONS_BEFORE, repeat)
    if d.violation and (d.gate or {}).get("first_offence_claimed"):
        same.update((o.case_id, _lean(o)) for o in await session.execute(
            sql.EARLIEST_SAME_VIOLATION, {**repeat, "violation": d.violation}))
    same_enterprise = tuple(sorted(same.values(), key=lambda o: (o.decision_date, o.decided_at, o.case_id)))
    fined: tuple[Decision, ...] = ()
    if d.fine_amount and (d.gate or {}).get("acts"):  # 第二十九条: the enterprise's earlier fines and their acts
        fined = tuple(replace(_lean(r), acts=rules.act_spans((r.gate or {}).get("acts")))
                      for r in await session.execute(sql.EARLIER_FINES, {**at, "uscc": d.uscc}))
    similar_outcomes: tuple[float, ...] = ()
    if d.violation:
        text_ = await session.scalar(sql.similar_outcomes(session.bind.dialect.name), {
            **at, "violation": d.violation, "facts_key": d.facts_key,
            "lo": d.decision_date - timedelta(days=cfg.similar_window_days)})
        similar_outcomes = tuple(float(v) for v in text_.split(",")) if text_ else ()
    shares = []
    if d.decision_type in FLAGGED_DECISIONS:
        window = {"bureau": d.bureau, "lo": d.decision_date - timedelta(days=cfg.share_window_days),
                  "hi": d.decision_date}
        total_n, total_x = (await session.execute(sql.BUREAU_TOTALS, window)).one()
        people = rules.people([d.decided_by], d.people)
        mine = {p: (int(n or 0), int(x or 0)) for p, n, x in await session.execute(
            sql.PERSON_TOTALS, {**window, "people": people})} if people else {}
        for person in people:
            mine_n, mine_x = mine.get(person, (0, 0))
            shares.append(PersonShare(person, mine_n, mine_x, int(total_n - mine_n), int(total_x - mine_x)))
    return History(same_enterprise=same_enterprise, shares=tuple(shares), similar_outcomes=similar_outcomes,
                   exemptions_before=exemptions_before, fined=fined)


async def _count_day(session: AsyncSession, d: DecidedCase) -> None:
    await _increment(session, DailyCount, [dict(bureau=d.bureau, day=d.decision_date, decision_type=d.decision_type,
                                                count=1, fines=float(d.fine_amount or 0))], add=("count", "fines"))


def decision_gate(decided: CaseDecided) -> dict:
    """What the decision gate checked, as the decided case keeps it (``DecidedCase.gate``)."""
    return {"handlers": list(decided.handlers), **{k: getattr(decided, k) for k in GATE_FIELDS},
            "acts": [a.model_dump(mode="json", exclude_none=True) for a in decided.acts],
            # 一案双查 (issue 27): the damage matter at the decision and the reduction recorded for compensation
            "damage": decided.damage.model_dump(mode="json") if decided.damage is not None else None,
            "compensation_reduction": decided.compensation_reduction}


async def record_decision(
    session: AsyncSession, *, decided: CaseDecided, emit: Emit, source_event_id: str,
    now: datetime, cfg: AuditSettings | None = None,
) -> Flag | None:
    """A decided case: remember it, flag it when a rule hits, and re-check later cases it precedes."""
    cfg = cfg or AuditSettings()
    if await session.get(DecidedCase, decided.case_id) is not None:
        log.info("audit: case %s already recorded; event %s ignored", decided.case_id, source_event_id)
        return None
    ctx = await session.get(CaseContext, decided.case_id)
    people = rules.people(decided.handlers, [decided.decided_by], ctx.people if ctx else [])
    basis_kind = decided.basis.get("no_penalty_kind")
    row = DecidedCase(
        case_id=decided.case_id, number=decided.number, uscc=decided.uscc, bureau=decided.bureau,
        decision_type=decided.decision_type, fine_amount=decided.fine_amount,
        fine_min=decided.discretion.fine_min, fine_max=decided.discretion.fine_max, reason=decided.reason,
        violation=(decided.violations[0] if decided.violations else "")[:60],
        facts_key=rules.facts_key(ctx.facts if ctx else {}),
        no_penalty_kind=basis_kind if isinstance(basis_kind, str) else None,
        steps=list(decided.steps), people=people, decided_by=decided.decided_by, decided_at=decided.decided_at,
        decision_date=decided.decision_date or local_date(decided.decided_at),
        gate=decision_gate(decided),
    )
    session.add(row)
    flagged = row.decision_type in FLAGGED_DECISIONS
    session.add_all([DecisionPerson(case_id=row.case_id, person=p, bureau=row.bureau,
                                    decision_date=row.decision_date, flagged=flagged) for p in people])
    await _count_day(session, row)
    await _increment(session, PersonDailyCount, [dict(person=p, bureau=row.bureau, day=row.decision_date, count=1,
                                                      flagged=int(flagged)) for p in people], add=("count", "flagged"))
    await session.flush()
    hits = rules.evaluate(to_decision(row), await history_for(session, row, cfg), cfg)
    ref = CaseRef(row.case_id, row.number, row.uscc, row.bureau)
    flag = await upsert_flag(session, ref=ref, hits=hits, emit=emit, source_event_id=source_event_id,
                             decision=row, handlers=list(decided.handlers), now=now, sla_days=cfg.review_sla_days)
    if flag is not None:
        _fill_decision(flag, row)
    await _recheck_later(session, row, emit=emit, source_event_id=source_event_id, cfg=cfg, now=now)
    return flag


async def _recheck_later(session: AsyncSession, d: DecidedCase, *, emit: Emit, source_event_id: str,
                         cfg: AuditSettings, now: datetime) -> None:
    """A decision that arrives after later-dated ones (delayed, replayed) can make their history rules
    hit: run those rules again for the later cases of the same enterprise or the same violation."""
    at = sql.place(d)
    reads = [(sql.LATER_SAME_ENTERPRISE, {**at, "uscc": d.uscc})]
    if d.violation:
        reads.append((sql.LATER_SIMILAR, {**at, "violation": d.violation, "facts_key": d.facts_key}))
    later: dict[str, DecidedCase] = {}
    for stmt, params in reads:
        later.update((o.case_id, o) for o in await session.scalars(stmt, params))
    later_cases = sorted(later.values(), key=lambda o: (o.decision_date, aware(o.decided_at), o.case_id))
    for other in later_cases[:sql.RECHECK_LIMIT]:
        hits = [h for h in rules.evaluate(to_decision(other), await history_for(session, other, cfg), cfg)
                if h.code in rules.HISTORY_RULES]
        if hits:
            ref = CaseRef(other.case_id, other.number, other.uscc, other.bureau)
            await upsert_flag(session, ref=ref, hits=hits, emit=emit, source_event_id=source_event_id,
                              decision=other, now=now, sla_days=cfg.review_sla_days)


@functools.cache
def _new_context(dialect: str):
    """The case's empty context row unless it exists (case_id), built once per dialect."""
    return insert_for(dialect, CaseContext).values(case_id=bindparam("case_id"), facts={}, people=[]) \
        .on_conflict_do_nothing(index_elements=["case_id"])


_CONTEXTS_FOR_UPDATE = (select(CaseContext).where(CaseContext.case_id.in_(bindparam("ids", expanding=True)))
                        .order_by(CaseContext.case_id).with_for_update())


async def case_contexts(session: AsyncSession, case_ids: Iterable[str],
                        read_also: Iterable[str] = ()) -> dict[str, CaseContext]:
    """The contexts of ``case_ids``, each created where missing by a race-free INSERT … ON CONFLICT DO
    NOTHING (one executemany) and all read under row locks in one statement (in case id order), with
    those of ``read_also`` that exist (not created: a decided case's context, read by its decision)."""
    ids = sorted(set(case_ids))
    if ids:
        await session.execute(_new_context(session.bind.dialect.name), [{"case_id": i} for i in ids])
    ids = sorted({*ids, *read_also})
    if not ids:
        return {}
    return {ctx.case_id: ctx for ctx in await session.scalars(_CONTEXTS_FOR_UPDATE, {"ids": ids})}


async def remember_context(session: AsyncSession, case_id: str, *, facts: dict | None = None,
                           people: Iterable[str] = (), bureau: str | None = None, number: str | None = None,
                           uscc: str | None = None, ctx: CaseContext | None = None) -> None:
    """Facts and people from a case's events before its decision (legal reviewer, participants …).
    ``ctx``: the case's context as ``case_contexts`` gave it for a whole batch, else read here."""
    if ctx is None:
        ctx = (await case_contexts(session, [case_id]))[case_id]
    if facts:
        ctx.facts = {**ctx.facts, **facts}
    if bureau and ctx.bureau is None:
        ctx.bureau = bureau
    if number and ctx.number is None:
        ctx.number = number
    if uscc and ctx.uscc is None:
        ctx.uscc = uscc
    new_people = rules.people(ctx.people, people)
    if new_people != ctx.people:
        ctx.people = new_people
        # Arriving after the decision (or after an earlier event raised the flag), the legal reviewer or a
        # discussion participant still joins the flag's ``involved``: they may not be assigned or review it.
        flag = await session.scalar(_FLAG_OF_CASE, {"case_id": case_id})
        if flag is not None:
            added = rules.people(flag.involved or [], people)
            if added != list(flag.involved or []):
                flag.involved = added


async def known_case(session: AsyncSession, case_id: str) -> CaseRef | None:
    """The case as the audit knows it from the cases service's events: its decision's number, enterprise
    and bureau, else its flag's, else its filing's (``case.filed``); None for a case the audit has not
    heard of (no such case, or its filing not consumed yet)."""
    decided = (await session.execute(select(DecidedCase.number, DecidedCase.uscc, DecidedCase.bureau)
                                     .where(DecidedCase.case_id == case_id))).first()
    if decided is None:
        decided = (await session.execute(select(Flag.number, Flag.uscc, Flag.bureau)
                                         .where(Flag.case_id == case_id))).first()
    if decided is not None:
        return CaseRef(case_id, *decided)
    ctx = await session.get(CaseContext, case_id)
    if ctx is None or ctx.bureau is None:  # a context without a filing: a later event came first
        return None
    return CaseRef(case_id, ctx.number or "", ctx.uscc or "", ctx.bureau)


RECORD_RULE = (f"{POINTS}（二十二）：全面实行行政执法机关内部人员干预、插手案件办理的记录、通报和责任追究制度"
               "（本系统解读：所记录的是办案系统中已有的案件）")


async def case_of_record(session: AsyncSession, user: Principal, body: InterferenceCreate) -> CaseRef:
    """The case an interference record is about, as the audit knows it (issue 25 S9): a case it has not
    heard of is a 422 naming ``case_id`` (nothing is stored); then the caller's scope is checked against
    the case's bureau, not the body's (403 ``out_of_scope``); then a body that names a number, enterprise
    or bureau other than the case's is a 422 naming that field. The record takes the case's."""
    ref = await known_case(session, body.case_id)
    if ref is None:
        raise invalid("case_id", f"审计服务没有案件 {body.case_id} 的记录（未收到其立案或决定）：干预记录须针对办案系统中已有的案件；"
                      "刚立案的案件请稍后再试", code="unknown_case", rule=RECORD_RULE)
    scope_of(user, bureau=ref.bureau, what="cases")
    named = {"bureau": ("执法机构", ref.bureau), "uscc": ("当事人统一社会信用代码", ref.uscc),
             "number": ("案号", ref.number)}
    for field, (cn, value) in named.items():
        given = getattr(body, field)
        if given and value and given != value:
            code = "wrong_bureau" if field == "bureau" else f"wrong_{field}"
            raise invalid(field, f"案件 {body.case_id} 的{cn}是 {value}，不是 {given}", code=code)
    if not ref.number:  # a filing recorded before its number was kept (migration 0007)
        ref = replace(ref, number=body.number or "")
    return ref


async def record_interference(
    session: AsyncSession, body: InterferenceCreate, ref: CaseRef, *, by: str, emit: Emit, now: datetime
) -> tuple[InterferenceRecord, Flag]:
    """领导干部干预插手案件记录 on the case ``ref`` (``case_of_record``): the record, the case's flag with rule
    ``recorded_interference``, the log entry and ``audit.interference_recorded.v1`` — all in the caller's
    transaction, each with the case's number, enterprise and bureau."""
    case = {"case_id": ref.case_id, "number": ref.number, "uscc": ref.uscc, "bureau": ref.bureau}
    rec = InterferenceRecord(id=str(uuid.uuid4()), recorded_by=by, recorded_at=now,
                             **{**body.model_dump(), **case})
    try:
        session.add(rec)
        flag = await upsert_flag(
            session, ref=ref,
            hits=[rules.recorded_interference(body.person, body.position, body.occurred_on, body.manner)],
            emit=emit, source_event_id=rec.id, actor=by, now=now, reopen=False)
        assert flag is not None
        await ledger.append_act(session, type_="audit.interference_recorded", case_id=body.case_id, now=now,
                                data={"record_id": rec.id, "recorded_by": by, **body.model_dump(mode="json"), **case})
        await emit(session, AuditInterferenceRecorded(
            record_id=rec.id, case_id=ref.case_id, number=ref.number, bureau=ref.bureau, person=body.person,
            position=body.position, occurred_on=body.occurred_on, recorded_by=by, recorded_at=now,
        ), subject=body.case_id)
        await session.flush()
    except IntegrityError as e:  # the case's flag was raised concurrently: nothing is written, retry
        raise conflict("concurrent_update", "the case's flag changed at the same moment; retry") from e
    return rec, flag


# -- reads -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FlagFilter:
    """The queue's filter. ``sla``: ``due`` — pending and due within ``due_soon_days`` of ``now``; ``overdue``
    — pending and past its due date. ``created_from``/``created_to``: Asia/Shanghai dates of the flag."""

    status: str | None = None
    decision_type: str | None = None
    bureau: str | None = None
    rule: str | None = None
    assignee: str | None = None
    sla: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    now: datetime | None = None
    due_soon_days: int = 3


FLAG_ORDER = ((Flag.created_at, "desc"), (Flag.id, "asc"))  # newest first; total (id is unique)


def _overdue(now: datetime):
    return and_(Flag.status.in_(PENDING), Flag.due_at < now)


def conditions_of(f: FlagFilter, *, with_status: bool = True) -> list:
    conditions = []
    if f.status and with_status:
        conditions.append(Flag.status == f.status)
    if f.decision_type:
        conditions.append(Flag.decision_type == f.decision_type)
    if f.bureau:
        conditions.append(Flag.bureau == f.bureau)
    if f.rule:
        conditions.append(Flag.rules.any(FlagRule.code == f.rule))
    if f.assignee:
        conditions.append(Flag.assignee == f.assignee)
    if f.created_from:
        conditions.append(Flag.created_at >= clock.day_start(f.created_from))
    if f.created_to:
        conditions.append(Flag.created_at < clock.day_end(f.created_to))
    if f.sla:
        now = _now(f)
        if f.sla == "overdue":
            conditions.append(_overdue(now))
        else:
            conditions.append(and_(Flag.status.in_(PENDING), Flag.due_at >= now,
                                   Flag.due_at < now + timedelta(days=f.due_soon_days)))
    return conditions


def _now(f: FlagFilter) -> datetime:
    """The instant the SLA filters compare with: the caller's clock (``shared.clock``), never the system time."""
    if f.now is None:
        raise ValueError("an SLA filter needs the caller's clock instant (FlagFilter.now)")
    return f.now


async def counts(session: AsyncSession, f: FlagFilter) -> dict[str, int]:
    """The filter's flags (its status left out) per status, and how many of them are overdue."""
    conditions = conditions_of(f, with_status=False)
    by_status = dict((await session.execute(
        select(Flag.status, func.count()).where(*conditions).group_by(Flag.status))).all())
    out = {st: int(by_status.get(st, 0)) for st in (*PENDING, *FINAL)}
    out["overdue"] = int(await session.scalar(select(func.count()).select_from(Flag).where(
        *conditions, _overdue(_now(f)))) or 0)
    return out


async def list_flags(
    session: AsyncSession, f: FlagFilter, *, page: int, size: int, cursor: str | None = None
) -> tuple[list[Flag], int, str | None]:
    """A page of flags, its filter's total, and the cursor of the page after it (None on the last)."""
    conditions = conditions_of(f)
    total = await session.scalar(select(func.count()).select_from(Flag).where(*conditions)) or 0
    query = select(Flag).where(*conditions).order_by(*pagination.order_by(FLAG_ORDER))
    if cursor is not None:
        query = query.where(pagination.after(FLAG_ORDER, pagination.decode(cursor, (datetime, str))))
    else:
        query = query.offset((page - 1) * size)
    rows = list(await session.scalars(query.limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    nxt = pagination.encode([clock.as_utc(rows[-1].created_at), rows[-1].id]) if more else None
    return rows, total, nxt


async def get_flag(session: AsyncSession, flag_id: str) -> Flag | None:
    return await session.get(Flag, flag_id)

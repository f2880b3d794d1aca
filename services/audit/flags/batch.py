"""A run of decided events recorded set-based (issue 28 item 3): a fixed number of statements whatever
the run's length, leaving the database as ``service.record_decision`` one event after the other would.

Reads (each one statement for the whole run, built once): the run's cases already recorded, their flags,
the later decisions of their enterprises and similar cases, the history the rules read (earlier
exemptions, decisions on the same violation, fines, similar outcomes, bureau and person daily counts).
The rules then run in Python, event by event, against those rows plus the run's earlier decisions —
as the one-by-one path would see them in the database. Writes: decided cases, their people, the daily
counters, the new flags with their rules, history and rule counters, and the flag events (outbox),
each one statement (an executemany of a statement built once).

Order inside the run is kept: a decision's history holds the run's earlier decisions that the rules'
order puts before it, and a decision dated before ones recorded earlier in the run re-checks them as
``service._recheck_later`` would (their flags, kept in memory until the writes, get the rule or detail
added and a ``rule_added`` history entry). The run takes this path only when the database holds no
decision of its enterprises or similar cases at or after one of its own places and none of its cases
has a flag yet; otherwise ``record_decisions`` returns False (nothing written) and the caller records
the run one by one.
"""

from __future__ import annotations

import bisect
import functools
import operator
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Integer, bindparam, case, func, insert, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.config import AuditSettings
from services.audit.flags import history_sql as sql
from services.audit.flags import rules, service
from services.audit.flags.rules import Decision, History, PersonShare
from services.audit.models import (
    CaseContext,
    DailyCount,
    DailyRuleCount,
    DecidedCase,
    DecisionPerson,
    Flag,
    FlagHistory,
    FlagRule,
    PersonDailyCount,
)
from shared.contracts import AuditFlagRaised, CaseDecided
from shared.events import CloudEvent, new_event
from shared.observability import reset_request_id, set_request_id
from shared.outbox import outbox_row, wake_at_commit
from shared.vocabulary import FLAGGED_DECISIONS, DecisionType

D = DecidedCase
_IDS = bindparam("ids", expanding=True)
_USCCS = bindparam("usccs", expanding=True)
_VIOLATIONS = bindparam("violations", expanding=True)
_FACTS = bindparam("facts_keys", expanding=True)
_LO = sql._p("lo")

# -- statements, built once ---------------------------------------------------------------------------
RECORDED = select(D.case_id).where(D.case_id.in_(_IDS))
FLAGGED = select(Flag.case_id).where(Flag.case_id.in_(_IDS))
# The latest place per enterprise and day from the run's earliest day on (later-dated decisions exist?).
LATEST_BY_ENTERPRISE = (select(D.uscc, D.decision_date, func.max(D.decided_at))
                        .where(D.uscc.in_(_USCCS), D.decision_date >= _LO).group_by(D.uscc, D.decision_date))
LATEST_BY_SIMILAR = (select(D.violation, D.facts_key, D.decision_date, func.max(D.decided_at))
                     .where(D.violation.in_(_VIOLATIONS), D.facts_key.in_(_FACTS), D.decision_date >= _LO)
                     .group_by(D.violation, D.facts_key, D.decision_date))
# Exemptions of the run's enterprises in the widest repeat window (a range of ix_decided_cases_uscc_type_date).
EXEMPTIONS = select(*sql.LEAN).where(D.uscc.in_(_USCCS), D.decision_type == DecisionType.EXEMPTION, D.decision_date >= _LO)
# Decisions of the run's enterprises on the run's violations in the widest window (ix_decided_cases_uscc_violation_date).
SAME_VIOLATION = select(*sql.LEAN).where(D.uscc.in_(_USCCS), D.violation.in_(_VIOLATIONS), D.decision_date >= _LO)
# Each enterprise's most recent ``RECHECK_LIMIT`` fines with their acts (``sql.EARLIER_FINES`` per enterprise).
_fines = select(*sql.LEAN, D.gate, func.row_number().over(partition_by=D.uscc, order_by=D.decision_date.desc())
                .label("rn")).where(D.uscc.in_(_USCCS), D.fine_amount > 0).subquery()
FINES = select(*(c for c in _fines.c if c.name != "rn")).where(_fines.c.rn <= sql.RECHECK_LIMIT)
# Per-key reads in one statement: a UNION ALL of one bounded, indexed read per key (the run's similar keys,
# its (bureau, day) windows), the same read ``history_sql`` makes per event, built once per number of keys.
# Keys beyond ``KEYS_PER_STATEMENT`` go into a further statement (SQLite's compound SELECT has at most 500 terms).
KEYS_PER_STATEMENT = 200


def _union(parts: list):
    return parts[0] if len(parts) == 1 else union_all(*parts)


@functools.cache
def similar_samples(n: int):
    """For keys 0…n-1 (``v<i>``, ``f<i>``, ``lo<i>``): key, date and outcome of the ``SIMILAR_SAMPLE`` most recent
    decisions of violation ``v<i>`` and facts ``f<i>`` from ``lo<i>`` on (``history_sql.similar_outcomes``)."""
    parts = []
    for i in range(n):
        sample = (select(literal(i, Integer).label("k"), D.decision_date, D.decided_at, D.case_id,
                         func.coalesce(D.fine_amount, 0.0).label("v"))
                  .where(D.violation == bindparam(f"v{i}"), D.facts_key == bindparam(f"f{i}"),
                         D.decision_date >= bindparam(f"lo{i}", type_=Date()))
                  .order_by(D.decision_date.desc()).limit(sql.SIMILAR_SAMPLE).subquery(f"s{i}"))
        parts.append(select(sample))
    return _union(parts)


_FLAGGED_DAYS = DailyCount.decision_type.in_(FLAGGED_DECISIONS)


@functools.cache
def bureau_totals(n: int):
    """For windows 0…n-1 (``b<i>``, ``lo<i>``, ``hi<i>``): the bureau's decisions and flagged decisions in it
    (``history_sql.BUREAU_TOTALS``)."""
    return _union([select(literal(i, Integer).label("k"), func.coalesce(func.sum(DailyCount.count), 0),
                          func.coalesce(func.sum(case((_FLAGGED_DAYS, DailyCount.count), else_=0)), 0))
                   .where(DailyCount.bureau == bindparam(f"b{i}"),
                          DailyCount.day.between(bindparam(f"lo{i}", type_=Date()), bindparam(f"hi{i}", type_=Date())))
                   for i in range(n)])


@functools.cache
def person_totals(n: int):
    """For windows 0…n-1 (``p<i>`` people, ``b<i>``, ``lo<i>``, ``hi<i>``): each person's decisions and flagged
    decisions in the bureau in it (``history_sql.PERSON_TOTALS``)."""
    P = PersonDailyCount
    return _union([select(literal(i, Integer).label("k"), P.person, func.sum(P.count), func.sum(P.flagged))
                   .where(P.person.in_(bindparam(f"p{i}", expanding=True)), P.bureau == bindparam(f"b{i}"),
                          P.day.between(bindparam(f"lo{i}", type_=Date()), bindparam(f"hi{i}", type_=Date())))
                   .group_by(P.person) for i in range(n)])


async def _per_key(session: AsyncSession, build, keys: list, params) -> list:
    """Run ``build(n)`` over ``keys`` (``params(i, key)`` each), in statements of at most ``KEYS_PER_STATEMENT``
    keys; the rows with ``k`` turned back into the key."""
    out = []
    for start in range(0, len(keys), KEYS_PER_STATEMENT):
        chunk = keys[start:start + KEYS_PER_STATEMENT]
        bound = {}
        for i, key in enumerate(chunk):
            bound.update(params(i, key))
        out += [(chunk[r[0]], *r[1:]) for r in await session.execute(build(len(chunk)), bound)]
    return out


INSERT_DECIDED = insert(D.__table__)
INSERT_PEOPLE = insert(DecisionPerson.__table__)
INSERT_FLAGS = insert(Flag.__table__)
INSERT_RULES = insert(FlagRule.__table__)
INSERT_HISTORY = insert(FlagHistory.__table__)


_ORDER = operator.attrgetter("decision_date", "decided_at", "case_id")  # the rules' order (``rules._before``)


def _place(d: Decision) -> tuple:
    return d.decision_date, d.decided_at


@dataclass
class _Item:
    event: CloudEvent
    decided: CaseDecided
    row: DecidedCase
    decision: Decision


def _row(decided: CaseDecided, ctx: CaseContext | None) -> DecidedCase:
    """The decided case ``record_decision`` would add (not added to the session: inserted by Core)."""
    people = rules.people(decided.handlers, [decided.decided_by], ctx.people if ctx else [])
    basis_kind = decided.basis.get("no_penalty_kind")
    return DecidedCase(
        case_id=decided.case_id, number=decided.number, uscc=decided.uscc, bureau=decided.bureau,
        decision_type=decided.decision_type, fine_amount=decided.fine_amount,
        fine_min=decided.discretion.fine_min, fine_max=decided.discretion.fine_max, reason=decided.reason,
        violation=(decided.violations[0] if decided.violations else "")[:60],
        facts_key=rules.facts_key(ctx.facts if ctx else {}),
        no_penalty_kind=basis_kind if isinstance(basis_kind, str) else None,
        steps=list(decided.steps), people=people, decided_by=decided.decided_by, decided_at=decided.decided_at,
        decision_date=decided.decision_date or service.local_date(decided.decided_at),
        gate=service.decision_gate(decided),
    )


_COLUMNS = [c.key for c in D.__table__.columns]


def _values(row: DecidedCase) -> dict:
    return {k: getattr(row, k) for k in _COLUMNS}


def _later_in_db(items: list[_Item], latest: dict[tuple, list[tuple[date, datetime]]], key) -> bool:
    """Whether the database holds, for some decision of the run, a decision of the same ``key`` at a
    place after it or at the same (date, time) — either way the one-by-one path is taken."""
    for it in items:
        for day, at in latest.get(key(it.decision), ()):
            if (day, service.aware(at)) >= _place(it.decision):
                return True
    return False


async def record_decisions(session: AsyncSession, pairs: Sequence[tuple[CloudEvent, CaseDecided]], *,
                           contexts: dict[str, CaseContext], source: str, tables, topic_prefix: str,
                           now: datetime, cfg: AuditSettings) -> bool:
    """Record a run of decided events as ``record_decision`` would one by one; False (nothing written)
    when the run needs the one-by-one path (see the module's docstring)."""
    ids = [p.case_id for _, p in pairs]
    if len(set(ids)) != len(ids):
        return False
    recorded = set((await session.scalars(RECORDED, {"ids": ids})).all())
    pairs = [(e, p) for e, p in pairs if p.case_id not in recorded]  # a re-delivered decision adds nothing
    if not pairs:
        return True
    if (await session.scalars(FLAGGED, {"ids": [p.case_id for _, p in pairs]})).first() is not None:
        return False
    items = []
    for e, p in pairs:
        row = _row(p, contexts.get(p.case_id))
        items.append(_Item(e, p, row, service.to_decision(row)))
    first_day = min(it.row.decision_date for it in items)
    usccs = sorted({it.row.uscc for it in items})
    similar = [it for it in items if it.row.violation]
    violations = sorted({it.row.violation for it in similar})
    facts_keys = sorted({it.row.facts_key for it in similar})
    latest: dict[tuple, list] = defaultdict(list)
    for uscc, day, at in await session.execute(LATEST_BY_ENTERPRISE, {"usccs": usccs, "lo": first_day}):
        latest[("e", uscc)].append((day, at))
    if similar:
        for v, fk, day, at in await session.execute(LATEST_BY_SIMILAR, {"violations": violations,
                                                                         "facts_keys": facts_keys, "lo": first_day}):
            latest[("s", v, fk)].append((day, at))
    if _later_in_db(items, latest, lambda d: ("e", d.uscc)) or \
            _later_in_db(similar, latest, lambda d: ("s", d.violation, d.facts_key)):
        return False
    history = await _History.read(session, items, similar, usccs, violations, facts_keys, cfg)
    await _write(session, items, history, source=source, tables=tables, topic_prefix=topic_prefix, now=now, cfg=cfg)
    return True


def _lean(r) -> Decision:
    return service._lean(r)


class _History:
    """The database's rows the run's history rules read, plus the run's own decisions as they are added."""

    def __init__(self) -> None:
        # Each kept in the rules' order (date, time, case id): what is before a decision is a prefix.
        self.exemptions: dict[str, _Ordered] = defaultdict(_Ordered)
        self.same_violation: dict[tuple[str, str], _Ordered] = defaultdict(_Ordered)
        self.fines: dict[str, _Ordered] = defaultdict(_Ordered)
        self.similar: dict[tuple[str, str], _Ordered] = defaultdict(_Ordered)  # values: outcomes
        # The database's totals per share window (bureau, last day), then the run's own decisions' counts.
        self.bureau_db: dict[tuple[str, date], tuple[int, int]] = {}
        self.person_db: dict[tuple[str, date], dict[str, tuple[int, int]]] = defaultdict(dict)
        self.bureau_days: dict[str, list[tuple[date, str, int]]] = defaultdict(list)
        self.person_days: dict[tuple[str, str], list[tuple[date, int, int]]] = defaultdict(list)
        self.recorded: list[Decision] = []  # the run's decisions recorded so far
        self.last: dict[tuple, tuple] = {}  # the latest place recorded per enterprise and per similar key

    @classmethod
    async def read(cls, session: AsyncSession, items: list[_Item], similar: list[_Item], usccs: list[str],
                   violations: list[str], facts_keys: list[str], cfg: AuditSettings) -> _History:
        h = cls()
        days = [it.row.decision_date for it in items]
        if any(it.row.decision_type == DecisionType.EXEMPTION for it in items):
            lo = min(days) - timedelta(days=cfg.repeat_window_days)
            for r in await session.execute(EXEMPTIONS, {"usccs": usccs, "lo": lo}):
                h.exemptions[r.uscc].add(_lean(r))
        claimed = [it for it in similar if (it.row.gate or {}).get("first_offence_claimed")]
        if claimed:
            lo = min(it.row.decision_date for it in claimed) - timedelta(days=cfg.repeat_window_days)
            for r in await session.execute(SAME_VIOLATION, {"usccs": sorted({it.row.uscc for it in claimed}),
                                                            "violations": sorted({it.row.violation for it in claimed}),
                                                            "lo": lo}):
                h.same_violation[(r.uscc, r.violation)].add(_lean(r))
        fining = [it for it in items if it.row.fine_amount and (it.row.gate or {}).get("acts")]
        if fining:
            for r in await session.execute(FINES, {"usccs": sorted({it.row.uscc for it in fining})}):
                h.fines[r.uscc].add(replace(_lean(r), acts=rules.act_spans((r.gate or {}).get("acts"))))
        if similar:
            los: dict[tuple[str, str], date] = {}
            for it in similar:
                key = (it.row.violation, it.row.facts_key)
                lo = it.row.decision_date - timedelta(days=cfg.similar_window_days)
                los[key] = min(lo, los.get(key, lo))
            for key, day, at, case_id, value in await _per_key(session, similar_samples, list(los), lambda i, k: {
                    f"v{i}": k[0], f"f{i}": k[1], f"lo{i}": los[k]}):
                h.similar[key].add((day, service.aware(at), case_id), float(value))
        sharing = [it for it in items if it.row.decision_type in FLAGGED_DECISIONS]
        if sharing:
            windows = sorted({(it.row.bureau, it.row.decision_date) for it in sharing})
            people: dict[tuple[str, date], set[str]] = defaultdict(set)
            for it in sharing:
                people[(it.row.bureau, it.row.decision_date)].update(rules.people([it.row.decided_by], it.row.people))

            def window(i: int, key: tuple[str, date]) -> dict:
                return {f"b{i}": key[0], f"lo{i}": key[1] - timedelta(days=cfg.share_window_days), f"hi{i}": key[1]}

            for key, n, x in await _per_key(session, bureau_totals, windows, window):
                h.bureau_db[key] = (int(n or 0), int(x or 0))
            named = [w for w in windows if people[w]]
            for key, person, n, x in await _per_key(session, person_totals, named, lambda i, k: {
                    **window(i, k), f"p{i}": sorted(people[k])}):
                h.person_db[key][person] = (int(n or 0), int(x or 0))
        return h

    def count(self, row: DecidedCase) -> None:
        """``row``'s daily counters, which its own history reads (they are incremented before it)."""
        flagged = int(row.decision_type in FLAGGED_DECISIONS)
        self.bureau_days[row.bureau].append((row.decision_date, row.decision_type, 1))
        for p in row.people:
            self.person_days[(p, row.bureau)].append((row.decision_date, 1, flagged))

    def add(self, row: DecidedCase) -> None:
        """``row`` recorded: the run's later decisions see it (where the rules' order puts it before them)."""
        lean = _lean(row)
        if row.decision_type == DecisionType.EXEMPTION:
            self.exemptions[row.uscc].add(lean)
        if row.violation:
            self.same_violation[(row.uscc, row.violation)].add(lean)
            self.similar[(row.violation, row.facts_key)].add(_ORDER(lean), float(row.fine_amount or 0.0))
        if row.fine_amount and row.fine_amount > 0:
            self.fines[row.uscc].add(replace(lean, acts=rules.act_spans((row.gate or {}).get("acts"))))
        self.recorded.append(lean)
        for key in (("e", row.uscc), ("s", row.violation, row.facts_key)):
            self.last[key] = max(self.last.get(key, _ORDER(lean)), _ORDER(lean))

    def for_(self, d: Decision, row: DecidedCase, cfg: AuditSettings) -> History:
        """``service.history_for(row)`` now: the database's rows (all before the run's decisions) and the run's
        recorded decisions before ``d`` in the rules' order — a prefix of each ordered list."""
        place = _ORDER(d)
        d_date = row.decision_date
        repeat_lo = d_date - timedelta(days=cfg.repeat_window_days)
        same: dict[str, Decision] = {}
        exemptions_before = None
        if row.decision_type == DecisionType.EXEMPTION:
            inside = self.exemptions[row.uscc].window(repeat_lo, place)
            first = inside[:sql.LISTED]
            same.update((o.case_id, o) for o in first)
            exemptions_before = len(first) if len(first) < sql.LISTED else len(inside)
        if row.violation and (row.gate or {}).get("first_offence_claimed"):
            inside = self.same_violation[(row.uscc, row.violation)].window(repeat_lo, place)
            same.update((o.case_id, o) for o in inside[:sql.LISTED])
        same_enterprise = tuple(sorted(same.values(), key=_ORDER))
        fined: tuple[Decision, ...] = ()
        if row.fine_amount and (row.gate or {}).get("acts"):
            fined = tuple(sorted(self.fines[row.uscc].window(None, place), key=lambda o: o.decision_date,
                                 reverse=True)[:sql.RECHECK_LIMIT])
        similar_outcomes: tuple[float, ...] = ()
        if row.violation:
            lo = d_date - timedelta(days=cfg.similar_window_days)
            similar_outcomes = tuple(self.similar[(row.violation, row.facts_key)].window(lo, place)[-sql.SIMILAR_SAMPLE:])
        shares = []
        if row.decision_type in FLAGGED_DECISIONS:
            # The database's totals for this window, plus the run's counted decisions in it (this one included).
            lo = d_date - timedelta(days=cfg.share_window_days)
            total_n, total_x = self.bureau_db.get((row.bureau, d_date), (0, 0))
            days = [(t, n) for day, t, n in self.bureau_days.get(row.bureau, ()) if lo <= day <= d_date]
            total_n += sum(n for _, n in days)
            total_x += sum(n for t, n in days if t in FLAGGED_DECISIONS)
            in_db = self.person_db.get((row.bureau, d_date), {})
            for person in rules.people([row.decided_by], row.people):
                mine_n, mine_x = in_db.get(person, (0, 0))
                mine = [(n, x) for day, n, x in self.person_days.get((person, row.bureau), ()) if lo <= day <= d_date]
                mine_n, mine_x = mine_n + sum(n for n, _ in mine), mine_x + sum(x for _, x in mine)
                shares.append(PersonShare(person, mine_n, mine_x, total_n - mine_n, total_x - mine_x))
        return History(same_enterprise=same_enterprise, shares=tuple(shares), similar_outcomes=similar_outcomes,
                       exemptions_before=exemptions_before, fined=fined)

    def later(self, d: Decision) -> list[Decision]:
        """The run's recorded decisions ``service._recheck_later`` finds after ``d`` (``history_sql._AFTER``)."""
        def after(o: Decision) -> bool:
            return o.case_id != d.case_id and (o.decision_date > d.decision_date or (
                o.decision_date == d.decision_date and o.decided_at > d.decided_at))

        place = _ORDER(d)
        if self.last.get(("e", d.uscc), place) <= place and (
                not d.violation or self.last.get(("s", d.violation, d.facts_key), place) <= place):
            return []  # nothing recorded after it (the common case: a run in date order)
        same = sorted((o for o in self.recorded if o.uscc == d.uscc and after(o)), key=_ORDER)[:sql.RECHECK_LIMIT]
        similar = sorted((o for o in self.recorded if d.violation and o.violation == d.violation
                          and o.facts_key == d.facts_key and after(o)), key=_ORDER)[:sql.RECHECK_LIMIT]
        found = {o.case_id: o for o in [*same, *similar]}
        return sorted(found.values(), key=_ORDER)[:sql.RECHECK_LIMIT]


class _Ordered:
    """Rows kept in the rules' order (``_ORDER``: date, time, case id)."""

    def __init__(self) -> None:
        self.keys: list[tuple] = []
        self.values: list = []

    def add(self, row, value=None, *, key: tuple | None = None) -> None:
        if value is not None:  # (place, value)
            key, row = row, value
        key = key or _ORDER(row)
        i = bisect.bisect_right(self.keys, key)
        self.keys.insert(i, key)
        self.values.insert(i, row)

    def window(self, lo: date | None, place: tuple) -> list:
        """The rows before ``place`` dated ``lo`` or later, in order."""
        end = bisect.bisect_left(self.keys, place)
        start = 0 if lo is None else bisect.bisect_left(self.keys, (lo,))
        return self.values[start:end] if start < end else []


def _sum_into(acc: dict, key: tuple, **add: float) -> None:
    row = acc.setdefault(key, dict.fromkeys(add, 0))
    for k, v in add.items():
        row[k] += v


class _Flags:
    """The run's flags, kept in memory as ``service.upsert_flag`` would leave them (none existed before the
    run), written at the end: their rows, rules, history in the order it happened, rule counters, events."""

    def __init__(self, *, source: str, topic_prefix: str, now: datetime, cfg: AuditSettings) -> None:
        self.source, self.topic_prefix, self.now = source, topic_prefix, now
        self.due = now + timedelta(days=cfg.review_sla_days)
        self.flags: dict[str, dict] = {}  # case_id -> the flag's row
        self.rules: dict[str, list[dict]] = {}  # flag id -> its rules in order
        self.history: list[dict] = []
        self.rule_days: dict[tuple, dict] = {}
        self.outbox: list[dict] = []

    def upsert(self, row: DecidedCase, hits: list, *, event: CloudEvent, handlers: list[str]) -> None:
        if not hits:
            return
        flag = self.flags.get(row.case_id)
        if flag is None:
            self._raise(row, hits, event=event, handlers=handlers)
            return
        have = {r["code"]: r for r in self.rules[flag["id"]]}
        added, new_codes = [], []
        for h in hits:
            if h.code not in have:
                self.rules[flag["id"]].append({"flag_id": flag["id"], "code": h.code, "position": len(
                    self.rules[flag["id"]]), "severity": h.severity, "detail": h.detail})
                added.append(h)
                new_codes.append(h)
            elif h.detail not in have[h.code]["detail"]:
                have[h.code]["detail"] = f"{have[h.code]['detail']}\n{h.detail}"
                added.append(h)
        self._count(flag, new_codes)
        if added:  # a flag of this run is open: nothing reopens
            self.history.append({"flag_id": flag["id"], "at": self.now, "actor": service.SYSTEM, "action": "rule_added",
                                 "status_from": "open", "status_to": "open",
                                 "detail": "；".join(h.code for h in added)})

    def _count(self, flag: dict, hits: list) -> None:
        for h in hits:
            _sum_into(self.rule_days, (flag["bureau"], service.local_date(flag["decided_at"]), h.code), count=1)

    def _raise(self, row: DecidedCase, hits: list, *, event: CloudEvent, handlers: list[str]) -> None:
        flag_id = str(uuid.uuid4())
        flag = self.flags[row.case_id] = {
            "id": flag_id, "case_id": row.case_id, "number": row.number, "uscc": row.uscc, "bureau": row.bureau,
            "decision_type": row.decision_type, "fine_amount": row.fine_amount, "basis": {}, "steps": list(row.steps),
            "handlers": list(handlers), "involved": list(row.people), "decided_by": row.decided_by,
            "decided_at": row.decided_at, "status": "open", "source_event_id": event.id, "created_at": self.now,
            "assignee": None, "assigned_at": None, "due_at": self.due, "reviewed_by": None, "reviewed_at": None,
            "review_notes": None, "outcome": None, "review_started_at": None,
        }
        self.rules[flag_id] = [{"flag_id": flag_id, "code": h.code, "position": i, "severity": h.severity,
                                "detail": h.detail} for i, h in enumerate(hits)]
        self._count(flag, hits)
        self.history.append({"flag_id": flag_id, "at": self.now, "actor": service.SYSTEM, "action": "raised",
                             "status_from": None, "status_to": "open", "detail": "；".join(h.code for h in hits)})
        token = set_request_id(event.requestid)  # the flag's event carries its decision's request id
        try:
            raised = new_event(AuditFlagRaised(
                flag_id=flag_id, case_id=row.case_id, number=row.number, uscc=row.uscc, bureau=row.bureau,
                decision_type=row.decision_type, rules=[h.as_dict() for h in hits], raised_at=self.now,
            ), source=self.source, subject=flag_id, time=self.now)
        finally:
            reset_request_id(token)
        self.outbox.append(outbox_row(raised, flag_id, self.topic_prefix, self.now))


async def _write(session: AsyncSession, items: list[_Item], history: _History, *, source: str, tables,
                 topic_prefix: str, now: datetime, cfg: AuditSettings) -> None:
    decided, people = [], []
    days: dict[tuple, dict] = {}
    person_days: dict[tuple, dict] = {}
    flags = _Flags(source=source, topic_prefix=topic_prefix, now=now, cfg=cfg)
    rows = {it.row.case_id: it.row for it in items}
    for it in items:
        row = it.row
        flagged = row.decision_type in FLAGGED_DECISIONS
        decided.append(_values(row))
        people += [{"case_id": row.case_id, "person": p, "bureau": row.bureau, "decision_date": row.decision_date,
                    "flagged": flagged} for p in row.people]
        _sum_into(days, (row.bureau, row.decision_date, row.decision_type), count=1, fines=float(row.fine_amount or 0))
        for p in row.people:
            _sum_into(person_days, (p, row.bureau, row.decision_date), count=1, flagged=int(flagged))
        history.count(row)
        hits = rules.evaluate(it.decision, history.for_(it.decision, row, cfg), cfg)
        flags.upsert(row, hits, event=it.event, handlers=list(it.decided.handlers))
        history.add(row)
        # ``service._recheck_later``: the run's decisions recorded before this one but dated after it
        for other in history.later(it.decision):
            o_row = rows[other.case_id]
            o_decision = service.to_decision(o_row)
            hits = [h for h in rules.evaluate(o_decision, history.for_(o_decision, o_row, cfg), cfg)
                    if h.code in rules.HISTORY_RULES]
            flags.upsert(o_row, hits, event=it.event, handlers=[])
    dialect = session.bind.dialect.name
    await session.execute(INSERT_DECIDED, decided)
    if people:
        await session.execute(INSERT_PEOPLE, people)
    await session.execute(service._counter_upsert(DailyCount, dialect, ("count", "fines")),
                          [dict(zip(("bureau", "day", "decision_type"), k, strict=True), **v) for k, v in days.items()])
    if person_days:
        await session.execute(service._counter_upsert(PersonDailyCount, dialect, ("count", "flagged")),
                              [dict(zip(("person", "bureau", "day"), k, strict=True), **v)
                               for k, v in person_days.items()])
    if flags.flags:
        await session.execute(INSERT_FLAGS, list(flags.flags.values()))
        await session.execute(INSERT_RULES, [r for rs in flags.rules.values() for r in rs])
        await session.execute(INSERT_HISTORY, flags.history)
        await session.execute(service._counter_upsert(DailyRuleCount, dialect, ("count",)),
                              [dict(zip(("bureau", "day", "code"), k, strict=True), **v)
                               for k, v in flags.rule_days.items()])
        await session.execute(tables.statements.enqueue, flags.outbox)
        await wake_at_commit(session, source.rsplit("/", 1)[-1])

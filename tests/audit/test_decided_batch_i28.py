"""Issue 28 item 3: the audit records a run of decided events set-based (``services.audit.flags.batch``) —
a fixed number of statements whatever the run's length, and the same answer as one event at a time:
flags (rules, details, history), decided cases, the daily counters and the log (both setups)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from audit_helpers import at
from sqlalchemy import event, select

from services.audit.log import ledger
from services.audit.models import (
    DailyCount,
    DailyRuleCount,
    DecidedCase,
    Flag,
    FlagHistory,
    PersonDailyCount,
)
from services.testing.factories import BUREAU, OTHER_BUREAU, new_uscc
from shared import contracts as c
from shared.events import new_event

STEPS = ["filed", "investigated", "legal_review", "collective_discussion", "notice"]


def _handler(stack):
    consumer = next(k for k in stack.runtimes["audit"].consumers if k.name == "audit.case-events")
    return consumer.handlers["ecocomply.case.decided.v1"]


def _events(payloads, day):
    return [(new_event(p, source="/ecocomply/cases", subject=p.case_id, time=day), p) for p in payloads]


async def _many(stack, items) -> int:
    """Apply ``items`` in one batch call (one transaction); the number of statements it ran on its
    connection (the services' relays run beside it on the same engine)."""
    rt = stack.runtimes["audit"]
    statements = []
    ours = []

    def count(conn, *_args):
        if ours and conn is ours[0]:
            statements.append(1)

    event.listen(rt.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with rt.sessionmaker() as s, s.begin():
            ours.append((await s.connection()).sync_connection)
            await _handler(stack).many(s, items)
    finally:
        event.remove(rt.engine.sync_engine, "before_cursor_execute", count)
    return len(statements)


async def test_a_run_of_decided_events_costs_the_same_statements_for_1_and_for_50(stack, decisions):
    usccs = [new_uscc() for _ in range(5)]
    start = at("2026-05-01")

    def decided(i: int):
        when = start + timedelta(hours=7 * i)
        return decisions.payload(
            uscc=usccs[i % 5], decision_type="lighter", fine_amount=30_000.0, violations=["GI-WAT-001"],
            decided_at=when, decision_date=when.date(), steps=STEPS, first_offence_claimed=True,
            acts=[c.ActPeriod(code="GI-WAT-001", occurred_on=date(2026, 3, 1 + i % 5))])

    one = await _many(stack, _events([decided(0)], start))
    fifty = await _many(stack, _events([decided(i) for i in range(1, 51)], start))
    again = await _many(stack, _events([decided(51)], start))
    assert one == fifty == again, (one, fifty, again)
    assert fifty <= 26
    async with stack.runtimes["audit"].sessionmaker() as s:
        flags = {f.case_id: f for f in (await s.scalars(select(Flag))).all()}
        assert len(flags) == 52
        codes = {r.code for f in flags.values() for r in f.rules}
        assert {"exemption_or_light_penalty", "first_offence_against_record", "same_act_fined_twice"} <= codes
        assert (await ledger.verify(s, None)).length >= 52


def _story(decisions, *, bureau: str, violation: str, tag: str):
    """Decisions whose rules read each other: five similar penalties then an exemption far from them
    (类案不同罚), one enterprise exempted twice (repeated_exemption), fined for an act then given a lighter
    penalty for the same act while claiming a first offence, one officer with an unusual share of exemptions."""
    u1 = new_uscc()
    keys: dict[str, str] = {}
    out = []

    def add(key, day, decision_type, *, uscc=None, fine=None, handlers=("officer-x", "officer-y"), **kw):
        case_id = str(uuid.uuid4())
        keys[key] = case_id
        out.append((key, decisions.payload(
            case_id=case_id, number=f"{tag}-{key}", uscc=uscc or new_uscc(), bureau=bureau, decision_type=decision_type,
            fine_amount=fine, violations=[violation], decided_at=at(day), decision_date=date.fromisoformat(day),
            handlers=list(handlers), decided_by="leader-2", steps=STEPS, **kw)))

    for i in range(6):
        add(f"s{i}", f"2026-06-0{i + 1}", "penalty", fine=50_000.0)
    add("p1", "2026-06-07", "penalty", uscc=u1, fine=40_000.0,
        acts=[c.ActPeriod(code=violation, occurred_on=date(2026, 5, 1))])
    for i in range(4):
        add(f"z{i}", f"2026-06-1{i}", "no_penalty", handlers=("officer-z",))
    add("e1", "2026-06-15", "no_penalty", uscc=u1, handlers=("officer-z",))
    add("e2", "2026-06-16", "no_penalty", uscc=u1, handlers=("officer-z",))
    add("l1", "2026-06-17", "lighter", uscc=u1, fine=30_000.0, first_offence_claimed=True,
        acts=[c.ActPeriod(code=violation, occurred_on=date(2026, 5, 1))])
    return out, keys, {u1: "<u1>", **{cid[:8]: f"<{k}>" for k, cid in keys.items()}, f"{tag}-": "<tag>-",
                       bureau: "<bureau>", violation: "<violation>"}


async def _state(stack, keys: dict[str, str], bureau: str, names: dict[str, str]):
    def norm(x):
        if isinstance(x, str):
            for a, b in names.items():
                x = x.replace(a, b)
            return x
        if isinstance(x, list | tuple):
            return [norm(v) for v in x]
        return x

    out = {}
    async with stack.runtimes["audit"].sessionmaker() as s:
        for key, case_id in keys.items():
            d = await s.get(DecidedCase, case_id)
            f = await s.scalar(select(Flag).where(Flag.case_id == case_id))
            hist = [] if f is None else (await s.execute(
                select(FlagHistory.action, FlagHistory.status_to, FlagHistory.detail)
                .where(FlagHistory.flag_id == f.id).order_by(FlagHistory.id))).all()
            out[key] = (d.people, d.facts_key, d.decision_date, f and (
                f.decision_type, f.status, f.involved, f.handlers, f.fine_amount, f.steps,
                [(r.position, r.code, r.severity, norm(r.detail)) for r in f.rules]), norm([tuple(h) for h in hist]))
        out["daily"] = sorted((r.day, r.decision_type, r.count, r.fines) for r in
                              await s.scalars(select(DailyCount).where(DailyCount.bureau == bureau)))
        out["people"] = sorted((r.person, r.day, r.count, r.flagged) for r in
                               await s.scalars(select(PersonDailyCount).where(PersonDailyCount.bureau == bureau)))
        out["rules"] = sorted((r.day, r.code, r.count) for r in
                              await s.scalars(select(DailyRuleCount).where(DailyRuleCount.bureau == bureau)))
    return out


async def _compare(stack, decisions, order, chunks=1) -> tuple[dict, list[int]]:
    """The story in ``order`` through the batch call in ``chunks`` batches, and one event at a time; their
    states (normalised) must be equal. Returns the state and each batch's statement count."""
    together, keys_t, names_t = _story(decisions, bureau=BUREAU, violation="GI-WAT-001", tag="甲案")
    alone, keys_a, names_a = _story(decisions, bureau=OTHER_BUREAU, violation="GI-WAT-002", tag="乙案")
    day = at("2026-06-20")
    arriving = _events([p for _, p in order(together)], day)
    size = -(-len(arriving) // chunks)
    statements = [await _many(stack, arriving[i:i + size]) for i in range(0, len(arriving), size)]
    handler = _handler(stack)
    rt = stack.runtimes["audit"]
    for e, p in _events([p for _, p in order(alone)], day):
        async with rt.sessionmaker() as s, s.begin():
            await handler(s, e, p)
    got = await _state(stack, keys_t, BUREAU, names_t)
    expected = await _state(stack, keys_a, OTHER_BUREAU, names_a)
    assert got == expected
    async with rt.sessionmaker() as s:
        v = await ledger.verify(s, None)
    assert {p["code"] for p in v.problems} <= {"unknown_key"}, v.problems
    return got, statements


def _rules(got: dict) -> dict[str, set[str]]:
    return {k: {r[1] for r in v[3][6]} for k, v in got.items() if isinstance(v, tuple) and v[3]}


async def test_a_batch_of_decisions_leaves_what_one_at_a_time_leaves(stack, decisions):
    got, statements = await _compare(stack, decisions, lambda story: story)
    assert statements[0] <= 26  # set-based (``flags.batch``)
    rules_of = _rules(got)
    assert "similar_case_disparity" in rules_of["z0"]
    assert "repeated_exemption" in rules_of["e2"]  # counts e1, decided earlier in the same batch
    assert {"first_offence_against_record", "same_act_fined_twice"} <= rules_of["l1"]
    assert "unusual_exemption_share" in rules_of["e2"]
    assert "p1" not in rules_of and "s0" not in rules_of


async def test_a_batch_out_of_order_leaves_what_one_at_a_time_leaves(stack, decisions):
    """Later-dated decisions first (a replay, or events of several partitions in one batch): each earlier
    one's arrival re-checks the later ones (``_recheck_later``) — in the batch, set-based all the same."""
    got, statements = await _compare(stack, decisions, lambda story: list(reversed(story)))
    assert statements[0] <= 26
    assert "repeated_exemption" in _rules(got)["e2"]
    assert "rule_added" in {h[0] for h in got["e2"][4]}  # re-checked as the earlier decisions arrived


async def test_a_batch_before_later_dated_decisions_already_recorded_goes_one_by_one(stack, decisions):
    """Decisions already recorded that are dated after the batch's: the batch is recorded one event at a
    time (``record_decision``, whose re-check reads them), with the same answer."""
    got, statements = await _compare(stack, decisions, lambda story: list(reversed(story)), chunks=2)
    assert statements[1] > 26
    assert "repeated_exemption" in _rules(got)["e2"]

"""Decisions → audit flags, on the real composition of the four services (``services.testing.stack``).

1. prepare N cases over HTTP up to just before the decision (not timed), let the bus go quiet;
2. fire the N ``POST /cases/v1/cases/{id}/decision`` requests with bounded concurrency (timed);
3. wait until every exemption / light penalty has its audit flag, then check them through
   ``GET /audit/v1/flags``;
4. latency probes: one decision at a time, then open-loop at half the sustained rate;
5. with ``outage_s``: the audit down for that long while decisions arrive at the sustained rate, then
   the time it takes to flag the backlog once it is back (``outage``).

Commit times are observed in-process: SQLAlchemy ``after_flush``/``after_commit`` listeners on the
cases and audit services' session classes stamp (``time.perf_counter``) the commit of the
transaction that decided a case and of the one that raised its flag. The row timestamps
(``flag.created_at − flag.decided_at``, both set just before their commits) are a cross-check.
The listeners and two timing wrappers (the cases service's HTTP client and its relay's publish) are
instance-level, removed afterwards, and change nothing in the product.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.stats import BenchError, pool, summary_ms
from services.cases.documents import served
from services.testing.factories import CASES, CaseDriver
from services.testing.stack import Stack, build_stack
from shared.contracts import FLAGGED_DECISIONS
from shared.observability import CONSUMER_LAG

# ~60% exemptions / light penalties (flagged), ~40% ordinary penalties (not flagged).
MIX = (("no_penalty", 25), ("lighter", 20), ("mitigated", 15), ("penalty", 40))
CASES_PER_ENTERPRISE = 50


def half_rate_size(n: int) -> int:
    """Decisions sent open-loop at half the sustained rate after the probe."""
    return max(20, min(100, n // 5))


def probe_size(n: int) -> int:
    """Decisions sent one at a time after the main run (latency without queueing)."""
    return max(10, min(50, n // 20))


@dataclass
class Prepared:
    case_id: str
    type: str
    body: dict
    sent: float = 0.0  # perf_counter when the decision request was sent
    answered: float = 0.0  # ... and when its answer arrived


def plan(n: int, rng: random.Random) -> list[str]:
    total = sum(w for _, w in MIX)
    types = [t for t, w in MIX for _ in range(round(n * w / total))]
    types = (types + ["penalty"] * n)[:n]
    rng.shuffle(types)
    return types


class CommitWatch:
    """Stamps the commit time of every transaction of one service that flushed a matching object."""

    def __init__(self, sessionmaker, pick, executed=None) -> None:
        self.cls = sessionmaker.kw["sync_session_class"]
        self.pick = pick
        self.executed = executed  # also matching rows written by a Core statement (the audit's set-based path)
        self.times: dict[str, float] = {}
        self.changed = asyncio.Event()
        self._hooks = (("after_flush", self._flush), ("after_commit", self._commit), ("after_rollback", self._rollback),
                       ("do_orm_execute", self._execute))
        for name, fn in self._hooks:
            event.listen(self.cls, name, fn)

    def _flush(self, session, _ctx) -> None:
        keys = self.pick(session)
        if keys:
            session.info.setdefault("bench_keys", []).extend(keys)

    def _execute(self, state) -> None:
        keys = self.executed(state) if self.executed is not None else None
        if keys:
            state.session.info.setdefault("bench_keys", []).extend(keys)

    def _commit(self, session) -> None:
        keys = session.info.pop("bench_keys", None)
        if keys:
            t = time.perf_counter()
            for k in keys:
                self.times.setdefault(k, t)
            self.changed.set()

    def _rollback(self, session) -> None:
        session.info.pop("bench_keys", None)

    def close(self) -> None:
        for name, fn in self._hooks:
            event.remove(self.cls, name, fn)


def _decided_cases(session) -> list[str]:
    from services.cases.models import Case

    return [o.id for o in session.dirty if isinstance(o, Case) and o.state == "decided"]


def _new_flags(session) -> list[str]:
    from services.audit.models import Flag

    return [o.case_id for o in session.new if isinstance(o, Flag)]


def _inserted_flags(state) -> list[str]:
    """Flags inserted by a Core statement (``services.audit.flags.batch``): their case ids."""
    st = state.statement
    if not getattr(st, "is_insert", False) or getattr(getattr(st, "table", None), "name", None) != "flags":
        return []
    params = state.parameters
    return [p["case_id"] for p in (params if isinstance(params, list) else [params]) if p and "case_id" in p]


class LockWaits:
    """SQLite only: how long each ``BEGIN IMMEDIATE`` (the database's write lock) took, per service."""

    def __init__(self, runtimes: dict) -> None:
        self.waits: dict[str, list[float]] = defaultdict(list)
        self._hooks = []
        for name, rt in runtimes.items():
            def before(conn, _cur, stmt, *_a):
                if stmt.startswith("BEGIN"):
                    conn.info["bench_begin"] = time.perf_counter()

            def after(conn, _cur, stmt, *_a, name=name):
                t0 = conn.info.pop("bench_begin", None)
                if t0 is not None and stmt.startswith("BEGIN"):
                    self.waits[name].append(time.perf_counter() - t0)

            for ev, fn in (("before_cursor_execute", before), ("after_cursor_execute", after)):
                event.listen(rt.engine.sync_engine, ev, fn)
                self._hooks.append((rt.engine.sync_engine, ev, fn))

    def close(self) -> None:
        for target, ev, fn in self._hooks:
            event.remove(target, ev, fn)

    def summary(self, n: int) -> dict:
        return {name: {**summary_ms(w), "per_decision": round(len(w) / n, 2), "sum_s": round(sum(w), 2)}
                for name, w in sorted(self.waits.items())}


def cpu_seconds() -> float:
    """CPU time of this process (all its threads: the event loop and aiosqlite's)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Timed:
    """Wraps an instance's async method to record (key, start, end) of every call; ``undo`` restores it."""

    def __init__(self, obj: Any, attr: str, key) -> None:
        self.obj, self.attr, self.calls = obj, attr, []
        orig = getattr(obj, attr)

        async def wrapper(*args, **kw):
            t0 = time.perf_counter()
            try:
                return await orig(*args, **kw)
            finally:
                self.calls.append((key(*args, **kw), t0, time.perf_counter()))

        setattr(obj, attr, wrapper)

    def undo(self) -> None:
        self.obj.__dict__.pop(self.attr, None)


async def prepare(stack: Stack, types: list[str], concurrency: int) -> list[Prepared]:
    """One case per decision type in ``types``, driven up to just before its decision (in that order)."""
    n = len(types)
    drv = CaseDriver(stack)
    enterprises: list[str] = []

    async def new_enterprise(_i) -> None:
        enterprises.append(await drv.enterprise())

    await pool(range(max(1, -(-n // CASES_PER_ENTERPRISE))), new_enterprise, concurrency)
    out: list[Prepared] = [None] * n  # type: ignore[list-item]

    async def one(item) -> None:
        i, t = item
        # An in-list exemption rests on a first offence: its enterprise has no earlier decision.
        cid, body = await drv.prepared_case(t, None if t == "no_penalty" else enterprises[i % len(enterprises)])
        out[i] = Prepared(cid, t, body)

    await pool(list(enumerate(types)), one, concurrency)
    return out


async def quiesce(stack: Stack, timeout: float) -> None:
    """Until every outbox is published, every issued document rendered (the worker's ``document_render`` job)
    and (Kafka) every consumer group has caught up, twice in a row."""
    deadline = time.monotonic() + timeout
    bus_label = getattr(stack.comp.bus, "service", "") or "kafka"
    groups = [c.group for rt in stack.runtimes.values() for c in rt.consumers]
    quiet, state = 0, {}
    while quiet < 2:
        if time.monotonic() > deadline:
            raise BenchError(f"the composition did not go quiet within {timeout:.0f}s after preparing: {state}")
        state = {f"outbox:{name}": (await rt.relay.pending())[0] for name, rt in stack.runtimes.items()}
        state["documents:pending"] = await served.pending_count(stack.runtimes["cases"])
        if stack.setup != "sqlite-local":
            state.update({f"lag:{g}": CONSUMER_LAG.labels(bus_label, g)._value.get() for g in groups})
        quiet = quiet + 1 if not any(state.values()) else 0
        await asyncio.sleep(0.5)


async def fire(stack: Stack, cases: list[Prepared], concurrency: int) -> None:
    headers = CaseDriver(stack).lead

    async def one(p: Prepared) -> None:
        p.sent = time.perf_counter()
        r = await stack.client.post(f"{CASES}/cases/{p.case_id}/decision", headers=headers, json=p.body)
        p.answered = time.perf_counter()
        if r.status_code != 200:
            raise BenchError(f"decision {p.type} on case {p.case_id} answered {r.status_code}: {r.text[:500]}")

    await pool(cases, one, concurrency)


async def probe(stack: Stack, cases: list[Prepared], decided: CommitWatch, flagged: CommitWatch) -> list[float]:
    """Light load: one decision at a time, each waiting for its flag; decision→flag commit latencies."""
    out = []
    for p in cases:
        await fire(stack, [p], 1)
        await wait_flags(stack, flagged, {p.case_id}, 15)
        out.append(flagged.times[p.case_id] - decided.times[p.case_id])
    return out


async def fire_paced(stack: Stack, cases: list[Prepared], rate: float) -> None:
    """Decisions sent open-loop, one every ``1/rate`` s whatever the answers; returns when all are answered."""
    gap = 1.0 / rate
    t0 = time.monotonic()
    tasks = []
    for i, p in enumerate(cases):
        await asyncio.sleep(max(0.0, t0 + i * gap - time.monotonic()))
        tasks.append(asyncio.create_task(fire(stack, [p], 1)))
    await asyncio.gather(*tasks)


async def paced(stack: Stack, cases: list[Prepared], rate: float, decided: CommitWatch,
                flagged: CommitWatch) -> list[float]:
    """Half the sustained rate (issue 12's p99 target): decisions sent open-loop, then decision→flag commit
    latencies of the flagged ones."""
    await fire_paced(stack, cases, rate)
    expected = {p.case_id for p in cases if p.type in FLAGGED_DECISIONS}
    await wait_flags(stack, flagged, expected, 60)
    return [flagged.times[c] - decided.times[c] for c in expected]


def outage_size(rate: float, seconds: float) -> int:
    """Decisions that arrive during an outage of ``seconds`` at ``rate`` decisions/s."""
    return max(1, round(rate * seconds))


async def outage(stack: Stack, cases: list[Prepared], rate: float, flagged: CommitWatch, *, timeout: float) -> dict:
    """Issue 12's backlog target: the audit is down while ``cases`` arrive open-loop at ``rate`` (the sustained
    rate), then it comes back; how long until every flag of the backlog is committed.

    * Kafka protocol: the audit's consumer groups leave (their committed offsets stay in the cluster) and
      rejoin, as when the audit's worker process is restarted; the other services go on.
    * In-process bus: nothing outside the pipeline process can consume, so an audit outage is the pipeline
      (``ecocomply worker``) down: every relay stops and the outbox rows wait in the services' databases.
    """
    if stack.setup == "sqlite-local":
        relays = [rt.relay for rt in stack.runtimes.values()]

        async def down() -> None:
            for r in relays:
                await r.stop()

        async def up() -> None:
            for r in relays:
                r.start()
    else:
        consumers = stack.runtimes["audit"].consumers

        async def down() -> None:
            for c in consumers:
                await c.stop()

        async def up() -> None:
            for c in consumers:
                await c.start()

    expected = {p.case_id for p in cases if p.type in FLAGGED_DECISIONS}
    await down()
    t_down = time.perf_counter()
    try:
        await fire_paced(stack, cases, rate)
        arrived = time.perf_counter()
    finally:
        t_up = time.perf_counter()
        await up()
    flagged_during = len(expected & flagged.times.keys())
    await wait_flags(stack, flagged, expected, timeout)
    last = max(flagged.times[c] for c in expected)
    return {"outage_s": round(t_up - t_down, 2), "decisions": len(cases), "rate_per_s": round(rate, 2),
            "arrival_s": round(arrived - t_down, 2), "backlog_flags": len(expected),
            "flagged_during_outage": flagged_during, "drain_s": round(last - t_up, 2),
            "drain_flags_per_s": round(len(expected) / max(1e-9, last - t_up), 1)}


async def wait_flags(stack: Stack, watch: CommitWatch, expected: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not expected <= watch.times.keys():
        left = deadline - time.monotonic()
        if left <= 0:
            missing = len(expected - watch.times.keys())
            pending = {name: (await rt.relay.pending())[0] for name, rt in stack.runtimes.items()}
            raise BenchError(
                f"flags never arrived: {len(expected) - missing} of {len(expected)} audit flags committed "
                f"{timeout:g}s after the last decision answer ({missing} missing); unpublished outbox rows "
                f"per service: {pending}; in the audit's database: {await _audit_knows(stack, expected - watch.times.keys())}"
            )
        watch.changed.clear()
        try:
            await asyncio.wait_for(watch.changed.wait(), min(left, 1.0))
        except TimeoutError:
            pass


async def _audit_knows(stack: Stack, case_ids: set[str]) -> dict:
    """What the audit's database holds of the cases whose flag commit was not observed (a diagnosis:
    not received, received but not flagged, or flagged out of the watch's sight)."""
    from sqlalchemy import func, select

    from services.audit.models import DecidedCase, Flag

    ids = sorted(case_ids)
    async with stack.runtimes["audit"].sessionmaker() as s:
        decided = await s.scalar(select(func.count()).select_from(DecidedCase).where(DecidedCase.case_id.in_(ids)))
        flagged = await s.scalar(select(func.count()).select_from(Flag).where(Flag.case_id.in_(ids)))
    return {"missing": ids[:5], "decided_cases_recorded": decided, "flags": flagged}


async def flags_from_api(stack: Stack) -> list[dict] | str:
    """Every flag through ``GET /audit/v1/flags`` (an auditor's token), or why that failed."""
    headers = stack.auth("bench-auditor", "auditor")
    items: list[dict] = []
    page, size = 1, 200
    while True:
        r = await stack.client.get("/audit/v1/flags", headers=headers, params={"page": page, "size": size})
        if r.status_code == 422 and size > 50 and page == 1:
            size //= 2
            continue
        if r.status_code != 200:
            return f"GET /audit/v1/flags answered {r.status_code}: {r.text[:300]}"
        body = r.json()
        items.extend(body["items"])
        if not body["items"] or len(items) >= body["total"]:
            return items
        page += 1


async def run(setup: str, n: int, concurrency: int, tmp: Path, *, flag_timeout: float, seed: int = 1,
              outage_s: float = 0.0, paced_rate: float | None = None) -> dict:
    t_start = time.perf_counter()
    stack, cleanup = await build_stack(setup, tmp)
    watches: list[CommitWatch | LockWaits] = []
    timers: list[Timed] = []
    try:
        await stack.comp.start()
        t_started = time.perf_counter()
        probe_types = [("no_penalty", "lighter", "mitigated")[i % 3] for i in range(probe_size(n))]
        half_types = [("no_penalty", "lighter", "mitigated", "penalty")[i % 4] for i in range(half_rate_size(n))]
        cases = await prepare(stack, plan(n, random.Random(seed)) + probe_types + half_types, concurrency)
        cases, probe_cases, half_cases = cases[:n], cases[n:n + len(probe_types)], cases[n + len(probe_types):]
        t_prepared = time.perf_counter()
        await quiesce(stack, timeout=60)

        cases_rt, audit_rt = stack.runtimes["cases"], stack.runtimes["audit"]
        decided = CommitWatch(cases_rt.sessionmaker, _decided_cases)
        flagged = CommitWatch(audit_rt.sessionmaker, _new_flags, _inserted_flags)
        watches += [decided, flagged]
        hops = Timed(cases_rt.http, "request", lambda service, method, path, **kw: f"{method} {service}{path}")
        relay = Timed(cases_rt.relay, "_publish", lambda rows, conn: [(r.key, r.type) for r in rows])
        consumers = {c.name: Timed(c, "process", lambda batch: len(batch))
                     for rt in stack.runtimes.values() for c in rt.consumers}
        timers += [hops, relay, *consumers.values()]
        locks = LockWaits(stack.runtimes) if setup == "sqlite-local" else None
        if locks:
            watches.append(locks)

        expected = {p.case_id for p in cases if p.type in FLAGGED_DECISIONS}
        load_before, cpu0 = os.getloadavg(), cpu_seconds()
        await fire(stack, cases, concurrency)
        t_answered = max(p.answered for p in cases)
        await wait_flags(stack, flagged, expected, flag_timeout)
        t_done, cpu1, load_after = time.perf_counter(), cpu_seconds(), os.getloadavg()
        api_flags = await flags_from_api(stack)
        await quiesce(stack, timeout=60)
        t_probe = time.perf_counter()
        light = await probe(stack, probe_cases, decided, flagged)
        t_probed = time.perf_counter()
        await quiesce(stack, timeout=60)
        sustained = n / (max(flagged.times[c] for c in expected) - min(p.sent for p in cases))
        half_rate = paced_rate or sustained / 2
        half = await paced(stack, half_cases, half_rate, decided, flagged)
        t_half = time.perf_counter()
        backlog = None
        if outage_s > 0:
            await quiesce(stack, timeout=60)
            size = outage_size(sustained, outage_s)
            kinds = ("no_penalty", "lighter", "mitigated", "penalty")
            print(f"[{setup}] audit outage: preparing {size} cases ...", file=sys.stderr, flush=True)
            backlog_cases = await prepare(stack, [kinds[i % 4] for i in range(size)], concurrency)
            await quiesce(stack, timeout=120)
            print(f"[{setup}] audit outage: {size} decisions at {sustained:.1f}/s with the audit down ...",
                  file=sys.stderr, flush=True)
            backlog = await outage(stack, backlog_cases, sustained, flagged, timeout=max(120.0, flag_timeout))
        t_outage = time.perf_counter()
        with contextlib.suppress(BenchError):  # stop on an idle composition (not mid-transaction)
            await quiesce(stack, timeout=30)
    finally:
        for w in watches:
            w.close()
        for t in timers:
            t.undo()
        await cleanup()
    t_clean = time.perf_counter()
    for t in timers:  # the main run only, not the light-load probe
        t.calls = [c for c in t.calls if c[1] < t_done]

    first_sent = min(p.sent for p in cases)
    last_flag = max(flagged.times[c] for c in expected)
    by_id = {p.case_id: p for p in cases}
    missing_decided = [c for c in by_id if c not in decided.times]
    if missing_decided:
        raise BenchError(f"{len(missing_decided)} decisions answered 200 but no decided-case commit was observed")

    picked: dict[str, float] = {}  # case id -> when the relay started publishing its decided event
    batch_sizes = []
    for rows, t0, _t1 in relay.calls:
        batch_sizes.append(len(rows))
        for key, type_ in rows:
            if type_ == "ecocomply.case.decided.v1":
                picked.setdefault(key, t0)
    lat = [flagged.times[c] - decided.times[c] for c in expected]
    to_relay = [picked[c] - decided.times[c] for c in expected if c in picked]
    relay_to_flag = [flagged.times[c] - picked[c] for c in expected if c in picked]

    http_by_type = defaultdict(list)
    for p in cases:
        http_by_type[p.type].append(p.answered - p.sent)
    hop_kinds = Counter(k.split("?")[0] for k, _, _ in hops.calls)
    hop_time = sum(t1 - t0 for _, t0, t1 in hops.calls)

    consumer_tx = {}
    for name, t in sorted(consumers.items()):
        spans = [(t0, t1) for _, t0, t1 in t.calls]
        if spans:
            consumer_tx[name] = {**summary_ms([t1 - t0 for t0, t1 in spans]),
                                 "busy_fraction": sum(t1 - t0 for t0, t1 in spans) / (last_flag - first_sent)}

    check: dict[str, Any]
    if isinstance(api_flags, str):
        check = {"ok": None, "error": api_flags}
    else:
        listed = {f["case_id"]: f for f in api_flags}
        row_lat = [
            (datetime.fromisoformat(listed[c]["created_at"]) - datetime.fromisoformat(listed[c]["decided_at"]))
            .total_seconds()
            for c in expected if c in listed
        ]
        unexpected = [c for c in listed if c in by_id and c not in expected]
        check = {
            "ok": expected <= listed.keys() and not unexpected,
            "listed": len(listed), "expected": len(expected), "missing": len(expected - listed.keys()),
            "unexpected": len(unexpected),
            "row_timestamp_latency": summary_ms(row_lat),
        }
        if not check["ok"]:
            raise BenchError(f"GET /audit/v1/flags disagrees with the commits observed: {check}")

    return {
        "setup": setup,
        "n": n,
        "concurrency": concurrency,
        "mix": dict(Counter(p.type for p in cases)),
        "flags_expected": len(expected),
        "decisions_per_s": n / (last_flag - first_sent),
        "window_s": last_flag - first_sent,
        "answers_window_s": t_answered - first_sent,
        "decision_to_flag": summary_ms(lat),
        "decision_to_flag_light_load": summary_ms(light),
        "decision_to_flag_half_rate": {**summary_ms(half), "rate_per_s": round(half_rate, 2),
                                       "fixed_rate": paced_rate is not None},
        "backlog_after_outage": backlog,
        "decision_commit_to_relay_pickup": summary_ms(to_relay),
        "relay_pickup_to_flag": summary_ms(relay_to_flag),
        "relay_batches": {"count": len(batch_sizes), "mean_rows": sum(batch_sizes) / max(1, len(batch_sizes)),
                          "max_rows": max(batch_sizes, default=0)},
        "consumer_transactions": consumer_tx,
        "decision_http": summary_ms([p.answered - p.sent for p in cases]),
        "decision_http_by_type": {t: summary_ms(v) for t, v in sorted(http_by_type.items())},
        "internal_http": {"calls": len(hops.calls), "per_decision": len(hops.calls) / n,
                          "mean_ms": round(hop_time / max(1, len(hops.calls)) * 1000, 2),
                          "kinds": dict(hop_kinds)},
        "api_check": check,
        "process_cpu": {"cpu_s": cpu1 - cpu0, "ms_per_decision": (cpu1 - cpu0) / n * 1000,
                        "utilisation_of_one_core": (cpu1 - cpu0) / (t_done - first_sent)},
        "loadavg_1m": {"before": load_before[0], "after": load_after[0]},
        "sqlite_write_lock_waits": locks.summary(n) if locks else None,
        "phases_s": {"start": t_started - t_start, "prepare": t_prepared - t_started,
                     "decide_and_flag": t_done - first_sent,
                     "light_load_probe": t_probed - t_probe, "half_rate": t_half - t_probed,
                     "audit_outage": t_outage - t_half, "cleanup": t_clean - t_outage},
    }

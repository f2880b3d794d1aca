"""Ratios, targets and the printed report; ``summary`` is the one table of every target at the end."""

from __future__ import annotations

import re

from bench.cases import TARGET_RATIO as LIFECYCLE_TARGET
from bench.checklist import TARGET_P95_MS as SEARCH_TARGETS_MS

MOCK_SENTENCE = (
    "The librdkafka mock cluster's throughput and latency are not Kafka's: these figures are relative "
    "(compare with the raw aiokafka baseline above), not a statement about a real broker."
)
# Issue 12: decisions → flags at >= 1/3 of the bare-INSERT endpoint's rate in the same run; p99 decision → flag
# at half the sustained rate <= 50 ms local, <= 150 ms on the Kafka protocol.
TARGET_RATIO = 0.33
TARGET_P99_MS = {"sqlite-local": 50.0, "postgres-kafka": 150.0}
# ... and the backlog of a 60 s audit outage at the sustained rate drained within 20 s of its return.
TARGET_DRAIN_S = 20.0
DESCRIPTION = {
    "sqlite-local": "SQLite files + in-process bus",
    "postgres-kafka": "PostgreSQL databases + Kafka protocol",
}


def _ratio(a, b):
    return None if a is None or not b else a / b


def evaluate(r: dict) -> None:
    """Adds ``ratios`` and ``targets`` to one setup's result (in place)."""
    d, bare, raw = r["decisions"], r["bare_insert"], r.get("raw_kafka")
    lat = d["decision_to_flag"]
    r["ratios"] = {
        "decisions_per_s_over_bare_insert_per_s": _ratio(d["decisions_per_s"], bare["requests_per_s"]),
        "decision_to_flag_p50_over_raw_kafka_p50": _ratio(lat["p50_ms"], raw and raw["produce_to_consume"]["p50_ms"]),
        "decision_to_flag_p99_over_raw_kafka_p99": _ratio(lat["p99_ms"], raw and raw["produce_to_consume"]["p99_ms"]),
    }
    p99_target = TARGET_P99_MS[r["setup"]]
    ratio = r["ratios"]["decisions_per_s_over_bare_insert_per_s"]
    half = d.get("decision_to_flag_half_rate") or {}
    r["targets"] = {
        "decisions_over_bare_insert": {"target": f">= {TARGET_RATIO:g}x", "value": ratio,
                                       "pass": ratio is not None and ratio >= TARGET_RATIO},
    }
    if not half.get("fixed_rate"):  # at a rate of --paced-rate's choosing the target does not apply
        r["targets"]["p99_decision_to_flag_half_rate_ms"] = {
            "target": f"<= {p99_target:g}", "value": half.get("p99_ms"),
            "pass": half.get("p99_ms") is not None and half["p99_ms"] <= p99_target}
    backlog = d.get("backlog_after_outage")
    if backlog:
        r["targets"]["backlog_drain_after_outage_s"] = {
            "target": f"<= {TARGET_DRAIN_S:g}", "value": backlog["drain_s"], "pass": backlog["drain_s"] <= TARGET_DRAIN_S}


def _lat(s: dict) -> str:
    return f"p50 {s['p50_ms']:7.1f} ms   p99 {s['p99_ms']:7.1f} ms   max {s['max_ms']:7.1f} ms   (n={s['n']})"


def _x(v) -> str:
    return "n/a" if v is None else f"{v:.2f}x"


def render(r: dict) -> str:
    out = [f"=== {r['setup']} ({DESCRIPTION[r['setup']]}) ==="]
    if r.get("broker"):
        out.append(f"Broker: {r['broker']}")
    if r.get("database_server"):
        out.append(f"Database server: {r['database_server']}")
    if "error" in r:
        out.append(f"FAILED: {r['error']}")
        return "\n".join(out)
    d = r["decisions"]
    mix = ", ".join(f"{t} {c}" for t, c in sorted(d["mix"].items()))
    out += [
        f"Decisions -> flags: N={d['n']} decisions ({mix}), {d['flags_expected']} flags expected, "
        f"concurrency {d['concurrency']}",
        f"  throughput         {d['decisions_per_s']:8.1f} decisions/s   (first decision sent -> last flag committed: "
        f"{d['window_s']:.2f} s; last decision answered after {d['answers_window_s']:.2f} s)",
        f"  decision -> flag   {_lat(d['decision_to_flag'])}   [commit -> commit, observed in-process]",
    ]
    out.append(f"    at light load    {_lat(d['decision_to_flag_light_load'])}   [one decision at a time after the run, "
               "each waiting for its flag: no queueing]")
    if d.get("decision_to_flag_half_rate"):
        h = d["decision_to_flag_half_rate"]
        how = "a fixed rate (--paced-rate): no target verdict" if h.get("fixed_rate") else "half the sustained rate above"
        out.append(f"    at half rate     {_lat(h)}   [open loop at {h['rate_per_s']:.1f} decisions/s, {how}]")
    b = d.get("backlog_after_outage")
    if b:
        down = ("every relay stopped (the pipeline process down)" if r["setup"] == "sqlite-local"
                else "the audit's consumer groups left and rejoined")
        out.append(f"    audit outage     {b['outage_s']:.1f} s down ({down}) while {b['decisions']} decisions arrived at "
                   f"{b['rate_per_s']:.1f}/s; its {b['backlog_flags']} flags committed {b['drain_s']:.2f} s after it came "
                   f"back ({b['drain_flags_per_s']:.1f} flags/s; {b['flagged_during_outage']} flagged while down)")
    chk = d["api_check"]
    if chk.get("ok"):
        out.append(f"    row timestamps   {_lat(chk['row_timestamp_latency'])}   [flag.created_at - decided_at; "
                   f"all {chk['expected']} flags listed by GET /audit/v1/flags, none unexpected]")
    else:
        out.append(f"    GET /audit/v1/flags not checked: {chk.get('error')}")
    out += [
        f"    commit -> relay  {_lat(d['decision_commit_to_relay_pickup'])}   [cases outbox row picked up by its relay]",
        f"    relay -> flag    {_lat(d['relay_pickup_to_flag'])}   [publish start -> audit flag committed]",
        f"    relay batches    {d['relay_batches']['count']} batches, {d['relay_batches']['mean_rows']:.1f} rows on "
        f"average, max {d['relay_batches']['max_rows']}",
    ]
    for name, c in d["consumer_transactions"].items():
        out.append(f"    consumer {name:<21}{_lat(c)}   busy {c['busy_fraction']:.0%} of the window, "
                   f"{c.get('mean_batch', 1):.1f} events per batch [one inbox-guarded transaction per batch]")
    out.append(f"  decision HTTP      {_lat(d['decision_http'])}")
    for t, s in d["decision_http_by_type"].items():
        out.append(f"    {t:<15}{_lat(s)}")
    pc = d["process_cpu"]
    out.append(f"  process CPU        {pc['cpu_s']:.1f} s while deciding and flagging = {pc['ms_per_decision']:.1f} ms per "
               f"decision, {pc['utilisation_of_one_core']:.0%} of one core (all services, relays and consumers share "
               f"one event loop); 1-min load average {d['loadavg_1m']['before']:.1f} -> {d['loadavg_1m']['after']:.1f} "
               f"on {r.get('cpus')} CPUs")
    for db, w in (d.get("sqlite_write_lock_waits") or {}).items():
        out.append(f"    SQLite BEGIN IMMEDIATE wait, {db + '.db':<13}{_lat(w)}   {w['per_decision']:.1f} per decision, "
                   f"{w['sum_s']:.1f} s in total")
    ih = d["internal_http"]
    kinds = ", ".join(f"{k} x{v}" for k, v in sorted(ih["kinds"].items()))
    out.append(f"  cases -> checklist HTTP hops during the decisions: {ih['calls']} calls "
               f"({ih['per_decision']:.2f} per decision), mean {ih['mean_ms']:.1f} ms each: {kinds}")
    b = r["bare_insert"]
    out += [
        "Baselines (same run, same machine):",
        f"  bare FastAPI + one INSERT ({b['database']}): {b['requests_per_s']:8.1f} req/s   {_lat(b['http'])}   "
        f"CPU {b['cpu_ms_per_request']:.1f} ms/request",
    ]
    k = r.get("raw_kafka")
    if k:
        out.append(f"  raw aiokafka produce+consume (idempotent, acks=all, fresh topic, {k['payload_bytes']} B, "
                   f"fetch_max_wait {k['fetch_max_wait_ms']} ms): {k['messages_per_s']:8.1f} msg/s   "
                   f"{_lat(k['produce_to_consume'])}")
    ra = r["ratios"]
    out += [
        "Ratios:",
        f"  decisions/s / bare-insert req/s             = {_x(ra['decisions_per_s_over_bare_insert_per_s'])}",
    ]
    if k:
        out.append(f"  decision->flag latency / raw aiokafka latency = {_x(ra['decision_to_flag_p50_over_raw_kafka_p50'])}"
                   f" (p50), {_x(ra['decision_to_flag_p99_over_raw_kafka_p99'])} (p99)")
    out.append("Targets (from the issue):")
    for name, t in r["targets"].items():
        unit = {"decisions_over_bare_insert": "", "backlog_drain_after_outage_s": " s"}.get(name, " ms")
        value = "n/a" if t["value"] is None else (f"{t['value']:.2f}x" if not unit else f"{t['value']:.1f}{unit}")
        out.append(f"  {name:<34} target {t['target']}{unit:<4} measured {value:<12} {'PASS' if t['pass'] else 'MISS'}")
    if r.get("mock"):
        out.append(MOCK_SENTENCE)
    out.append(f"(phases: {', '.join(f'{k} {v:.1f}s' for k, v in d['phases_s'].items())})")
    return "\n".join(out)


# -- the one summary table at the end of ``python -m bench``: every issue-28 target, per setup ----------------

SETUP_ORDER = ("sqlite-local", "postgres-kafka")
TARGET_OUTAGE_S = 60.0  # the drain target is defined for a 60 s outage
LOAD_COMMAND = "python -m bench.load --clients 200 --duration 300 --think 5"


def _num(v, fmt: str) -> str:
    return "n/a" if v is None else format(v, fmt)


def _short(error: str, width: int = 60) -> str:
    """The end of an error message (where its reason is: "... sorry, too many clients already")."""
    error = " ".join(re.sub(r"\(Background on this error at: [^)]*\)", "", error).split())
    return error if len(error) <= width else "…" + error[-(width - 1):]


def _verdict(ok) -> str:
    return "PASS" if ok else "MISS"


def _decision_rows(setup: str, r: dict | None, args: dict) -> list[tuple[str, str, str, str]]:
    """(target, measured, same-run baseline, verdict) of the decision targets of one setup."""
    ratio_t = f"decisions → flags ≥ {TARGET_RATIO:g}× bare INSERT"
    p99_t = f"p99 decision → flag ≤ {TARGET_P99_MS[setup]:g} ms at half rate"
    drain_t = f"backlog drain after a {TARGET_OUTAGE_S:g} s outage ≤ {TARGET_DRAIN_S:g} s"
    cmd = f"python -m bench --suites decisions --setups {setup}"
    if r is None:
        return [(t, "not run", "", f"not run: {cmd}") for t in (ratio_t, p99_t, drain_t)]
    if "error" in r:
        return [(t, "error", _short(r["error"]), "ERROR") for t in (ratio_t, p99_t, drain_t)]
    d, bare, t = r["decisions"], r["bare_insert"], r.get("targets", {})
    ratio = r["ratios"]["decisions_per_s_over_bare_insert_per_s"]
    rows = [(ratio_t, f"{_num(ratio, '.2f')}× ({d['decisions_per_s']:.1f}/s)",
             f"bare FastAPI + INSERT {bare['requests_per_s']:.1f} req/s",
             _verdict(t["decisions_over_bare_insert"]["pass"]))]
    half = d.get("decision_to_flag_half_rate") or {}
    base = f"light load p99 {_num(d['decision_to_flag_light_load']['p99_ms'], '.1f')} ms"
    if r.get("raw_kafka"):
        base += f"; raw aiokafka p99 {_num(r['raw_kafka']['produce_to_consume']['p99_ms'], '.1f')} ms"
    measured = f"{_num(half.get('p99_ms'), '.1f')} ms at {_num(half.get('rate_per_s'), '.1f')}/s"
    if "p99_decision_to_flag_half_rate_ms" in t:
        rows.append((p99_t, measured, base, _verdict(t["p99_decision_to_flag_half_rate_ms"]["pass"])))
    else:
        rows.append((p99_t, measured, base, f"no verdict (--paced-rate): {cmd}"))
    b = d.get("backlog_after_outage")
    if not b:
        rows.append((drain_t, "not run", "", f"not run (--outage 0): {cmd} --outage {TARGET_OUTAGE_S:g}"))
    else:
        m = f"{b['drain_s']:.1f} s ({b['backlog_flags']} flags, {b['drain_flags_per_s']:.1f}/s)"
        base = f"{b['outage_s']:.0f} s down; sustained {b['rate_per_s']:.1f} decisions/s"
        if (args.get("outage") or 0) < TARGET_OUTAGE_S:
            rows.append((drain_t, m, base, f"not run at {TARGET_OUTAGE_S:g} s (--outage {args.get('outage'):g}): "
                                           f"{cmd} --outage {TARGET_OUTAGE_S:g}"))
        else:
            rows.append((drain_t, m, base, _verdict(b["drain_s"] <= TARGET_DRAIN_S)))
    return rows


def _lifecycle_row(setup: str, suite: dict | None) -> tuple[str, str, str, str]:
    t = f"full lifecycle ≥ {LIFECYCLE_TARGET:g}× same-INSERTs endpoint"
    cmd = f"python -m bench --suites cases --setups {setup}"
    if suite is None:
        return (t, "not run", "", f"not run: {cmd}")
    if "error" in suite:
        return (t, "error", _short(suite["error"]), "ERROR")
    r = next((s for s in suite["result"]["setups"] if s["setup"] == setup), None)
    error = (suite["result"].get("errors") or {}).get(setup)
    if error:
        return (t, "error", _short(error), "ERROR")
    if r is None:
        return (t, "not run", "", f"not run: {cmd}")
    lc, bare = r["lifecycle"], r["bare"]
    return (t, f"{r['target']['lifecycle_over_bare']:.2f}× ({lc['per_s']:.1f}/s)",
            f"bare endpoint, {bare['inserts_per_request']} INSERTs: {bare['requests_per_s']:.1f} req/s",
            _verdict(r["target"]["pass"]))


def _search_rows(setup: str, suite: dict | None) -> list[tuple[str, str, str, str]]:
    rows = []
    for size, target in sorted(SEARCH_TARGETS_MS.items()):
        t = f"search p95 ≤ {target:g} ms at {size:,} items"
        cmd = f"python -m bench --suites checklist --setups {setup} --checklist-items {size}"
        if suite is None:
            rows.append((t, "not run", "", f"not run: {cmd}"))
            continue
        if "error" in suite:
            rows.append((t, "error", _short(suite["error"]), "ERROR"))
            continue
        r = next((s for s in suite["result"]["search"] if s["setup"] == setup and s["items"] == size), None)
        if r is None:
            rows.append((t, "not run", "", f"not run: {cmd}"))
        else:
            rows.append((t, f"{r['index_p95_ms']:.2f} ms (worst of 1–4 chars)", f"LIKE scan p95 {r['like_p95_ms']:.1f} ms",
                         _verdict(r["index_p95_ms"] <= target)))
    return rows


def summary(doc: dict) -> str:
    """One table of every issue-28 target, per setup, from the whole results document of ``python -m bench``."""
    args = doc.get("args") or {}
    setups = {r["setup"]: r for r in doc.get("setups") or []}
    suites = {s["suite"]: s for s in doc.get("suites") or []}
    rows: list[tuple[str, str, str, str, str]] = []
    for setup in SETUP_ORDER:  # a setup not selected prints its targets as not run, with the command
        for row in (*_decision_rows(setup, setups.get(setup), args), _lifecycle_row(setup, suites.get("cases")),
                    *_search_rows(setup, suites.get("checklist"))):
            rows.append((setup, *row))
    rows.append(("both", "reads p99 ≤ 300 ms, 200 clients (think 5 s), 0 errors", "not run by python -m bench", "",
                 f"not run: {LOAD_COMMAND}"))
    heads = ("setup", "target", "measured", "same-run baseline", "verdict")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads[:-1])]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + "  " + cells[-1]  # noqa: E731
    counts = {v: sum(r[-1] == v for r in rows) for v in ("PASS", "MISS", "ERROR")}
    out = [f"=== Summary: issue 28 targets, each beside its baseline measured in the same run "
           f"({counts['PASS']} PASS, {counts['MISS']} MISS, {counts['ERROR']} ERROR, "
           f"{len(rows) - sum(counts.values())} not run) ===", line(heads), line(tuple("-" * w for w in widths) + ("-" * 7,))]
    out += [line(r) for r in rows]
    if any(r.get("mock") for r in setups.values()):
        out.append(MOCK_SENTENCE)
    return "\n".join(out)


if __name__ == "__main__":  # python -m bench.report [bench/results/latest.json]: the summary again
    import json
    import sys
    from pathlib import Path

    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results" / "latest.json")
    print(summary(json.loads(path.read_text(encoding="utf-8"))))

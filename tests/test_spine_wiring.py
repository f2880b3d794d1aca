"""How the spine is wired: request ids travel with events, a relay in another process is woken by
PostgreSQL NOTIFY (not by its poll), and a single service refuses to start half-configured."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from sqlalchemy import select

from services.composition import load_spec, single
from services.testing.factories import CASES, CORRECTION_ORDER, CaseDriver, all_flags
from services.testing.stack import SECRET, build_stack
from shared.auth import TokenVerifier
from shared.config import Settings
from shared.service import Runtime


async def test_request_id_travels_from_the_decision_to_the_audit_flag_event(stack):
    d = CaseDriver(stack)
    uscc = await d.enterprise()
    case = await d.file(uscc, facts={})
    cid = case["id"]
    await d.investigate(cid, {"harm_eliminated_or_reduced_voluntarily": True})
    await d.review(cid, proposed_type="lighter")
    await d.discuss(cid, "lighter")
    await d.notice(cid, 120000, "lighter")
    r = await stack.client.post(f"{CASES}/cases/{cid}/decision", headers={**d.lead, "X-Request-ID": "req-decision-42"},
                                json={"type": "lighter", "fine_amount": 120000, "reason": "主动消除危害后果，从轻处罚",
                                      "correction_order": CORRECTION_ORDER})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "req-decision-42"

    audit_rt = stack.runtimes["audit"]
    o = audit_rt.tables.outbox

    async def raised():
        async with audit_rt.engine.connect() as conn:
            return (await conn.execute(select(o.c.envelope).where(o.c.type == "ecocomply.audit.flag_raised.v1"))).scalar()

    envelope = json.loads(await stack.wait_for(raised, what="flag_raised event"))
    assert envelope["requestid"] == "req-decision-42" and envelope["data"]["case_id"] == cid
    assert envelope["specversion"] == "1.0" and envelope["source"] == "/ecocomply/audit"


async def test_worker_relay_in_another_process_is_woken_by_notify_not_the_poll(tmp_path):
    # Poll every 60 s: an event that crosses in about a second was delivered by LISTEN/NOTIFY.
    stack, cleanup = await build_stack("postgres-kafka", tmp_path, relay_poll_seconds=60)
    worker = None
    try:
        await stack.comp.start(workers=False)  # the API process: no relay, no consumers
        for name in ("credit", "audit"):
            await stack.runtimes[name].start_workers()
        cases = stack.runtimes["cases"]
        # `ecocomply worker --service cases`: its own engine and relay, sharing only the database.
        worker = Runtime(load_spec("cases"), cases.settings, bus=stack.comp.bus, verifier=TokenVerifier(secret=SECRET))
        worker.relay.start()
        await asyncio.sleep(0.5)  # LISTEN registered
        d = CaseDriver(stack)
        case = await d.decided_case("no_penalty")
        t0 = time.monotonic()

        async def flagged():
            return [f for f in await all_flags(stack) if f["case_id"] == case["id"]]

        await stack.wait_for(flagged, timeout=20, what="the flag via the worker relay")
        assert time.monotonic() - t0 < 10, "delivered by the poll, not by NOTIFY"
    finally:
        if worker is not None:
            await worker.close()
        await cleanup()


def test_single_service_refuses_to_start_half_configured():
    with pytest.raises(RuntimeError) as e:
        single(Settings(service="audit", event_bus="kafka"))
    msg = str(e.value)
    assert "ECOCOMPLY_DATABASE_URL" in msg and "ECOCOMPLY_JWT_SECRET" in msg and "ECOCOMPLY_KAFKA_BOOTSTRAP" in msg
    with pytest.raises(RuntimeError, match="local bus"):
        single(Settings(service="audit", database_url="sqlite+aiosqlite:///x.db", jwt_secret="s"))


async def test_scheduled_jobs_run_periodically_and_on_demand(tmp_path):
    from shared.service import PeriodicJob

    stack, cleanup = await build_stack("sqlite-local", tmp_path)
    runs: list[str] = []

    async def tick(rt):
        runs.append(rt.name)
        if len(runs) == 2:
            raise RuntimeError("a failing run is logged; the job keeps its schedule")
        return len(runs)

    spec = stack.runtimes["audit"].spec
    original = spec.jobs
    spec.jobs = (PeriodicJob("tick", 0.05, tick),)
    try:
        await stack.comp.start()
        await stack.wait_for(lambda: _at_least(runs, 4), timeout=10, what="four scheduled runs")
        assert set(runs) == {"audit"}
        assert await stack.runtimes["audit"].run_job("tick") >= 5
        with pytest.raises(KeyError):
            await stack.runtimes["audit"].run_job("nope")
    finally:
        spec.jobs = original
        await cleanup()
    n = len(runs)
    await asyncio.sleep(0.2)
    assert len(runs) == n, "jobs stop with the workers"


async def _at_least(items: list, n: int) -> bool:
    return len(items) >= n

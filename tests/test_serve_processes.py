"""``ecocomply serve`` answers HTTP in one process and runs the pipeline (relays, consumers, jobs) in a
second one (issue 12: both cores). A decision taken over HTTP reaches the audit service's flags through
the other process; if that process dies it is restarted and the events that waited in the outbox arrive."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

from services.testing.factories import CaseDriver
from services.testing.remote import Remote, children


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


async def _flag_of(remote: Remote, case_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    headers = remote.auth("auditor-1", "auditor")
    while time.monotonic() < deadline:
        r = await remote.client.get("/audit/v1/flags", params={"case_id": case_id}, headers=headers)
        assert r.status_code == 200, r.text
        hits = [f for f in r.json()["items"] if f["case_id"] == case_id]
        if hits:
            return hits[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"no audit flag for case {case_id} within {timeout} s")


async def test_serve_runs_the_pipeline_in_a_second_process_that_is_restarted_when_it_dies(tmp_path):
    remote = Remote(tmp_path / "var")
    await remote.start()
    try:
        workers = children(remote.pid)
        assert len(workers) == 1, f"expected one pipeline process beside the API, found {workers}"
        driver = CaseDriver(remote)
        await driver.certify()
        first = await driver.decided_case("no_penalty")
        assert (await _flag_of(remote, first["id"]))["decision_type"] == "no_penalty"
        # The served process froze its start-up heap (issue 28: full collections walked it all, mid-request)
        # and samples its event loop's lag.
        metrics = (await remote.client.get("/checklist/metrics")).text
        frozen = [line for line in metrics.splitlines() if line.startswith("ecocomply_gc_frozen_objects ")]
        assert frozen and float(frozen[0].split()[1]) > 10_000, frozen
        assert 'ecocomply_event_loop_lag_seconds_count{process="embedded-api"}' in metrics

        # The pipeline dies: decisions are still taken (the API does not need it) and wait in the outbox ...
        os.kill(workers[0], signal.SIGKILL)
        second = await driver.decided_case("lighter")
        # ... until the restarted pipeline delivers them: nothing is lost.
        assert (await _flag_of(remote, second["id"]))["decision_type"] == "lighter"
        restarted = children(remote.pid)
        assert len(restarted) == 1 and restarted != workers
    finally:
        # SIGTERM (docker stop, systemd): the server stops its pipeline process instead of orphaning it.
        out = await remote.stop(signal.SIGTERM)
    assert not alive(restarted[0]), "the pipeline process outlived the server"
    assert "pipeline: relays, consumers and jobs in a second process" in out, out
    assert "restarting" in out, out


def test_the_server_keeps_an_idle_connection_longer_than_its_clients_do():
    """uvicorn's 5 s keep-alive met httpx's 5 s expiry: a request sent after a 5 s pause on the connection the
    server was closing failed (issue 28: ~2 % of such requests). The server now always outlasts the client."""
    import httpx

    from services.cli import _uvicorn_options

    client_expiry = httpx.Limits().keepalive_expiry  # httpx's default, the services' own clients' too
    assert _uvicorn_options()["timeout_keep_alive"] > max(client_expiry, 60)  # nginx's upstream default: 60 s

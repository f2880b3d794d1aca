"""``ecocomply serve`` answers HTTP in one process and runs the pipeline (relays, consumers, jobs) in a
second one (issue 12: both cores). A decision taken over HTTP reaches the audit service's flags through
the other process; if that process dies it is restarted and the events that waited in the outbox arrive."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from services.testing.factories import CaseDriver
from shared.auth import load_or_create_secret, mint_token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


class Remote:
    """What the case driver needs of a stack, for a server running in another process."""

    def __init__(self, base: str, secret: str) -> None:
        self.client = httpx.AsyncClient(base_url=base, timeout=30)
        self.secret = secret

    def auth(self, sub: str, *roles: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + mint_token(self.secret, sub=sub, roles=list(roles), **claims)}


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
    exe = Path(sys.executable).parent / "ecocomply"
    data, port = tmp_path / "var", _free_port()
    proc = await asyncio.create_subprocess_exec(str(exe), "serve", "--port", str(port), "--data-dir", str(data),
                                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    remote = None
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as probe:
            while True:
                try:
                    if (await probe.get(f"{base}/healthz", timeout=1)).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline and proc.returncode is None, "ecocomply serve did not come up"
                await asyncio.sleep(0.2)
        workers = _children(proc.pid)
        assert len(workers) == 1, f"expected one pipeline process beside the API, found {workers}"
        remote = Remote(base, load_or_create_secret(data))
        driver = CaseDriver(remote)
        await driver.certify()
        first = await driver.decided_case("no_penalty")
        assert (await _flag_of(remote, first["id"]))["decision_type"] == "no_penalty"

        # The pipeline dies: decisions are still taken (the API does not need it) and wait in the outbox ...
        os.kill(workers[0], signal.SIGKILL)
        second = await driver.decided_case("lighter")
        # ... until the restarted pipeline delivers them: nothing is lost.
        assert (await _flag_of(remote, second["id"]))["decision_type"] == "lighter"
        restarted = _children(proc.pid)
        assert len(restarted) == 1 and restarted != workers
    finally:
        if remote is not None:
            await remote.client.aclose()
        proc.send_signal(signal.SIGINT)
        try:
            raw, _ = await asyncio.wait_for(proc.communicate(), 30)
        except TimeoutError:
            proc.kill()
            raw, _ = await proc.communicate()
    out = raw.decode()
    assert "pipeline: relays, consumers and jobs in a second process" in out, out
    assert "restarting" in out, out

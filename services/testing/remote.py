"""A running ``ecocomply serve`` in another process, driven as a client would (tests and benchmarks):
start it, wait until it answers, mint tokens with its data directory's secret, read each process's CPU."""

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

from shared.auth import load_or_create_secret, mint_token

EXE = Path(sys.executable).parent / "ecocomply"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (``/proc/<pid>/stat``), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK



async def came_up(client: httpx.AsyncClient, proc: asyncio.subprocess.Process, timeout: float) -> bool:
    """Whether a served process answers ``GET /healthz`` with 200 within ``timeout`` seconds (False at once if it
    exited)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if (await client.get("/healthz", timeout=1)).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.returncode is not None:
            return False
        await asyncio.sleep(0.2)

class Remote:
    """``ecocomply serve`` on a free port over ``data_dir``; what the case driver needs of a stack
    (``client``, ``auth``)."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.args = args
        self.env = env or {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: asyncio.subprocess.Process | None = None
        self.client = httpx.AsyncClient(base_url=self.base, timeout=60)
        self.output = ""

    async def start(self, timeout: float = 90.0) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            str(EXE), "serve", "--port", str(self.port), "--data-dir", str(self.data_dir), *self.args,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            # A benchmark or test drives many writes with one token: lift the per-token write limit.
            env={**os.environ, "ECOCOMPLY_WRITE_RATE_LIMIT": "100000/second", **self.env},
        )
        if not await came_up(self.client, self.proc, timeout):
            await self.stop()
            raise RuntimeError(f"ecocomply serve did not come up: {self.output}")
        self.secret = load_or_create_secret(self.data_dir)

    def auth(self, sub: str, *roles: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + mint_token(self.secret, sub=sub, roles=list(roles), **claims)}

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def stop(self, sig: int = signal.SIGINT) -> str:
        await self.client.aclose()
        if self.proc is None:
            return self.output
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        try:
            raw, _ = await asyncio.wait_for(self.proc.communicate(), 30)
        except TimeoutError:
            self.proc.kill()
            raw, _ = await self.proc.communicate()
        self.output = raw.decode(errors="replace")
        return self.output

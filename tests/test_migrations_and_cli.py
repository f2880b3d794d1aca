"""Schemas come from Alembic and match the models on both databases; the ``ecocomply`` command
serves the embedded default with seeded lists and mints tokens that it accepts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from services.composition import load_spec
from shared.config import SERVICES
from shared.db import make_engine
from shared.migrations import drift, upgrade
from shared.testing import postgres as pg_infra


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
async def test_migrations_build_every_schema_without_drift(db, tmp_path):
    for name in SERVICES:
        spec = load_spec(name)
        if db == "sqlite":
            url, cleanup = f"sqlite+aiosqlite:///{tmp_path / (name + '.db')}", None
        else:
            url = await pg_infra.create_database(f"mig_{name}_{os.getpid()}_{time.time_ns() % 10**6}")
            cleanup = url
        engine = make_engine(url)
        try:
            await upgrade(engine, spec.migrations_dir)
            await upgrade(engine, spec.migrations_dir)  # idempotent: a second start migrates nothing
            assert await drift(engine, spec.metadata) == [], f"{name}: models and migrations differ"
        finally:
            await engine.dispose()
            if cleanup:
                await pg_infra.drop_database(cleanup)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ecocomply_serve_and_token_work_from_the_command_line(tmp_path):
    exe = Path(sys.executable).parent / "ecocomply"
    data = tmp_path / "var"
    port = _free_port()
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            proc.kill()
            pytest.fail("ecocomply serve did not come up: " + (proc.stdout.read() if proc.stdout else ""))
        token = subprocess.run(
            [str(exe), "token", "--sub", "officer1", "--role", "officer", "--bureau", "320509",
             "--cert-no", "32050001", "--data-dir", str(data)],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        r = httpx.get(f"{base}/checklist/v1/guidance-items", params={"size": 100},
                      headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        assert r.json()["total"] == 35 and any("废水" in str(i) for i in r.json()["items"])
        assert httpx.get(f"{base}/checklist/v1/guidance-items").status_code == 401
        # ... while the public reads and the portal need none.
        r = httpx.get(f"{base}/checklist/v1/public/guidance-items", params={"q": "废水"})
        assert r.status_code == 200 and r.json()["total"] > 0
        page = httpx.get(f"{base}/")
        assert page.status_code == 200 and "合规指导清单" in page.text and "text/html" in page.headers["content-type"]
        assert httpx.get(f"{base}/api").json()["portal"] == "/"
        for name in SERVICES:
            assert httpx.get(f"{base}/{name}/openapi.json").json()["info"]["title"]
            assert httpx.get(f"{base}/{name}/readyz").json()["ready"] is True
        assert "ecocomply_http_request_duration_seconds" in httpx.get(f"{base}/cases/metrics").text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert f"http://127.0.0.1:{port}/" in out and "ecocomply token" in out, out
    assert (data / "cases.db").exists() and (data / "jwt_secret").stat().st_mode & 0o077 == 0

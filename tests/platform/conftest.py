"""The provincial platform integration through the real composition: a stack with the platform's
secrets set and fast webhook retries, and a real HTTP receiver (uvicorn on loopback)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from services.testing.stack import SETUPS, Stack, build_stack

PLATFORM_SECRET = "省平台入站签名密钥-2026-risk-warnings"
EXPORT_SECRET = "案卷质量系统导出签名密钥-2026"
WEBHOOK_SECRET = "吴江推送订阅密钥-2026-webhooks"

_path = Path(__file__).resolve().parents[2] / "examples" / "platform_client.py"
_spec = importlib.util.spec_from_file_location("platform_client_for_platform_tests", _path)
platform_client = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = platform_client
_spec.loader.exec_module(platform_client)


@pytest.fixture(params=SETUPS)
async def pstack(request, tmp_path) -> AsyncIterator[Stack]:
    s, cleanup = await build_stack(
        request.param, tmp_path, platform_secret=PLATFORM_SECRET, case_export_secret=EXPORT_SECRET,
        webhook_timeout_seconds=2.0, webhook_max_attempts=10, webhook_backoff_base_seconds=0.05,
        webhook_backoff_max_seconds=0.2,
    )
    try:
        await s.comp.start()
        yield s
    finally:
        await cleanup()


@dataclass
class Arrival:
    key: str
    subject: str
    type: str
    answer: int


class Receiver:
    """The platform's endpoint: verifies each delivery with the example client, fails the first
    ``fail_next`` verified requests with 500, stores each idempotency key once."""

    def __init__(self, secret: str, fail_next: int = 0) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.secret = secret
        self.fail_next = fail_next
        self.lock = threading.Lock()
        self.arrivals: list[Arrival] = []
        self.stored: list[dict] = []  # first arrival of each key, in arrival order
        self.rejected: list[str] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ecocomply/events"

    async def __call__(self, scope, receive, send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        try:
            event = platform_client.verify_delivery(self.secret, headers, body)
        except platform_client.DeliveryRejected as e:
            with self.lock:
                self.rejected.append(e.reason)
            status = e.status
        else:
            with self.lock:
                status = 500 if self.fail_next > 0 else 200
                self.fail_next = max(0, self.fail_next - 1)
                self.arrivals.append(Arrival(event["id"], event.get("subject") or "", event["type"], status))
                if status == 200 and event["id"] not in {e["id"] for e in self.stored}:
                    self.stored.append(event)
        raw = json.dumps({"status": status}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": raw})

    def start(self) -> None:
        self._server = uvicorn.Server(uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning",
                                                     lifespan="off", timeout_graceful_shutdown=1))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "receiver did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(10)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver(WEBHOOK_SECRET)
    r.start()
    try:
        yield r
    finally:
        await asyncio.to_thread(r.stop)

"""A nudge between processes that share outbox tables: the API process tells the pipeline process
(``ecocomply worker``) "service X committed outbox rows" so that its relay publishes at once instead of
at its next poll.

On PostgreSQL the relay already listens for ``NOTIFY`` (``shared.relay``); this is for SQLite files
(the embedded default), which have no notification of their own. A nudge is a datagram on a Unix socket
in the data directory: sending never blocks and never fails a request (no listener, a full buffer: the
relay's poll still finds the rows — a nudge only makes delivery prompt, never possible)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("ecocomply.wake")


class WakeSender:
    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.setblocking(False)

    def send(self, service: str) -> None:
        with contextlib.suppress(OSError):  # no worker listening yet, or its buffer full: it polls anyway
            self._sock.sendto(service.encode(), self.path)

    def close(self) -> None:
        self._sock.close()


class WakeListener:
    """Calls ``on_wake(service)`` for every nudge received on ``path`` (while the event loop runs)."""

    def __init__(self, path: Path, on_wake: Callable[[str], None]) -> None:
        self.path = Path(path)
        self.on_wake = on_wake
        self._sock: socket.socket | None = None

    def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a stale socket of a process that died
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(self.path))
        self._sock.setblocking(False)
        asyncio.get_running_loop().add_reader(self._sock.fileno(), self._read)

    def _read(self) -> None:
        assert self._sock is not None
        while True:
            try:
                data = self._sock.recv(256)
            except (BlockingIOError, InterruptedError):
                return
            self.on_wake(data.decode(errors="replace"))

    def stop(self) -> None:
        if self._sock is None:
            return
        asyncio.get_running_loop().remove_reader(self._sock.fileno())
        self._sock.close()
        self._sock = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

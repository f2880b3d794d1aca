"""The pipeline beside the API: ``ecocomply serve`` answers HTTP in one process and runs the relays,
consumers, deliverers and jobs (``ecocomply worker``) in a child process, so that the two use both cores
(issue 12: one process at 99 % of a core while the other idled).

The child is started after migrations, restarted with a back-off if it dies, and stopped with the server.
In the embedded mode the API process nudges the child after each commit that wrote outbox rows
(``shared.wake``, a datagram in the data directory) so events leave at once rather than at the next poll;
distributed on PostgreSQL, the relay's ``LISTEN``/``NOTIFY`` does the same."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

log = logging.getLogger("ecocomply.pipeline")

MODES = ("process", "inline", "off")
WAKE_SOCKET = "pipeline.sock"


def wake_path(data_dir: Path) -> Path:
    return Path(data_dir).resolve() / WAKE_SOCKET


def worker_command(*, service: str | None, data_dir: Path | None) -> list[str]:
    cmd = [sys.executable, "-m", "services.cli", "worker"]
    if service:
        cmd += ["--service", service]
    else:
        cmd += ["--data-dir", str(data_dir)]
    return cmd


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM (a clean stop) if the server dies without stopping it (kill -9)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # no prctl here: nothing can be logged between fork and exec; stop() still ends the child
        pass


def _spawn(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, env=os.environ.copy(), preexec_fn=_die_with_parent if sys.platform == "linux" else None)


class WorkerProcess:
    """A supervised ``ecocomply worker`` child."""

    def __init__(self, command: list[str], *, max_backoff: float = 30.0) -> None:
        self.command = command
        self.max_backoff = max_backoff
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        self.proc = _spawn(self.command)
        self._watcher = threading.Thread(target=self._watch, name="pipeline-watch", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            assert self.proc is not None
            rc = self.proc.wait()
            if self._stopping.is_set():
                return
            log.error("the pipeline process (relays, consumers, jobs) exited with code %s; restarting in %.0f s "
                      "(events wait in the outbox meanwhile, nothing is lost)", rc, backoff)
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, self.max_backoff)
            self.restarts += 1
            self.proc = _spawn(self.command)

    def stop(self, timeout: float = 20.0) -> None:
        self._stopping.set()
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.error("the pipeline process did not stop within %.0f s; killing it", timeout)
            proc.kill()
            proc.wait()

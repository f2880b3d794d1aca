"""A Kafka-protocol endpoint for tests.

``bootstrap()`` returns ``ECOCOMPLY_TEST_KAFKA_BOOTSTRAP`` when that is set (a real broker). Otherwise
it starts, once per process, **librdkafka's mock cluster (Kafka protocol)** — bundled with the
``confluent-kafka`` wheel — in a child process and returns its loopback bootstrap address. The
mock is not Kafka: see ``shared/bus/kafka.py`` for what it does differently.

The child:
* creates the cluster through librdkafka's mock API (ctypes on the wheel's bundled library) so
  that it can set the group *initial rebalance delay* to 0 ms; the mock's default is 3000 ms,
  which makes every consumer-group first join take 3 s. If that API is unavailable it falls back
  to ``Producer({"test.mock.num.brokers": 1})`` (joins then take 3 s);
* prints ``<mode> <bootstrap>`` and then lives until its stdin reaches EOF, i.e. until this
  process exits or dies (the pipe closes with it; ``PR_SET_PDEATHSIG`` is set as a second guard).
  An ``atexit`` hook also closes the pipe and reaps it.

``bus_options()`` gives the ``KafkaBus`` timing options for the broker in use: short group
session/heartbeat times for the mock, because it makes a group that a member left wait
``session_timeout - 1 s`` before the next member's join completes; a real broker keeps the defaults.
"""

from __future__ import annotations

import atexit
import os
import select
import subprocess
import sys
import threading
import time

ENV_BOOTSTRAP = "ECOCOMPLY_TEST_KAFKA_BOOTSTRAP"
MOCK_NAME = "librdkafka mock cluster (Kafka protocol)"
# KafkaBus defaults while on the mock (see shared/bus/kafka.py); a real broker rejects sessions
# below its group.min.session.timeout.ms (6 s by default), so these are only set for the mock.
# The mock completes a rejoin only after session_timeout - 1 s (see shared/bus/kafka.py), so tests
# against it use a short session; a real broker keeps the production defaults.
MOCK_BUS_OPTIONS = {"session_timeout_ms": 2000, "heartbeat_interval_ms": 500}
START_TIMEOUT = 30.0

_CHILD = r"""
import ctypes, glob, os, sys

def pdeathsig():
    # PR_SET_PDEATHSIG fires when the *thread* that forked us exits: only used from the main thread.
    if sys.argv[2] != "1":
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
        if os.getppid() != int(sys.argv[1]):
            os._exit(0)  # the parent is already gone
    except Exception:
        pass

def via_mock_api():
    import confluent_kafka
    libdir = os.path.join(os.path.dirname(os.path.dirname(confluent_kafka.__file__)), "confluent_kafka.libs")
    paths = glob.glob(os.path.join(libdir, "librdkafka*.so*"))
    if not paths:
        raise OSError("bundled librdkafka not found in " + libdir)
    lib = ctypes.CDLL(paths[0])
    vp, cp = ctypes.c_void_p, ctypes.c_char_p
    lib.rd_kafka_conf_new.restype = vp
    lib.rd_kafka_conf_set.argtypes = [vp, cp, cp, cp, ctypes.c_size_t]
    lib.rd_kafka_new.restype = vp
    lib.rd_kafka_new.argtypes = [ctypes.c_int, vp, cp, ctypes.c_size_t]
    lib.rd_kafka_mock_cluster_new.restype = vp
    lib.rd_kafka_mock_cluster_new.argtypes = [vp, ctypes.c_int]
    lib.rd_kafka_mock_cluster_bootstraps.restype = cp
    lib.rd_kafka_mock_cluster_bootstraps.argtypes = [vp]
    lib.rd_kafka_mock_group_initial_rebalance_delay_ms.argtypes = [vp, ctypes.c_int32]
    err = ctypes.create_string_buffer(512)
    conf = lib.rd_kafka_conf_new()
    lib.rd_kafka_conf_set(conf, b"log_level", b"3", err, 512)   # no "no bootstrap.servers" notice
    rk = lib.rd_kafka_new(0, conf, err, 512)                   # RD_KAFKA_PRODUCER
    if not rk:
        raise OSError(err.value.decode())
    mc = lib.rd_kafka_mock_cluster_new(rk, 1)
    if not mc:
        raise OSError("rd_kafka_mock_cluster_new failed")
    lib.rd_kafka_mock_group_initial_rebalance_delay_ms(mc, 0)
    return (lib, rk, mc), "mock-api", lib.rd_kafka_mock_cluster_bootstraps(mc).decode()

def via_producer():
    from confluent_kafka import Producer
    holder = Producer({"test.mock.num.brokers": 1, "log_level": 3})
    md = holder.list_topics(timeout=10)
    return holder, "mock-producer", ",".join(f"{b.host}:{b.port}" for b in md.brokers.values())

pdeathsig()
try:
    keep, mode, bootstrap = via_mock_api()
except Exception as e:
    print("mock API unavailable (%s); using test.mock.num.brokers" % e, file=sys.stderr)
    keep, mode, bootstrap = via_producer()
sys.stdout.write("%s %s\n" % (mode, bootstrap))
sys.stdout.flush()
while sys.stdin.buffer.read(65536):
    pass
os._exit(0)  # skip librdkafka teardown: nothing to flush
"""

_lock = threading.Lock()
_state: dict[str, object] = {}


def bootstrap() -> str:
    """Bootstrap servers for the tests: the configured broker or the (started once) mock cluster."""
    env = os.environ.get(ENV_BOOTSTRAP, "").strip()
    if env:
        return env
    with _lock:
        if "bootstrap" not in _state:
            _start_mock()
        return str(_state["bootstrap"])


def is_mock() -> bool:
    return not os.environ.get(ENV_BOOTSTRAP, "").strip()


def describe() -> str:
    """What the Kafka-protocol tests run against (does not start anything)."""
    env = os.environ.get(ENV_BOOTSTRAP, "").strip()
    if env:
        return f"Kafka broker at {env} ({ENV_BOOTSTRAP})"
    if "bootstrap" in _state:
        extra = "" if _state["mode"] == "mock-api" else ", initial rebalance delay 3 s (mock API unavailable)"
        return (
            f"{MOCK_NAME} at {_state['bootstrap']}, child pid {_state['pid']}, "
            f"started in {_state['elapsed']:.2f}s{extra}"
        )
    return f"{MOCK_NAME} (not started yet; set {ENV_BOOTSTRAP} to use a real broker)"


def start_mock_cluster() -> tuple[str, str, subprocess.Popen, float]:
    """A new mock cluster in a child process: (mode, bootstrap, process, seconds to start). Stop it with
    ``stop_mock_cluster`` (a test that needs a broker to go away starts its own)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _CHILD,
            str(os.getpid()),
            "1" if threading.current_thread() is threading.main_thread() else "0",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None,
        close_fds=True,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
    line = proc.stdout.readline().decode().strip() if ready else ""
    parts = line.split()
    if len(parts) != 2:
        proc.kill()
        proc.wait()
        raise RuntimeError(
            f"could not start the {MOCK_NAME}: child said {line!r} (exit code {proc.poll()}); "
            f"is confluent-kafka installed (pip install -e '.[test]')? Or set {ENV_BOOTSTRAP}."
        )
    mode, addr = parts
    atexit.register(stop_mock_cluster, proc)
    return mode, addr, proc, time.monotonic() - t0


def _start_mock() -> None:
    mode, addr, proc, elapsed = start_mock_cluster()
    _state.update(bootstrap=addr, mode=mode, pid=proc.pid, proc=proc, elapsed=elapsed)


def stop_mock_cluster(proc: subprocess.Popen) -> None:
    try:
        if proc.stdin:
            proc.stdin.close()  # EOF: the child exits
        proc.wait(timeout=5)
    except Exception:
        proc.kill()
        proc.wait()


def bus_options() -> dict[str, int]:
    """KafkaBus timing options for the broker in use (shorter for the mock cluster)."""
    bootstrap()
    return dict(MOCK_BUS_OPTIONS) if is_mock() else {}

"""Throwaway PostgreSQL databases for tests.

``create_database(name)`` makes a fresh UTF-8 database (``LC_CTYPE 'C.UTF-8'``, so that pg_trgm
indexes CJK text; ``C`` would yield no trigrams at all) with ``pg_trgm`` installed and returns its
SQLAlchemy async URL; ``drop_database(url)`` drops it ``WITH (FORCE)``.

The server is found once per process, in this order:

a. ``ECOCOMPLY_TEST_DATABASE_URL``: a server URL (any database on it, e.g.
   ``postgresql://postgres@host:5432/postgres``); that database is the admin connection;
b. a server accepting user ``postgres`` (no password) at ``127.0.0.1:5432``;
c. a throwaway cluster: ``initdb``/``pg_ctl`` from ``/usr/lib/postgresql/*/bin`` run as the
   ``postgres`` OS user (``runuser``; directly when not root) in a ``tempfile.mkdtemp()`` directory
   under /tmp (not pytest's ``tmp_path``: it is mode 0700 and ``postgres`` cannot enter it), on a
   free loopback port, with fsync off. An ``atexit`` hook stops it (``pg_ctl -m immediate``) and
   removes the directory; a SIGKILLed test run leaves it behind (``/tmp/ecocomply-pg-*``).

``ECOCOMPLY_TEST_PG_FORCE_THROWAWAY=1`` skips (a) and (b). If nothing works, ``RuntimeError`` says
what is missing for each option.

Admin statements use asyncpg directly: ``CREATE DATABASE`` cannot run inside a transaction.
"""

from __future__ import annotations

import asyncio
import atexit
import glob
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

import asyncpg
from sqlalchemy.engine import URL, make_url

ENV_URL = "ECOCOMPLY_TEST_DATABASE_URL"
ENV_FORCE_THROWAWAY = "ECOCOMPLY_TEST_PG_FORCE_THROWAWAY"
DEFAULT_HOST, DEFAULT_PORT, DEFAULT_USER = "127.0.0.1", 5432, "postgres"
CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str | None
    admin_db: str
    origin: str  # how it was found, for describe()
    query: dict[str, str] = field(default_factory=dict)  # extra URL query (e.g. a socket dir host)

    def connect_kwargs(self, database: str) -> dict:
        return dict(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=database,
            timeout=CONNECT_TIMEOUT,
        )

    def url(self, database: str) -> str:
        return URL.create(
            "postgresql+asyncpg",
            username=self.user,
            password=self.password,
            host=None if self.query.get("host") else self.host,
            port=self.port,
            database=database,
            query=self.query,
        ).render_as_string(hide_password=False)


_lock = threading.Lock()
_server: Server | None = None


# -- public API ----------------------------------------------------------------------------------------


async def create_database(name: str, *, template: str | None = None) -> str:
    """Create a fresh database (UTF8, C.UTF-8, pg_trgm) and return its ``postgresql+asyncpg`` URL; ``template``:
    a copy of that database (made by this module, so with the same encoding, locale and pg_trgm)."""
    server = await asyncio.to_thread(get_server)
    db = sanitize_name(name)
    admin = await asyncpg.connect(**server.connect_kwargs(server.admin_db))
    try:
        if template is not None:
            await admin.execute(f'CREATE DATABASE "{db}" TEMPLATE "{sanitize_name(template)}"')
            return server.url(db)
        await admin.execute(
            f"CREATE DATABASE \"{db}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )
    finally:
        await admin.close()
    conn = await asyncpg.connect(**server.connect_kwargs(db))
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except asyncpg.PostgresError as e:
        raise RuntimeError(
            f"pg_trgm is not available on {server.origin} ({e}); install postgresql-contrib there"
        ) from e
    finally:
        await conn.close()
    return server.url(db)


async def drop_database(url: str) -> None:
    """``DROP DATABASE IF EXISTS ... WITH (FORCE)`` (terminates leftover connections)."""
    # Found already (the database was made here): no thread, which also works while the interpreter exits.
    server = _server or await asyncio.to_thread(get_server)
    db = make_url(url).database
    if not db or db == server.admin_db:
        raise ValueError(f"refusing to drop {db!r}")
    admin = await asyncpg.connect(**server.connect_kwargs(server.admin_db))
    try:
        quoted = db.replace('"', '""')
        await admin.execute(f'DROP DATABASE IF EXISTS "{quoted}" WITH (FORCE)')
    finally:
        await admin.close()


class _LaterDrops:
    """Drops databases on a thread of its own, several at once, off the tests' critical path: a DROP DATABASE
    waits on a checkpoint (seconds each on a busy disk, one after the other), and a finished test need not
    wait for it. Whatever is queued is dropped before the process exits."""

    def __init__(self) -> None:
        self._urls: list[str] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False

    def put(self, url: str) -> None:
        with self._cond:
            self._urls.append(url)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pg-drops", daemon=True)
                self._thread.start()
                atexit.register(self.close)
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._urls and not self._closing:
                    self._cond.wait()
                batch, self._urls = self._urls[:8], self._urls[8:]
                if not batch:
                    return
            asyncio.run(self._drop(batch))

    @staticmethod
    async def _drop(batch: list[str]) -> None:
        results = await asyncio.gather(*(drop_database(u) for u in batch), return_exceptions=True)
        for url, r in zip(batch, results, strict=True):
            if isinstance(r, BaseException):
                print(f"ecocomply tests: could not drop {make_url(url).database}: {r}", flush=True)

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=120)


_later = _LaterDrops()


def drop_database_later(url: str) -> None:
    """Queue ``url``'s database to be dropped on a background thread (all are dropped before exit)."""
    _later.put(url)


def describe() -> str:
    """Which server the tests use (finds/starts it if that has not happened yet)."""
    return get_server().origin


def sanitize_name(name: str) -> str:
    """A valid unquoted-style identifier: lower-case ``[a-z0-9_]``, starting with a letter or ``_``,
    at most 63 bytes; over-long names keep a hash of the full name so that they stay distinct."""
    s = re.sub(r"[^a-z0-9_]", "_", name.lower())
    if not s or not (s[0].isalpha() or s[0] == "_"):
        s = "t_" + s
    if len(s) > 63:
        s = s[:54] + "_" + hashlib.sha1(name.encode()).hexdigest()[:8]
    return s


# -- discovery -----------------------------------------------------------------------------------------


def get_server() -> Server:
    """The admin server, found or started once per process (thread-safe; blocking)."""
    global _server
    with _lock:
        if _server is None:
            _server = _discover()
        return _server


def _discover() -> Server:
    problems: list[str] = []
    force = os.environ.get(ENV_FORCE_THROWAWAY, "").strip().lower() not in ("", "0", "false", "no")
    if force:
        problems.append(f"{ENV_FORCE_THROWAWAY} is set, so existing servers were not tried")
    else:
        env = os.environ.get(ENV_URL, "").strip()
        if env:
            server = _from_url(env)
            err = _probe(server)
            if err is None:
                return server
            # An explicit URL that does not work is an error, not a reason to fall back silently.
            raise RuntimeError(f"{ENV_URL}={_redact(env)} does not accept connections: {err}")
        problems.append(f"{ENV_URL} is not set")
        server = Server(
            DEFAULT_HOST,
            DEFAULT_PORT,
            DEFAULT_USER,
            None,
            "postgres",
            origin=f"existing PostgreSQL server at {DEFAULT_HOST}:{DEFAULT_PORT}",
        )
        err = _probe(server)
        if err is None:
            return server
        problems.append(f"no server accepted user {DEFAULT_USER} at {DEFAULT_HOST}:{DEFAULT_PORT} ({err})")
    try:
        return _start_throwaway()
    except Exception as e:
        problems.append(f"could not start a throwaway cluster: {e}")
    raise RuntimeError("no PostgreSQL server for the tests: " + "; ".join(problems))


def _from_url(raw: str) -> Server:
    u = make_url(raw)
    if not u.drivername.startswith(("postgresql", "postgres")):
        raise RuntimeError(f"{ENV_URL} must be a postgresql:// URL, got {u.drivername}")
    query = {k: v for k, v in u.query.items() if isinstance(v, str)}
    host = query.get("host") or u.host or DEFAULT_HOST
    return Server(
        host,
        u.port or DEFAULT_PORT,
        u.username or DEFAULT_USER,
        u.password,
        u.database or "postgres",
        origin=f"PostgreSQL server from {ENV_URL} ({_redact(raw)})",
        query={"host": query["host"]} if "host" in query else {},
    )


def _redact(raw: str) -> str:
    return make_url(raw).render_as_string(hide_password=True)


def _probe(server: Server) -> str | None:
    """None if the server accepts the admin connection, else why not. Runs its own event loop in a
    helper thread, so it works whether or not the caller is inside a running loop."""

    async def go() -> None:
        conn = await asyncpg.connect(**{**server.connect_kwargs(server.admin_db), "timeout": 3})
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()

    result: list[str | None] = []

    def target() -> None:
        try:
            asyncio.run(go())
            result.append(None)
        except Exception as e:  # refused, auth, timeout, ...
            result.append(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)

    t = threading.Thread(target=target, name="pg-probe", daemon=True)
    t.start()
    t.join(CONNECT_TIMEOUT + 5)
    return result[0] if result else "probe timed out"


# -- throwaway cluster ---------------------------------------------------------------------------------


def _pg_bindir() -> str:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.split("/")[-2].split(".")],
        reverse=True,
    )
    for d in candidates:
        if os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            return d
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return os.path.dirname(initdb)
    raise RuntimeError(
        "no initdb/pg_ctl under /usr/lib/postgresql/*/bin or on PATH (install the postgresql package)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_throwaway() -> Server:
    bindir = _pg_bindir()
    as_root = os.geteuid() == 0
    if as_root:
        if shutil.which("runuser") is None:
            raise RuntimeError("running as root but runuser is missing (initdb refuses to run as root)")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError(
                "running as root but there is no 'postgres' OS user to run initdb as"
            ) from None
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []

    d = tempfile.mkdtemp(prefix="ecocomply-pg-", dir="/tmp")
    if as_root:
        shutil.chown(d, "postgres", "postgres")
    data, log = os.path.join(d, "data"), os.path.join(d, "pg.log")
    port = _free_port()

    def run(*args: str, timeout: float = 60) -> None:
        p = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            tail = ""
            if os.path.exists(log):
                with open(log, errors="replace") as f:
                    tail = f.read()[-2000:]
            raise RuntimeError(
                f"{os.path.basename(args[0])} failed ({p.returncode}): "
                f"{(p.stderr or p.stdout).strip()[-2000:]} {tail}".strip()
            )

    t0 = time.monotonic()
    try:
        run(
            os.path.join(bindir, "initdb"),
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        opts = (
            f"-p {port} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        run(os.path.join(bindir, "pg_ctl"), "-D", data, "-l", log, "-w", "-t", "30", "-o", opts, "start")
    except BaseException:
        _stop_throwaway(prefix, bindir, data, d)
        raise
    # Registered only once the postmaster may exist; stop is harmless if it is already gone.
    atexit.register(_stop_throwaway, prefix, bindir, data, d)
    elapsed = time.monotonic() - t0
    return Server(
        DEFAULT_HOST,
        port,
        "postgres",
        None,
        "postgres",
        origin=f"throwaway PostgreSQL cluster ({os.path.basename(os.path.dirname(bindir))}) "
        f"at {DEFAULT_HOST}:{port}, dir {d}, started in {elapsed:.2f}s",
    )


def _stop_throwaway(prefix: list[str], bindir: str, data: str, d: str) -> None:
    if os.path.exists(os.path.join(data, "postmaster.pid")):
        subprocess.run(
            [*prefix, os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
    shutil.rmtree(d, ignore_errors=True)

"""The ``ecocomply`` command (API.md "Commands")."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

from shared.auth import ROLES, load_or_create_secret, mint_token
from shared.config import SERVICES, Settings
from shared.observability import configure_logging
from shared.private_files import UMASK


def _command_path() -> str:
    """How to call this command again from the current directory (``.venv/bin/ecocomply`` after
    ``make run``, ``ecocomply`` when it is on PATH)."""
    exe = Path(sys.argv[0])
    if exe.name == "ecocomply" and shutil.which("ecocomply") != str(exe.resolve()):
        try:
            return str(exe.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(exe.resolve())
    return "ecocomply"


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else Settings().data_dir


def run_async(coro):
    """Run a coroutine on uvloop where it is installed (the pipeline's relays and consumers, like the API)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every platform but Windows
        return asyncio.run(coro)
    return uvloop.run(coro)


KEEP_ALIVE_SECONDS = 75


def _uvicorn_options() -> dict:
    """uvloop and httptools where installed (both are dependencies), else uvicorn's pure-Python defaults."""
    import importlib.util

    return {
        # X-Forwarded-For is read in one place, shared.public.client_address, under the trust setting and
        # the configured proxies; uvicorn's own handling trusts it from 127.0.0.1 regardless (issue 25 S7).
        "proxy_headers": False,
        # An idle connection is kept longer than its client keeps it (httpx and the services' own clients: 5 s;
        # nginx, browsers: 60 s and more), so that the client always closes first. At uvicorn's 5 s both ends
        # gave up together and a request sent on the closing connection failed (issue 28: ~2 % of requests
        # after a 5 s pause, RemoteProtocolError/ReadError, the load bench's errors at think time 5 s).
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
    }


def _serve(args: argparse.Namespace) -> int:
    import functools

    import uvicorn

    from services.audit.workspace.cli import first_account_hint
    from services.composition import embedded, single
    from services.pipeline import WorkerProcess, wake_path, worker_command
    from shared.wake import WakeSender

    configure_logging(Settings().log_level)
    worker: WorkerProcess | None = None
    if args.service:
        mode = args.pipeline if Settings(service=args.service).run_workers else "off"
        settings = Settings(service=args.service, run_workers=mode == "inline")
        try:
            comp = single(settings)
        except RuntimeError as e:  # missing configuration: say what, without a traceback
            print(f"ecocomply serve: {e}", file=sys.stderr)
            return 2
        # Replicas must not race each other's migrations: `ecocomply migrate --service NAME` (and
        # `seed`) run once per deployment, before the service (docker-compose.yml's migrate-* jobs).
        comp.auto_migrate = False
        if mode == "process":
            worker = WorkerProcess(worker_command(service=args.service, data_dir=None))
        print(f"EcoComply {args.service} service on http://{args.host}:{args.port}/{args.service}/v1"
              f" (pipeline: {_PIPELINE_WORDS[mode]})", flush=True)
    else:
        data_dir = _data_dir(args)
        mode = args.pipeline
        # Migrate and seed once, before the pipeline process starts reading the same files.
        run_async(_each_runtime(argparse.Namespace(service=None, data_dir=str(data_dir)), "seed", quiet=True))
        comp = embedded(data_dir, run_workers=mode == "inline")
        comp.auto_migrate = False
        if mode == "process":
            sender = WakeSender(wake_path(data_dir))
            for name, rt in comp.runtimes.items():
                rt.outbox_listeners.append(functools.partial(sender.send, name))
            worker = WorkerProcess(worker_command(service=None, data_dir=data_dir))
        base = f"http://{args.host}:{args.port}"
        print(
            f"\nEcoComply (embedded: SQLite in {data_dir}, in-process event bus; pipeline: {_PIPELINE_WORDS[mode]})\n"
            f"  URL:      {base}/  (public compliance portal; an enterprise's own page: {base}/my)\n"
            f"  API docs: {base}/checklist/docs  {base}/cases/docs  {base}/credit/docs  {base}/audit/docs\n"
            f"  Token:    TOKEN=$({_command_path()} token --sub officer1 --role officer --bureau 320509 "
            f"--cert-no 32050001 --data-dir {data_dir})\n"
            f"            curl -H \"Authorization: Bearer $TOKEN\" {base}/checklist/v1/guidance-items\n"
            f"  Supervision workspace: {base}/workspace/  (auditors, bureau leaders and administrators sign in there; "
            f"accounts: {_command_path()} users add|list|disable|passwd)\n"
            + first_account_hint(data_dir, _command_path()),
            flush=True,
        )
    comp.freeze_heap = True  # a process of its own: its start-up heap out of the collector's reach once started
    if worker is not None:
        worker.start()
    # uvicorn re-raises the SIGTERM it handled once it has shut down (restoring the handler it found):
    # end with SystemExit then, so that the pipeline process is stopped below rather than orphaned.
    signal.signal(signal.SIGTERM, _exit_quietly)
    try:
        uvicorn.run(comp.root, host=args.host, port=args.port, log_level="warning", access_log=False,
                    **_uvicorn_options())
    finally:
        if worker is not None:
            worker.stop()
    return 0


def _exit_quietly(signum, frame) -> None:
    raise SystemExit(0)


_PIPELINE_WORDS = {
    "process": "relays, consumers and jobs in a second process",
    "inline": "relays, consumers and jobs in this process",
    "off": "not run here (ECOCOMPLY_RUN_WORKERS=false: run `ecocomply worker` elsewhere)",
}


def _portal(args: argparse.Namespace) -> int:
    """The public portal alone (distributed mode): the services' URLs and the token secret from the
    environment, as for a service; the proxy sends ``/`` here."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from services.portal.app import create_portal
    from services.workspace.app import create_workspace
    from shared.auth import TokenVerifier
    from shared.http import ServiceClient

    configure_logging(Settings().log_level)
    settings = Settings()
    missing = [f"ECOCOMPLY_{n.upper()}_URL" for n in SERVICES if not settings.service_url(n)]
    if not settings.jwt_secret:  # also with a JWKS URL: it signs the portal's calls to the services
        missing.append("ECOCOMPLY_JWT_SECRET")
    if settings.jwt_jwks_url and not (settings.jwt_issuer and settings.jwt_audience):
        missing.append("ECOCOMPLY_JWT_ISSUER and ECOCOMPLY_JWT_AUDIENCE")
    if missing:
        print("ecocomply portal: refusing to start, missing configuration: " + "; ".join(missing), file=sys.stderr)
        return 2
    verifier = TokenVerifier.from_settings(settings)
    http = ServiceClient({n: settings.service_url(n) for n in SERVICES}, secret=settings.jwt_secret, caller="portal")
    print(f"EcoComply portal on http://{args.host}:{args.port}/ (enterprise page: /my; "
          f"supervision workspace: /workspace/)", flush=True)
    app = Starlette(routes=[Mount("/workspace", app=create_workspace(http, settings)),
                            Mount("/", app=create_portal(http, verifier, settings))])
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning",
                access_log=False, **_uvicorn_options())
    return 0


def _token(args: argparse.Namespace) -> int:
    # An explicit --data-dir means the embedded server of that directory; otherwise a deployment's
    # ECOCOMPLY_JWT_SECRET when set, else the embedded default directory.
    env_secret = Settings().jwt_secret
    secret = env_secret if (env_secret and not args.data_dir) else load_or_create_secret(_data_dir(args))
    try:
        tok = mint_token(
            secret,
            sub=args.sub,
            roles=args.role,
            bureau=args.bureau,
            uscc=args.uscc,
            cert_no=args.cert_no,
            name=args.name,
            ttl_seconds=args.ttl,
        )
    except ValueError as e:
        print(f"ecocomply token: {e}", file=sys.stderr)
        return 2
    print(tok)
    return 0


async def _each_runtime(args: argparse.Namespace, action: str, *, quiet: bool = False) -> int:
    from services.composition import embedded, single

    # Migrating needs only the database: no token verifier or bus settings are checked here.
    comp = single(Settings(service=args.service), for_migration=True) if args.service else embedded(_data_dir(args))
    try:
        for name, rt in comp.runtimes.items():
            if action in ("migrate", "seed"):
                await rt.migrate()
                if not quiet:
                    print(f"{name}: migrated to head", flush=True)
            if action == "seed":
                await rt.seed()
                if not quiet:
                    print(f"{name}: seeded", flush=True)
    finally:
        await comp.stop()
    return 0


async def _worker(args: argparse.Namespace) -> int:
    """The pipeline — relays, consumers, deliverers, jobs — without the HTTP API: of one distributed
    service (``--service``), or of the embedded default (its data directory), as ``serve`` starts it."""
    from services.composition import embedded, single
    from services.pipeline import wake_path
    from shared.loop_watch import freeze_startup_heap
    from shared.wake import WakeListener

    configure_logging(Settings().log_level)
    listener = None
    if args.service:
        try:
            comp = single(Settings(service=args.service))
        except RuntimeError as e:
            print(f"ecocomply worker: {e}", file=sys.stderr)
            return 2
        what = f"EcoComply {args.service} worker"
    else:
        data_dir = _data_dir(args)
        comp = embedded(data_dir)
        listener = WakeListener(wake_path(data_dir), lambda name: name in comp.runtimes and comp.runtimes[name].relay.wake())
        what = f"EcoComply pipeline (embedded, {data_dir})"
    await comp.start(migrate=False, seed=False, workers=True)
    freeze_startup_heap()  # shared.loop_watch: full collections no longer walk what start-up loaded
    metrics_port = Settings().worker_metrics_port
    if metrics_port:  # no HTTP API here: the loop lag, jobs and relay counters on a port of their own
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    if listener is not None:
        listener.start()
    print(f"{what}: relays, consumers and jobs running", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if listener is not None:
        listener.stop()
    await comp.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ecocomply", description="EcoComply — 涉企行政合规指导")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the HTTP API (embedded by default)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--data-dir", help="embedded data directory (default: ECOCOMPLY_DATA_DIR or ./var)")
    s.add_argument("--service", choices=SERVICES, help="run one service configured from ECOCOMPLY_* env")
    s.add_argument("--pipeline", choices=("process", "inline"), default="process",
                   help="where the relays, consumers and jobs run: a second process (default; both cores) or "
                        "this one")
    s.set_defaults(func=_serve)

    po = sub.add_parser("portal", help="run the public portal alone (distributed mode; configured from ECOCOMPLY_* env)")
    po.add_argument("--host", default="127.0.0.1")
    po.add_argument("--port", type=int, default=8000)
    po.set_defaults(func=_portal)

    t = sub.add_parser("token", help="print a bearer token for the embedded server")
    t.add_argument("--sub", required=True)
    t.add_argument("--role", action="append", required=True, choices=ROLES)
    t.add_argument("--bureau")
    t.add_argument("--uscc")
    t.add_argument("--cert-no")
    t.add_argument("--name")
    t.add_argument("--ttl", type=int, default=12 * 3600, help="seconds the token is valid")
    t.add_argument("--data-dir", help="sign for the embedded server of this directory (default: "
                   "ECOCOMPLY_JWT_SECRET if set, else ECOCOMPLY_DATA_DIR or ./var)")
    t.set_defaults(func=_token)

    for name, helptext in (("migrate", "run migrations"), ("seed", "migrate and load the bundled lists")):
        m = sub.add_parser(name, help=helptext)
        m.add_argument("--data-dir", help="embedded data directory (default: ECOCOMPLY_DATA_DIR or ./var)")
        m.add_argument("--service", choices=SERVICES)
        m.set_defaults(func=lambda a, _n=name: run_async(_each_runtime(a, _n)))

    w = sub.add_parser("worker", help="the pipeline (relays, consumers, jobs) without the HTTP API: of one "
                                      "service, or of the embedded default")
    w.add_argument("--service", choices=SERVICES, help="a distributed service configured from ECOCOMPLY_* env")
    w.add_argument("--data-dir", help="embedded data directory (default: ECOCOMPLY_DATA_DIR or ./var)")
    w.set_defaults(func=lambda a: run_async(_worker(a)))

    from services.audit.cli import add_parser as add_audit_parser

    add_audit_parser(sub)  # ecocomply audit verify | public-key | rotate-key

    from services.audit.workspace.cli import add_parser as add_users_parser

    add_users_parser(sub)  # ecocomply users add | list | disable | passwd

    from services.checklist.cli import add_parser as add_checklist_parser

    add_checklist_parser(sub)  # ecocomply checklist import|export

    from services.cases.cli import add_bureaus_parser
    from services.cases.cli import add_parser as add_cases_parser

    add_cases_parser(sub)  # ecocomply cases calendar load FILE
    add_bureaus_parser(sub)  # ecocomply bureaus import FILE.yaml

    from services.secrets_cli import add_parser as add_secrets_parser

    add_secrets_parser(sub)  # ecocomply secrets new-key | rotate
    return p


def main(argv: list[str] | None = None) -> int:
    os.umask(UMASK)  # case data and secrets: whatever the commands create is the owner's alone (issue 25 S18)
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

"""The ``ecocomply`` command (API.md "Commands")."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
from pathlib import Path

from shared.auth import ROLES, load_or_create_secret, mint_token
from shared.config import SERVICES, Settings
from shared.observability import configure_logging


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


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from services.composition import embedded, single

    configure_logging(Settings().log_level)
    if args.service:
        settings = Settings(service=args.service)
        try:
            comp = single(settings)
        except RuntimeError as e:  # missing configuration: say what, without a traceback
            print(f"ecocomply serve: {e}", file=sys.stderr)
            return 2
        # Replicas must not race each other's migrations: `ecocomply migrate --service NAME` (and
        # `seed`) run once per deployment, before the service (docker-compose.yml's migrate-* jobs).
        comp.auto_migrate = False
        print(f"EcoComply {args.service} service on http://{args.host}:{args.port}/{args.service}/v1", flush=True)
    else:
        data_dir = _data_dir(args)
        comp = embedded(data_dir)
        base = f"http://{args.host}:{args.port}"
        print(
            f"\nEcoComply (embedded: SQLite in {data_dir}, in-process event bus)\n"
            f"  URL:      {base}/  (public compliance portal; an enterprise's own page: {base}/my)\n"
            f"  API docs: {base}/checklist/docs  {base}/cases/docs  {base}/credit/docs  {base}/audit/docs\n"
            f"  Token:    TOKEN=$({_command_path()} token --sub officer1 --role officer --bureau 320509 "
            f"--cert-no 32050001 --data-dir {data_dir})\n"
            f"            curl -H \"Authorization: Bearer $TOKEN\" {base}/checklist/v1/guidance-items\n"
            f"  Auditors' dashboard: {base}/audit/dashboard (a token with --role auditor, sent as the "
            "Authorization header or the ecocomply_token cookie)\n",
            flush=True,
        )
    uvicorn.run(comp.root, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def _portal(args: argparse.Namespace) -> int:
    """The public portal alone (distributed mode): the services' URLs and the token secret from the
    environment, as for a service; the proxy sends ``/`` here."""
    import uvicorn

    from services.portal.app import create_portal
    from shared.auth import TokenVerifier
    from shared.http import ServiceClient

    configure_logging(Settings().log_level)
    settings = Settings()
    missing = [f"ECOCOMPLY_{n.upper()}_URL" for n in SERVICES if not settings.service_url(n)]
    if not (settings.jwt_secret or settings.jwt_jwks_url):
        missing.append("ECOCOMPLY_JWT_SECRET or ECOCOMPLY_JWT_JWKS_URL")
    if missing:
        print("ecocomply portal: refusing to start, missing configuration: " + "; ".join(missing), file=sys.stderr)
        return 2
    verifier = TokenVerifier(secret=settings.jwt_secret, jwks_url="" if settings.jwt_secret else settings.jwt_jwks_url,
                             issuer=settings.jwt_issuer)
    http = ServiceClient({n: settings.service_url(n) for n in SERVICES}, secret=settings.jwt_secret, caller="portal")
    print(f"EcoComply portal on http://{args.host}:{args.port}/ (enterprise page: /my)", flush=True)
    uvicorn.run(create_portal(http, verifier, settings), host=args.host, port=args.port, log_level="warning",
                access_log=False)
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


async def _each_runtime(args: argparse.Namespace, action: str) -> int:
    from services.composition import embedded, single

    # Migrating needs only the database: no token verifier or bus settings are checked here.
    comp = single(Settings(service=args.service), for_migration=True) if args.service else embedded(_data_dir(args))
    try:
        for name, rt in comp.runtimes.items():
            if action in ("migrate", "seed"):
                await rt.migrate()
                print(f"{name}: migrated to head", flush=True)
            if action == "seed":
                await rt.seed()
                print(f"{name}: seeded", flush=True)
    finally:
        await comp.stop()
    return 0


async def _worker(args: argparse.Namespace) -> int:
    from services.composition import single

    configure_logging(Settings().log_level)
    try:
        comp = single(Settings(service=args.service))
    except RuntimeError as e:
        print(f"ecocomply worker: {e}", file=sys.stderr)
        return 2
    await comp.start(migrate=False, seed=False, workers=True)
    print(f"EcoComply {args.service} worker: relay and consumers running", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
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
        m.set_defaults(func=lambda a, _n=name: asyncio.run(_each_runtime(a, _n)))

    w = sub.add_parser("worker", help="a service's relay and consumers without the HTTP API")
    w.add_argument("--service", choices=SERVICES, required=True)
    w.set_defaults(func=lambda a: asyncio.run(_worker(a)))

    from services.audit.cli import add_parser as add_audit_parser

    add_audit_parser(sub)  # ecocomply audit verify | public-key | rotate-key

    from services.checklist.cli import add_parser as add_checklist_parser

    add_checklist_parser(sub)  # ecocomply checklist import|export

    from services.cases.cli import add_parser as add_cases_parser

    add_cases_parser(sub)  # ecocomply cases calendar load FILE
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

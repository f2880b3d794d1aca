"""``ecocomply audit verify``: recompute the audit log's Merkle tree and check every signed tree head;
exit 0 when intact, 1 when anything changed, 2 when the log cannot be read."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from services.audit import ledger
from services.audit.config import AuditSettings
from services.audit.signing import key_path, load_public_key
from shared.config import Settings
from shared.db import make_engine, make_sessionmaker


def resolve(data_dir: Path | None, public_key_file: Path | None):
    """The audit database to read and the public key to check signatures with (None: unsigned)."""
    env = Settings(service="audit")
    if data_dir is not None or not env.database_url:
        directory = Path(data_dir) if data_dir is not None else env.data_dir
        db = directory / "audit.db"
        if not db.exists():
            raise FileNotFoundError(f"no audit database at {db}")
        settings = Settings(service="audit", embedded=True, data_dir=directory,
                            database_url=f"sqlite+aiosqlite:///{db.resolve()}")
    else:
        settings = env
    source = public_key_file or key_path(settings, AuditSettings())
    pub = load_public_key(Path(source).read_bytes()) if source is not None and Path(source).exists() else None
    return settings, pub


async def run(settings: Settings, pub) -> int:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            result = await ledger.verify(session, pub)
    finally:
        await engine.dispose()
    print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    if not result.ok:
        print(f"ecocomply audit verify: 审计日志校验失败 — the audit log was changed ({len(result.problems)} problem(s))",
              file=sys.stderr)
    return 0 if result.ok else 1


def main(data_dir: Path | None, public_key_file: Path | None) -> int:
    try:
        settings, pub = resolve(data_dir, public_key_file)
    except (FileNotFoundError, ValueError) as e:
        print(f"ecocomply audit verify: {e}", file=sys.stderr)
        return 2
    return asyncio.run(run(settings, pub))


def add_parser(sub) -> None:
    """Register ``ecocomply audit verify`` on the top-level sub-parsers."""
    a = sub.add_parser("audit", help="audit service tools")
    asub = a.add_subparsers(dest="audit_command", required=True)
    v = asub.add_parser("verify", help="recompute the audit log (Merkle tree, signed heads); non-zero if broken")
    v.add_argument("--data-dir", help="embedded data directory (default: ECOCOMPLY_DATABASE_URL if set, else ./var)")
    v.add_argument("--public-key", help="Ed25519 public key (PEM) that signed the tree heads "
                   "(default: the embedded key file, or ECOCOMPLY_AUDIT_SIGNING_KEY_FILE)")

    def _run(args: argparse.Namespace) -> int:
        return main(Path(args.data_dir) if args.data_dir else None,
                    Path(args.public_key) if args.public_key else None)

    v.set_defaults(func=_run)

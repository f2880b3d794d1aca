"""``ecocomply audit verify | public-key | rotate-key``.

``verify`` recomputes the audit log's Merkle tree and checks every signed tree head with the key it
names; ``--against FILE`` also proves the log a consistent extension of each head a witness kept.
Exit 0 when intact, 1 when anything changed (or a witness head is refused), 2 when the log or the
file cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from services.audit.config import AuditSettings
from services.audit.log import ledger, witness
from services.audit.log.signing import (
    key_id,
    key_path,
    load_public_key,
    public_jwk,
    public_pem,
    read_signer,
    rotate,
)
from shared.config import Settings
from shared.db import make_engine, make_sessionmaker

PROG = "ecocomply audit"


def resolve_settings(data_dir: Path | None) -> Settings:
    """The audit database to read: ``--data-dir``'s embedded one, else ``ECOCOMPLY_DATABASE_URL``,
    else the default data directory's."""
    env = Settings(service="audit")
    if data_dir is not None or not env.database_url:
        directory = Path(data_dir) if data_dir is not None else env.data_dir
        db = directory / "audit.db"
        if not db.exists():
            raise FileNotFoundError(f"no audit database at {db}")
        return Settings(service="audit", embedded=True, data_dir=directory,
                        database_url=f"sqlite+aiosqlite:///{db.resolve()}")
    return env


def _key_file(settings: Settings, key_file: Path | None) -> Path | None:
    return Path(key_file) if key_file is not None else key_path(settings, AuditSettings())


def resolve(data_dir: Path | None):
    """The audit database and the public key of the local key file (None: no key file there)."""
    settings = resolve_settings(data_dir)
    source = _key_file(settings, None)
    pub = load_public_key(source.read_bytes()) if source is not None and source.exists() else None
    return settings, pub


async def run(settings: Settings, pinned: list | None, local, against: list[witness.WitnessHead] | None) -> int:
    """``pinned``: the only keys trusted (``--public-key``); otherwise every key the log recorded
    plus the local key file's."""
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            keys = {key_id(p): p for p in pinned} if pinned else await ledger.keyring(session, local)
            result = await ledger.verify(session, keys, against=against)
    finally:
        await engine.dispose()
    print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    if not result.ok:
        for p in result.problems:
            print(f"{PROG} verify: {p['detail']}", file=sys.stderr)
        print(f"{PROG} verify: 审计日志校验失败 — the audit log was changed ({len(result.problems)} problem(s))",
              file=sys.stderr)
    elif against is not None:
        print(f"{PROG} verify: the log ({result.length} leaves) is a consistent extension of all "
              f"{len(against)} witness head(s)", file=sys.stderr)
    return 0 if result.ok else 1


def main(data_dir: Path | None, public_key_file: Path | list[Path] | None, against: Path | None = None) -> int:
    pins = public_key_file if isinstance(public_key_file, list) else [public_key_file] if public_key_file else []
    try:
        settings, local = resolve(data_dir)
        pinned = [load_public_key(Path(p).read_bytes()) for p in pins]
        heads = None
        if against is not None:
            heads, skipped = witness.parse(Path(against).read_text(encoding="utf-8"))
            if not heads:
                raise ValueError(f"{against} holds no tree heads ({skipped} other event(s) skipped)")
    except (OSError, ValueError) as e:
        print(f"{PROG} verify: {e}", file=sys.stderr)
        return 2
    return asyncio.run(run(settings, pinned, local, heads))


def _settings_for_key(data_dir: Path | None) -> Settings:
    if data_dir is not None:
        return Settings(service="audit", embedded=True, data_dir=Path(data_dir))
    env = Settings(service="audit")
    return env if env.database_url else Settings(service="audit", embedded=True, data_dir=env.data_dir)


def public_key_main(data_dir: Path | None, key_file: Path | None, as_jwk: bool) -> int:
    path = _key_file(_settings_for_key(data_dir), key_file)
    if path is None or not path.exists():
        print(f"{PROG} public-key: no signing key at {path or 'ECOCOMPLY_AUDIT_SIGNING_KEY_FILE (not set)'} — the "
              f"embedded server makes one on start; `{PROG} rotate-key` makes one", file=sys.stderr)
        return 2
    try:
        signer = read_signer(path)
    except RuntimeError as e:
        print(f"{PROG} public-key: {e}", file=sys.stderr)
        return 2
    print(json.dumps(public_jwk(signer.public)) if as_jwk else public_pem(signer.public), end="\n" if as_jwk else "")
    return 0


def rotate_key_main(data_dir: Path | None, key_file: Path | None, if_missing: bool) -> int:
    path = _key_file(_settings_for_key(data_dir), key_file)
    if path is None:
        print(f"{PROG} rotate-key: where is the key? set ECOCOMPLY_AUDIT_SIGNING_KEY_FILE or give --key-file",
              file=sys.stderr)
        return 2
    try:
        if if_missing and path.exists():
            print(f"signing key {read_signer(path).key_id} kept at {path}", file=sys.stderr)
            return 0
        old, new = rotate(path)
    except (OSError, RuntimeError) as e:
        print(f"{PROG} rotate-key: {e}", file=sys.stderr)
        return 2
    what = f"replaces key {old}, whose public key stays listed at GET /audit/v1/log/public-key" if old else "first key"
    print(f"new signing key {new.key_id} at {path} ({what}); the audit service signs its next tree head with it",
          file=sys.stderr)
    print(public_pem(new.public), end="")
    return 0


def add_parser(sub) -> None:
    """Register ``ecocomply audit verify|public-key|rotate-key`` on the top-level sub-parsers."""
    a = sub.add_parser("audit", help="audit service tools")
    asub = a.add_subparsers(dest="audit_command", required=True)
    data_help = "embedded data directory (default: ECOCOMPLY_DATABASE_URL if set, else ./var)"
    v = asub.add_parser("verify", help="recompute the audit log (Merkle tree, signed heads, witness heads); "
                        "non-zero if broken")
    v.add_argument("--data-dir", help=data_help)
    v.add_argument("--public-key", action="append", help="trust only this Ed25519 public key (PEM) for signatures; "
                   "repeatable (default: every key the log recorded, and the embedded key file or "
                   "ECOCOMPLY_AUDIT_SIGNING_KEY_FILE)")
    v.add_argument("--against", help="tree heads kept by a witness, JSON lines: the "
                   "ecocomply.audit.tree_head_signed.v1 CloudEvents as delivered to a webhook, or their data; "
                   "fails unless the log is a consistent extension of every one (RFC 6962)")

    def _verify(args: argparse.Namespace) -> int:
        return main(Path(args.data_dir) if args.data_dir else None,
                    [Path(p) for p in args.public_key or []], Path(args.against) if args.against else None)

    v.set_defaults(func=_verify)

    key_help = "the private key file (default: ECOCOMPLY_AUDIT_SIGNING_KEY_FILE, else the data directory's)"
    pk = asub.add_parser("public-key", help="print the public key that signs tree heads (PEM, or --jwk)")
    pk.add_argument("--data-dir", help="embedded data directory (default: ECOCOMPLY_DATA_DIR or ./var)")
    pk.add_argument("--key-file", help=key_help)
    pk.add_argument("--jwk", action="store_true", help="print it as an RFC 8037 JWK (OKP, Ed25519, kid)")
    pk.set_defaults(func=lambda a: public_key_main(Path(a.data_dir) if a.data_dir else None,
                                                   Path(a.key_file) if a.key_file else None, a.jwk))

    rk = asub.add_parser("rotate-key", help="replace the tree-head signing key (old public keys stay listed)")
    rk.add_argument("--data-dir", help="embedded data directory (default: ECOCOMPLY_DATA_DIR or ./var)")
    rk.add_argument("--key-file", help=key_help)
    rk.add_argument("--if-missing", action="store_true", help="only create a key if there is none (deployments)")
    rk.set_defaults(func=lambda a: rotate_key_main(Path(a.data_dir) if a.data_dir else None,
                                                   Path(a.key_file) if a.key_file else None, a.if_missing))

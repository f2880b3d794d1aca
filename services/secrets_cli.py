"""``ecocomply secrets new-key | rotate`` — the key of secrets at rest (``shared.secrets``).

``rotate`` re-encrypts every stored secret (each service's ``ServiceSpec.encrypted_columns``) under a
new key, in one transaction per service:

* embedded (``--data-dir``, the default): the data directory's key file first holds the new key and
  the old one, then — once every secret is re-encrypted — the new key alone; ``--new-key`` gives the
  key, else one is generated (and not shown: it stays in the file);
* distributed (``--service NAME``): the old key(s) come from ``ECOCOMPLY_SECRETS_KEY``; with
  ``--new-key`` the secrets move to it, and the command says to put it first in the variable;
  without, they move to the variable's first key (the operator already put the new key first).

Neither prints a key except ``new-key``, whose only output is a new key.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from shared.config import SERVICES, Settings
from shared.secrets import (
    ENV_NAME,
    SecretBox,
    SecretUnreadable,
    load_or_create_key,
    new_key,
    parse_keys,
    reencrypt,
    write_key_file,
)


async def _rotate(args: argparse.Namespace) -> int:
    from services.composition import embedded, single

    try:
        new = parse_keys(args.new_key)[:1] if args.new_key else []
    except ValueError as e:
        print(f"ecocomply secrets rotate: --new-key: {e}", file=sys.stderr)
        return 2
    if args.service:
        settings = Settings(service=args.service)
        old = parse_keys(settings.secrets_key)
        if not old:
            print(f"ecocomply secrets rotate: {ENV_NAME} is not set: nothing can be decrypted", file=sys.stderr)
            return 2
        comp = single(settings, for_migration=True)
        data_dir = None
    else:
        data_dir = Path(args.data_dir) if args.data_dir else Settings().data_dir
        comp = embedded(data_dir)
        old = parse_keys(next(iter(comp.settings.values())).secrets_key)
        if old:  # the key comes from the environment, not the data directory's file
            data_dir = None
        else:
            old = parse_keys(load_or_create_key(data_dir))
            new = new or [new_key()]
            write_key_file(data_dir, ",".join([*new, *old]))  # both readable while the rows change
    box = SecretBox([*new, *old])
    try:
        for name, rt in comp.runtimes.items():
            if not rt.spec.encrypted_columns:
                continue
            try:
                n = await reencrypt(rt.engine, rt.spec.encrypted_columns, box)
            except SecretUnreadable as e:
                print(f"ecocomply secrets rotate: {name}: {e}; nothing of {name} was changed", file=sys.stderr)
                return 1
            print(f"{name}: {n} secret(s) re-encrypted under the new key", flush=True)
    finally:
        await comp.stop()
    if data_dir is not None:
        write_key_file(data_dir, new[0])
        print(f"the key file {data_dir / 'secrets_key'} now holds only the new key", flush=True)
    elif new:
        print(f"now set {ENV_NAME} to the new key (keep the old one after it, comma-separated, until every "
              "replica has restarted)", flush=True)
    return 0


def add_parser(sub) -> None:
    """Register ``ecocomply secrets new-key|rotate`` on the top-level sub-parsers."""
    s = sub.add_parser("secrets", help="the key of secrets stored encrypted (webhook secrets)")
    ssub = s.add_subparsers(dest="secrets_command", required=True)
    nk = ssub.add_parser("new-key", help=f"print a new key for {ENV_NAME}")
    nk.set_defaults(func=lambda _a: print(new_key()) or 0)
    r = ssub.add_parser("rotate", help="re-encrypt every stored secret under a new key")
    r.add_argument("--new-key", help="the new key (`ecocomply secrets new-key`), written --new-key=KEY: a key may begin "
                   "with '-'; embedded: generated when omitted")
    r.add_argument("--data-dir", help="embedded data directory (default: ECOCOMPLY_DATA_DIR or ./var)")
    r.add_argument("--service", choices=SERVICES, help=f"a distributed service (old keys from {ENV_NAME})")
    r.set_defaults(func=lambda a: asyncio.run(_rotate(a)))

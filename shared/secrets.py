"""Secrets at rest: values a service must keep and use again (webhook subscriptions' signing secrets)
are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a key from the
environment, never in clear.

* ``ECOCOMPLY_SECRETS_KEY`` — one or more Fernet keys, comma-separated: the first encrypts, every one
  decrypts (``MultiFernet``), so a rotation can be rolled out: put the new key first, run
  ``ecocomply secrets rotate`` (re-encrypts every stored secret under it), then drop the old one.
* The embedded mode without that variable generates a key into the data directory
  (``secrets_key``, mode 0600), as it does the token secret.

A service declares its encrypted columns (``ServiceSpec.encrypted_columns``); a distributed service
with any refuses to start without the key. Nothing here logs a secret or a key; ``SecretBox``'s
``repr`` shows only how many keys it holds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Column, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.private_files import private_dir

KEY_FILE = "secrets_key"
ENV_NAME = "ECOCOMPLY_SECRETS_KEY"


class SecretUnreadable(Exception):
    """A stored secret was encrypted under a key the configuration no longer holds."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def parse_keys(value: str) -> list[str]:
    """The comma-separated keys of ``ECOCOMPLY_SECRETS_KEY``; ValueError names a malformed one by position."""
    keys = [k.strip() for k in value.split(",") if k.strip()]
    for i, k in enumerate(keys, 1):
        try:
            Fernet(k)
        except (ValueError, TypeError):
            raise ValueError(f"key {i} of {ENV_NAME} is not a Fernet key (32 url-safe base64-encoded bytes; "
                             "`ecocomply secrets new-key` makes one)") from None
    return keys


class SecretBox:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("a SecretBox needs at least one key")
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        self.key_count = len(keys)

    def __repr__(self) -> str:
        return f"SecretBox({self.key_count} key(s))"

    @classmethod
    def from_settings(cls, settings: Any) -> SecretBox | None:
        """The box ``settings`` describe; the embedded mode's generated key when none is set; else None."""
        keys = parse_keys(settings.secrets_key)
        if not keys and settings.embedded:
            keys = parse_keys(load_or_create_key(Path(settings.data_dir)))
        return cls(keys) if keys else None

    def encrypt(self, clear: str) -> str:
        return self._fernet.encrypt(clear.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError):
            raise SecretUnreadable(f"a stored secret cannot be decrypted with the keys of {ENV_NAME} "
                                   "(was the key it was encrypted under dropped?)") from None

    def rotate(self, stored: str) -> str:
        """The same secret encrypted under the first key."""
        try:
            return self._fernet.rotate(stored.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretUnreadable(f"a stored secret cannot be decrypted with the keys of {ENV_NAME}") from None


def load_or_create_key(data_dir: Path) -> str:
    """The embedded mode's key(s), generated once into the data directory (mode 0600); during a
    rotation the file holds the new key and the old one, comma-separated."""
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = new_key()
    write_key_file(data_dir, key)
    return key


def write_key_file(data_dir: Path, keys: str) -> None:
    """Replace the data directory's key file at once (a new file, mode 0600, renamed over the old)."""
    private_dir(data_dir)
    tmp = data_dir / f".{KEY_FILE}.tmp"
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(keys)
    tmp.replace(data_dir / KEY_FILE)


async def reencrypt(engine: AsyncEngine, columns: Sequence[Column], box: SecretBox) -> int:
    """Every value of ``columns`` encrypted again under ``box``'s first key, in one transaction;
    returns how many values were rewritten. A value none of the box's keys reads raises
    SecretUnreadable and nothing is written."""
    done = 0
    async with engine.begin() as conn:
        for col in columns:
            (pk,) = col.table.primary_key.columns
            rows = (await conn.execute(select(pk, col).where(col.is_not(None)))).all()
            rotated = [(key, box.rotate(value)) for key, value in rows]
            for key, value in rotated:
                await conn.execute(update(col.table).where(pk == key).values({col.name: value}))
            done += len(rotated)
    return done

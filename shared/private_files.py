"""The embedded data directory holds case and personal data (the SQLite files) and secrets (the token signing
secret, the field-encryption keys, the audit log's signing key): a directory only its owner may enter (0700)
and files only its owner may read (0600) from the moment they exist — never created world-readable and
chmodded afterwards, which leaves a window (issue 25 S18). One place for the rule."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077  # what ``ecocomply`` sets for itself: anything else it creates is private too


def private_dir(path: Path) -> Path:
    """``path`` as a directory of mode 0700 (created so, or narrowed if it is ours and wider)."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_mode & 0o777 != DIR_MODE and st.st_uid == os.getuid():
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` exists as a file of mode 0600: created empty with that mode (O_EXCL, so never wider for an
    instant), or narrowed if it already exists wider. SQLite gives its -wal and -shm files the database
    file's mode, so a database created through this stays private with its journals."""
    path = Path(path)
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        if path.stat().st_mode & 0o777 != FILE_MODE:
            path.chmod(FILE_MODE)
    return path


def write_once(path: Path, text: str) -> str:
    """Write ``text`` to a new 0600 file, or — when another process created it first — return what that one
    wrote (concurrent first starts agree on one value)."""
    path = Path(path)
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # fails if the file exists: the first writer wins, whole
    except FileExistsError:
        return path.read_text().strip()
    finally:
        tmp.unlink()
    return text

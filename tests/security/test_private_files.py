"""Issue 25 S18: the embedded data directory (case and personal data in SQLite, the token secret, the field keys,
the audit signing key) is the owner's alone — the directory 0700, every file 0600 — from the moment each exists,
whatever the umask of the shell that started EcoComply."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from services.composition import embedded
from shared.private_files import write_once


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _wide(data: Path) -> dict[str, str]:
    """Every path under ``data`` that someone other than the owner could enter or read."""
    out = {}
    for p in [data, *data.rglob("*")]:
        mode = _mode(p)
        if mode & 0o077:
            out[str(p.relative_to(data.parent))] = oct(mode)
    return out


def test_ecocomply_seed_leaves_nothing_readable_by_others(tmp_path):
    data = tmp_path / "var"
    exe = Path(sys.executable).parent / "ecocomply"
    # A shell with the common umask 022: files would be 0644 and directories 0755 unless EcoComply sees to it.
    r = subprocess.run([str(exe), "seed", "--data-dir", str(data)], capture_output=True, text=True, timeout=300,
                       preexec_fn=lambda: os.umask(0o022))
    assert r.returncode == 0, r.stdout + r.stderr
    names = {p.name for p in data.iterdir()}
    assert {"cases.db", "checklist.db", "credit.db", "audit.db", "jwt_secret"} <= names, names  # the positive
    assert _mode(data) == 0o700
    assert _wide(data) == {}


def test_the_library_entry_points_are_private_under_a_wide_umask(tmp_path):
    old = os.umask(0o022)  # not the CLI: the composition and the secret helpers themselves
    try:
        data = tmp_path / "var"
        data.mkdir(mode=0o755)  # an existing data directory left open by an earlier version
        os.chmod(data, 0o755)
        embedded(data)
        assert (data / "cases.db").exists() and (data / "jwt_secret").exists()
        assert _wide(data) == {}, _wide(data)
    finally:
        os.umask(old)


def test_a_secret_file_is_created_0600_under_any_umask(tmp_path):
    old = os.umask(0)  # the worst umask: a plain write would create the file 0666 and narrow it afterwards
    try:
        path = tmp_path / "secret"
        assert write_once(path, "first") == "first"
        assert _mode(path) == 0o600
        assert write_once(path, "second") == "first"  # a second first start agrees on the value written
    finally:
        os.umask(old)

"""Ed25519 keys for signed tree heads (签名树头).

The key is a PEM (PKCS#8) file: ``ECOCOMPLY_AUDIT_SIGNING_KEY_FILE`` when set; otherwise the embedded
mode generates one into the data directory (``audit_signing_key.pem``, mode 0600). A distributed
service without a key file refuses to start (``preflight``) unless ``ECOCOMPLY_AUDIT_UNSIGNED=true``;
then its heads go unsigned and ``/readyz`` says so.

A key is named by its id (the first 16 hex digits of SHA-256 of the raw public key); every head
carries the id of the key that signed it. ``rotate`` replaces the key file atomically; a running
service notices the new file and signs its next head with it, and the old public key stays listed
(``signing_keys``, recorded with the first head a key signs).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.audit.config import AuditSettings
from shared.config import Settings

log = logging.getLogger("ecocomply.audit.signing")

KEY_FILE = "audit_signing_key.pem"
DOMAIN = b"ecocomply-audit-log/v1\n"
MESSAGE_FORMAT = 'b"ecocomply-audit-log/v1\\n" + f"{tree_size}\\n{root}\\n{timestamp_ms}"'
UNSIGNED_WARNING = ("tree heads are not signed: ECOCOMPLY_AUDIT_UNSIGNED=true and no "
                    "ECOCOMPLY_AUDIT_SIGNING_KEY_FILE — outsiders cannot hold this log to its history")


def tree_head_message(tree_size: int, root_hex: str, timestamp_ms: int) -> bytes:
    """The bytes a tree head's signature covers (documented so outsiders can check it)."""
    return DOMAIN + f"{tree_size}\n{root_hex}\n{timestamp_ms}".encode()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def public_jwk(public: Ed25519PublicKey) -> dict[str, str]:
    """RFC 8037 JWK of the key (``OKP``/``Ed25519``), ``kid`` = the key id heads carry."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
            "kid": key_id(public), "alg": "EdDSA", "use": "sig"}


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 key") from None
        return private.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def verify_signature(public: Ed25519PublicKey, message: bytes, signature_hex: str) -> bool:
    try:
        public.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Signer:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, message: bytes) -> str:
        return self.private.sign(message).hex()


def _new_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, pem: bytes, *, replace: bool) -> None:
    """Write a key without ever exposing a half-written file: into a temporary file (0600) first,
    then linked (fails if another process won the race) or, for a rotation, renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")
    try:
        os.write(fd, pem)
        os.fchmod(fd, 0o600)
        os.fsync(fd)
        os.close(fd)
        if replace:
            os.replace(tmp, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _generate(path: Path) -> None:
    _write(path, _new_key_pem(), replace=False)


def read_signer(path: Path) -> Signer:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as e:
        raise RuntimeError(f"{path} is not an unencrypted PEM private key: {e}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 private key")
    return Signer(key)


def rotate(path: Path) -> tuple[str | None, Signer]:
    """Replace the key at ``path`` with a new one; returns the old key's id (None if there was none)
    and the new signer. The old private key is gone; its public key stays in ``signing_keys``."""
    old = read_signer(path).key_id if path.exists() else None
    _write(path, _new_key_pem(), replace=True)
    return old, read_signer(path)


def key_path(settings: Settings, audit: AuditSettings) -> Path | None:
    if audit.signing_key_file:
        return Path(audit.signing_key_file)
    if settings.embedded:
        return Path(settings.data_dir) / KEY_FILE
    return None


def load_signer(settings: Settings, audit: AuditSettings) -> Signer | None:
    path = key_path(settings, audit)
    if path is None:
        return None
    if not path.exists():
        if audit.signing_key_file:
            raise RuntimeError(f"ECOCOMPLY_AUDIT_SIGNING_KEY_FILE {path} does not exist "
                               "(`ecocomply audit rotate-key --key-file PATH` makes one)")
        _generate(path)
    return read_signer(path)


_signers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def signer_for(runtime) -> Signer | None:
    """The runtime's signer: loaded once, and again when the key file changes (a rotation)."""
    cached = _signers.get(runtime)
    if cached is None:
        path = key_path(runtime.settings, AuditSettings())
        if path is None:
            _signers[runtime] = (None, None, None)
            return None
        signer = load_signer(runtime.settings, AuditSettings())
        _signers[runtime] = (path, _stamp(path), signer)
        return signer
    path, stamp, signer = cached
    if path is None:
        return None
    now = _stamp(path)
    if now != stamp:
        _signers[runtime] = (path, now, signer)  # said once per change of the file
        if now is None:  # the file vanished: keep signing with the key in memory, say so
            log.error("audit: signing key file %s disappeared; still signing with key %s", path, signer.key_id)
            return signer
        try:
            fresh = read_signer(path)
        except RuntimeError as e:  # a bad file put in place: keep the working key until a good one
            log.error("audit: signing key file %s changed but cannot be used (%s); still signing with key %s",
                      path, e, signer.key_id)
            return signer
        log.warning("audit: signing key file %s changed; tree heads are now signed with key %s", path, fresh.key_id)
        _signers[runtime] = (path, now, fresh)
        return fresh
    return signer


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def preflight(runtime) -> list[str]:
    """Before a process of the audit service starts: load (or, embedded, create) the key now, so a
    missing or bad key refuses the start; without a key file a distributed service refuses unless
    ``ECOCOMPLY_AUDIT_UNSIGNED=true``. Returns the warnings ``/readyz`` shows."""
    audit = AuditSettings()
    if key_path(runtime.settings, audit) is None:
        if not audit.unsigned:
            raise RuntimeError(
                "refusing to start the audit service without a signing key: set ECOCOMPLY_AUDIT_SIGNING_KEY_FILE "
                "to an Ed25519 private key (PEM; `ecocomply audit rotate-key --key-file PATH` makes one), or "
                "ECOCOMPLY_AUDIT_UNSIGNED=true to run with unsigned tree heads")
        log.warning("audit: %s", UNSIGNED_WARNING)
        return [f"audit: {UNSIGNED_WARNING}"]
    signer = signer_for(runtime)
    log.info("audit: tree heads are signed with Ed25519 key %s", signer.key_id if signer else None)
    return []

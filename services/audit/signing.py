"""Ed25519 keys for signed tree heads (签名树头).

The key is a PEM (PKCS#8) file: ``ECOCOMPLY_AUDIT_SIGNING_KEY_FILE`` when set; otherwise the embedded
mode generates one into the data directory (``audit_signing_key.pem``, mode 0600). A distributed
service without a key file signs nothing, and ``/log/verify`` says so.
"""

from __future__ import annotations

import contextlib
import hashlib
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

KEY_FILE = "audit_signing_key.pem"
DOMAIN = b"ecocomply-audit-log/v1\n"


def tree_head_message(tree_size: int, root_hex: str, timestamp_ms: int) -> bytes:
    """The bytes a tree head's signature covers (documented so outsiders can check it)."""
    return DOMAIN + f"{tree_size}\n{root_hex}\n{timestamp_ms}".encode()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


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


def _generate(path: Path) -> None:
    """Write a new key without ever exposing a half-written file (link fails if another process won)."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")
    try:
        os.write(fd, pem)
        os.fchmod(fd, 0o600)
        os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


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
            raise RuntimeError(f"ECOCOMPLY_AUDIT_SIGNING_KEY_FILE {path} does not exist")
        _generate(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 private key")
    return Signer(key)


_signers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def signer_for(runtime) -> Signer | None:
    """The runtime's signer, loaded once."""
    if runtime not in _signers:
        _signers[runtime] = load_signer(runtime.settings, AuditSettings())
    return _signers[runtime]

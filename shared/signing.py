"""Signed HTTP messages between EcoComply and the provincial platform, both directions.

Scheme (documented for the platform team, see examples/platform_client.py):

* ``X-EcoComply-Timestamp``: Unix seconds when the message was signed;
* ``X-EcoComply-Signature``: ``v1=<hex>``, HMAC-SHA256 with the shared secret over
  ``<timestamp> + "." + <raw body bytes>``; several ``v1=`` values separated by commas are accepted
  while a secret is being rotated;
* ``Idempotency-Key``: the CloudEvent id (outbound) or the warning id (inbound).

A receiver recomputes the HMAC over the exact bytes it received, compares in constant time, and
refuses a timestamp outside its replay window (default ±300 s), so a captured message cannot be
replayed later and a changed byte is detected.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-EcoComply-Timestamp"
SIGNATURE_HEADER = "X-EcoComply-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_WINDOW_SECONDS = 300


class SignatureError(ValueError):
    """Why a message was refused (said to the sender in the 401 problem)."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def sign(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    ts = int(now if now is not None else time.time())
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: signature(secret, ts, body)}


def verify(
    secret: str,
    body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    *,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
    now: float | None = None,
) -> int:
    """Return the verified timestamp or raise ``SignatureError``."""
    if not timestamp_header or not signature_header:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        ts = int(timestamp_header)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be Unix seconds, got {timestamp_header!r}") from None
    current = now if now is not None else time.time()
    if abs(current - ts) > window_seconds:
        raise SignatureError(
            f"timestamp {ts} is outside the replay window of ±{window_seconds}s (now {int(current)})"
        )
    expected = signature(secret, ts, body)
    offered = [s.strip() for s in signature_header.split(",") if s.strip()]
    if not any(hmac.compare_digest(expected, s) for s in offered):
        raise SignatureError("signature does not match the body and timestamp")
    return ts

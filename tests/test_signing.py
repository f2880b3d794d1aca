"""HMAC-SHA256 message signatures: what the platform and EcoComply check on every message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import signing

SECRET = "平台共享密钥-2026"
BODY = '{"warning_id":"W-1","level":"红"}'.encode()


def test_round_trip_and_rotation():
    h = signing.sign(SECRET, BODY, now=1_790_000_000)
    assert signing.verify(SECRET, BODY, h[signing.TIMESTAMP_HEADER], h[signing.SIGNATURE_HEADER],
                          now=1_790_000_100) == 1_790_000_000
    old = signing.signature("old-secret", 1_790_000_000, BODY)
    both = f"{old},{h[signing.SIGNATURE_HEADER]}"
    assert signing.verify(SECRET, BODY, h[signing.TIMESTAMP_HEADER], both, now=1_790_000_000)


@pytest.mark.parametrize(
    ("body", "ts", "sig_secret", "now", "fragment"),
    [
        (BODY + b" ", 1_790_000_000, SECRET, 1_790_000_000, "does not match"),
        (BODY, 1_790_000_000, "wrong", 1_790_000_000, "does not match"),
        (BODY, 1_790_000_000, SECRET, 1_790_000_301, "replay window"),
        (BODY, 1_790_000_000, SECRET, 1_789_999_699, "replay window"),
    ],
)
def test_tampering_staleness_and_wrong_keys_are_refused(body, ts, sig_secret, now, fragment):
    sig = signing.signature(sig_secret, ts, BODY)
    with pytest.raises(signing.SignatureError, match=fragment):
        signing.verify(SECRET, body, str(ts), sig, now=now)


def test_missing_or_malformed_headers_are_refused():
    with pytest.raises(signing.SignatureError, match="missing"):
        signing.verify(SECRET, BODY, None, "v1=00")
    with pytest.raises(signing.SignatureError, match="Unix seconds"):
        signing.verify(SECRET, BODY, "yesterday", "v1=00")


@given(st.binary(max_size=256), st.integers(min_value=0, max_value=255), st.integers(min_value=0, max_value=255))
def test_any_single_byte_change_is_detected(body, pos, delta):
    if not body or delta == 0:
        return
    sig = signing.signature(SECRET, 1_790_000_000, body)
    i = pos % len(body)
    changed = body[:i] + bytes([(body[i] + delta) % 256]) + body[i + 1:]
    with pytest.raises(signing.SignatureError):
        signing.verify(SECRET, changed, "1790000000", sig, now=1_790_000_000)

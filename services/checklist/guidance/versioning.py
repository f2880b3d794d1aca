"""Immutable versions of guidance items — pure, no I/O.

A version's content (everything but its workflow ``status`` and timestamps) is fixed once written; its
``content_hash`` (sha256 over canonical JSON) lets a decision that recorded ``(code, version, hash)``
prove later which text it relied on: ``GET /guidance-items/{code}/versions`` recomputes each hash
from the stored row and says whether it still matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

# The fields that make up a version's content (what a decision cites).
CONTENT_FIELDS = (
    "code",
    "version",
    "batch",
    "title",
    "domain",
    "common_violations",
    "legal_basis",
    "liability",
    "risk_level",
    "risk_rationale",
    "advice",
    "effective_from",
    "compiled",
    "verified",
    "source",
)
# Content fields added later (issue 23: ``effective_to``, the last day a version is in force): part of
# the hash only when set, so the hashes of versions written before them stay what they were.
OPTIONAL_CONTENT_FIELDS = ("effective_to",)
# The fields an admin edits; a revision that changes none of them is refused (nothing to version).
EDITABLE_FIELDS = (*(f for f in CONTENT_FIELDS if f not in ("code", "version")), *OPTIONAL_CONTENT_FIELDS)


def _norm(value: Any) -> Any:
    """Integral floats as ints (1000000.0 and 1000000 are the same amount), recursively."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def canonical(content: Mapping[str, Any]) -> str:
    fields = {k: _norm(content.get(k)) for k in CONTENT_FIELDS}
    fields.update({k: _norm(content[k]) for k in OPTIONAL_CONTENT_FIELDS if content.get(k) is not None})
    return json.dumps(
        fields,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=_default,
    )


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


def same_content(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Equal in every editable field (JSON-normalised, so 1 == 1.0 and dates compare as text)."""

    def norm(m: Mapping[str, Any]) -> str:
        return json.dumps({k: _norm(m.get(k)) for k in EDITABLE_FIELDS}, sort_keys=True, default=_default)

    return norm(a) == norm(b)

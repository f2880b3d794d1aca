"""Witnessed tree heads (见证): signed heads kept outside the bureau — by the provincial platform,
which receives every ``ecocomply.audit.tree_head_signed.v1`` through its webhook subscription — hold
the log to its history. Whoever administers the audit database can edit a leaf, recompute every node
and the head and sign it again with a key of their own; they cannot change the heads a witness kept.

``parse`` reads a witness's file: JSON lines, each a CloudEvent as delivered to a webhook (events of
other types are skipped) or just its ``data`` (``GET /log/tree-heads`` items work too). ``check``
holds the local log against each head: its key must be one this log knows and its signature must
verify, the local log must have at least as many leaves, and the RFC 6962 consistency proof from the
head's size to the local log's size — built from the leaves themselves — must verify against the
witness's root (RFC 9162 §2.1.4.2). Two validly signed heads of one size with different roots are a
fork on their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.log import merkle
from services.audit.log.signing import tree_head_message, verify_signature
from shared.contracts import AuditTreeHeadSigned

HEAD_TYPE = AuditTreeHeadSigned.__event_type__
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX128 = re.compile(r"^[0-9a-f]{128}$")
_KEY_ID = re.compile(r"^[0-9a-f]{1,64}$")


class WitnessFileError(ValueError):
    """The witness file cannot be read as tree heads (names the line)."""


@dataclass(frozen=True)
class WitnessHead:
    line: int
    tree_size: int
    root: str
    timestamp_ms: int
    key_id: str
    signature: str

    def name(self) -> str:
        return f"witness head on line {self.line} (size {self.tree_size}, root {self.root[:16]}…, key {self.key_id})"


def _field(data: dict[str, Any], name: str, line: int, ok) -> Any:
    value = data.get(name)
    if not ok(value):
        raise WitnessFileError(f"line {line}: field {name!r} is missing or invalid ({value!r})")
    return value


def _is_int(v: Any, low: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= low


def parse(text: str) -> tuple[list[WitnessHead], int]:
    """The heads in a witness file and the number of lines skipped (events of other types)."""
    heads: list[WitnessHead] = []
    skipped = 0
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            raise WitnessFileError(f"line {n}: not JSON ({e.msg})") from None
        if not isinstance(obj, dict):
            raise WitnessFileError(f"line {n}: a JSON object is expected")
        if "specversion" in obj or ("type" in obj and "data" in obj):  # a CloudEvent
            if obj.get("type") != HEAD_TYPE:
                skipped += 1
                continue
            data = obj.get("data")
            if not isinstance(data, dict):
                raise WitnessFileError(f"line {n}: the event has no data object")
        else:
            data = obj
        heads.append(WitnessHead(
            line=n,
            tree_size=_field(data, "tree_size", n, lambda v: _is_int(v, 1)),
            root=_field(data, "root", n, lambda v: isinstance(v, str) and bool(_HEX64.match(v))),
            timestamp_ms=_field(data, "timestamp_ms", n, lambda v: _is_int(v, 0)),
            key_id=_field(data, "key_id", n, lambda v: isinstance(v, str) and bool(_KEY_ID.match(v))),
            signature=_field(data, "signature", n, lambda v: isinstance(v, str) and bool(_HEX128.match(v))),
        ))
    return heads, skipped


def check(heads: Sequence[WitnessHead], keys: Mapping[str, Ed25519PublicKey], *, length: int, root: bytes,
          get: merkle.NodeGetter) -> list[dict[str, Any]]:
    """Problems with the local log (``length`` leaves, root ``root``, complete-subtree nodes from
    ``get``, all recomputed from the leaves) against each witness head; empty when it extends all."""
    problems: list[dict[str, Any]] = []

    def problem(code: str, h: WitnessHead, detail: str) -> None:
        problems.append({"code": code, "line": h.line, "tree_size": h.tree_size, "detail": f"{h.name()}: {detail}"})

    valid: dict[int, WitnessHead] = {}
    for h in heads:
        key = keys.get(h.key_id)
        if key is None:
            problem("witness_unknown_key", h, f"signed by key {h.key_id}, which this log does not know — a head "
                    "of another log, or this log's keys were replaced; refused")
            continue
        if not verify_signature(key, tree_head_message(h.tree_size, h.root, h.timestamp_ms), h.signature):
            problem("witness_bad_signature", h, f"the signature does not verify with key {h.key_id} — not a head "
                    "this log signed; refused")
            continue
        other = valid.setdefault(h.tree_size, h)
        if other.root != h.root:
            problem("witness_fork", h, f"this log signed two different roots of size {h.tree_size} (also "
                    f"line {other.line}): the log was forked")
        if h.tree_size > length:
            problem("witness_truncated", h, f"the witness saw {h.tree_size} leaves, the local log has "
                    f"{length}: entries were removed")
            continue
        proof = merkle.consistency_path(h.tree_size, length, get)
        if not merkle.verify_consistency(h.tree_size, length, bytes.fromhex(h.root), root, proof):
            local = merkle.root(h.tree_size, get).hex()
            problem("witness_inconsistent", h, f"the local log is not an extension of it — the RFC 6962 "
                    f"consistency proof from {h.tree_size} to {length} leaves fails and the local first "
                    f"{h.tree_size} leaves give root {local}: the log was rewritten or forked")
    return problems

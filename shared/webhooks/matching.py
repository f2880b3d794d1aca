"""Pure rules of outbound delivery, without I/O: which subscription receives which event, which
patterns an admin may subscribe to, and how long to wait before the next attempt."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from shared.events import REGISTRY

# ``ecocomply.case.*`` / ``ecocomply.*``: a dot-separated prefix of a type, then ``*``.
PATTERN_RE = re.compile(r"^ecocomply(?:\.[a-z_]+)*\.\*$")

Jitter = Literal["full", "decorrelated"]


def type_matches(patterns: Iterable[str], event_type: str) -> bool:
    """An exact CloudEvents type, or a ``prefix.*`` pattern covering every type under ``prefix.``."""
    for p in patterns:
        if p.endswith(".*"):
            if event_type.startswith(p[:-1]):
                return True
        elif p == event_type:
            return True
    return False


def bureau_in_scope(bureaus: Sequence[str], bureau: str | None, event_type: str | None = None) -> bool:
    """An empty scope means every bureau. A scoped subscription never receives an event whose
    payload names no bureau (e.g. ``ecocomply.credit.record_created.v1``): when in doubt, do not
    send one bureau's data to a receiver scoped to another — unless its contract says it concerns
    every bureau and carries none's data (``EventPayload.every_bureau``: the audit log's signed tree
    heads, which the platform keeps as a witness)."""
    if not bureaus:
        return True
    if event_type is not None and getattr(REGISTRY.get(event_type), "every_bureau", False):
        return True
    return bureau is not None and bureau in bureaus


def pattern_problem(pattern: str, known_types: Iterable[str]) -> str | None:
    """Why ``pattern`` cannot be subscribed to, or None. Exact types must be registered event
    contracts; a ``prefix.*`` pattern must cover at least one of them (a typo is refused, not silently
    subscribed to nothing)."""
    known = sorted(known_types)
    if pattern.endswith("*"):
        if not PATTERN_RE.match(pattern):
            return f"pattern {pattern!r} must be a dotted type prefix followed by '.*', e.g. 'ecocomply.case.*'"
        if not any(type_matches([pattern], t) for t in known):
            return f"pattern {pattern!r} matches no known event type"
        return None
    if pattern not in known:
        return f"unknown event type {pattern!r}; known types: {', '.join(known)}"
    return None


def backoff_delay(
    attempts: int,
    *,
    base: float,
    cap: float,
    jitter: Jitter = "full",
    previous: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1-based), always within [0, cap].

    * ``full`` (AWS "full jitter"): uniform in [0, min(cap, base·2^(attempts-1))];
    * ``decorrelated``: uniform in [base, 3·previous], capped — spreads retries of many receivers
      that failed at the same moment, growing roughly exponentially.
    """
    r = rng or random
    if jitter == "decorrelated":
        prev = previous if previous and previous > 0 else base
        return min(cap, r.uniform(base, max(base, prev * 3)))
    ceiling = min(cap, base * (2 ** min(max(0, attempts - 1), 60)))
    return r.uniform(0, ceiling)

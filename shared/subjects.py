"""Who is who for separation of duties: the one comparison of subjects (issue 25 S10).

Every check that one person may not act in two roles of a case (a handler reviewing, deciding or
auditing it …) compares subjects here, never with ``==`` / ``in``. Pure (no imports beyond the standard
library), so the pure workflow modules use it too; ``shared.auth`` re-exports it.
"""

from __future__ import annotations

from collections.abc import Iterable


def subject_key(sub: str | None) -> str:
    """A subject as separation-of-duties checks compare it: the token's ``sub`` — with an identity provider,
    its stable subject id (never a display name or login that can be renamed) — trimmed and case-folded
    (``str.casefold``, not ``lower``), so that ``OFF-A1`` and ``off-a1`` are one person (issue 25 S10).

    No string constants here: Hypothesis draws from the literals of every loaded project module, and the
    derandomised workflow walk (tests/cases/test_workflow_machine.py) changes course with them."""
    return (sub or "").strip().casefold()


def same_subject(a: str | None, b: str | None) -> bool:
    """Whether two subjects are the same person (``subject_key``); an empty subject is no one."""
    key = subject_key(a)
    return bool(key) and key == subject_key(b)


def among(sub: str | None, subjects: Iterable[str | None]) -> bool:
    """Whether ``sub`` is one of ``subjects`` (``same_subject``) — e.g. a case's handlers."""
    key = subject_key(sub)
    return bool(key) and any(key == subject_key(s) for s in subjects)

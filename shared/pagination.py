"""Keyset (cursor) pagination for lists that move while a client pages (issue 13): new flags arrive at
the front of the flags list while the audit consumes, so ``page=2`` by offset would show an item twice and
skip another. A cursor names the last item seen by its sort key; the next page starts strictly after it,
whatever arrived meanwhile. The order must be total (it ends in a unique column).

The cursor is opaque to clients (base64url of the key values); a malformed one is a 422 naming ``cursor``."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_

from shared.problems import invalid

# Offsets beyond any real list (and within the databases' 64-bit integers: a larger one is a 422, not a 500).
MAX_PAGE = 100_000
MAX_OFFSET = 10_000_000
_INT64 = 2**63 - 1

CURSOR_DESCRIPTION = ("opaque cursor from the previous page's `next`: the page after the last item seen, stable "
                      "while items are added (keyset pagination); when given, `page` is ignored")


def encode(values: Sequence[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date) else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The key values of ``cursor`` as ``kinds`` (``datetime``, ``date``, ``str``, ``int``); 422 if it is not ours."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong length")
        out = []
        for v, kind in zip(values, kinds, strict=True):
            if kind in (datetime, date):
                out.append(kind.fromisoformat(v))
            elif isinstance(v, kind) and not isinstance(v, bool) and (kind is not int or abs(v) <= _INT64):
                out.append(v)
            else:
                raise ValueError(f"{v!r} is not {kind.__name__}")
        return out
    except (ValueError, TypeError, UnicodeDecodeError) as e:
        raise invalid("cursor", f"not a cursor this list gave out ({e}); start again without one",
                      code="invalid_cursor") from e


def after(order: Sequence[tuple[Any, str]], values: Sequence[Any]):
    """The condition "strictly after ``values``" in ``order`` ((column, "asc"|"desc"), ...)."""
    clauses = []
    for i, (col, direction) in enumerate(order):
        beyond = col < values[i] if direction == "desc" else col > values[i]
        clauses.append(and_(*[c == values[j] for j, (c, _) in enumerate(order[:i])], beyond))
    return or_(*clauses)


def order_by(order: Sequence[tuple[Any, str]]) -> list[Any]:
    return [col.desc() if direction == "desc" else col.asc() for col, direction in order]

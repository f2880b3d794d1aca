"""What a person reads on a page, and the developer tokens that must not be in it (issue 24 item 5).

``visible_text`` keeps the text a browser shows: scripts, styles, tags and their attributes (``href``,
``src``, ``value`` …) are dropped, entities decoded. ``identifiers`` finds what looks like a raw key, a
versioned id, a file path, a missing-value marker or a login id in it."""

from __future__ import annotations

import re
from html import unescape

_HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
IDENTIFIER = re.compile(r"[a-z]+_[a-z_]+|@\d|\.md\b|NOT_FOUND")


def visible_text(html: str) -> str:
    text = _TAG.sub(" ", _HIDDEN.sub(" ", _COMMENT.sub(" ", html)))
    return re.sub(r"\s+", " ", unescape(text))


def identifiers(html: str, logins: tuple[str, ...] = ()) -> list[str]:
    """Each offending token with a little context around it (empty: the page reads as plain Chinese)."""
    text = visible_text(html)
    pattern = IDENTIFIER if not logins else re.compile(
        IDENTIFIER.pattern + "|" + "|".join(rf"(?<![\w-]){re.escape(x)}(?![\w-])" for x in logins))
    return [text[max(0, m.start() - 30):m.end() + 30] for m in pattern.finditer(text)]

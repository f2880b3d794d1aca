"""A rule of law as data, and the refusal a rule raises — the one pair every service uses.

Pure: no HTTP here. The API turns a ``Refusal`` into a 409 problem with ``shared.problems.refused``, naming
the rule, its article and what would make the action lawful (DESIGN §4, "law as code").

``verified``: the quoted ``text`` is the article's own words, read in full in the source; ``False``: it
was only read in an interpretation, or (``reading=True``) it is our reading — a conclusion drawn from the
cited articles, stated as such and never quoted as the article's words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rule:
    code: str
    article: str  # the source: a law's title and article (titles from ``shared.law``), or a document
    text: str = ""
    verified: bool = True
    reading: bool = False  # our reading of the article, not its text
    remedy: str = ""  # what would make the refused action lawful
    url: str = ""  # where the source can be read, when it is published online
    note: str = ""

    def cite(self) -> str:
        if not self.text:
            return self.article
        if self.reading:
            return f"{self.article}（本系统解读，非条文原文）：{self.text}"
        return f"{self.article}：{self.text}" + ("" if self.verified else "（据解读材料，原文未核实）")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "cite": self.article, "text": self.text, "verified": self.verified}
        for key in ("reading", "remedy", "url", "note"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


def reading(code: str, article: str, text: str, remedy: str = "") -> Rule:
    """A rule that is our reading of ``article`` (never quoted as its words)."""
    return Rule(code, article, text, verified=False, reading=True, remedy=remedy)


class Refusal(Exception):
    """A rule does not allow the action now. ``code`` is the problem code the API answers with (the rule's
    own code unless the caller names a family, e.g. ``illegal_transition``); ``extra`` adds context fields
    (the case's state, the allowed actions, the application that blocks, ...)."""

    def __init__(self, rule: Rule, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail
        self.code = code or rule.code
        self.extra: Mapping[str, Any] = extra

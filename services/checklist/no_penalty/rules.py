"""Evaluating a no-penalty item's conditions against recorded facts — pure, no I/O.

《中华人民共和国行政处罚法》第三十三条: “违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚。初次违法且危害
后果轻微并及时改正的，可以不予行政处罚。当事人有证据足以证明没有主观过错的，不予行政处罚。法律、行政法规另有规定的，
从其规定。” An exemption rests on facts the case has recorded: a condition with no recorded fact is
*unknown*, never assumed true, and makes the item not (yet) eligible.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from shared import law

APL = law.APL_NAME
ARTICLE_33 = "第三十三条"

Outcome = Literal["no_penalty", "no_penalty_discretionary", "not_eligible"]


@dataclass(frozen=True)
class Result:
    eligible: bool
    outcome: Outcome
    note: str
    met: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def evaluate(
    *,
    conditions: Sequence[Mapping[str, str]],
    exceptions: Sequence[Mapping[str, str]] = (),
    facts: Mapping[str, bool | None],
    discretionary: bool = False,
) -> Result:
    """``condition_logic: all``: eligible only when every condition is established true and every
    exception established false (e.g. 第三十三条第二款 “法律、行政法规另有规定的，从其规定”).

    A condition established false, or an exception established true, is ``unmet``; a key with no fact
    (missing or null) is ``unknown``. Keys the item does not use are ignored.

    ``discretionary`` (“可以不予”, e.g. 第三十三条第一款第二句): when eligible, whether to exempt is still
    the bureau's decision — the outcome says so and never reads as an entitlement."""
    met: list[str] = []
    unmet: list[str] = []
    unknown: list[str] = []
    for required, keys in ((True, conditions), (False, exceptions)):
        for c in keys:
            key = c["key"]
            value = facts.get(key)
            if value is None:
                unknown.append(key)
            elif value is required:
                met.append(key)
            else:
                unmet.append(key)
    outcome: Outcome
    if unmet:
        outcome, note = "not_eligible", "不符合不予行政处罚的条件"
    elif unknown:
        outcome, note = "not_eligible", "事实未查明，不能认定符合条件（未记录的事实不视为满足）"
    elif discretionary:
        outcome = "no_penalty_discretionary"
        note = "条件均已满足；依据为“可以不予行政处罚”，是否不予处罚由行政机关裁量决定"
    else:
        outcome, note = "no_penalty", "条件均已满足：依法不予行政处罚"
    return Result(
        eligible=outcome != "not_eligible", outcome=outcome, note=note, met=met, unmet=unmet, unknown=unknown
    )


def with_article_33(legal_basis: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The item's basis, citing 《行政处罚法》第三十三条 too: a statutory ground cites it already; a no-penalty
    list implements its first paragraph (轻微不罚 / 首违可不罚), so the list's own basis is completed
    with it."""
    out = [dict(b) for b in legal_basis]
    if not any(b.get("law") == APL and b.get("article") == ARTICLE_33 for b in out):
        out.append({"law": APL, "article": ARTICLE_33})
    return out


# The grounds of 第三十三条 by paragraph (款): an in-list exemption needs the list item's own conditions *and*
# the facts of one ground of the paragraph its legal_basis cites known true. 第一款: 轻微不罚 (第一句) / 首违可不罚
# (第二句); 第二款: “当事人有证据足以证明没有主观过错的，不予行政处罚。法律、行政法规另有规定的，从其规定。”
# A list item that cites 第二款 (e.g. 因第三方停电致超标、当事人无过错) needs no 第一款 ground: the paragraphs are
# separate grounds of exemption.
ARTICLE_33_GROUNDS = {
    "第一款": ("APL33.minor_corrected_no_harm", "APL33.first_offence_minor_harm"),
    "第二款": ("APL33.no_subjective_fault",),
}
# A list item that cites no paragraph of 第三十三条 (or cites the article alone) implements its first paragraph:
# the no-penalty lists (轻微违法行为不予行政处罚清单) are lists of 轻微违法行为.
DEFAULT_PARAGRAPH = "第一款"
ARTICLE_33_LIST_GROUNDS = ARTICLE_33_GROUNDS[DEFAULT_PARAGRAPH]
_PARAGRAPH_RE = re.compile(r"第[一二三四五六七八九十]+款")
_ARTICLE_RE = re.compile(r"第[0-9零〇一二三四五六七八九十百千]+条")


def article_33_paragraphs(legal_basis: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The paragraphs of 《行政处罚法》第三十三条 that hold grounds and that a list item's ``legal_basis``
    cites (its ``article`` and ``clause`` read together, e.g. 第三十三条 + 第二款, or 第三十三条第二款); none
    cited: ``("第一款",)``. Citing both paragraphs, a ground of either suffices."""
    cited: list[str] = []
    for b in legal_basis:
        if b.get("law") != APL:
            continue
        text = f"{b.get('article') or ''}{b.get('clause') or ''}"
        at = text.find(ARTICLE_33)
        if at < 0:
            continue
        own = _ARTICLE_RE.split(text[at + len(ARTICLE_33):], maxsplit=1)[0]  # up to the next article cited
        cited += [p for p in _PARAGRAPH_RE.findall(own) if p in ARTICLE_33_GROUNDS]
    return tuple(p for p in ARTICLE_33_GROUNDS if p in cited) or (DEFAULT_PARAGRAPH,)


# What each paragraph's grounds require, in the words of the article (for the evaluation's note).
PARAGRAPH_FACTS = {
    "第一款": "违法行为轻微并及时改正，没有造成危害后果；或初次违法且危害后果轻微并及时改正",
    "第二款": "当事人有证据足以证明没有主观过错，且法律、行政法规没有另外规定",
}


def not_established_note(paragraphs: Sequence[str]) -> str:
    """The evaluation's note when no ground of the cited paragraphs of 第三十三条 is established (Chinese)."""
    which = "、".join(paragraphs)
    any_of = "任一" if len(paragraphs) > 1 else ""
    return (f"事实未认定《行政处罚法》第三十三条{which}规定的{any_of}情形（"
            + "；或".join(PARAGRAPH_FACTS[p] for p in paragraphs) + "）")


def article_33_grounds(legal_basis: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The codes of the 第三十三条 grounds a list item needs one of (``article_33_paragraphs``)."""
    return tuple(c for p in article_33_paragraphs(legal_basis) for c in ARTICLE_33_GROUNDS[p])


@dataclass(frozen=True)
class Coverage:
    """Whether a list item covers every violation of the case (its ``applies_to``; empty = any)."""

    covers: bool
    not_covered: list[str] = field(default_factory=list)


def coverage(applies_to: Sequence[str], violation_codes: Sequence[str] | None) -> Coverage | None:
    if violation_codes is None:
        return None
    if not applies_to:
        return Coverage(True)
    missing = [c for c in violation_codes if c not in applies_to]
    return Coverage(not missing, missing)


@dataclass(frozen=True)
class Article33:
    """第三十三条 on the facts (the paragraphs a list item cites): met when every condition of one of their
    grounds is known true (and its exceptions known false)."""

    met: bool
    ground: str | None
    grounds: list[dict[str, Any]]


def article_33(
    grounds: Sequence[tuple[str, Sequence[Mapping[str, str]], Sequence[Mapping[str, str]]]],
    facts: Mapping[str, bool | None],
) -> Article33:
    """``grounds``: ``(code, conditions, exceptions)`` of each ground, in order; the first met one is named."""
    checked: list[dict[str, Any]] = []
    for code, conditions, exceptions in grounds:
        r = evaluate(conditions=conditions, exceptions=exceptions, facts=facts)
        checked.append({"code": code, "met": r.eligible, "unmet": r.unmet, "unknown": r.unknown})
        if r.eligible:
            return Article33(True, code, checked)
    return Article33(False, None, checked)

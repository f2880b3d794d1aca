"""Checking a case's facts against the fact vocabulary (``GET /checklist/v1/facts``) — pure.

A key the vocabulary does not hold, or a value its type does not allow, is a 422 naming the key
(``facts.<key>``) with the nearest known keys (by key and by Chinese label: “初次违法” finds
``first_offence``), in Chinese. ``null`` is always allowed: the fact is not (yet) established.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from shared.problems import Problem

VOCABULARY_PATH = "GET /checklist/v1/facts"

# Facts that other recorded facts establish (the one place that says so; the checklist's evaluation and the
# cases service's decision gate both read the facts through ``with_implied``): {key: keys any of which,
# recorded true, establishes it true}.
# * harm_minor (危害后果轻微) ⇐ no_harm (没有造成危害后果): 《中华人民共和国行政处罚法》第三十三条第一款第二句
#   “初次违法且危害后果轻微并及时改正的，可以不予行政处罚” — a violation that caused no harm at all caused no more
#   than a minor harm, so a first offence corrected in time without any harm falls under it a fortiori (our
#   reading). The converse does not hold: a minor harm is a harm, so harm_minor never establishes no_harm.
# Only an unrecorded key is filled: a recorded value stays as recorded (harm_minor false beside no_harm true is
# a contradiction the investigation resolves, not the system).
IMPLIED_BY: dict[str, tuple[str, ...]] = {"harm_minor": ("no_harm",)}
# Why, in Chinese (the evaluation's note says it where an implied key was used).
IMPLIED_BASIS: dict[str, str] = {
    "harm_minor": "已认定“没有造成危害后果”，据此认定“危害后果轻微”：没有造成危害后果的，其危害后果不超过轻微"
                  "（《中华人民共和国行政处罚法》第三十三条第一款第二句，本系统解读）",
}


def implied(facts: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The keys ``IMPLIED_BY`` establishes true on ``facts`` (not recorded themselves), each with the recorded
    keys that establish it."""
    out: dict[str, tuple[str, ...]] = {}
    for key, by in IMPLIED_BY.items():
        if facts.get(key) is None:
            hits = tuple(k for k in by if facts.get(k) is True)
            if hits:
                out[key] = hits
    return out


def with_implied(facts: Mapping[str, Any]) -> dict[str, Any]:
    """``facts`` with every key ``IMPLIED_BY`` establishes set true (recorded values unchanged)."""
    return {**facts, **dict.fromkeys(implied(facts), True)}


def holds(facts: Mapping[str, Any], key: str) -> bool:
    """Whether ``key`` is established true on ``facts``, recorded or implied (``IMPLIED_BY``)."""
    return facts.get(key) is True or key in implied(facts)
TYPE_CN = {"bool": "是或否（true / false）", "number": "数值", "date": "日期（YYYY-MM-DD）", "text": "文字"}
SUGGESTIONS = 3


def _forms(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(entry.get("forms") or [entry])


def _fits(form: Mapping[str, Any], v: Any) -> bool:
    t = form["type"]
    if t == "bool":
        return isinstance(v, bool)
    if t == "number":
        return isinstance(v, int | float) and not isinstance(v, bool)
    if t == "text":
        return isinstance(v, str) and bool(v.strip())
    if t == "date":
        if not isinstance(v, str):
            return False
        try:
            date.fromisoformat(v)
        except ValueError:
            return False
        return True
    if t == "enum":
        return any(type(x["value"]) is type(v) and x["value"] == v for x in form.get("values") or []) or (
            isinstance(v, float) and v.is_integer() and _fits(form, int(v)))
    return False


def expected(entry: Mapping[str, Any]) -> str:
    """The values a key takes, in Chinese (e.g. 是或否（true / false）; 下列之一：1（登记管理）、3（简化管理）…)."""
    out = []
    for form in _forms(entry):
        if form["type"] == "enum":
            out.append("下列之一：" + "、".join(f"{x['value']}（{x['label']}）" for x in form.get("values") or []))
        else:
            out.append(TYPE_CN.get(form["type"], form["type"]) + (f"（单位：{entry['unit']}）" if entry.get("unit") else ""))
    return "；或".join(out)


def nearest(word: str, vocabulary: Sequence[Mapping[str, Any]], n: int = SUGGESTIONS) -> list[dict[str, str]]:
    """The known keys nearest ``word`` — by the key itself and by its Chinese label (difflib, then labels
    that contain the word or are contained in it)."""
    by_label: dict[str, list[str]] = {}
    for e in vocabulary:
        by_label.setdefault(e["label"], []).append(e["key"])
    keys = [e["key"] for e in vocabulary]
    found: list[str] = []
    for m in difflib.get_close_matches(word, keys + list(by_label), n=n * 2, cutoff=0.6):
        found += by_label.get(m, [m] if m in keys else [])
    if word:
        found += [k for label, ks in by_label.items() if word in label or label in word for k in ks]
    labels = {e["key"]: e["label"] for e in vocabulary}
    return [{"key": k, "label": labels[k]} for k in dict.fromkeys(found)][:n]


def problems(facts: Mapping[str, Any], vocabulary: Sequence[Mapping[str, Any]], *, field: str = "facts") -> list[dict[str, Any]]:
    """One error per bad key: ``{field, code, message, key, suggestions?|expected?}``."""
    known = {e["key"]: e for e in vocabulary}
    errors: list[dict[str, Any]] = []
    for k, v in facts.items():
        entry = known.get(k)
        if entry is None:
            near = nearest(k, vocabulary)
            hint = ("是否指：" + "、".join(f"{s['key']}（{s['label']}）" for s in near) + "？") if near else ""
            errors.append({"field": f"{field}.{k}", "code": "unknown_fact", "key": k, "suggestions": near,
                           "message": f"事实“{k}”不在事实词汇表中（{VOCABULARY_PATH}）。{hint}"})
        elif v is not None and not any(_fits(f, v) for f in _forms(entry)):
            errors.append({"field": f"{field}.{k}", "code": "invalid_fact_value", "key": k,
                           "expected": expected(entry),
                           "message": f"事实“{entry['label']}”（{k}）的值应为{expected(entry)}，收到的是 {v!r}。"})
    return errors


def check(facts: Mapping[str, Any], vocabulary: Sequence[Mapping[str, Any]], *, field: str = "facts") -> None:
    """Raise the 422 (problem+json) naming every bad key; the first one's message is the detail."""
    errors = problems(facts, vocabulary, field=field)
    if errors:
        first = errors[0]
        detail = first["message"] + (f"（另有{len(errors) - 1}项事实有误，见 errors）" if len(errors) > 1 else "")
        raise Problem(422, first["code"], detail, errors=errors)

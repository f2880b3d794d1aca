"""Plain Chinese for the notes the services' APIs carry for developers and auditors (issue 24 item 5).

The public API keeps its technical provenance (repository references, file paths, ``verified: null``,
rule-set ids, URLs of reprints, ``NOT_FOUND`` markers); a page shows a citizen what that means in one plain
line — "本条为示例数据，以发布机关公布的正式清单为准", "期限依据解读材料计算，以法律文本为准" — with the official
citation (a law's articles, a list's title and item), never the raw note."""

from __future__ import annotations

import re
from typing import Any

EXAMPLE = "本条为示例数据，以发布机关公布的正式清单为准。"
UNVERIFIED = "本条所据原文尚未核实，以发布机关公布的正式文本为准。"
COMPILED = "本条据法律法规条文编制，不是江苏省生态环境厅公布的官方《涉企行政合规指导清单》，以发布机关公布的正式清单为准。"
DEADLINE_READING = "期限依据解读材料计算，以法律文本为准。"
NEWS_SOURCES = "部分依据来自新闻报道，以发布机关公布的正式文本为准"

_URL = re.compile(r"https?://\S+?(?=[（）()；;，,\s]|$)")
_REPO_REF = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{7,}")  # owner/repo@commit[:path]
_DEV_PAREN = re.compile(r"（[^（）]*(?:NOT_FOUND|verified|null|[a-z]+_[a-z_]+)[^（）]*）")
_ASCII_LEAD = re.compile(r"(?<![A-Za-z])[a-z][a-z_]*（")  # compiled（…）, fine_receipt（…） → …
_READING = re.compile(r"（[^（）]*据解读材料[^（）]*）")
_CODE_PREFIX = re.compile(r"^\[[^\]]*\]\s*")
_PATH = re.compile(r"(?:\.\./|/)?[\w.-]+(?:/[\w.()-]+)+\.(?:txt|md|pdf|html?|ya?ml)\b")


def _tidy(text: str) -> str:
    text = re.sub(r"（\s*[；;，,、]?\s*）", "", text)
    text = re.sub(r"（\s*[；;，,、]\s*", "（", text)
    text = re.sub(r"\s*[；;，,、]\s*）", "）", text)
    return re.sub(r"\s{2,}", " ", text).strip(" ；;，,")


def _unwrap_leads(text: str) -> str:
    """``key（说明）`` → ``说明`` (the parenthesis may nest)."""
    while m := _ASCII_LEAD.search(text):
        depth, end = 0, None
        for i in range(m.end() - 1, len(text)):
            depth += {"（": 1, "）": -1}.get(text[i], 0)
            if depth == 0:
                end = i
                break
        if end is None:
            return text[:m.start()] + text[m.end():]
        text = text[:m.start()] + text[m.end():end] + text[end + 1:]
    return text


def clean(text: str | None) -> str:
    """A note with its developer tokens taken out: URLs, ``（NOT_FOUND）``-like asides, English lead words."""
    if not text:
        return ""
    text = _URL.sub("", str(text))
    text = re.sub(r"\s*与\s*(?=[（；]|$)", "", text)
    text = _DEV_PAREN.sub("", text)
    text = _unwrap_leads(text)
    text = text.replace("OCR", "文字识别")
    return _tidy(text)


def citation(source: str | None) -> str:
    """The official citation in a source note (a list's title and item), without reprint links or asides;
    '' when the source is only a repository of statute texts or a link (the page's legal basis is the
    citation then)."""
    if not source or _REPO_REF.match(source.strip()):
        return ""
    text = re.sub(r"（[^（）]*(?:转载|未能确认)[^（）]*）", "", _PATH.sub("", _URL.sub("", source))).strip()
    if re.fullmatch(r"（[^（）]*）", text):  # a file's path with its description: the description
        text = text[1:-1]
    return clean(text)


def item_note(it: dict[str, Any]) -> str:
    """The guidance item's one line for a citizen: compiled, an example, or unverified."""
    if it.get("batch") == "example":
        return EXAMPLE
    if it.get("compiled"):
        return COMPILED
    return "" if it.get("verified") else UNVERIFIED


def list_note(item: dict[str, Any]) -> str:
    """A no-penalty entry's line: example data, or a source not checked against its original."""
    if item.get("list_version") == "example":
        return EXAMPLE
    return "" if item.get("verified", True) else UNVERIFIED


def deadline_basis(basis: str | None) -> str:
    """A deadline's basis without the interpretive asides (the page adds ``DEADLINE_READING`` once)."""
    return _tidy(_READING.sub("", basis or ""))


def from_reading(due: dict[str, Any]) -> bool:
    return not due.get("verified", True) or "据解读材料" in (due.get("basis") or "")


def criterion(text: str | None) -> str:
    """A credit record's publicity criterion without its rule code and its list of unverified sources."""
    text = _CODE_PREFIX.sub("", text or "")
    cut = text.find("；未核实来源：")  # the last aside of the criterion, closing its （依据：…）
    if cut >= 0:
        text = f"{text[:cut]}；{NEWS_SOURCES}）"
    return clean(text)

"""法条覆盖表 — the statute coverage table (``coverage.yaml`` beside this file), loaded and checked.

One row per article of 《中华人民共和国行政处罚法》 第二十八条..第七十三条 (chapters 四–六), per procedure
article of 《生态环境行政处罚办法》 (2023) we could source, and per section of the pilot plan
(《苏州市生态环境领域涉企行政合规指导工作试点方案》 三（五）..三（七）, keyed as the plan numbers them) that the
gate's rules rest on, saying what EcoComply does with it: ``enforced``
(the rule ids), ``recorded`` (the step, field or endpoint that keeps it), ``human_judgement`` (what the
human is shown) or ``not_applicable`` (why). This module is pure and imports no other service: it reads
the YAML with PyYAML and checks the table's shape; ``tests/test_statute_coverage.py`` checks the rule ids
against the registries of every service.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shared.law import APL_NAME, MEASURES, PILOT

TABLE = Path(__file__).with_name("coverage.yaml")

# The ``law`` of a row: the title without 《》, as ``shared.law`` spells it.
APL_LAW = APL_NAME
MEASURES_LAW = MEASURES.split("》", 1)[0].lstrip("《")
PILOT_LAW = PILOT.split("》", 1)[0].lstrip("《")
LAWS = (APL_LAW, MEASURES_LAW, PILOT_LAW)
# The pilot plan's sections the table must have (三、试点任务 (五)–(七): discretion, exemption, rectification).
PILOT_KEYS = ("三（五）", "三（六）", "三（七）")
# Chapters 四–六 of 《行政处罚法》 (2021): 第二十八条 (the first article after 第二十七条) to 第七十三条.
APL_FIRST, APL_LAST = 28, 73

# status -> the field that must accompany it
STATUSES: Mapping[str, str] = {
    "enforced": "rules",
    "recorded": "recorded_by",
    "human_judgement": "shown",
    "not_applicable": "why",
}
# Rule-id namespaces (``<prefix>:<code>``); a bare id is a rule of services.cases.workflow.rules.
NAMESPACES = ("deadline", "publication", "credit")

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """A positive integer below 1000 as the statute writes it: 10 → 十, 28 → 二十八, 101 → 一百零一."""
    if not 0 < n < 1000:
        raise ValueError(f"{n} is outside 1..999")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        # 十 alone for 10–19; 一十 inside a hundred (一百一十)
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


def article_key(n: int) -> str:
    """第<n>条 as the statute writes it (第二十八条)."""
    return f"第{cn_number(n)}条"


def apl_keys() -> list[str]:
    """The keys the table must have for 《行政处罚法》: 第二十八条 … 第七十三条 (46)."""
    return [article_key(n) for n in range(APL_FIRST, APL_LAST + 1)]


_ARTICLE = re.compile(r"第[零〇一二三四五六七八九十百]+条")
# A section of a policy document, as the pilot plan numbers it: 三（六） (part 三, item （六）).
_SECTION = re.compile(r"(?<![第零〇一二三四五六七八九十百])[一二三四五六七八九十]+（[一二三四五六七八九十]+）")
_TITLE = re.compile(r"《([^》]+)》")


def key_pattern(law: str) -> re.Pattern[str]:
    """How ``law`` numbers its provisions: the pilot plan by section (三（六）), the others by article (第…条)."""
    return _SECTION if law == PILOT_LAW else _ARTICLE


def cited_articles(text: str) -> set[tuple[str, str]]:
    """(law, 第…条) pairs a citation names: each article is taken to belong to the most recent 《title》
    before it (``"《中华人民共和国行政处罚法》第四十四条、第六十二条；《…办法》（…）第三十五条"``); an article before any
    title belongs to ``""``. Sections (``"《…试点方案》（…）三（六）、五（三）"``) are read the same way."""
    out: set[tuple[str, str]] = set()
    law = ""
    for m in re.finditer(f"{_TITLE.pattern}|{_ARTICLE.pattern}|{_SECTION.pattern}", text):
        if m.group(0).startswith("《"):
            law = m.group(1)
        else:
            out.add((law, m.group(0)))
    return out


def mentions(text: str, law: str, article: str) -> bool:
    """Whether ``text`` cites ``article`` of ``law`` (``第五十七条`` is cited by ``第五十七条第二款``; ``三（六）`` by
    ``三（六）``)."""
    return (law, article) in cited_articles(text)


@dataclass(frozen=True)
class Row:
    law: str
    article: str
    title: str
    source: str
    verified: bool
    status: str
    rules: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    recorded_by: str = ""
    shown: str = ""
    why: str = ""
    gaps: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.law, self.article)


@dataclass(frozen=True)
class Coverage:
    rows: tuple[Row, ...]
    sources: Mapping[str, str] = field(default_factory=dict)

    def row(self, law: str, article: str) -> Row | None:
        return next((r for r in self.rows if r.law == law and r.article == article), None)

    def rule_ids(self) -> set[str]:
        return {rid for r in self.rows for rid in r.rules}

    def flag_codes(self) -> set[str]:
        return {f for r in self.rows for f in r.flags}

    def by_status(self, *statuses: str) -> list[Row]:
        return [r for r in self.rows if r.status in statuses]


class CoverageError(ValueError):
    """The table is malformed; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _strs(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(value)
    return None


def problems(doc: Any) -> list[str]:
    """Every shape problem of the table: missing fields, unknown status, a status without its companion
    field, duplicate keys, keys not written as the statute writes them."""
    out: list[str] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("articles"), list):
        return ["the table is a mapping with an 'articles' list"]
    if "pending_rule_ids" in doc:
        out.append("pending_rule_ids: every rule id of the table must exist now — list none as pending")
    seen: set[tuple[str, str]] = set()
    for i, raw in enumerate(doc["articles"]):
        where = f"articles[{i}]"
        if not isinstance(raw, dict):
            out.append(f"{where}: a mapping")
            continue
        where = f"{where} {raw.get('law')} {raw.get('article')}"
        for key in ("law", "article", "title", "source", "status"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                out.append(f"{where}: '{key}' is missing or empty")
        if not isinstance(raw.get("verified"), bool):
            out.append(f"{where}: 'verified' is true or false")
        if raw.get("law") not in LAWS:
            out.append(f"{where}: law is one of {list(LAWS)}")
        if isinstance(raw.get("article"), str) and not key_pattern(raw.get("law", "")).fullmatch(raw["article"]):
            form = "三（六）" if raw.get("law") == PILOT_LAW else "第…条"
            out.append(f"{where}: article is written as the statute writes it ({form})")
        status = raw.get("status")
        if status not in STATUSES:
            out.append(f"{where}: unknown status {status!r} (one of {list(STATUSES)})")
        else:
            companion = STATUSES[status]
            value = raw.get(companion)
            if companion == "rules":
                if not _strs(value):
                    out.append(f"{where}: status enforced needs a non-empty 'rules' list")
            elif not isinstance(value, str) or not value.strip():
                out.append(f"{where}: status {status} needs '{companion}'")
        for key in ("rules", "flags"):
            if _strs(raw.get(key)) is None:
                out.append(f"{where}: '{key}' is a list of ids")
        for rid in _strs(raw.get("rules")) or ():
            if ":" in rid and rid.split(":", 1)[0] not in NAMESPACES:
                out.append(f"{where}: rule id {rid!r} has an unknown namespace (one of {list(NAMESPACES)})")
        key = (raw.get("law"), raw.get("article"))
        if key in seen:
            out.append(f"{where}: duplicate row")
        seen.add(key)  # type: ignore[arg-type]
    return out


def parse(doc: Mapping[str, Any]) -> Coverage:
    found = problems(doc)
    if found:
        raise CoverageError(found)
    rows = tuple(
        Row(law=r["law"], article=r["article"], title=r["title"], source=r["source"], verified=r["verified"],
            status=r["status"], rules=tuple(r.get("rules") or ()), flags=tuple(r.get("flags") or ()),
            recorded_by=r.get("recorded_by") or "", shown=r.get("shown") or "", why=r.get("why") or "",
            gaps=r.get("gaps") or "")
        for r in doc["articles"]
    )
    return Coverage(rows, dict(doc.get("sources") or {}))


def load(path: Path = TABLE) -> Coverage:
    with path.open(encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    return parse(doc)


def missing_articles(cov: Coverage, law: str = APL_LAW, keys: Iterable[str] | None = None) -> list[str]:
    """The keys of ``law`` with no row (default: 《行政处罚法》 第二十八条..第七十三条)."""
    have = {r.article for r in cov.rows if r.law == law}
    return [k for k in (apl_keys() if keys is None else keys) if k not in have]


__all__ = ["APL_LAW", "LAWS", "MEASURES_LAW", "NAMESPACES", "PILOT_KEYS", "PILOT_LAW", "STATUSES", "TABLE", "Coverage",
           "CoverageError", "Row", "apl_keys", "article_key", "cited_articles", "cn_number", "key_pattern", "load",
           "mentions", "missing_articles", "parse", "problems"]

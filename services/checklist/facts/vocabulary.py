"""One vocabulary of the fact keys the system reads — pure, derived from the data that defines them.

Every key comes with its Chinese label, a type and the sources that use it:

* the grounds of 《行政处罚法》第三十三条 and the loaded 免罚清单 items (their conditions and exceptions, as
  published in ``no_penalty_items``: an imported list brings its keys with it);
* the circumstances of 《行政处罚法》第三十二条 and compliance rectification (试点方案 三（五）);
* every discretion rule set's factors (a flag is ``bool``; a level or an option is an ``enum`` with its
  values and their labels);
* the facts the decision reads that none of these defines (``data/case_facts.yaml``: 生态环境损害, the
  extended limitation of 第三十六条, a penalty article's base amount …).

The first source to define a key gives its label (statute first, then the lists, then the rule sets); a
key used with two types (a level in one rule set, an option in another) keeps every form it may take
(``forms``), and a value fitting any of them is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from services.checklist.discretion.rule_sets import Factor, Overlay, RuleSet
from services.checklist.loader import read_data
from shared.facts import IMPLIED_BASIS, IMPLIED_BY

CASE_FACTS_FILE = "case_facts.yaml"
TYPES = ("bool", "number", "date", "text", "enum")


class _Builder:
    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def add(self, key: str, label: str, type_: str, source: dict[str, Any], *, values: list[dict[str, Any]] | None = None,
            unit: str | None = None) -> None:
        form = {"type": type_, **({"values": values} if values else {})}
        e = self.entries.get(key)
        if e is None:
            self.entries[key] = {"key": key, "label": label, **form, **({"unit": unit} if unit else {}),
                                 "forms": [form], "sources": [source]}
            return
        if source not in e["sources"]:
            e["sources"].append(source)
        same = next((f for f in e["forms"] if f["type"] == type_), None)
        if same is None:
            e["forms"].append(form)
        elif values:  # the same key graded by two rule sets: every value either allows
            known = {_vkey(v["value"]) for v in same.get("values", [])}
            same.setdefault("values", []).extend(v for v in values if _vkey(v["value"]) not in known)
            if e["type"] == type_:
                e["values"] = same["values"]

    def out(self) -> list[dict[str, Any]]:
        result = []
        for e in self.entries.values():
            e = dict(e)
            if len(e["forms"]) == 1:
                e.pop("forms")
            result.append(e)
        return result


def _vkey(v: Any) -> tuple[str, Any]:
    return (type(v).__name__, v)


def _factor(b: _Builder, f: Factor, rs: RuleSet) -> None:
    source = {"kind": "rule_set", "ref": rs.rule_version, "title": rs.title, "article": f.article,
              "verified": rs.verified}
    if f.kind == "flag":
        b.add(f.key, f.text, "bool", source)
    elif f.kind == "level":
        b.add(f.key, f.text, "enum", source,
              values=[{"value": lv, "label": f.labels.get(lv) or f"{lv}级"} for lv in f.levels])
    else:
        b.add(f.key, f.text, "enum", source, values=[{"value": v, "label": t} for v, t, _ in f.options])


def _no_penalty_source(row: Mapping[str, Any]) -> dict[str, Any]:
    if row["kind"] == "statutory":
        basis = (row.get("legal_basis") or [{}])[0]
        article = f"《{basis.get('law', '')}》{basis.get('article', '')}{basis.get('clause') or ''}"
        return {"kind": "article", "ref": row["code"], "title": row.get("label") or row["violation"],
                "article": article, "verified": bool(row.get("verified"))}
    return {"kind": "no_penalty_item", "ref": row["code"], "title": row["violation"],
            "list_version": row.get("list_version"), "verified": bool(row.get("verified"))}


def build(
    *,
    no_penalty: Iterable[Mapping[str, Any]],
    circumstances: Iterable[Mapping[str, Any]],
    overlay: Overlay,
    rule_sets: Iterable[RuleSet],
    case_facts: Iterable[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The vocabulary: ``[{key, label, type, values?, unit?, forms?, sources: [...], implied_by?, implied_basis?}]``."""
    b = _Builder()
    rows = sorted(no_penalty, key=lambda r: (r["kind"] != "statutory", r["code"]))
    for row in rows:
        source = _no_penalty_source(row)
        for c in [*(row.get("conditions") or []), *(row.get("exceptions") or [])]:
            b.add(c["key"], c["text"], "bool", source)
    for c in circumstances:
        b.add(c["key"], c["text"], "bool", {"kind": "article", "ref": c["key"], "article": c["article"],
                                            "verified": bool(c.get("verified"))})
    rect = overlay.rectification
    b.add(rect["key"], rect["text"], "bool", {"kind": "article", "ref": rect["key"], "article": rect["article"],
                                              "verified": bool(rect.get("verified"))})
    for rs in rule_sets:
        for f in rs.all_factors():
            _factor(b, f, rs)
    for f in case_facts:
        src = dict(f["source"])
        b.add(f["key"], f["label"], f["type"], {"kind": src.pop("kind"), "ref": f["key"], **src},
              values=f.get("values"), unit=f.get("unit"))
    for key, by in IMPLIED_BY.items():  # the one statement of which facts establish which (shared.facts)
        if key in b.entries:
            b.entries[key].update(implied_by=list(by), implied_basis=IMPLIED_BASIS[key])
    return b.out()


def case_facts() -> list[dict[str, Any]]:
    facts = read_data(CASE_FACTS_FILE)["facts"]
    for f in facts:
        if f["type"] not in TYPES:
            raise ValueError(f"{CASE_FACTS_FILE}:{f['key']}: type {f['type']!r} is not one of {TYPES}")
    return facts

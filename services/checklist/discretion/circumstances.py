"""One vocabulary of fact keys (``GET /circumstances``): the mitigating circumstances of
《行政处罚法》第三十二条, compliance rectification (试点方案 三（五）) and the active rule set's own
circumstances — pure."""

from __future__ import annotations

from typing import Any

from services.checklist.discretion.rule_sets import Overlay, RuleSet


def circumstances(rs: RuleSet, overlay: Overlay) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [dict(c) for c in overlay.article_32]
    rect = overlay.rectification
    out.append({
        "key": rect["key"], "kind": "mitigating", "effect": "lighter", "effects": ["lighter"],
        "text": rect["text"], "article": rect["article"], "modality": "must", "verified": bool(rect["verified"]),
    })
    generic_keys = {f.key for f in rs.generic.factors} if rs.generic else set()
    seen = {c["key"] for c in out}
    for f in rs.all_factors():
        if f.key in seen:
            continue
        seen.add(f.key)
        entry: dict[str, Any] = {
            "key": f.key,
            "kind": "mitigating" if f.effect == "lighter" else "aggravating",
            "effect": f.effect,
            "effects": [f.effect],
            "text": f.text,
            "article": f.article,
            "modality": "must",
            "verified": rs.verified,
            "value_type": {"flag": "bool", "level": "level", "option": "option"}[f.kind],
            "rule_set": rs.rule_version,
            "setting": f.key in generic_keys or rs.method == "two_dimensional",
        }
        if f.kind == "level":
            entry["levels"] = list(f.levels)
        if f.kind == "option":
            entry["options"] = [o[0] for o in f.options]
        out.append(entry)
    return out

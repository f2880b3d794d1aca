"""Chinese labels of the fact keys a case records (初次违法, 及时改正 …), for the documents: the condition
texts of the checklist's 第三十二/三十三条 grounds and no-penalty items (its published data files) and the
discretion factors' texts of the calculation on record. A key without a label is never printed as a key.
It reads the same files the checklist's vocabulary (GET /checklist/v1/facts, ``services/checklist/facts``) is
built from — case_facts.yaml included — so a label is written once. Fetching the served vocabulary instead
belongs where a document is rendered once at issue (issue 24 item 3): the cached client needs to be asked
before the request's session connects (SQLite), as the violations' titles are."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parents[2] / "checklist" / "data"
FILES = ("statutory_no_penalty.yaml", "example_no_penalty_items.yaml", "case_facts.yaml")
# Facts the cases service itself names (the workflow's own keys).
OWN = {"rectification_assessed": "合规整改已通过评估", "rectified": "已完成整改"}


def _walk(node: Any, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        key, text = node.get("key"), node.get("text_cn") or node.get("text") or node.get("label")
        if isinstance(key, str) and isinstance(text, str) and key not in out:
            out[key] = text
        for v in node.values():
            _walk(v, out)
    elif isinstance(node, list):
        for v in node:
            _walk(v, out)


@functools.cache
def labels() -> dict[str, str]:
    out: dict[str, str] = dict(OWN)
    for name in FILES:
        path = DATA / name
        if path.exists():
            _walk(yaml.safe_load(path.read_text(encoding="utf-8")), out)
    return out


def describe(facts: dict[str, Any], extra: dict[str, str] | None = None) -> tuple[list[str], int]:
    """The established facts (value true) in Chinese, and how many have no label (not printed)."""
    known = {**labels(), **(extra or {})}
    said: list[str] = []
    unlabelled = 0
    for k, v in (facts or {}).items():
        if v is not True:
            continue
        if k in known:
            said.append(known[k])
        else:
            unlabelled += 1
    return list(dict.fromkeys(said)), unlabelled

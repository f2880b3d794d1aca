"""自查自纠 — a questionnaire per industry generated from the published guidance items, and the risk
report of an enterprise's answers — pure, no I/O.

One question per common violation of each item in the industry's domains (``data/industry_profiles.
yaml``, a setting). A "yes" flags the item with its risk level and advice; "unknown" or a missing
answer is listed as unanswered, never read as "no". The score is a documented setting, not law.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.checklist.loader import read_data

ANSWERS = ("yes", "no", "unknown")
RISK_ORDER = {"high": 0, "medium": 1, "low": 2}


def profiles() -> dict[str, Any]:
    return read_data("industry_profiles.yaml")


def domains_for(industry: str) -> list[str] | None:
    """The industry's domains; ``None`` = every domain (an industry the profiles do not list)."""
    return profiles()["industries"].get(industry)


@dataclass(frozen=True)
class ItemRef:
    code: str
    version: int
    title: str
    domain: str
    risk_level: str
    common_violations: tuple[str, ...]
    advice: tuple[str, ...]


@dataclass
class Question:
    id: str
    item_code: str
    item_version: int
    domain: str
    risk_level: str
    text: str


def questionnaire(industry: str, items: Iterable[ItemRef]) -> tuple[str, list[Question]]:
    """(questionnaire version, questions) — the version hashes the item versions it was built from."""
    wanted = domains_for(industry)
    chosen = sorted((i for i in items if wanted is None or i.domain in wanted), key=lambda i: i.code)
    questions = [
        Question(f"{i.code}:{n}", i.code, i.version, i.domain, i.risk_level, f"是否存在以下情形：{v}")
        for i in chosen
        for n, v in enumerate(i.common_violations, start=1)
    ]
    version = hashlib.sha256(
        "|".join([industry, *(f"{i.code}@{i.version}" for i in chosen)]).encode("utf-8")
    ).hexdigest()[:16]
    return version, questions


@dataclass
class Report:
    risks: list[dict[str, Any]] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    score: float = 100.0


def assess(questions: list[Question], items: Mapping[str, ItemRef], answers: Mapping[str, str]) -> Report:
    """Answers (question id → yes/no/unknown, already validated) → the risk report and the score."""
    weights = profiles()["weights"]
    flagged: dict[str, list[str]] = {}
    report = Report()
    for q in questions:
        a = answers.get(q.id, "unknown")
        if a == "yes":
            flagged.setdefault(q.item_code, []).append(q.id)
        elif a == "unknown":
            report.unanswered.append(q.id)
    in_scope = {q.item_code for q in questions}
    total = sum(weights[items[c].risk_level] for c in in_scope) or 1
    hit = sum(weights[items[c].risk_level] for c in flagged)
    report.score = round(100 * (1 - hit / total), 1)
    report.risks = sorted(
        (
            {
                "item_code": c, "item_version": items[c].version, "title": items[c].title,
                "risk_level": items[c].risk_level, "advice": list(items[c].advice), "matched": qs,
            }
            for c, qs in flagged.items()
        ),
        key=lambda r: (RISK_ORDER[r["risk_level"]], r["item_code"]),
    )
    return report

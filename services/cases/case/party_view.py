"""What a party reads of its own case — pure, the one place the case read is cut for it (issue 25 S6).

The party is told the facts, reasons and basis of the intended penalty and its rights (《行政处罚法》第四十四条)
and receives the decision with what 第五十九条 lists; it sees its case's steps, deadlines, notices, its own
statement and hearing, service, execution and the decision with its changes. The bureau's internal
deliberation stays internal: the legal review's opinion and notes (法制审核, 第五十八条), the collective
discussion's participants, votes and minutes (集体讨论, 第五十七条第二款), the 一案一议 analysis, the opinions
recorded inside the bureau, and the officers' 执法证号 kept on the case (a document states the numbers it
prints, 第五十五条; the case record's register copy is not the party's). Each step still shows in the timeline
with its time — what was done, not what was said.
"""

from __future__ import annotations

from typing import Any

from shared.auth import Principal

# Roles of the bureau and the system: they read the full case (within their scope, ``ensure_can_see``).
BUREAU_ROLES = ("officer", "legal_reviewer", "leader", "auditor", "admin", "platform", "service")
# records the party does not read (the keys of ``CaseRecords``)
INTERNAL_RECORDS = ("legal_reviews", "collective_discussions", "case_review", "opinions", "handler_certificates",
                    "uncounted_evidence")
# timeline actions whose detail is internal deliberation: the step and its time stay, the detail goes
INTERNAL_ACTIONS = frozenset({"legal_review", "collective_discussion", "case_review", "record_opinion"})
# keys of a record or detail naming the internal review behind a step the party does see
INTERNAL_KEYS = ("legal_review_by", "legal_review_at", "certificates")


def is_party(user: Principal) -> bool:
    """The enterprise reading its own case, with no role of the bureau."""
    return user.has("enterprise") and not user.has(*BUREAU_ROLES)


def _without(d: dict[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    return None if d is None else {k: v for k, v in d.items() if k not in keys}


def records(recs: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in recs.items() if k not in INTERNAL_RECORDS}
    if isinstance(out.get("ending"), dict):
        out["ending"] = _without(out["ending"], INTERNAL_KEYS)
    if isinstance(out.get("decision_changes"), list):
        out["decision_changes"] = [_without(c, INTERNAL_KEYS) if isinstance(c, dict) else c
                                   for c in out["decision_changes"]]
    return out


def timeline_detail(action: str, detail: dict[str, Any]) -> dict[str, Any]:
    if action in INTERNAL_ACTIONS:
        return {}
    return _without(detail, INTERNAL_KEYS) or {}


def timeline_actor(action: str, actor: str) -> str:
    """Who took a step, as the party reads it: the bureau itself for internal deliberation (the reviewer or the
    discussion's members are not named, as their notes are not shown)."""
    return "本机关" if action in INTERNAL_ACTIONS else actor

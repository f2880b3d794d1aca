"""Each person's part in a case, from the records the audit holds: the case's events in the audit log (立案 and
its 承办人, 调查终结, 法制审核, 集体讨论 participants and recorder, 征求意见, 事先告知, 整改评估, the decision and
its 负责人, an ending or change of the decision, a refused decision attempt), then the flag's and the audit's
own records of the decision (``DecisionPerson``) and the case's context (``CaseContext``) for anyone the log
does not place. Pure reading: nothing here writes."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.models import CaseContext, DecisionPerson, Flag, LogEntry

# role codes, in the order a case runs (labels: shared.labels.CASE_ROLE_CN)
ROLE_ORDER = ("handler", "filer", "investigator", "legal_reviewer", "discussion_participant", "discussion_recorder",
              "opinion_recorder", "notifier", "rectification_assessor", "decider", "attempted_decision",
              "involved")

# event type → [(payload field, role)]; a list field names several people
_FIELDS: dict[str, list[tuple[str, str]]] = {
    "ecocomply.case.filed.v1": [("handlers", "handler"), ("filed_by", "filer")],
    "ecocomply.case.investigation_completed.v1": [("completed_by", "investigator")],
    "ecocomply.case.legal_reviewed.v1": [("reviewer", "legal_reviewer")],
    "ecocomply.case.collective_discussed.v1": [("participants", "discussion_participant"),
                                               ("recorded_by", "discussion_recorder")],
    "ecocomply.case.opinion_recorded.v1": [("recorded_by", "opinion_recorder")],
    "ecocomply.case.notified.v1": [("notified_by", "notifier")],
    "ecocomply.case.rectification_assessed.v1": [("assessed_by", "rectification_assessor")],
    "ecocomply.case.decided.v1": [("handlers", "handler"), ("decided_by", "decider")],
    "ecocomply.case.ended.v1": [("handlers", "handler"), ("decided_by", "decider"),
                                ("legal_review_by", "legal_reviewer")],
    "ecocomply.case.decision_changed.v1": [("decided_by", "decider"), ("legal_review_by", "legal_reviewer")],
    "ecocomply.case.gate_refused.v1": [("handlers", "handler"), ("attempted_by", "attempted_decision")],
}


def _add(out: dict[str, list[str]], who: object, role: str) -> None:
    if isinstance(who, str) and who and who != "system":
        roles = out.setdefault(who, [])
        if role not in roles:
            roles.append(role)


def from_events(events: list[tuple[str, dict]]) -> dict[str, list[str]]:
    """(event type, payload) in log order → person → role codes."""
    out: dict[str, list[str]] = {}
    for type_, data in events:
        for field, role in _FIELDS.get(type_, ()):
            value = data.get(field)
            for who in value if isinstance(value, list) else [value]:
                _add(out, who, role)
    return out


async def of_case(session: AsyncSession, flag: Flag) -> list[dict]:
    """[{person, roles}] of the flag's case, each person once, roles in the order the case runs."""
    rows = await session.execute(select(LogEntry.type, LogEntry.data).where(LogEntry.case_id == flag.case_id)
                                 .order_by(LogEntry.idx))
    events = []
    for type_, raw in rows:
        if type_.startswith("ecocomply.case."):
            data = json.loads(raw).get("data")
            events.append((type_, data if isinstance(data, dict) else {}))
    found = from_events(events)
    for who in flag.handlers or []:
        _add(found, who, "handler")
    _add(found, flag.decided_by, "decider")
    ctx = await session.get(CaseContext, flag.case_id)
    recorded = await session.scalars(select(DecisionPerson.person).where(DecisionPerson.case_id == flag.case_id))
    for who in [*(flag.involved or []), *(ctx.people if ctx else []), *recorded]:
        if who not in found:
            _add(found, who, "involved")
    rank = {r: i for i, r in enumerate(ROLE_ORDER)}
    return [{"person": p, "roles": sorted(roles, key=rank.get)} for p, roles in found.items()]

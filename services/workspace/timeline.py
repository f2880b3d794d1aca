"""A case's timeline as the audit log holds it (``GET /audit/v1/log/entries``), as a supervisor reads it: each
step in Chinese, Beijing time marked, the people by name with their part in the case, the facts the
investigation established by their Chinese labels (the checklist's fact vocabulary), the documents issued (with a
link that opens them) and the decision attempts the gate refused."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from services.portal.labels import ACTION, ENDING
from shared.labels import DECISION_TYPE_CN, EVENT_CN, OUTCOME_CN, document_title
from shared.registry import UNREGISTERED_REVIEWER, person

# The data keys that name a person, and the part that person played (in the order a step shows them).
ACTORS = (
    ("filed_by", "立案人"), ("completed_by", "调查人"), ("reviewer", "法制审核人"), ("legal_review_by", "法制审核人"),
    ("participants", "集体讨论参加人"), ("recorded_by", "记录人"), ("notified_by", "告知人"),
    ("assessed_by", "评估人"), ("decided_by", "决定人（行政机关负责人）"), ("changed_by", "变更决定人"),
    ("approved_by", "批准人"), ("attempted_by", "操作人"), ("assigned_by", "分派人"), ("assignee", "审核人员"),
    ("reviewed_by", "审核人员"), ("reopened_by", "重新开启人"), ("started_by", "审核人员"), ("uploaded_by", "上传人"),
)
AUDITORS = {"assigned_by", "assignee", "reviewed_by", "reopened_by", "started_by", "uploaded_by"}
OPINION_CN = {"approve": "同意", "return": "退回"}
_CODE = re.compile(r"（[a-z_]+）")


def plain(text: str) -> str:
    """A stored Chinese text without the code in parentheses some carry (e.g. "（legal_review）")."""
    return _CODE.sub("", text or "")


def _value(value: Any, fact: dict[str, Any] | None) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    for v in (fact or {}).get("values") or []:
        if v.get("value") == value:
            return str(v.get("label"))
    if isinstance(value, float | int):
        return f"{value:,}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return str(value)


def facts_cn(facts: dict[str, Any], vocab: dict[str, dict[str, Any]]) -> list[str]:
    """Each recorded fact as "label：value" (a key the vocabulary does not know is left out of the page)."""
    out = []
    for key, value in facts.items():
        fact = vocab.get(key)
        if fact and fact.get("label"):
            out.append(f"{fact['label']}：{_value(value, fact)}")
    return out


def _people(data: dict[str, Any], names: dict[str, str]) -> list[str]:
    out = []
    for key, role in ACTORS:
        subs = data.get(key)
        subs = subs if isinstance(subs, list) else [subs] if subs else []
        for sub in subs:
            if isinstance(sub, str):
                who = person(sub, names, UNREGISTERED_REVIEWER) if key in AUDITORS else person(sub, names)
                out.append(f"{who}（{role}）")
    return list(dict.fromkeys(out))  # one person in one part once (e.g. the assignee who starts the review)


def _details(kind: str, data: dict[str, Any], vocab: dict[str, dict[str, Any]]) -> list[str]:
    d: list[str] = []
    if kind.endswith(".legal_reviewed.v1"):
        d.append(f"审核意见：{OPINION_CN.get(data.get('opinion', ''), '—')}")
        if data.get("proposed_type"):
            d.append(f"拟作出：{DECISION_TYPE_CN.get(data['proposed_type'], '—')}")
    if kind.endswith(".collective_discussed.v1"):
        votes = data.get("votes") or {}
        d.append(f"表决：同意{votes.get('for', 0)}票、反对{votes.get('against', 0)}票、弃权{votes.get('abstain', 0)}票")
        if data.get("decision_type"):
            d.append(f"讨论结论：{DECISION_TYPE_CN.get(data['decision_type'], '—')}")
    if kind.endswith((".decided.v1", ".served.v1")) and data.get("decision_type"):
        d.append(f"决定类型：{DECISION_TYPE_CN.get(data['decision_type'], '—')}")
    if kind.endswith(".decided.v1") and data.get("fine_amount") is not None:
        d.append(f"罚款：{data['fine_amount']:,.2f}元")
    if kind.endswith(".ended.v1") and data.get("kind"):
        d.append(f"结束方式：{ENDING.get(data['kind'], '—')}")
    if kind.endswith(".gate_refused.v1"):
        tried = ACTION.get(data.get("action", ""), "办理")
        if data.get("decision_type"):
            tried += f"（{DECISION_TYPE_CN.get(data['decision_type'], '—')}）"
        d.append(f"被拒绝的操作：{tried}")
        rule = "　".join(x for x in (plain(data.get("article", "")), plain(data.get("rule", ""))) if x)
        if rule:
            d.append(f"拒绝依据：{rule}")
    if kind == "audit.flag_reviewed" and data.get("outcome"):
        d.append(f"审核结论：{OUTCOME_CN.get(data['outcome'], '—')}")
    for key in ("notes", "reason"):
        if kind.startswith("audit.") and data.get(key):
            d.append(f"理由：{data[key]}")
    facts = data.get("facts")
    if isinstance(facts, dict) and facts:
        d += facts_cn(facts, vocab)
    return d


def steps(entries: list[dict[str, Any]], case_id: str, names: dict[str, str],
          vocab: dict[str, dict[str, Any]], decision_type: str | None = None) -> list[dict[str, Any]]:
    out = []
    for e in entries:
        try:
            envelope = json.loads(e["data"]) if isinstance(e.get("data"), str) else e.get("data") or {}
        except ValueError:
            envelope = {}
        data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
        kind = e.get("type", "")
        doc = None
        if kind.endswith(".document_issued.v1") and data.get("kind") and data.get("case_id") == case_id:
            doc = {"title": document_title(data["kind"], decision_type), "number": data.get("number", ""),
                   "href": f"/workspace/cases/{quote(case_id, safe='')}/documents/{quote(data['kind'], safe='')}"
                           f"?number={quote(str(data.get('number', '')), safe='')}"}
        out.append({"index": e.get("index"), "at": envelope.get("time") or e.get("appended_at"),
                    "what": EVENT_CN.get(kind, "其他事件"), "refused": kind.endswith(".gate_refused.v1"),
                    "people": _people(data, names), "details": _details(kind, data, vocab), "document": doc})
    return out

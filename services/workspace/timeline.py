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
from shared.labels import (
    DAMAGE_ACTION_CN,
    DAMAGE_GROUND_CN,
    DAMAGE_STATUS_CN,
    DAMAGE_TRIGGER_CN,
    DECISION_TYPE_CN,
    EVENT_CN,
    OUTCOME_CN,
    document_title,
)
from shared.registry import UNREGISTERED_REVIEWER, person

# The data keys that name a person, and the part that person played (in the order a step shows them).
ACTORS = (
    ("filed_by", "立案人"), ("completed_by", "调查人"), ("reviewer", "法制审核人"), ("legal_review_by", "法制审核人"),
    ("participants", "集体讨论参加人"), ("recorded_by", "记录人"), ("notified_by", "告知人"),
    ("assessed_by", "评估人"), ("decided_by", "决定人（行政机关负责人）"), ("changed_by", "变更决定人"),
    ("approved_by", "批准人"), ("attempted_by", "操作人"), ("assigned_by", "分派人"), ("assignee", "审核人员"),
    ("reviewed_by", "审核人员"), ("reopened_by", "重新开启人"), ("started_by", "审核人员"), ("uploaded_by", "上传人"),
    ("opened_by", "损害赔偿线索开启人"),
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


def _yuan(v: Any) -> str:
    return f"{float(v):,.2f}元"


def damage_details(data: dict[str, Any]) -> list[str]:
    """一案双查: a damage-compensation step as a supervisor reads it (status, ground, amounts, document, note)."""
    if "trigger" in data:
        return [f"开启方式：{DAMAGE_TRIGGER_CN.get(data['trigger'], '—')}", "事项状态：线索筛查"]
    d = [f"环节：{DAMAGE_ACTION_CN.get(data.get('action', ''), '—')}",
         f"事项状态：{DAMAGE_STATUS_CN.get(data.get('status_from', ''), '—')} → {DAMAGE_STATUS_CN.get(data.get('status_to', ''), '—')}"]
    if data.get("ground"):
        d.append(f"不启动依据：{DAMAGE_GROUND_CN.get(data['ground'], '—')}（{plain(data.get('ground_source') or '')}）")
    if data.get("simplified") is not None:
        d.append("评估方式：" + ("简化鉴定评估" if data["simplified"] else "鉴定评估"))
    for key, cn in (("assessed_amount", "损害数额"), ("agreed_amount", "协议赔偿数额"), ("paid_amount", "本次缴纳赔偿金")):
        if data.get(key) is not None:
            d.append(f"{cn}：{_yuan(data[key])}")
    if data.get("evaluation_passed") is not None:
        d.append("修复效果评估：" + ("通过" if data["evaluation_passed"] else "未通过"))
    if data.get("paid_amount") is not None or data.get("action") == "pay":
        d.append(f"累计缴纳赔偿金：{_yuan(data.get('paid_total') or 0)}")
    if data.get("document_number"):
        d.append(f"文书：{data.get('document_title') or ''} {data['document_number']}")
    if data.get("note"):
        d.append(f"说明：{data['note']}")
    return d


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
    if kind.endswith((".damage_opened.v1", ".damage_step_recorded.v1")):
        d += damage_details(data)
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


def damage_summary(m: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """一案双查: the case's damage-compensation matter as a supervisor reads it (status, amounts, every step by name)."""
    facts = [f"状态：{DAMAGE_STATUS_CN.get(m.get('status', ''), '—')}",
             f"开启方式：{DAMAGE_TRIGGER_CN.get(m.get('trigger', ''), '—')}"]
    if m.get("ground"):
        facts.append(f"不启动依据：{DAMAGE_GROUND_CN.get(m['ground'].get('code', ''), '—')}（{m['ground'].get('source', '')}）")
    for key, cn in (("assessed_amount", "鉴定评估损害数额"), ("agreed_amount", "赔偿协议数额")):
        if m.get(key) is not None:
            facts.append(f"{cn}：{_yuan(m[key])}")
    facts.append(f"已缴纳赔偿金：{_yuan(m.get('paid_total') or 0)}")
    steps = []
    for s in m.get("steps") or []:
        what = DAMAGE_ACTION_CN.get(s.get("action", ""), "其他环节")
        if s.get("action") == "evaluate":
            what += "：" + ("通过" if s.get("passed") else "未通过")
        extra = []
        if s.get("document"):
            extra.append(f"{s['document'].get('title', '')} {s['document'].get('number', '')}")
        if s.get("paid_amount"):
            extra.append(f"缴纳赔偿金 {_yuan(s['paid_amount'])}")
        if s.get("note"):
            extra.append(s["note"])
        steps.append({"at": s.get("recorded_at"), "what": what, "who": person(s.get("recorded_by"), names),
                      "extra": "；".join(extra)})
    return {"facts": facts, "steps": steps}

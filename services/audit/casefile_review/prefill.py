"""预填 — the items the system can judge from the case's own records (pure; no I/O): each check reads the case as
the cases service shows it (``GET /cases/v1/cases/{id}``) and its issued documents (``…/documents``) and returns
whether the item is met and the evidence — which record, which value. ``met`` None: the records do not say (the
reviewer judges). The reviewer confirms or overrides each with a reason (``scoring``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shared.chinese_dates import beijing_time, cn_date
from shared.clock import local_date
from shared.labels import document_title
from shared.registry import person

DUE_CN = {"handling": "办案期限", "filing": "立案期限", "service": "送达期限", "statement": "陈述申辩期限",
          "hearing_request": "听证申请期限"}


@dataclass(frozen=True)
class Prefill:
    met: bool | None
    evidence: list[dict[str, str]] = field(default_factory=list)


def _ev(record: str, value: str) -> dict[str, str]:
    return {"record": record, "value": value}


def _at(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _decided_at(case: dict) -> datetime | None:
    for t in case.get("timeline") or []:
        if t.get("action") == "decide":
            return _at(t.get("at"))
    return None


def two_certified_officers(case: dict, documents: list[dict], names: dict[str, str]) -> Prefill:
    certs = (case.get("records") or {}).get("handler_certificates") or {}
    handlers = case.get("handlers") or []
    held = [h for h in handlers if certs.get(h)]
    value = "；".join(f"{person(h, names)}：{certs.get(h) or '无执法证号'}" for h in handlers) or "无办案人员记录"
    return Prefill(len(held) >= 2, [_ev("案件办案人员及执法证号（records.handler_certificates）", value)])


def legal_review_before_decision(case: dict, documents: list[dict], names: dict[str, str]) -> Prefill:
    reviews = [r for r in (case.get("records") or {}).get("legal_reviews") or [] if r.get("opinion") == "approve"]
    decided = _decided_at(case)
    if decided is None:
        return Prefill(None, [_ev("案件时间线（timeline）", "未见作出决定的记录")])
    before = [r for r in reviews if (at := _at(r.get("at"))) is not None and at <= decided]
    value = "；".join(f"{person(r.get('by'), names)} 于 {beijing_time(r.get('at'))} 审核通过"
                     for r in reviews) or "无审核通过的法制审核记录"
    return Prefill(bool(before), [_ev("法制审核记录（records.legal_reviews）", value),
                                  _ev("作出决定（timeline: decide）", beijing_time(decided))])


def deadlines_kept(case: dict, documents: list[dict], names: dict[str, str]) -> Prefill:
    due = case.get("due") or {}
    overdue = list(case.get("overdue_deadlines") or [])
    value = "；".join(f"{DUE_CN.get(k, k)} {cn_date(v.get('date'))}{'（已完成）' if v.get('done') else ''}" for k, v in due.items())
    ev = [_ev("案件期限（due）", value or "无期限记录"),
          _ev("超期期限（overdue_deadlines）", "、".join(DUE_CN.get(k, k) for k in overdue) or "无")]
    return Prefill(not case.get("overdue") and not overdue, ev)


REMEDY_ARTICLE = "第五十九条"


def remedies_on_decision(case: dict, documents: list[dict], names: dict[str, str]) -> Prefill:
    decision = case.get("decision") or {}
    articles = decision.get("articles") or []
    if not decision:
        return Prefill(None, [_ev("决定（decision）", "无决定")])
    ok = any(REMEDY_ARTICLE in a and "行政处罚法" in a for a in articles)
    return Prefill(ok, [_ev("决定书载明的条文（decision.articles）", "、".join(articles) or "无"),
                        _ev("依据", "《中华人民共和国行政处罚法》第五十九条第一款第（五）项：申请行政复议、提起行政诉讼的途径和期限")])


def documents_numbered(case: dict, documents: list[dict], names: dict[str, str]) -> Prefill:
    if not documents:
        return Prefill(None, [_ev("已制发文书（documents）", "无文书记录")])
    missing = [d.get("kind", "?") for d in documents if not d.get("number")]
    kind = (case.get("decision") or {}).get("type")
    value = "；".join(f"{document_title(str(d.get('kind')), kind)}：{d.get('number') or '无文号'}" for d in documents)
    return Prefill(not missing, [_ev("已制发文书及文号（documents）", value)])


def _served_at(case: dict) -> datetime | None:
    for t in case.get("timeline") or []:
        if t.get("action") in ("serve", "service", "served"):
            return _at(t.get("at"))
    return None


def service_within_7_days(case: dict, documents: list[dict], names: dict[str, str]) -> Prefill:
    due = (case.get("due") or {}).get("service")
    if not due:
        return Prefill(None, [_ev("送达期限（due.service）", "无送达期限记录")])
    served = _served_at(case)
    limit = date.fromisoformat(str(due.get("date")))
    ev = [_ev("送达期限（due.service，第六十一条、第八十五条：七个工作日）", cn_date(limit)),
          _ev("送达（timeline: serve）", beijing_time(served) if served else "未见送达记录")]
    if served is None:
        return Prefill(False, ev)
    return Prefill(local_date(served) <= limit, ev)


CHECKS = {f.__name__: f for f in (two_certified_officers, legal_review_before_decision, deadlines_kept,
                                  remedies_on_decision, documents_numbered, service_within_7_days)}


def prefill(case: dict | None, documents: list[dict] | None, names: dict[str, str] | None = None
            ) -> dict[str, Prefill]:
    """Every automatic check on the case (None: the cases service did not answer — nothing is pre-filled); people
    named by ``names`` (the officers register), times in Beijing time."""
    if case is None:
        return {k: Prefill(None, [_ev("办案系统", "未能读取案件记录，请人工评查")]) for k in CHECKS}
    return {k: f(case, documents or [], names or {}) for k, f in CHECKS.items()}

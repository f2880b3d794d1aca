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
    """第五十八条: 未经法制审核或者审核未通过的，不得作出决定 — the latest review before the decision must have
    approved (a later return voids an earlier approval, as the cases service's gate reads it)."""
    reviews = list((case.get("records") or {}).get("legal_reviews") or [])
    decided = _decided_at(case)
    if decided is None:
        return Prefill(None, [_ev("案件时间线（timeline）", "未见作出决定的记录")])
    before = sorted(((at, r) for r in reviews if (at := _at(r.get("at"))) is not None and at <= decided),
                    key=lambda p: p[0])
    value = "；".join(f"{person(r.get('by'), names)} 于 {beijing_time(r.get('at'))} "
                     f"{'审核通过' if r.get('opinion') == 'approve' else '审核未通过（退回）'}"
                     for r in reviews) or "无法制审核记录"
    met = bool(before) and before[-1][1].get("opinion") == "approve"
    return Prefill(met, [_ev("法制审核记录（records.legal_reviews）", value),
                         _ev("作出决定（timeline: decide）", beijing_time(decided))])


def _local(value: Any) -> date | None:
    at = _at(value)
    return local_date(at) if at is not None else None


def _due_date(due: dict, name: str) -> date | None:
    try:
        return date.fromisoformat(str((due.get(name) or {}).get("date")))
    except ValueError:
        return None


# The bureau's own periods this item checks, each against the date the step was actually taken: ``overdue`` is no
# evidence here — the cases service computes it only for steps not yet done, and never on a closed case, so a decision
# made on day 120 shows nothing overdue. (The party's periods — 陈述申辩、听证申请 — are item P3's; service is P4's.)
def deadlines_kept(case: dict, documents: list[dict], names: dict[str, str]) -> Prefill:
    due = case.get("due") or {}
    steps = {"filing": ("立案", _local(case.get("filed_at"))),
             "handling": ("作出决定", _local((case.get("decision") or {}).get("decided_at")) or
                          (local_date(d) if (d := _decided_at(case)) else None))}
    ev, late, unknown = [], [], []
    for name, (step, on) in steps.items():
        limit = _due_date(due, name)
        if limit is None:
            continue
        taken = cn_date(on) if on else "未见记录"
        unverified = "（期限据解读材料，原文未核实）" if (due.get(name) or {}).get("verified") is False else ""
        ev.append(_ev(f"{DUE_CN[name]}（due.{name}）", f"期限 {cn_date(limit)}{unverified}；{step} {taken}"))
        if on is None:
            if name == "handling" and (due.get(name) or {}).get("done"):
                continue  # ended before a decision (撤销立案、移送 …): the period ended with it
            unknown.append(name)
        elif on > limit:
            late.append(name)
    if not ev:
        return Prefill(None, [_ev("案件期限（due）", "无期限记录")])
    ev.append(_ev("超过期限", "、".join(DUE_CN[k] for k in late) or "无"))
    if late:
        return Prefill(False, ev)
    return Prefill(None if unknown else True, ev)


REMEDIES_BASIS = "《中华人民共和国行政处罚法》第五十九条第一款第（五）项：申请行政复议、提起行政诉讼的途径和期限"
REMEDIES_SECTION = "申请行政复议或者提起行政诉讼的途径和期限"


def remedies_on_decision(case: dict, documents: list[dict], names: dict[str, str]) -> Prefill:
    """Judged on the decision document as issued, not on the articles the decision cites (those name 第五十九条 only
    for a penalty, yet a 不予行政处罚决定书 is reviewable and carries its remedies too): the cases service prints the
    section ``REMEDIES_SECTION`` (the bureau's 行政复议机关 and 人民法院 with the 60-day / 6-month periods) on every
    decision document it issues — penalty and exemption alike — and refuses to issue one without them."""
    decision = case.get("decision") or {}
    if not decision:
        return Prefill(None, [_ev("决定（decision）", "无决定")])
    issued = [d for d in documents if d.get("kind") == "decision"]
    kind = decision.get("type")
    if not issued:
        return Prefill(None, [_ev("已制发文书（documents）", f"未见{document_title('decision', kind)}"),
                              _ev("依据", REMEDIES_BASIS)])
    value = "；".join(f"{document_title('decision', kind)} {d.get('number') or '无文号'}" for d in issued)
    return Prefill(True, [_ev("已制发的决定书（documents）", f"{value}：载明“{REMEDIES_SECTION}”一节（办案系统制作，"
                                                          f"复议机关、人民法院未设置的不予制作）"),
                          _ev("依据", REMEDIES_BASIS)])


# The kinds the cases service gives a 文号 of their own (决定书, 行政处罚事先告知书, 听证通知书, 信用修复指引); another kind is
# identified by the case number. LOCAL RULE (the issue's “documents issued with 文号”; no statute numbers documents):
# one of these whose number is only the case number was issued without its 文号.
OWN_NUMBER_KINDS = ("decision", "notice", "hearing_notice", "credit_repair_guidance")


def documents_numbered(case: dict, documents: list[dict], names: dict[str, str]) -> Prefill:
    if not documents:
        return Prefill(None, [_ev("已制发文书（documents）", "无文书记录")])
    case_number = case.get("number")
    kind = (case.get("decision") or {}).get("type")

    def own(d: dict) -> bool:
        return bool(d.get("number")) and d.get("number") != case_number

    missing = [d for d in documents if d.get("kind") in OWN_NUMBER_KINDS and not own(d)]
    value = "；".join(f"{document_title(str(d.get('kind')), kind)}："
                     f"{d.get('number') if own(d) else ('以案号标识 ' + str(case_number)) if d.get('number') else '无文号'}"
                     for d in documents)
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
    if local_date(served) <= limit:
        return Prefill(True, ev)
    if due.get("provisional"):  # the year's holidays are not loaded: the seventh working day may be later
        ev.append(_ev("送达期限为暂定", "当年节假日安排未载入，第七个工作日未能确定，请人工核对"))
        return Prefill(None, ev)
    return Prefill(False, ev)


CHECKS = {f.__name__: f for f in (two_certified_officers, legal_review_before_decision, deadlines_kept,
                                  remedies_on_decision, documents_numbered, service_within_7_days)}


def prefill(case: dict | None, documents: list[dict] | None, names: dict[str, str] | None = None
            ) -> dict[str, Prefill]:
    """Every automatic check on the case (None: the cases service did not answer — nothing is pre-filled); people
    named by ``names`` (the officers register), times in Beijing time."""
    if case is None:
        return {k: Prefill(None, [_ev("办案系统", "未能读取案件记录，请人工评查")]) for k in CHECKS}
    return {k: f(case, documents or [], names or {}) for k, f in CHECKS.items()}

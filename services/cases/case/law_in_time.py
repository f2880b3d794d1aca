"""从旧兼从轻 — 《行政处罚法》第三十七条: 实施行政处罚，适用违法行为发生时的法律、法规、规章的规定。但是，作出行政处罚
决定时，法律、法规、规章已被修改或者废止，且新的规定处罚较轻或者不认为是违法的，适用新的规定.

The checklist calculates each violation's range with the guidance item version (and rule set) in force
on a date (``POST /discretion/calculate`` with ``on``). The decision asks it at the act date and at the
decision date; where the two differ the lighter applies (the lower statutory maximum, then the lower
minimum), and the decision records both and which applied (``decision.law_applied``). Pure: the service
layer does the asking."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.cases import workflow
from shared.law import APL

ART37 = f"{APL}第三十七条"


def _range(calc: dict[str, Any] | None) -> tuple[float, float] | None:
    if calc is None or calc.get("statutory_max") is None:
        return None
    return float(calc.get("statutory_min") or 0.0), float(calc["statutory_max"])


def _version(calc: dict[str, Any] | None) -> int | None:
    return ((calc or {}).get("violation") or {}).get("version")


def _span(r: tuple[float, float] | None) -> dict[str, float] | None:
    return None if r is None else {"statutory_min": r[0], "statutory_max": r[1]}


def lighter(act: workflow.Act | None, at_act: dict[str, Any] | None, act_why: str, at_decision: dict[str, Any] | None,
            decision_why: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The calculation that applies to one violation, and the record of the choice."""
    ra, rd = _range(at_act), _range(at_decision)
    row: dict[str, Any] = {"code": act.code if act else None,
                           "act_date": act.occurred_on.isoformat() if act and act.occurred_on else None,
                           "act_range": _span(ra), "decision_range": _span(rd),
                           "act_item_version": _version(at_act), "decision_item_version": _version(at_decision)}
    if at_act is None and at_decision is None:
        return None, {**row, "applied": None, "reason": act_why or decision_why}
    if at_act is None:
        return at_decision, {**row, "applied": "decision",
                             "reason": f"违法行为发生时的幅度无法计算（{act_why}），适用决定时的规定"}
    if at_decision is None:
        return at_act, {**row, "applied": "act", "reason": f"适用违法行为发生时的规定（{ART37}）；决定时的幅度无法计算（{decision_why}）"}
    if ra is None or rd is None or ra == rd:
        return at_act, {**row, "applied": "act", "reason": f"适用违法行为发生时的规定（{ART37}）；决定时的规定未改变罚款幅度"}
    if (rd[1], rd[0]) < (ra[1], ra[0]):
        return at_decision, {**row, "applied": "decision",
                             "reason": f"决定时的规定处罚较轻，适用新的规定（{ART37}但书）"}
    return at_act, {**row, "applied": "act", "reason": f"适用违法行为发生时的规定（{ART37}）；决定时的规定不更轻"}


def summary(rows: list[dict[str, Any]], act_range: workflow.FineRange | None,
            decision_range: workflow.FineRange | None, decision_date: date) -> tuple[workflow.LawInTime, dict[str, Any]]:
    """The case's choice (for the gate) and ``decision.law_applied`` (for the record and the document)."""
    applied = "decision" if any(r.get("applied") == "decision" for r in rows) else "act"
    reasons = list(dict.fromkeys(str(r.get("reason")) for r in rows if r.get("reason")))
    ra = None if act_range is None else (act_range.statutory_min, act_range.statutory_max)
    rd = None if decision_range is None else (decision_range.statutory_min, decision_range.statutory_max)
    law = workflow.LawInTime(act_range=ra, decision_range=rd, applied=applied, reason="；".join(reasons))  # type: ignore[arg-type]
    dates = sorted(r["act_date"] for r in rows if r.get("act_date"))
    return law, {"act_date": dates[0] if dates else None, "decision_date": decision_date.isoformat(),
                 "applied": applied, "reason": law.reason, "basis": ART37,
                 "act_range": _span(ra), "decision_range": _span(rd), "violations": rows}


def first_act_date(acts: tuple[workflow.Act, ...]) -> date | None:
    """When the (earliest) act was done — the date 第三十七条 reads the old law at."""
    dates = sorted(a.occurred_on for a in acts if a.occurred_on is not None)
    return dates[0] if dates else None


def for_exemption(ev: dict[str, Any], acts: tuple[workflow.Act, ...], decision_date: date) -> dict[str, Any]:
    """An exemption's item: in force at the decision date but not yet at the act date, it still applies —
    the new rule is lighter (第三十七条但书); in force at the act date but no longer at the decision date
    (``ev['applied_at'] == 'act'``), it applies too — the old rule is the lighter one. Recorded so the
    document can say so."""
    start = ev.get("effective_from")
    start_d = date.fromisoformat(str(start)) if start else None
    act_date = first_act_date(acts)
    out: dict[str, Any] = {"act_date": act_date.isoformat() if act_date else None,
                           "decision_date": decision_date.isoformat(), "basis": ART37,
                           "item": ev.get("code"), "item_version": ev.get("item_version"),
                           "item_effective_from": start_d.isoformat() if start_d else None,
                           "item_effective_to": str(ev["effective_to"]) if ev.get("effective_to") else None}
    if ev.get("applied_at") == "act":
        return {**out, "applied": "act",
                "reason": f"{ev.get('code')} 在违法行为发生时施行，作出决定时已不在施行期内；旧的规定较轻（不予处罚），"
                          f"适用违法行为发生时的规定（{ART37}）"}
    if start_d is not None and act_date is not None and act_date < start_d <= decision_date:
        return {**out, "applied": "decision",
                "reason": f"{ev.get('code')} 自 {start_d.isoformat()} 起施行，违法行为发生时尚未施行；新的规定较轻，适用新的规定（{ART37}但书）"}
    return {**out, "applied": "act", "reason": f"{ev.get('code')} 在违法行为发生时已施行（或未载明施行日期）"}


__all__ = ["first_act_date", "for_exemption", "lighter", "summary"]

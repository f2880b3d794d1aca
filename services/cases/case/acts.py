"""The act (违法行为) behind each violation of a case: its dates, stored on the case's ``violations``
(``{"code", "occurred_on"?, "ended_on"?}``, ISO dates; no migration) — set at filing (a violation's own
dates, or the case-level ``occurred_on``/``ended_on`` as the default) and set or corrected by the
investigation. The decision gate reads them as ``workflow.gate.Act``: the limitation at the decision
(第三十六条), the law in force at the time of the act (第三十七条), one act one fine (第二十九条)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from services.cases.case.schemas import ActDates, CaseCreate
from services.cases.workflow.gate import Act
from shared.problems import invalid


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _date(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


def stored(code: str, occurred_on: date | None, ended_on: date | None, act: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code}
    if act:
        out["act"] = act
    if occurred_on is not None:
        out["occurred_on"] = _iso(occurred_on)
    if ended_on is not None:
        out["ended_on"] = _iso(ended_on)
    return out


def validate(field: str, occurred_on: date | None, ended_on: date | None, today: date) -> None:
    """``ended_on`` ≥ ``occurred_on``, neither in the future: 422 naming the field."""
    if ended_on is not None and occurred_on is None:
        raise invalid(f"{field}.occurred_on", "an act with an end date needs the date it occurred", code="invalid_date")
    if occurred_on is not None and occurred_on > today:
        raise invalid(f"{field}.occurred_on", f"the act cannot occur after today ({today.isoformat()})",
                      code="invalid_date")
    if ended_on is not None and ended_on > today:
        raise invalid(f"{field}.ended_on", f"the act cannot end after today ({today.isoformat()})", code="invalid_date")
    if ended_on is not None and occurred_on is not None and ended_on < occurred_on:
        raise invalid(f"{field}.ended_on", "the act cannot end before it occurred", code="invalid_date")


def at_filing(body: CaseCreate, today: date) -> list[dict[str, Any]]:
    """The violations as stored at filing: each violation's dates, the case-level ones as the default."""
    out: list[dict[str, Any]] = []
    for i, v in enumerate(body.violations):
        occ = v.occurred_on or body.occurred_on
        end = v.ended_on if v.occurred_on is not None or v.ended_on is not None else body.ended_on
        validate(f"violations[{i}]", occ, end, today)
        out.append(stored(v.code, occ, end, v.act))
    same_act(out)
    return out


def same_act(violations: Sequence[dict[str, Any]]) -> None:
    """Violations labelled as one act (第二十九条) have the same dates: 422 naming the first that differs."""
    first: dict[str, dict[str, Any]] = {}
    for i, v in enumerate(violations):
        if not v.get("act"):
            continue
        f = first.setdefault(v["act"], v)
        if (f.get("occurred_on"), f.get("ended_on")) != (v.get("occurred_on"), v.get("ended_on")):
            raise invalid(f"violations[{i}].act", f"act {v['act']!r} names {f['code']} and {v['code']} with different "
                          "dates: one act has one period", code="invalid_date")


def corrected(current: Sequence[dict[str, Any]], found: Iterable[ActDates], today: date) -> list[dict[str, Any]]:
    """The case's violations with the investigation's dates applied (violations not named keep theirs)."""
    codes = [v["code"] for v in current]
    by_code: dict[str, ActDates] = {}
    for i, a in enumerate(found):
        if a.code not in codes:
            raise invalid(f"violations[{i}].code", f"{a.code} is not a violation of this case ({codes})",
                          code="unknown_violation")
        validate(f"violations[{i}]", a.occurred_on, a.ended_on, today)
        by_code[a.code] = a
    out = [stored(v["code"], by_code[v["code"]].occurred_on, by_code[v["code"]].ended_on, by_code[v["code"]].act)
           if v["code"] in by_code else dict(v) for v in current]
    same_act(out)
    return out


def acts_of(violations: Sequence[dict[str, Any]]) -> tuple[Act, ...]:
    """The gate's view of the stored violations."""
    return tuple(Act(code=str(v["code"]), occurred_on=_date(v.get("occurred_on")), ended_on=_date(v.get("ended_on")),
                     act=v.get("act")) for v in violations)


__all__ = ["acts_of", "at_filing", "corrected", "same_act", "stored", "validate"]

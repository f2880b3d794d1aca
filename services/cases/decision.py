"""作出决定 — the discretion calculation (裁量) on record and the decision itself. The checklist service is
asked first, outside the transaction (no lock held across HTTP); the decision transaction re-checks
that the facts did not change, applies the pure rules, and writes the decision with its event."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.cases import checklist_client, workflow
from services.cases.clock import local_date
from services.cases.models import Case
from services.cases.schemas import CaseRead, DecisionCreate, DiscretionRequest
from services.cases.service import act, add_step, load_visible, set_record
from shared import contracts
from shared.auth import Principal
from shared.problems import conflict, invalid
from shared.service import Runtime

APL = workflow.APL


def _discretion_record(calc: dict[str, Any], violation_code: str, by: str, at: datetime) -> dict[str, Any]:
    keep = ("fine_min", "fine_max", "recommended", "currency", "level", "factors", "basis", "rule_version", "rule_set",
            "violation", "statutory_min", "statutory_max", "settings", "notes")
    return {**{k: calc.get(k) for k in keep}, "violation_code": violation_code, "by": by, "at": at.isoformat()}


async def _calculate(rt: Runtime, violation_code: str, facts: dict[str, Any], *, bureau: str,
                     mitigation: str | None) -> tuple[dict[str, Any] | None, str]:
    assert rt.http is not None
    return await checklist_client.calculate(rt.http, violation_code, facts, mitigation=mitigation, bureau=bureau)


async def calculate_discretion(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                               body: DiscretionRequest) -> CaseRead:
    """Ask the checklist's fine calculator for the case's violation and facts; store it on the case."""
    async with session.begin():
        snap = await load_visible(session, user, case_id)
        facts, codes, bureau = dict(snap.facts or {}), [v["code"] for v in snap.violations], snap.bureau
    code = body.violation_code or codes[0]
    if code not in codes:
        raise invalid("violation_code", f"{code} is not a violation of this case ({codes})", code="unknown_violation")
    calc, why = await _calculate(rt, code, facts, bureau=bureau, mitigation=body.mitigation)

    def check(case: Case, v: workflow.CaseView) -> None:
        workflow.check(v, "calculate_discretion", actor=user.sub)
        if calc is None:
            r = workflow.RULES["discretion_calculation_required"]
            raise workflow.Refusal(v, "calculate_discretion", r, f"no discretion calculation for {code}: {why}")

    async def mutate(case: Case, at: datetime):
        set_record(case, "discretion", {**_discretion_record(calc, code, user.sub, at), "mitigation": body.mitigation})
        add_step(case, "discretion")
        return None

    return await act(rt, session, user, case_id, "calculate_discretion", mutate, check=check,
                     detail={"violation_code": code, "rule_version": (calc or {}).get("rule_version")})


def _cite(b: dict[str, Any]) -> str:
    law = str(b.get("law") or "")
    if law and not law.startswith("《"):
        law = f"《{law}》"
    return f"{law}{b.get('article') or ''}"


def _articles(decision_type: str, basis: dict[str, Any], discretion: dict[str, Any] | None) -> list[str]:
    """The articles a decision relies on, stored on it and listed in its documents."""
    out: list[str] = []
    if basis.get("law_article"):
        out.append(str(basis["law_article"]))
    for b in basis.get("legal_basis") or []:
        if isinstance(b, dict):
            out.append(_cite(b))
    if decision_type == workflow.EXEMPTION:
        out.append(f"{APL}第三十三条")
    if decision_type in workflow.LIGHT_PENALTIES:
        out.append(f"{APL}第三十二条")
    if decision_type in workflow.PENALTIES:
        out += [f"{APL}第四十四条", f"{APL}第五十九条", f"{APL}第六十七条"]
    if discretion:
        out += [_cite(b) if isinstance(b, dict) else str(b) for b in discretion.get("basis") or []]
    seen: list[str] = []
    for a in out:
        if a and a not in seen:
            seen.append(a)
    return seen


async def decide(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: DecisionCreate) -> CaseRead:
    assert rt.http is not None
    async with session.begin():
        snap = await load_visible(session, user, case_id)
        facts = dict(snap.facts or {})
        codes = [v["code"] for v in snap.violations]
        on_record = (snap.records or {}).get("discretion")
        bureau = snap.bureau
    no_penalty: workflow.NoPenaltyBasis | None = None
    basis: dict[str, Any] = body.basis.model_dump(exclude_none=True)
    mitigating: list[str] = []
    if body.type == workflow.EXEMPTION and body.basis.no_penalty_item:
        ev = await checklist_client.evaluate(rt.http, body.basis.no_penalty_item, facts)
        no_penalty = workflow.NoPenaltyBasis(
            code=ev["code"], kind=ev["kind"], eligible=bool(ev["eligible"]), unmet=tuple(ev.get("unmet", [])),
            unknown=tuple(ev.get("unknown", [])), item_version=ev.get("item_version"),
        )
        basis.update({"no_penalty_kind": ev["kind"], "no_penalty_item_version": ev.get("item_version"),
                      "list_version": ev.get("list_version"), "legal_basis": ev.get("legal_basis"),
                      "conditions_met": ev.get("met"), "discretionary": ev.get("discretionary")})
    fresh: dict[str, Any] | None = None
    why = ""
    if body.type in workflow.LIGHT_PENALTIES:
        mitigating = await checklist_client.mitigating_keys(rt.http)
        basis["mitigating_circumstances"] = [k for k in mitigating if facts.get(k) is True]
        if not on_record:
            fresh, why = await _calculate(rt, codes[0], facts, bureau=bureau, mitigation=body.type)
    kinds = body.penalty_kinds or ([] if body.type == workflow.EXEMPTION else (["fine"] if body.fine_amount else ["warning"]))

    def check(case: Case, v: workflow.CaseView) -> None:
        if dict(case.facts or {}) != facts:
            raise conflict("case_changed", "the case's facts changed while the decision was being checked; retry")
        if fresh is not None and v.discretion is None:
            v = replace(v, discretion=workflow.Discretion(fresh.get("fine_min"), fresh.get("fine_max"),
                                                          fresh.get("rule_version")))
        try:
            workflow.check_decision(v, decision_type=body.type, mitigating_keys=mitigating, no_penalty=no_penalty,
                                    fine_amount=body.fine_amount, reason=body.reason)
        except workflow.Refusal as r:
            if why and r.rule.code == "discretion_calculation_required":
                raise workflow.Refusal(v, "decide", r.rule, f"{r.detail}: {why}") from r
            raise

    async def mutate(case: Case, at: datetime):
        if fresh is not None and not (case.records or {}).get("discretion"):
            set_record(case, "discretion", _discretion_record(fresh, codes[0], user.sub, at))
            add_step(case, "discretion")
        disc = (case.records or {}).get("discretion") if body.type != workflow.EXEMPTION else None
        case.state = "decided"
        add_step(case, "decision")
        case.decision_type = body.type
        case.fine_amount = body.fine_amount
        case.decided_at = at
        articles = _articles(body.type, basis, disc)
        discretion = {k: disc.get(k) for k in ("fine_min", "fine_max", "recommended", "rule_version", "level")} if disc else None
        case.decision = {"type": body.type, "basis": basis, "fine_amount": body.fine_amount, "reason": body.reason,
                         "penalty_kinds": kinds, "articles": articles, "discretion": discretion,
                         "versions": {"no_penalty_item": basis.get("no_penalty_item_version"),
                                      "list": basis.get("list_version"),
                                      "discretion_rule": (disc or {}).get("rule_version")},
                         "decided_by": user.sub, "decided_at": at.isoformat(), "steps": list(case.steps)}
        return contracts.CaseDecided(
            case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, decision_type=body.type,
            fine_amount=body.fine_amount, basis={**basis, "articles": articles}, steps=list(case.steps),
            discretion=contracts.DiscretionRange(**{k: v for k, v in (discretion or {}).items() if k != "level"}),
            handlers=list(case.handlers), decided_by=user.sub, decided_at=at, decision_date=local_date(at),
            violations=codes, procedure="general", penalty_kinds=kinds, reason=body.reason,
        )

    return await act(rt, session, user, case_id, "decide", mutate, check=check,
                     detail={"type": body.type, "basis": basis, "fine_amount": body.fine_amount, "reason": body.reason})

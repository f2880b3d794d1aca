"""作出决定 — the discretion calculation (裁量) on record and the decision itself. The checklist service is
asked first, before the request's transaction takes a lock (no lock held across HTTP); ``act`` re-checks
that the facts did not change, applies the pure rules, and writes the decision with its event."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases import config, workflow
from services.cases.bureaus import service as bureaus
from services.cases.case import acts, law_in_time, refusals
from services.cases.case.records import (
    CaseRecords,
    DecisionChangeRecord,
    DecisionDocumentRecord,
    DiscretionRecord,
    case_records,
    edit_records,
)
from services.cases.case.rights import guidance_basis
from services.cases.case.schemas import CaseRead, DecisionChangeCreate, DecisionCreate, DiscretionRequest
from services.cases.case.service import act, add_step, now, snapshot
from services.cases.clients import checklist as checklist_client
from services.cases.damage import opening as damage_opening
from services.cases.documents import issued
from services.cases.models import Case, Enterprise
from shared import contracts
from shared.auth import Principal
from shared.clock import TZ, local_date
from shared.law import APL
from shared.problems import conflict, invalid
from shared.service import Runtime


def _discretion_record(calc: dict[str, Any], violation_code: str, by: str, at: datetime,
                       mitigation: str | None) -> DiscretionRecord:
    keep = ("fine_min", "fine_max", "recommended", "currency", "level", "factors", "basis", "rule_version", "rule_set",
            "violation", "statutory_min", "statutory_max", "settings", "notes")
    return DiscretionRecord.model_validate({**{k: calc.get(k) for k in keep}, "violation_code": violation_code,
                                            "by": by, "at": at, "mitigation": mitigation})


async def _calculate(rt: Runtime, violation_code: str, facts: dict[str, Any], *, bureau: str,
                     mitigation: str | None, on: date | None = None) -> tuple[dict[str, Any] | None, str]:
    """The checklist's calculation; ``on``: with the guidance item version and rule set in force that day."""
    assert rt.http is not None
    return await checklist_client.calculate(rt.http, violation_code, facts, mitigation=mitigation, bureau=bureau,
                                            on=on.isoformat() if on is not None else None)


async def calculate_discretion(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                               body: DiscretionRequest) -> CaseRead:
    """Ask the checklist's fine calculator for the case's violation and facts; store it on the case."""
    snap = await snapshot(rt, user, case_id)
    facts, codes, bureau = dict(snap.facts or {}), [v["code"] for v in snap.violations], snap.bureau
    code = body.violation_code or codes[0]
    if code not in codes:
        raise invalid("violation_code", f"{code} is not a violation of this case ({codes})", code="unknown_violation")
    calc, why = await _calculate(rt, code, facts, bureau=bureau, mitigation=body.mitigation)

    def check(case: Case, v: workflow.CaseView) -> None:
        workflow.check(v, "calculate_discretion", actor=user.sub)
        if calc is None:
            r = workflow.RULES["discretion_calculation_required"]
            raise workflow.refusal(v, "calculate_discretion", r, f"no discretion calculation for {code}: {why}")

    async def mutate(case: Case, at: datetime):
        with edit_records(case) as recs:
            recs.discretion = _discretion_record(calc, code, user.sub, at, body.mitigation)
        add_step(case, "discretion")
        return None

    return await act(rt, session, user, case_id, "calculate_discretion", mutate, check=check,
                     detail={"violation_code": code, "rule_version": (calc or {}).get("rule_version")})


def _cite(b: dict[str, Any]) -> str:
    law = str(b.get("law") or "")
    if law and not law.startswith("《"):
        law = f"《{law}》"
    return f"{law}{b.get('article') or ''}"


def _articles(decision_type: str, basis: dict[str, Any], discretion: DiscretionRecord | None) -> list[str]:
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
        out += [_cite(b) if isinstance(b, dict) else str(b) for b in discretion.basis or []]
    seen: list[str] = []
    for a in out:
        if a and a not in seen:
            seen.append(a)
    return seen


async def earlier_decisions(session: AsyncSession, case: Case, *, at: datetime) -> list[str]:
    """The enterprise's earlier decisions (penalty or exemption) for one of this case's violations within
    the first-offence window (a local setting): a claimed 初次违法 is checked against them."""
    codes = {v["code"] for v in case.violations}
    since = at - timedelta(days=config.first_offence_window_days())
    rows = (await session.execute(
        select(Case.number, Case.violations).where(
            Case.uscc == case.uscc, Case.id != case.id, Case.decision_type.is_not(None), Case.decided_at >= since,
            Case.decided_at <= at).order_by(Case.decided_at).limit(50))).all()
    return [number for number, violations in rows if codes & {v["code"] for v in violations}]


async def prior_fines(session: AsyncSession, case: Case) -> list[workflow.PriorFine]:
    """第二十九条: the enterprise's decided cases that carry a fine, with the act of each of this case's
    violations they fined. The enterprise's row is locked first, so two decisions of its cases run one after
    the other and the second sees the first (race-free; the case rows are locked before it, in one order)."""
    await session.execute(select(Enterprise.uscc).where(Enterprise.uscc == case.uscc).with_for_update())
    mine = [a for a in acts.acts_of(case.violations) if a.occurred_on is not None]
    if not mine:
        return []
    codes = {a.code for a in mine}
    # An earlier act ended by its decision (act dates are never in the future), so a case decided before
    # this case's earliest act began cannot overlap it: the read is bounded by (uscc, decided_at).
    since = datetime.combine(min(a.occurred_on for a in mine), time.min, TZ)  # type: ignore[type-var]
    rows = (await session.execute(
        select(Case.number, Case.violations, Case.records).where(
            Case.uscc == case.uscc, Case.id != case.id, Case.decision_type.is_not(None), Case.fine_amount > 0,
            Case.decided_at >= since).order_by(Case.decided_at))).all()
    # A fine revoked (撤销、确认违法、责令重作 — 行政复议, 行政诉讼 or the bureau itself) no longer punishes the
    # act: the act may be decided again (a redo is exactly that).
    return [workflow.PriorFine(number=number, act=a) for number, violations, records in rows
            if CaseRecords.model_validate(records or {}).decision_status() != "revoked"
            for a in acts.acts_of(violations) if a.code in codes]


def _fine_range(calcs: list[dict[str, Any]], case_acts: tuple[workflow.Act, ...] = ()) -> workflow.FineRange | None:
    """The statutory and recommended range of the case's violations. Violations of one act (the same
    ``act`` label, hence the same dates) are fined by the article with the highest maximum, then the higher minimum
    (第二十九条: 按照罚款数额高的规定处罚); distinct acts: the fine may reach the sum of their maxima and must
    reach the largest of their minima (our reading, labelled on the rule); one violation: its own ranges."""
    if not calcs or any(c.get("statutory_max") is None for c in calcs):
        return None
    groups: dict[Any, list[int]] = {}
    for i, _ in enumerate(calcs):
        a = case_acts[i] if i < len(case_acts) else None
        key = ("act", a.act) if a is not None and a.act else ("own", i)
        groups.setdefault(key, []).append(i)
    chosen: list[dict[str, Any]] = []
    notes: list[str] = []
    for idx in groups.values():
        best = max(idx, key=lambda i: (float(calcs[i]["statutory_max"]), float(calcs[i].get("statutory_min") or 0.0)))
        chosen.append(calcs[best])
        if len(idx) > 1:
            names = [case_acts[i].code for i in idx]
            notes.append(f"{'、'.join(names)} ({case_acts[idx[0]].period()}): the range of {names[idx.index(best)]}")
    articles = [_cite(b) for c in chosen for b in c.get("basis") or []
                if isinstance(b, dict) and b.get("applied") == "法定罚款幅度"]
    levels = {str(c.get("level") or "standard") for c in chosen}
    return workflow.FineRange(
        statutory_min=max(float(c.get("statutory_min") or 0.0) for c in chosen),
        statutory_max=sum(float(c["statutory_max"]) for c in chosen),
        fine_min=max(float(c["fine_min"]) for c in chosen), fine_max=sum(float(c["fine_max"]) for c in chosen),
        level="heavier" if "heavier" in levels else levels.pop() if len(levels) == 1 else "standard",
        rule_version=calcs[0].get("rule_version"), article="、".join(dict.fromkeys(articles)),
        one_act="; ".join(notes), sum_max=sum(float(c["statutory_max"]) for c in calcs) if notes else None)


async def _load_record(rt: Runtime, body: DecisionCreate, facts: dict[str, Any], codes: list[str], bureau: str,
                       steps: list[str], kinds: list[str], acts_: tuple[workflow.Act, ...] = ()
                       ) -> tuple[workflow.Record, dict[str, Any], dict[str, Any] | None]:
    """Everything the gate needs from the checklist service, asked before the request takes a lock: the cached
    reference data (fact vocabulary, circumstance keys), then one call (``decision_context``)."""
    assert rt.http is not None
    facts = await checklist_client.known_facts(rt, facts)  # a key stored before the vocabulary was checked
    decision_date = local_date(now(rt))
    act_date = law_in_time.first_act_date(acts_)
    basis: dict[str, Any] = body.basis.model_dump(exclude_none=True)
    no_penalty = None
    law: workflow.LawInTime | None = None
    circ = workflow.Circumstances(**await checklist_client.circumstance_keys(rt, bureau=bureau))
    exempting = body.type == workflow.EXEMPTION
    item_code = body.basis.no_penalty_item if exempting else None
    calculation = None
    if not exempting:
        # Every violation's range, whether or not a fine is given (a penalty article may prescribe one).
        # The calculator sees rectification only once its assessment passed (试点方案 三（五）).
        # 第三十七条: each violation's range at its act date and at the decision date; the lighter applies.
        calculation = {"facts": {**facts, circ.rectification_key: "rectification_assessed" in steps},
                       "mitigation": body.type if body.type in workflow.LIGHT_PENALTIES else None,
                       "act_dates": [acts_[i].occurred_on if i < len(acts_) else None for i in range(len(codes))]}
    ctx = None
    if item_code or calculation is not None:
        # 试点方案 三（六）: a list item met in full whose modality is 不予 (must) forbids a penalty — asked (``must``)
        # on the decision date (an item not yet in force binds nobody) and, 第三十七条, on the act date.
        ctx = await checklist_client.decision_context(
            rt.http, facts, codes, bureau=bureau, on=decision_date, act_on=act_date, no_penalty_item=item_code,
            calculation=calculation, must=not exempting)
    if item_code and ctx is not None:
        ev, then = ctx.no_penalty
        if ev is None:
            raise invalid("basis.no_penalty_item", f"unknown no-penalty item {item_code!r}",
                          code="unknown_no_penalty_item")
        if ev.get("in_force") is False and act_date is not None and act_date < decision_date:
            # 第三十七条: the item in force when the act was done, gone by the decision — the old rule is the
            # lighter one (it exempts), so it applies.
            if then is not None and then.get("in_force") is True:
                ev = {**then, "applied_at": "act"}
        art33 = ev.get("article_33")
        # the item's own conditions (the facts 第三十三条 still needs are the gate's article_33_met)
        own = {s: tuple(n["key"] for n in ev.get("needs") or [] if n["item"] and n["state"] == s)
               for s in ("unmet", "unknown")}
        no_penalty = workflow.NoPenaltyBasis(
            code=ev["code"], kind=ev["kind"], eligible=bool(ev["eligible"]), unmet=own["unmet"],
            unknown=own["unknown"], item_version=ev.get("item_version"), covers=ev.get("covers"),
            not_covered=tuple(ev.get("not_covered") or ()),
            article_33_met=None if art33 is None else bool(art33.get("met")),
            article_33_paragraphs=tuple((art33 or {}).get("paragraphs") or ()),
            in_force=ev.get("in_force"),
            effective_from=date.fromisoformat(ev["effective_from"]) if ev.get("effective_from") else None,
            effective_to=date.fromisoformat(ev["effective_to"]) if ev.get("effective_to") else None,
        )
        basis["law_applied"] = law_in_time.for_exemption(ev, acts_, decision_date)
        if ev.get("kind") == "list":  # the document names the item by its words and the list it comes from
            # (the evaluation carries both; an older checklist without them is asked for the item itself)
            item = ev if "violation" in ev else \
                await checklist_client.no_penalty_item(rt.http, ev["code"], ev.get("item_version")) or {}
            basis.update({"no_penalty_item_violation": item.get("violation"),
                          "no_penalty_item_source": item.get("source")})
        basis.update({"no_penalty_kind": ev["kind"], "no_penalty_item_version": ev.get("item_version"),
                      "list_version": ev.get("list_version"), "legal_basis": ev.get("legal_basis"),
                      "conditions_met": ev.get("met"), "discretionary": ev.get("discretionary"),
                      "article_33_ground": (art33 or {}).get("ground")})
    calcs: list[dict[str, Any]] = []
    why = ""
    if calculation is not None and ctx is not None:
        at_act: list[dict[str, Any] | None] = []
        at_decision: list[dict[str, Any] | None] = []
        rows: list[dict[str, Any]] = []
        for i, code in enumerate(codes):
            a = acts_[i] if i < len(acts_) else None
            (dec, dec_why), asked_then = ctx.calculations[i]
            then, then_why = None, "no act date recorded"
            if a is not None and a.occurred_on is not None:
                then, then_why = (dec, dec_why) if a.occurred_on == decision_date or asked_then is None else asked_then
            one, row = law_in_time.lighter(a, then, then_why, dec, dec_why)
            if one is None:
                why = f"{code}: {dec_why}"
                calcs = []
                break
            calcs.append(one)
            rows.append(row)
            at_act.append(then)
            at_decision.append(dec)
        if calcs:
            law, basis["law_applied"] = law_in_time.summary(
                rows, _fine_range([c for c in at_act if c], acts_) if all(at_act) else None,
                _fine_range([c for c in at_decision if c], acts_) if all(at_decision) else None, decision_date)
    must: tuple[str, ...] = ctx.must if ctx is not None and not exempting else ()
    calc = calcs[0] if calcs else None

    if body.type in workflow.LIGHT_PENALTIES:
        basis["mitigating_circumstances"] = sorted(k for k in circ.article_32 | {circ.rectification_key}
                                                   if facts.get(k) is True)
    threshold, threshold_basis = config.discussion_threshold(bureau)
    record = workflow.Record(no_penalty=no_penalty, fine_range=_fine_range(calcs, acts_), range_error=why,
                             circumstances=circ, first_offence_window=config.FIRST_OFFENCE_BASIS, law=law,
                             must_items=must, discussion_fine_threshold=threshold,
                             discussion_threshold_basis=threshold_basis)
    return record, basis, calc


async def decide(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: DecisionCreate) -> CaseRead:
    """作出决定 — through the decision gate (``workflow.gate``): the checklist is asked first, then the
    transaction locks the case, loads the enterprise's record, and applies the gate before writing."""
    snap = await snapshot(rt, user, case_id)
    facts = dict(snap.facts or {})
    codes = [v["code"] for v in snap.violations]
    bureau, steps = snap.bureau, list(snap.steps)
    kinds = body.penalty_kinds or ([] if body.type == workflow.EXEMPTION else (["fine"] if body.fine_amount else ["warning"]))
    case_acts = acts.acts_of(snap.violations)
    if body.suspension_period and not set(kinds) & {"suspend_for_rectification", "suspend_production"}:
        raise invalid("suspension_period", "停产整治期限只适用于责令停产整治或者责令停产停业（penalty_kinds 含 "
                      "suspend_for_rectification 或 suspend_production）；本决定未给予该种类的行政处罚",
                      code="suspension_period_without_suspension")
    if body.compensation_reduction is not None and body.type not in workflow.LIGHT_PENALTIES:
        raise invalid("compensation_reduction", "以生态环境损害赔偿为由减少的罚款数额只适用于从轻、减轻处罚（lighter、mitigated，"
                      f"{APL}第三十二条）；不予处罚只依第三十三条，不以赔偿数额折算",
                      code="reduction_without_light_penalty")
    record, basis, calc = await _load_record(rt, body, facts, codes, bureau, steps, kinds, case_acts)
    # 第五十九条第（二）项: the violated provisions — the guidance items' obligation articles, for every decision
    # (an exemption has no notice whose basis would name them).
    violated = [{"law": b.law, "article": b.article, "clause": b.clause}
                for b in await guidance_basis(rt, codes) if b.role == "obligation"]
    record = replace(record, acts=case_acts,
                     discovered_on=snap.clue_received_on or local_date(snap.filed_at))
    violations = list(snap.violations)
    request = workflow.Decision(decision_type=body.type, decided_by=user.sub, decider_is_leader=user.has("leader"),
                                fine_amount=body.fine_amount, reason=body.reason, penalty_kinds=tuple(kinds))
    gate: dict[str, workflow.Record] = {}

    attempt = refusals.Attempt("decide", decision_type=body.type, fine_amount=body.fine_amount,
                               penalty_kinds=list(body.penalty_kinds or []))

    def check(case: Case, v: workflow.CaseView) -> None:
        if dict(case.facts or {}) != facts or list(case.steps) != steps or list(case.violations) != violations:
            raise conflict("case_changed", "the case changed while the decision was being checked; retry")

        def through_gate() -> None:
            workflow.check_decision(v, request, gate["record"])
            workflow.check_correction_order(v, body.type, body.correction_order)

        attempt.gate(case, through_gate)

    async def mutate(case: Case, at: datetime):
        if calc is not None:
            with edit_records(case) as recs:
                recs.discretion = _discretion_record(calc, codes[0], user.sub, at,
                                                     body.type if body.type in workflow.LIGHT_PENALTIES else None)
            add_step(case, "discretion")
        recs = case_records(case)
        disc = recs.discretion if body.type != workflow.EXEMPTION else None
        # 第五十九条: the decision names its authority and the remedy bodies; it gets its 文号 when issued.
        kind = "no_penalty_decision" if body.type == workflow.EXEMPTION else "penalty_decision"
        authority = await bureaus.require(session, case.bureau, kind)  # 409 naming a missing setting
        document_number = await bureaus.issue_number(session, authority, kind, local_date(at).year)
        # The documents issued with the decision get their 文号 with it (三书同时送达; 第三十三条第三款: the
        # exemption's education by the 合规建议书): the 信用修复指引 of a penalty, the exemption's 合规建议书.
        companion = "compliance_advice" if body.type == workflow.EXEMPTION else "credit_repair_guidance"
        companion_number = await bureaus.issue_number(
            session, await bureaus.require(session, case.bureau, companion, need=()), companion, local_date(at).year)
        add_step(case, "decision")
        case.decision_type = body.type
        case.fine_amount = body.fine_amount
        case.decided_at = at
        articles = _articles(body.type, basis, disc)
        discretion = disc.model_dump(include={"fine_min", "fine_max", "recommended", "rule_version", "level",
                                              "statutory_min", "statutory_max"}) if disc else None
        rng = record.fine_range
        if discretion is not None and rng is not None:  # the range of all the case's violations
            discretion.update(statutory_min=rng.statutory_min, statutory_max=rng.statutory_max)
        outside = workflow.fine_outside_calculation(request, rng)
        discussed = recs.approved_discussion()
        case.decision = {"type": body.type, "document_number": document_number, "authority": authority.name,
                         "document_numbers": {companion: companion_number},
                         "basis": basis, "fine_amount": body.fine_amount, "reason": body.reason,
                         "correction_order": body.correction_order, "suspension_period": body.suspension_period,
                         "violated": violated, "penalty_kinds": kinds, "articles": articles, "discretion": discretion,
                         "outside_calculated_range": outside,
                         "versions": {"no_penalty_item": basis.get("no_penalty_item_version"),
                                      "list": basis.get("list_version"),
                                      "discretion_rule": disc.rule_version if disc else None},
                         "acts": [acts.stored(a.code, a.occurred_on, a.ended_on, a.act) for a in case_acts],
                         "law_applied": basis.get("law_applied"),
                         "one_act": rng.one_act if rng is not None and rng.one_act else None,
                         "decided_by": user.sub, "decided_at": at.isoformat(), "steps": list(case.steps),
                         "compensation_reduction": body.compensation_reduction}
        damage = await damage_opening.at_decision(session, case)  # 一案双查: the matter as it stands now
        # Issue 24: the decision document is issued with the decision (rendered once by the worker).
        await issued.issue(session, case_id=case.id, kind="decision", number=document_number, at=at)
        if "hearing" in case.steps and recs.hearing is not None:  # 第六十五条: 根据听证笔录作出决定
            case.decision["hearing_record"] = {"held_at": recs.hearing.held_at.isoformat() if recs.hearing.held_at
                                               else None, "presided_by": recs.hearing.presided_by,
                                               "basis": "《中华人民共和国行政处罚法》第六十五条：根据听证笔录作出决定"}
        return contracts.CaseDecided(
            case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, decision_type=body.type,
            fine_amount=body.fine_amount, basis={**basis, "articles": articles}, steps=list(case.steps),
            discretion=contracts.DiscretionRange(**{k: (discretion or {}).get(k) for k in
                                                    ("fine_min", "fine_max", "recommended", "rule_version")}),
            handlers=list(case.handlers), decided_by=user.sub, decided_at=at, decision_date=local_date(at),
            violations=codes, procedure="general", penalty_kinds=kinds, reason=body.reason,
            statutory_min=rng.statutory_min if rng else None, statutory_max=rng.statutory_max if rng else None,
            discussion_type=discussed.decision_type if discussed else None,
            discussion_fine=discussed.fine_amount if discussed else None,
            first_offence_claimed=facts.get(workflow.gate.FIRST_OFFENCE) is True,
            acts=[contracts.ActPeriod(code=a.code, occurred_on=a.occurred_on, ended_on=a.ended_on, act=a.act) for a in case_acts],
            damage=damage, compensation_reduction=body.compensation_reduction,
        )

    async def load_history(case: Case, at: datetime) -> None:
        earlier = await earlier_decisions(session, case, at=at) if facts.get(workflow.gate.FIRST_OFFENCE) is True else []
        prior = await prior_fines(session, case) if body.fine_amount else []
        gate["record"] = replace(record, earlier_decisions=tuple(earlier), prior_fines=tuple(prior))

    return await refusals.guarded(rt, session, user, attempt, act(
        rt, session, user, case_id, "decide", mutate, check=check, before_check=load_history,
        detail={"type": body.type, "basis": basis, "fine_amount": body.fine_amount, "reason": body.reason}))


OUTCOME_GROUNDS = {"changed": "changed", "revoked": "revoked", "confirmed_illegal": "confirmed_illegal",
                   "redo": "revoked"}


async def change_decision(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                          body: DecisionChangeCreate) -> CaseRead:
    """变更/撤销 after the decision, or the outcome of 行政复议/行政诉讼, through ``gate.check_change``. The
    decision on the case is kept as decided; the change is appended to ``records.decision_changes``. A
    revocation (撤销, 确认违法, 责令重作) stops execution (``revocation_stops_execution``); any change but 维持
    withdraws the published decision (第四十八条第二款). Emits ``ecocomply.case.decision_changed.v1``."""
    revoked = body.outcome in workflow.REVOKING

    def kinds_after(before: list[str]) -> list[str] | None:
        """The kinds after a change: as stated, else those in force (less 'fine' when no fine remains)."""
        if body.outcome != "changed":
            return None
        if body.penalty_kinds is not None:
            return list(dict.fromkeys(body.penalty_kinds))
        return [k for k in before if k != "fine" or body.fine_amount]

    attempt = refusals.Attempt("change_decision", fine_amount=body.fine_amount,
                               penalty_kinds=list(body.penalty_kinds or []), change_source=body.source,
                               change_outcome=body.outcome)

    def check(case: Case, v: workflow.CaseView) -> None:
        before = case_records(case).kinds_in_force(case.decision)
        after = kinds_after(before)
        attempt.gate(case, lambda: workflow.check_change(v, workflow.Change(
            source=body.source, outcome=body.outcome, decided_by=user.sub, decider_is_leader=user.has("leader"),
            decision_type=case.decision_type, fine_before=case.fine_amount, kinds_before=tuple(before),
            fine_after=body.fine_amount, kinds_after=tuple(after) if after is not None else None)))

    async def mutate(case: Case, at: datetime):
        from services.cases.publication import service as publication  # the publication imports this package

        recs = case_records(case)
        before = case.fine_amount
        after = None if revoked else body.fine_amount if body.outcome == "changed" else before
        kinds_before = recs.kinds_in_force(case.decision)
        kinds = [] if revoked else kinds_after(kinds_before) if body.outcome == "changed" else kinds_before
        # 第四十八条第二款 / the audit (decision_revoked_or_reduced): a lower fine or a dropped kind is a reduction.
        reduces = revoked or (before is not None and after is not None and after < before) or \
            bool(set(kinds_before) - set(kinds))
        review = recs.approved_review() if body.source == "bureau" else None
        withdrawn = False
        if body.outcome != "upheld":
            withdrawn = await publication.withdraw_for_change(
                session, case.id, grounds=OUTCOME_GROUNDS[body.outcome], reason=body.reason, at=at, by=user.sub)
        doc = DecisionDocumentRecord.model_validate(body.document.model_dump())
        corrected = await _corrected_decision(session, case, recs, body, after, kinds, at)
        with edit_records(case) as r:
            r.decision_changes.append(DecisionChangeRecord(
                source=body.source, outcome=body.outcome, reason=body.reason, document=doc, fine_before=before,
                fine_after=after, kinds_before=kinds_before, kinds_after=kinds, revoked=revoked, reduces=reduces, by=user.sub, at=at,
                legal_review_by=review.by if review else None, legal_review_at=review.at if review else None,
                publication_withdrawn=withdrawn, **corrected))
            sequence = len(r.decision_changes)
        if body.outcome == "changed":
            case.fine_amount = after  # the fine now due; the decision as decided stays in case.decision
        add_step(case, "decision_change")
        return contracts.CaseDecisionChanged(
            case_id=case.id, number=case.number, uscc=case.uscc, bureau=case.bureau, source=body.source,
            outcome=body.outcome, decision_type=case.decision_type, fine_before=before, fine_after=after,
            kinds_before=kinds_before, kinds_after=kinds,
            revoked=revoked, reduces=reduces, reason=body.reason,
            document=contracts.DecisionDocument(**body.document.model_dump()), decided_by=user.sub, changed_at=at,
            legal_review_by=review.by if review else None, sequence=sequence)

    return await refusals.guarded(rt, session, user, attempt, act(
        rt, session, user, case_id, "change_decision", mutate, check=check,
        detail={"source": body.source, "outcome": body.outcome, "fine_amount": body.fine_amount,
                "penalty_kinds": body.penalty_kinds,
                "reason": body.reason, "document": body.document.model_dump(mode="json")}))


async def _corrected_decision(session: AsyncSession, case: Case, recs: CaseRecords, body: DecisionChangeCreate,
                              fine: float | None, kinds: list[str], at: datetime) -> dict[str, str]:
    """The bureau's own change (自行纠错, outcome changed) issues a corrected decision: a new 文号 from the same
    counter as the decision, a document naming the one it replaces (issue 24: issued documents are immutable —
    the earlier one stays as issued). A body's change (复议, 诉讼) is that body's document, recorded as given."""
    if body.source != "bureau" or body.outcome != "changed":
        return {}
    kind = "no_penalty_decision" if case.decision_type == workflow.EXEMPTION else "penalty_decision"
    authority = await bureaus.require(session, case.bureau, kind)  # 409 naming a missing setting
    number = await bureaus.issue_number(session, authority, kind, local_date(at).year)
    replaces = next((c.document_number for c in reversed(recs.decision_changes) if c.document_number),
                    (case.decision or {}).get("document_number"))
    await issued.issue(session, case_id=case.id, kind="decision", number=number, replaces=replaces, at=at, data={
        "document_number": number, "replaces": replaces, "fine_amount": fine, "penalty_kinds": kinds,
        "change_reason": body.reason, "decided_at": at.isoformat()})
    return {"document_number": number, "replaces": replaces} if replaces else {"document_number": number}


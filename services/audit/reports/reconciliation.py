"""完整性核对 — ask the cases service for every exemption and light penalty decided in a period and
prove each has a flag. A gap raises a flag of its own (rule ``reconciliation_gap``) and a metric."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.config import AuditSettings
from services.audit.flags import rules, service
from services.audit.models import Flag, FlagRule, ReconciliationRun
from shared.clock import local_date
from shared.problems import Problem, invalid
from shared.service import Runtime
from shared.vocabulary import FLAGGED_DECISIONS

log = logging.getLogger("ecocomply.audit.reconciliation")

MISSING_TOTAL = Counter(
    "ecocomply_audit_reconciliation_missing_total",
    "exemptions/light penalties found without an audit flag by reconciliation (alert on any increase)",
)
LAST_GAP = Gauge("ecocomply_audit_reconciliation_gap", "cases without a flag found by the last reconciliation")
PAGE = 500


async def decided_cases(rt: Runtime, period_from: date, period_to: date) -> list[dict[str, Any]]:
    """Every exemption/light penalty the cases service decided in the period (all pages)."""
    assert rt.http is not None
    found: dict[str, dict[str, Any]] = {}
    for decision_type in sorted(FLAGGED_DECISIONS):
        page = 1
        while True:
            r = await rt.http.request("cases", "GET", "/cases", params={
                "decision_type": decision_type, "from": period_from.isoformat(), "to": period_to.isoformat(),
                "page": page, "size": PAGE})
            if r.status_code != 200:
                raise Problem(503, "dependency_unavailable",
                              f"the cases service answered {r.status_code} to the reconciliation query", dependency="cases")
            body = r.json()
            for item in body.get("items", []):
                found[item["id"]] = item
            if len(body.get("items", [])) < PAGE or page * PAGE >= int(body.get("total", 0)):
                break
            page += 1
    return list(found.values())


ENDING_KINDS = ("withdrawn", "facts_not_established", "terminated", "transferred")
ENDING_RULES = ("case_ended_without_penalty", "decision_revoked_or_reduced")


async def ended_cases(rt: Runtime, period_from: date, period_to: date) -> list[dict[str, Any]]:
    """Every case whose penalty was ended or reduced in the period (``GET /cases?ended=true``: endings before
    a decision, revocations and reductions after one), all pages."""
    assert rt.http is not None
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        r = await rt.http.request("cases", "GET", "/cases", params={
            "ended": "true", "from": period_from.isoformat(), "to": period_to.isoformat(), "page": page, "size": PAGE})
        if r.status_code != 200:
            raise Problem(503, "dependency_unavailable",
                          f"the cases service answered {r.status_code} to the reconciliation query", dependency="cases")
        body = r.json()
        found += body.get("items", [])
        if len(body.get("items", [])) < PAGE or page * PAGE >= int(body.get("total", 0)):
            return found
        page += 1


def _ending_hit(c: dict[str, Any], now: datetime) -> rules.RuleHit:
    on = local_date(datetime.fromisoformat(c["outcome_at"]) if c.get("outcome_at") else now)
    if c["outcome"] in ENDING_KINDS:
        return rules.case_ended_without_penalty(c["outcome"], "（核对补充）", "", None, on)
    return rules.decision_revoked_or_reduced("", c["outcome"], None, None, "（核对补充）", on)


async def reconcile(rt: Runtime, session: AsyncSession, period_from: date, period_to: date, *,
                    now: datetime) -> dict[str, Any]:
    """Check the period in the caller's transaction (the request's, or the job's own)."""
    if period_to < period_from:
        raise invalid("to", "the period ends before it starts")
    cases = await decided_cases(rt, period_from, period_to)
    ids = [c["id"] for c in cases]
    cfg = AuditSettings()
    have: set[str] = set()
    for i in range(0, len(ids), 500):
        have |= set(await session.scalars(select(Flag.case_id).where(Flag.case_id.in_(ids[i:i + 500]))))
    missing = [c for c in cases if c["id"] not in have]
    for c in missing:
        hits = [rules.exemption_or_light_penalty(rules.Decision(c["decision_type"]), rules.History(), cfg),
                rules.reconciliation_gap(c["decision_type"])]
        flag = await service.upsert_flag(
            session, ref=service.CaseRef(c["id"], c["number"], c["uscc"], c["bureau"]),
            hits=[h for h in hits if h], emit=rt.emit, source_event_id=f"reconciliation:{now:%Y%m%d}"[:36],
            actor="reconciliation", now=now, sla_days=cfg.review_sla_days)
        if flag is not None and flag.decision_type == service.UNDECIDED:
            flag.decision_type = c["decision_type"]
            if c.get("decided_at"):
                flag.decided_at = datetime.fromisoformat(c["decided_at"])
    # Every ending or reduction without the statutory penalty carries its rule on the case's one flag.
    ended = await ended_cases(rt, period_from, period_to)
    eids = [c["id"] for c in ended]
    ruled: set[tuple[str, str]] = set()
    for i in range(0, len(eids), 500):
        ruled |= set((await session.execute(
            select(Flag.case_id, FlagRule.code).join(FlagRule, FlagRule.flag_id == Flag.id)
            .where(Flag.case_id.in_(eids[i:i + 500]), FlagRule.code.in_(ENDING_RULES)))).all())
    gaps = []
    for c in ended:
        hit = _ending_hit(c, now)
        if (c["id"], hit.code) in ruled:
            continue
        gaps.append(c)
        await service.upsert_flag(
            session, ref=service.CaseRef(c["id"], c["number"], c["uscc"], c["bureau"]),
            hits=[hit, rules.reconciliation_gap(c.get("decision_type") or c["outcome"])], emit=rt.emit,
            source_event_id=f"reconciliation:{now:%Y%m%d}"[:36], actor="reconciliation", now=now,
            sla_days=cfg.review_sla_days)
    missing += [c for c in gaps if c["id"] not in {m["id"] for m in missing}]
    cases = cases + [c for c in ended if c["id"] not in set(ids)]
    session.add(ReconciliationRun(ran_at=now, period_from=period_from, period_to=period_to,
                                  checked=len(cases), missing=[c["id"] for c in missing]))
    LAST_GAP.set(len(missing))
    if missing:
        MISSING_TOTAL.inc(len(missing))
        log.error("reconciliation %s..%s: %d of %d cases had no flag: %s", period_from, period_to, len(missing),
                  len(cases), [c["id"] for c in missing])
    return {"checked": len(cases), "missing": [c["id"] for c in missing],
            "from": period_from.isoformat(), "to": period_to.isoformat()}


async def scheduled(rt: Runtime) -> dict[str, Any]:
    """The periodic job: the last ``reconcile_lookback_days`` days up to today (Asia/Shanghai), in a
    transaction of its own."""
    now = rt.clock.now()
    today = local_date(now)
    async with rt.sessionmaker() as session, session.begin():
        return await reconcile(rt, session, today - timedelta(days=AuditSettings().reconcile_lookback_days), today,
                               now=now)

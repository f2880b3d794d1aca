"""Counts for ``/stats``, the dashboard and the annual report — from the daily counters and the flags."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.accountability import figures as accountability_figures
from services.audit.casefile_review import figures
from services.audit.flags.review import ageing_days, sla_breached
from services.audit.models import DailyCount, DailyRuleCount, Flag, FlagRule, RefusedAttempt
from shared import clock
from shared.vocabulary import FLAGGED_DECISIONS

BACKLOG = ("open", "in_review")
AGE_BUCKETS = ((0, 7, "0–7日"), (8, 15, "8–15日"), (16, 30, "16–30日"), (31, 10**6, "30日以上"))


def _period(q, col, period_from: date | None, period_to: date | None, bureau: str | None, bureau_col):
    if period_from:
        q = q.where(col >= period_from)
    if period_to:
        q = q.where(col <= period_to)
    if bureau:
        q = q.where(bureau_col == bureau)
    return q


def _flag_day():
    return func.coalesce(Flag.decided_at, Flag.created_at)


async def stats(session: AsyncSession, *, period_from: date | None, period_to: date | None,
                bureau: str | None) -> dict[str, Any]:
    q = _period(select(DailyCount.bureau, DailyCount.day, DailyCount.decision_type,
                       DailyCount.count, DailyCount.fines), DailyCount.day, period_from, period_to, bureau,
                DailyCount.bureau)
    by_type: dict[str, int] = defaultdict(int)
    by_bureau: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    flagged_by_month_bureau: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total = 0
    fines = 0.0
    for b, day, t, n, f in (await session.execute(q)).all():
        total += n
        fines += f
        by_type[t] += n
        by_bureau[b][t] += n
        month = f"{day:%Y-%m}"
        by_month[month][t] += n
        if t in FLAGGED_DECISIONS:
            flagged_by_month_bureau[month][b] += n
    rule_q = _period(select(DailyRuleCount.code, func.sum(DailyRuleCount.count)), DailyRuleCount.day,
                     period_from, period_to, bureau, DailyRuleCount.bureau).group_by(DailyRuleCount.code)
    by_rule = {code: int(n) for code, n in (await session.execute(rule_q)).all()}
    # The review backlog (open, in review) is read from the flags themselves: it stays small.
    # Periods are Asia/Shanghai dates (as DailyCount.day is), so their bounds are local midnights.
    hi = clock.day_end(period_to) if period_to else None
    lo = clock.day_start(period_from) if period_from else None
    rq = (select(FlagRule.code, Flag.bureau, func.count()).join(Flag, Flag.id == FlagRule.flag_id)
          .where(Flag.status.in_(BACKLOG)))
    if lo is not None:
        rq = rq.where(_flag_day() >= lo)
    if hi is not None:
        rq = rq.where(_flag_day() < hi)
    if bureau:
        rq = rq.where(Flag.bureau == bureau)
    open_by_rule: dict[str, int] = defaultdict(int)
    open_by_bureau_rule: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code, b, n in (await session.execute(rq.group_by(FlagRule.code, Flag.bureau))).all():
        open_by_rule[code] += n
        open_by_bureau_rule[b][code] += n
    sq = select(Flag.status, func.count()).where(Flag.status.in_(BACKLOG))
    if lo is not None:
        sq = sq.where(_flag_day() >= lo)
    if hi is not None:
        sq = sq.where(_flag_day() < hi)
    if bureau:
        sq = sq.where(Flag.bureau == bureau)
    flags_by_status = {st: n for st, n in (await session.execute(sq.group_by(Flag.status))).all()}
    return {
        "from": period_from.isoformat() if period_from else None,
        "to": period_to.isoformat() if period_to else None,
        "bureau": bureau,
        "total": total,
        "fines_total": round(fines, 2),
        "by_decision_type": dict(by_type),
        "by_bureau": {b: dict(v) for b, v in sorted(by_bureau.items())},
        "by_month": {m: dict(v) for m, v in sorted(by_month.items())},
        "exemptions_light_by_month_bureau": {m: dict(v) for m, v in sorted(flagged_by_month_bureau.items())},
        "by_rule": dict(sorted(by_rule.items())),  # every rule hit in the period, whatever its review
        "open_by_rule": dict(sorted(open_by_rule.items())),
        "open_by_bureau_rule": {b: dict(v) for b, v in sorted(open_by_bureau_rule.items())},
        "flags_by_status": flags_by_status,  # the review backlog: open and in_review
        # 案卷评查 (issue 27): files scored in the period and 合格率, per bureau
        "casefile_review": await figures.pass_rates(session, period_from=period_from, period_to=period_to, bureau=bureau),
    }


async def refusals(session: AsyncSession, *, since: date | None, until: date | None,
                   bureau: str | None) -> dict[str, Any]:
    """The attempts the decision gate refused (``RefusedAttempt``), per officer (who attempted them) and per
    bureau: all of them, those at an exemption or light penalty, and the last one's time. The period is of
    Asia/Shanghai dates (inclusive), bounded by their local midnights."""
    exempt = func.sum(case((RefusedAttempt.exemption.is_(True), 1), else_=0))
    q = select(RefusedAttempt.actor, RefusedAttempt.bureau, func.count(), exempt, func.max(RefusedAttempt.at))
    if since is not None:
        q = q.where(RefusedAttempt.at >= clock.day_start(since))
    if until is not None:
        q = q.where(RefusedAttempt.at < clock.day_end(until))
    if bureau:
        q = q.where(RefusedAttempt.bureau == bureau)
    rows = (await session.execute(q.group_by(RefusedAttempt.actor, RefusedAttempt.bureau))).all()
    officers = sorted(({"sub": sub, "bureau": b, "refused": int(n), "refused_exemptions": int(x or 0),
                        "last_at": clock.as_utc(last)} for sub, b, n, x, last in rows),
                      key=lambda o: (-o["refused_exemptions"], -o["refused"], o["bureau"], o["sub"]))
    bureaus: dict[str, dict[str, Any]] = {}
    for o in officers:
        t = bureaus.setdefault(o["bureau"], {"bureau": o["bureau"], "refused": 0, "refused_exemptions": 0,
                                             "officers": 0, "last_at": o["last_at"]})
        t["refused"] += o["refused"]
        t["refused_exemptions"] += o["refused_exemptions"]
        t["officers"] += 1
        t["last_at"] = max(t["last_at"], o["last_at"])
    return {"since": since, "until": until, "bureau": bureau, "officers": officers,
            "bureaus": [bureaus[b] for b in sorted(bureaus)]}


async def backlog(session: AsyncSession, *, bureau: str | None, now: datetime, limit: int = 200) -> dict[str, Any]:
    """Review backlog (open and in review) with SLA ageing at ``now``, oldest first."""
    q = select(Flag).where(Flag.status.in_(("open", "in_review"))).order_by(Flag.created_at)
    if bureau:
        q = q.where(Flag.bureau == bureau)
    flags = list(await session.scalars(q))
    buckets = {label: 0 for _, _, label in AGE_BUCKETS}
    breached = 0
    for f in flags:
        age = ageing_days(f, now)
        for lo, hi, label in AGE_BUCKETS:
            if lo <= age <= hi:
                buckets[label] += 1
        breached += sla_breached(f, now)
    return {"open": len(flags), "sla_breached": breached, "ageing": buckets,
            "items": [{"id": f.id, "case_id": f.case_id, "number": f.number, "bureau": f.bureau,
                       "decision_type": f.decision_type, "status": f.status, "assignee": f.assignee,
                       "rules": [r.code for r in f.rules], "ageing_days": ageing_days(f, now),
                       "due_at": f.due_at.isoformat() if f.due_at else None,
                       "sla_breached": sla_breached(f, now)} for f in flags[:limit]]}


async def annual(session: AsyncSession, year: int, bureau: str | None = None) -> list[dict[str, Any]]:
    """免罚轻罚案件纳入年报 (试点方案 五（二）): per bureau, the year's decisions by type, fines, flags, reviews."""
    lo, hi = date(year, 1, 1), date(year, 12, 31)
    s = await stats(session, period_from=lo, period_to=hi, bureau=bureau)
    lo_dt, hi_dt = clock.day_start(lo), clock.day_end(hi)  # the year in Asia/Shanghai dates
    # Counted by the latest review's outcome (``Flag.outcome``), not the status: a flag reopened for a later
    # review keeps its earlier outcome here until that review records another (issue 26); never reviewed is 待审核.
    fq = (select(Flag.bureau, Flag.outcome, Flag.status, func.count())
          .where(_flag_day() >= lo_dt, _flag_day() < hi_dt))
    if bureau:
        fq = fq.where(Flag.bureau == bureau)
    flags: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for b, outcome, status, n in (await session.execute(fq.group_by(Flag.bureau, Flag.outcome, Flag.status))).all():
        flags[b][outcome or "pending"] += n
        if outcome and status in BACKLOG:
            flags[b]["reopened"] += n
    fines = dict((await session.execute(
        _period(select(DailyCount.bureau, func.sum(DailyCount.fines)), DailyCount.day, lo, hi, bureau,
                DailyCount.bureau).group_by(DailyCount.bureau))).all())
    traced = await accountability_figures.annual(session, lo_dt, hi_dt, bureau)
    rows = []
    cr = s["casefile_review"]
    for b in sorted(set(s["by_bureau"]) | set(flags) | set(traced) | set(cr)):
        t = s["by_bureau"].get(b, {})
        f = flags.get(b, {})
        rows.append({
            "year": year, "bureau": b,
            "decided": sum(t.values()),
            "penalty": t.get("penalty", 0), "heavier": t.get("heavier", 0),
            "lighter": t.get("lighter", 0), "mitigated": t.get("mitigated", 0), "no_penalty": t.get("no_penalty", 0),
            "exemptions_and_light": sum(t.get(k, 0) for k in FLAGGED_DECISIONS),
            "fines_total": round(float(fines.get(b) or 0.0), 2),
            "flags": sum(n for k, n in f.items() if k != "reopened"), "flags_open": f.get("pending", 0),
            "flags_cleared": f.get("cleared", 0), "flags_issue_found": f.get("issue_found", 0),
            "flags_referred": f.get("referred", 0), "flags_reopened": f.get("reopened", 0),
            **{f"accountability_{k}": n for k, n in traced.get(b, accountability_figures.EMPTY).items()},
            "casefiles_reviewed": cr.get(b, {}).get("reviewed", 0), "casefiles_passed": cr.get(b, {}).get("passed", 0),
        })
    if rows:
        total = {"year": year, "bureau": "合计"}
        for k in rows[0]:
            if k not in ("year", "bureau"):
                total[k] = round(sum(r[k] for r in rows), 2) if k == "fines_total" else sum(r[k] for r in rows)
        rows.append(total)
    for r in rows:  # 案卷评查合格率 (not summed: the total row's is of the summed files)
        r["casefile_pass_rate"] = (f"{r['casefiles_passed'] / r['casefiles_reviewed']:.1%}"
                                   if r["casefiles_reviewed"] else "—")
    return rows

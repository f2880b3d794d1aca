"""期限 — the time limits of a case (``../shared/domain/procedure.yaml``), computed from what happened
on the case and the holiday calendar. Pure: no I/O, no clock (``today`` is passed in).

Each due date names its basis; a period the law leaves to local rules is a setting and says so; a
rule taken from an interpretation rather than the text itself carries ``verified: false``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.cases.workdays import ARTICLE_85, Calendar, Period, add_days, add_working_days
from shared.law import APL, MEASURES

FILING_DAYS = 15
FILING_EXTENSION_DAYS = 15
FILING_BASIS = (f"{MEASURES}第十八条：十五日内决定是否立案；特殊情况下经本机关负责人批准，可以延长十五日"
                "（据解读材料，原文未核实）")
HANDLING_DAYS = 90
HANDLING_EXTENSION_DAYS = 30
HANDLING_BASIS = (f"{APL}第六十条：自行政处罚案件立案之日起九十日内作出行政处罚决定；{MEASURES}第五十七条：经负责人批准可延长三十日，"
                  "经负责人集体讨论可继续延长不超过三十日（第五十七条据解读材料，原文未核实）；"
                  "中止、检测、评估、认定期间不计入办案期限（第三十五条，据解读材料）")
HEARING_REQUEST_WORKING_DAYS = 5
HEARING_BASIS = f"{APL}第六十四条：当事人要求听证的，应当在行政机关告知后五日内提出；{ARTICLE_85}"
# The law fixes no separate period for 陈述、申辩 (第四十四条、第四十五条 give the right, not a period):
# a local setting, by default aligned with the five-working-day hearing-request period.
STATEMENT_WORKING_DAYS = 5
STATEMENT_BASIS = (f"{APL}第四十四条、第四十五条（陈述、申辩权）；期限为本地设置（默认与第六十四条听证申请期限一致：告知后五个工作日）")
SERVICE_WORKING_DAYS = 7
SERVICE_BASIS = f"{APL}第六十一条：当事人不在场的，行政机关应当在七日内将行政处罚决定书送达当事人；{ARTICLE_85}"
PAYMENT_DAYS = 15
PAYMENT_BASIS = f"{APL}第六十七条：当事人应当自收到行政处罚决定书之日起十五日内缴纳罚款"

EXTENSION_KINDS = ("head_approval", "collective_discussion")


@dataclass(frozen=True)
class Suspension:
    """中止/检测/评估/认定 — days that do not count towards the handling period."""

    kind: str
    start: date
    end: date | None = None  # None: still running

    def days(self, today: date) -> int:
        end = self.end or today
        return max(0, (end - self.start).days)


@dataclass(frozen=True)
class CaseTimes:
    filed_on: date
    clue_on: date | None = None
    filing_extended: bool = False
    handling_extensions: Sequence[str] = ()
    suspensions: Sequence[Suspension] = ()
    notice_on: date | None = None
    hearing_right: bool = False
    statement_done: bool = False
    hearing_requested: bool = False
    hearing_held: bool = False
    decided_on: date | None = None
    closed_early: bool = False  # withdrawn / transferred: the handling period ends
    served_on: date | None = None
    fine_due: bool = False
    paid: bool = False
    revoked: bool = False  # the decision was revoked or confirmed illegal: nothing is left to serve or collect


@dataclass(frozen=True)
class Due:
    name: str
    date: date
    provisional: bool
    basis: str
    done: bool
    working_days: bool = False
    verified: bool = True
    local_setting: bool = False
    suspended: bool = False


def _due(name: str, p: Period, basis: str, done: bool, **kw) -> Due:
    return Due(name, p.due, p.provisional, basis, done, working_days=p.working_days, **kw)


def compute(t: CaseTimes, cal: Calendar, *, today: date) -> dict[str, Due]:
    out: dict[str, Due] = {}
    if t.clue_on is not None:
        n = FILING_DAYS + (FILING_EXTENSION_DAYS if t.filing_extended else 0)
        out["filing"] = _due("filing", add_days(t.clue_on, n), FILING_BASIS, True, verified=False)
    # The days actually suspended, from→to; one left open counts until today, and never past the decision.
    until = min(today, t.decided_on) if t.decided_on is not None else today
    suspended = sum(s.days(until) for s in t.suspensions)
    n = HANDLING_DAYS + HANDLING_EXTENSION_DAYS * len(t.handling_extensions) + suspended
    out["handling"] = _due(
        "handling", add_days(t.filed_on, n), HANDLING_BASIS, t.decided_on is not None or t.closed_early,
        verified=not t.handling_extensions, suspended=any(s.end is None for s in t.suspensions),
    )
    if t.notice_on is not None:
        out["statement"] = _due("statement", add_working_days(t.notice_on, STATEMENT_WORKING_DAYS, cal),
                                STATEMENT_BASIS, t.statement_done or t.decided_on is not None, local_setting=True)
        if t.hearing_right:
            out["hearing_request"] = _due(
                "hearing_request", add_working_days(t.notice_on, HEARING_REQUEST_WORKING_DAYS, cal), HEARING_BASIS,
                t.hearing_requested or t.statement_done or t.decided_on is not None,
            )
    if t.decided_on is not None:
        out["service"] = _due("service", add_working_days(t.decided_on, SERVICE_WORKING_DAYS, cal), SERVICE_BASIS,
                              t.served_on is not None or t.revoked)
    if t.served_on is not None and t.fine_due:
        out["payment"] = _due("payment", add_days(t.served_on, PAYMENT_DAYS), PAYMENT_BASIS, t.paid or t.revoked)
    return out


def overdue(due: Mapping[str, Due], today: date) -> list[str]:
    """Deadlines passed with their step not done (the due date itself is still in time)."""
    return [d.name for d in due.values() if not d.done and not d.suspended and today > d.date]


def next_due(due: Mapping[str, Due]) -> date | None:
    pending = [d.date for d in due.values() if not d.done and not d.suspended]
    return min(pending) if pending else None


RIGHTS_PERIODS = ("statement", "hearing_request")


def rights_period_over(due: Mapping[str, Due], today: date) -> bool:
    """Whether the statement and hearing-request periods have run out (decision allowed after them). A
    period whose end date is only provisional (its year's holiday schedule is not loaded) is never over."""
    return all(today > due[k].date and not due[k].provisional for k in RIGHTS_PERIODS if k in due)


def rights_provisional_year(due: Mapping[str, Due]) -> int | None:
    """The year to load when a rights period's end date is provisional (第八十五条 working days)."""
    years = [due[k].date.year for k in RIGHTS_PERIODS if k in due and due[k].provisional]
    return min(years) if years else None


def handling_over(due: Mapping[str, Due], today: date) -> bool:
    """The handling period (办案期限) has run out."""
    d = due.get("handling")
    return d is not None and not d.done and not d.suspended and today > d.date


# -- limitation (追责时效) --------------------------------------------------------------------------
LIMITATION_YEARS = 2
LIMITATION_EXTENDED_YEARS = 5
LIMITATION_BASIS = (f"{APL}第三十六条：违法行为在二年内未被发现的，不再给予行政处罚；涉及公民生命健康安全、金融安全且有危害后果的，"
                    "上述期限延长至五年。法律另有规定的除外。前款规定的期限，从违法行为发生之日起计算；违法行为有连续或者继续状态的，"
                    "从行为终了之日起计算")
# The fact key recording the 第三十六条 extension: life/health or financial safety involved AND harm.
EXTENDED_LIMITATION_FACT = "life_health_or_financial_safety_with_harm"


@dataclass(frozen=True)
class Limitation:
    runs_from: date
    years: int
    expires: date
    expired: bool
    basis: str = LIMITATION_BASIS


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28) + timedelta(days=1)


def limitation(*, occurred_on: date, ended_on: date | None, discovered_on: date,
               facts: Mapping[str, object] | None = None) -> Limitation:
    """第三十六条: discovered within 2 years (5 where it names) of the act, or of its end if continuing."""
    runs_from = ended_on or occurred_on
    years = LIMITATION_EXTENDED_YEARS if (facts or {}).get(EXTENDED_LIMITATION_FACT) is True else LIMITATION_YEARS
    expires = _add_years(runs_from, years)
    return Limitation(runs_from, years, expires, discovered_on > expires)

"""The review workflow (监督审核): assign a flag to an auditor, start the review, record its outcome
(无问题 ``cleared`` / 发现问题并责令纠正 ``issue_found`` / 移送纪检监察 ``referred``) with a reason, reopen a
reviewed flag for a later review; an SLA due date and ageing; history kept. No one reviews, is assigned,
or reopens a case they took part in.

The transitions, in one place (``allowed``):

* ``assign``  open | in_review → in_review (role auditor or admin; the assignee not involved);
* ``start``   open | in_review → in_review (the assignee, or an auditor taking an unassigned flag);
* ``review``  open | in_review → cleared | issue_found | referred (an uninvolved auditor; the assignee
  when assigned);
* ``reopen``  cleared | issue_found | referred → open (an uninvolved auditor, with a reason): the earlier
  outcome stays — in ``outcome``, the history and the annual report — until the later review records
  another (a review's outcome is changed only by a later review, issue 26).

An interference record never reopens (``service.upsert_flag``). Each use case writes its history entry,
logs its act and emits its event in the caller's transaction (never begins or commits)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.flags.service import FINAL, Emit, add_history
from services.audit.log import ledger
from services.audit.models import Flag, FlagHistory
from shared.contracts import AuditFlagAssigned, AuditFlagReopened, AuditFlagReviewed, AuditFlagReviewStarted
from shared.law import PILOT
from shared.problems import Problem, conflict, forbidden
from shared.subjects import among, same_subject

REVIEWABLE = ("open", "in_review")
OUTCOME_NAMES = {"cleared": "无问题", "issue_found": "发现问题并责令纠正", "referred": "移送纪检监察"}
STATUS_NAMES = {"open": "待审核", "in_review": "审核中", **OUTCOME_NAMES}
REVIEW_ONCE_RULE = (
    "审核结论只能由其后的审核改变：已审核的标记须经审计人员说明理由重新打开（或系统发现新的风险重新打开“无问题”的标记）"
    "后再次审核；干预记录不会重新打开标记，也不会抹去审核结论"
)
INDEPENDENCE_RULE = (
    f"{PILOT.split('（', 1)[0]}三（十）：建立廉政风险和履职风险防控机制，加强对免罚、轻罚案件的监督审核。"
    "本系统据此要求（本地规则，非方案原文）：审核人不得是本案经办人、决定人、法制审核人或集体讨论参加人"
)
OWN_BUREAU_RULE = (
    f"{PILOT.split('（', 1)[0]}三（十）：加强对免罚、轻罚案件的监督审核（已纳入执法稽查的重点事项）。"
    "本系统据此要求（本地规则，非方案原文）：被监督机关的人员不得分派、开始、作出或重新开启本机关案件的监督审核"
)


def allowed(flag: Flag) -> list[str]:
    """The actions the flag's status allows (the 409's ``allowed_actions``)."""
    return ["reopen"] if flag.status in FINAL else ["assign", "start", "review"]


def is_involved(flag: Flag, sub: str) -> bool:
    """A case's handlers, decider and everyone recorded as taking part — legal reviewer, collective
    discussion participants and recorder, investigators (``consumers.context_of``) — may not audit it
    (subjects compared as one person whatever their case, ``shared.subjects.among``)."""
    return among(sub, [*(flag.handlers or []), flag.decided_by, *(flag.involved or [])])


def refuse_involved(flag: Flag, sub: str, what: str = "审核") -> None:
    if is_involved(flag, sub):
        raise forbidden(f"{sub} 参与了案件 {flag.number} 的办理、审核、讨论或决定，不得{what}其监督标记",
                        "reviewer_involved", rule=INDEPENDENCE_RULE)


def refuse_own_bureau(flag: Flag, bureau: str | None, what: str = "审核") -> None:
    """The audited bureau never works its own flags (issue 26: an outcome is changed only by a later review,
    never by the audited bureau): a person whose token names the flag's bureau is refused."""
    if bureau and bureau == flag.bureau:
        raise forbidden(f"被监督机关（{flag.bureau}）的人员不得{what}本机关案件的监督标记", "reviewer_own_bureau",
                        rule=OWN_BUREAU_RULE)


def _illegal(flag: Flag, action: str, detail: str | None = None) -> Problem:
    if detail is None:
        who = f"（{flag.reviewed_by}）" if flag.reviewed_by else ""
        detail = f"标记 {flag.id} 当前为“{STATUS_NAMES.get(flag.status, flag.status)}”{who}，不能执行该操作"
    return conflict("illegal_transition", detail, state=flag.status, action=action, rule=REVIEW_ONCE_RULE,
                    allowed_actions=allowed(flag))


def refusal(flag: Flag, assignee: str) -> Problem | None:
    """Why ``assignee`` may not be assigned ``flag`` (None: they may): involved in the case, or final."""
    if is_involved(flag, assignee):
        return forbidden(f"{assignee} 参与了案件 {flag.number}，不得被分派审核其监督标记", "reviewer_involved",
                         rule=INDEPENDENCE_RULE)
    if flag.status in FINAL:
        return _illegal(flag, "assign")
    return None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _unchanged_assignee(flag: Flag):
    """The flag's assignee is still the one read (an assignment made meanwhile makes the action a 409)."""
    return Flag.assignee.is_(None) if flag.assignee is None else Flag.assignee == flag.assignee


async def _transition(session: AsyncSession, flag: Flag, action: str, *, expect: tuple[str, ...],
                      where: tuple = (), **values) -> None:
    """A conditional update: of two concurrent actions on one flag exactly one passes; the other, finding
    the flag changed, is a 409 naming its state now."""
    result = await session.execute(
        update(Flag).where(Flag.id == flag.id, Flag.status.in_(expect), *where)
        .values(**values).execution_options(synchronize_session=False))
    await session.refresh(flag)
    if result.rowcount != 1:
        raise _illegal(flag, action)


async def assign(session: AsyncSession, flag: Flag, *, assignee: str, by: str, emit: Emit, now: datetime) -> Flag:
    """Assign the review to an auditor (not anyone who took part in the case); the SLA runs from the flag."""
    problem = refusal(flag, assignee)
    if problem is not None:
        raise problem
    before = flag.status
    await _transition(session, flag, "assign", expect=REVIEWABLE, assignee=assignee, assigned_at=now,
                      status="in_review", review_started_at=None)
    add_history(session, flag, actor=by, action="assigned", status_from=before,
                detail=f"分派给 {assignee}，审核期限 {flag.due_at.isoformat() if flag.due_at else '—'}", now=now)
    await ledger.append_act(session, type_="audit.flag_assigned", case_id=flag.case_id, now=now,
                            data={"flag_id": flag.id, "assignee": assignee, "assigned_by": by})
    await emit(session, AuditFlagAssigned(
        flag_id=flag.id, case_id=flag.case_id, bureau=flag.bureau, assignee=assignee, assigned_by=by,
        due_at=flag.due_at, assigned_at=now), subject=flag.case_id)
    return flag


async def bulk_assign(session: AsyncSession, flag_ids: list[str], *, assignee: str, by: str,
                      can_see: Callable[[str], bool], emit: Emit, now: datetime,
                      own_bureau: str | None = None) -> list[Flag]:
    """Assign every flag of ``flag_ids`` to ``assignee``, or none: the flags are read under row locks (in id
    order, so two bulk assignments cannot deadlock); if any cannot be assigned — unknown, out of the caller's
    scope, already reviewed, or the assignee took part in its case — nothing changes and the 409 names each
    refused flag with its code and rule. A concurrent change after the lock is impossible on PostgreSQL and
    on SQLite (one writer); each assignment's conditional update would refuse it anyway."""
    found = {f.id: f for f in await session.scalars(
        select(Flag).where(Flag.id.in_(flag_ids)).order_by(Flag.id).with_for_update())}
    refused: list[dict] = []
    for fid in flag_ids:
        flag = found.get(fid)
        if flag is None:
            refused.append({"flag_id": fid, "code": "not_found", "detail": f"标记 {fid} 不存在"})
        elif not can_see(flag.bureau):
            refused.append({"flag_id": fid, "code": "out_of_scope", "detail": f"标记 {fid} 不在您的范围内"})
        elif own_bureau and flag.bureau == own_bureau:
            refused.append({"flag_id": fid, "code": "reviewer_own_bureau", "rule": OWN_BUREAU_RULE,
                            "detail": f"标记 {fid} 属于您所在的被监督机关，不得分派"})
        elif (p := refusal(flag, assignee)) is not None:
            refused.append({"flag_id": fid, "code": p.code, "detail": p.detail, "rule": p.extra.get("rule")})
    if refused:
        raise conflict("bulk_assign_refused",
                       f"{len(refused)} 个标记不能分派给 {assignee}，全部未分派：" + "；".join(r["detail"] for r in refused),
                       refused=refused, rule=INDEPENDENCE_RULE)
    return [await assign(session, found[fid], assignee=assignee, by=by, emit=emit, now=now) for fid in flag_ids]


async def start(session: AsyncSession, flag: Flag, *, by: str, emit: Emit, now: datetime) -> Flag:
    """开始审核: the assignee starts the review, or an uninvolved auditor takes an unassigned flag (it is
    then assigned to them). A review already started is a 409; a reviewed flag must be reopened first."""
    refuse_involved(flag, by)
    if flag.status in FINAL:
        raise _illegal(flag, "start")
    if flag.assignee and not same_subject(flag.assignee, by):
        raise forbidden(f"标记 {flag.id} 已分派给 {flag.assignee}，只有被分派人可以开始审核", "not_assignee",
                        assignee=flag.assignee)
    if flag.review_started_at is not None:
        raise _illegal(flag, "start", f"标记 {flag.id} 的审核已由 {flag.assignee} 开始")
    before, assignee, taken_by_self = flag.status, flag.assignee or by, flag.assignee is None
    await _transition(session, flag, "start", expect=REVIEWABLE,
                      where=(_unchanged_assignee(flag), Flag.review_started_at.is_(None)),
                      status="in_review", assignee=assignee, assigned_at=flag.assigned_at or now,
                      review_started_at=now)
    add_history(session, flag, actor=by, action="review_started", status_from=before,
                detail="开始审核" if taken_by_self is False else "领取并开始审核", now=now)
    await ledger.append_act(session, type_="audit.flag_review_started", case_id=flag.case_id, now=now,
                            data={"flag_id": flag.id, "started_by": by, "assignee": assignee})
    await emit(session, AuditFlagReviewStarted(flag_id=flag.id, case_id=flag.case_id, bureau=flag.bureau,
                                               started_by=by, started_at=now), subject=flag.case_id)
    return flag


async def review(
    session: AsyncSession, flag: Flag, *, reviewer: str, outcome: str, notes: str, emit: Emit, now: datetime
) -> Flag:
    """Record the supervision review's outcome with its reason (not by anyone who took part in the case)."""
    refuse_involved(flag, reviewer)
    if flag.assignee and not same_subject(flag.assignee, reviewer) and flag.status in REVIEWABLE:
        raise forbidden(f"标记 {flag.id} 已分派给 {flag.assignee}，只有被分派人可以作出审核结论", "not_assignee",
                        assignee=flag.assignee)
    before = flag.status
    await _transition(session, flag, "review", expect=REVIEWABLE, where=(_unchanged_assignee(flag),),
                      status=outcome, outcome=outcome,
                      reviewed_by=reviewer, reviewed_at=now, review_notes=notes,
                      assignee=flag.assignee or reviewer, assigned_at=flag.assigned_at or now,
                      review_started_at=flag.review_started_at or now)
    add_history(session, flag, actor=reviewer, action="reviewed", status_from=before, detail=notes, now=now)
    await ledger.append_act(session, type_="audit.flag_reviewed", case_id=flag.case_id, now=now,
                            data={"flag_id": flag.id, "outcome": outcome, "reviewed_by": reviewer, "notes": notes})
    await emit(session, AuditFlagReviewed(
        flag_id=flag.id, case_id=flag.case_id, number=flag.number, bureau=flag.bureau,
        outcome=outcome, reviewed_by=reviewer, reviewed_at=now,
    ), subject=flag.case_id)
    return flag


async def reopen(
    session: AsyncSession, flag: Flag, *, by: str, reason: str, emit: Emit, now: datetime, sla_days: int
) -> Flag:
    """重新审核: an uninvolved auditor sends a reviewed flag back for a later review, with a reason. The
    flag is open again, unassigned, with a new SLA; its earlier outcome, reviewer and reason stay (the
    ``outcome`` the annual report counts) until the later review records another."""
    refuse_involved(flag, by, "重新打开")
    if flag.status not in FINAL:
        raise _illegal(flag, "reopen")
    before, outcome = flag.status, flag.status
    await _transition(session, flag, "reopen", expect=(before,), status="open", assignee=None, assigned_at=None,
                      review_started_at=None, due_at=now + timedelta(days=sla_days))
    add_history(session, flag, actor=by, action="reopened", status_from=before,
                detail=f"重新审核（原结论：{OUTCOME_NAMES.get(outcome, outcome)}）：{reason}", now=now)
    await ledger.append_act(session, type_="audit.flag_reopened", case_id=flag.case_id, now=now,
                            data={"flag_id": flag.id, "outcome": outcome, "reopened_by": by, "reason": reason})
    await emit(session, AuditFlagReopened(
        flag_id=flag.id, case_id=flag.case_id, number=flag.number, bureau=flag.bureau, outcome=outcome,
        reason=reason, reopened_by=by, reopened_at=now), subject=flag.case_id)
    return flag


async def history(session: AsyncSession, flag_id: str) -> list[FlagHistory]:
    return list(await session.scalars(
        select(FlagHistory).where(FlagHistory.flag_id == flag_id).order_by(FlagHistory.at, FlagHistory.id)))


def _end(flag: Flag, now: datetime) -> datetime:
    """Where ageing and the SLA stop: the review, for a reviewed flag; now, for one open (again)."""
    return _aware(flag.reviewed_at if flag.status in FINAL and flag.reviewed_at else now)


def ageing_days(flag: Flag, now: datetime) -> int:
    return max(0, (_end(flag, now) - _aware(flag.created_at)).days)


def sla_breached(flag: Flag, now: datetime) -> bool:
    return flag.due_at is not None and _end(flag, now) > _aware(flag.due_at)

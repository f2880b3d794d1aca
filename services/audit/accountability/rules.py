"""The pure rules of 错案责任倒查 and 容错纠错, each refusal naming its source (``law``): when a flag may be traced,
what a finding must say, when an excuse may be granted, and a person's standing in a trace for the figures."""

from __future__ import annotations

from services.audit.accountability import law
from services.audit.accountability.schemas import ExcuseCreate, ResponsibilityCreate
from services.audit.flags import review
from services.audit.models import Flag
from shared.problems import conflict, invalid

# A review that found the case wrong: 发现问题并责令纠正, 移送纪检监察 (services.audit.flags.review.OUTCOME_NAMES).
TRACEABLE_OUTCOMES = ("issue_found", "referred")
# Rule codes whose hit makes a flag traceable without a review's outcome: a file 案卷评查 found 不合格 (issue 27:
# "a flag reviewed as 发现问题 or a 不合格 file can be traced"; services.audit.casefile_review).
TRACEABLE_RULES: tuple[str, ...] = ("casefile_review_failed",)


def ground_of(flag: Flag) -> str | None:
    """Why ``flag`` may be traced (工作要点（二十二）: 错案责任倒查), or None."""
    if flag.outcome in TRACEABLE_OUTCOMES:
        return flag.outcome
    return next((r.code for r in flag.rules if r.code in TRACEABLE_RULES), None)


def still_wrong(flag: Flag, ground: str) -> bool:
    """Whether the case a trace was opened on is still found wrong: a trace opened on a review's outcome needs
    the flag still at that kind of outcome (reopened → ``open``/``in_review``, or re-reviewed ``cleared``, is not);
    a trace opened on a rule's hit (or a ground another slice passed) stands on that ground."""
    if ground in TRACEABLE_OUTCOMES:
        return flag.status in TRACEABLE_OUTCOMES
    return True


def check_still_wrong(flag: Flag, ground: str, what: str) -> None:
    """工作要点（二十二）: responsibility follows a case found wrong — none while the finding is under a later review
    or after it was changed to 无问题."""
    if not still_wrong(flag, ground):
        raise conflict("not_traceable", f"案件 {flag.number} 的监督标记当前为“{review.STATUS_NAMES.get(flag.status, flag.status)}”，"
                       f"不再是认定的错案，不能{what}", rule=law.NOT_WRONG_NOW, state=flag.status)


def needs_organ(ground: str, outcome: str | None) -> bool:
    """An excuse the supervisor may not grant alone: the flag was referred to 纪检监察, or the person's outcome is
    a 处分/政务处分 or a referral — the competent organ's finding must be recorded (``law.ORGAN_RULE``)."""
    return ground == "referred" or outcome in law.ORGAN_OUTCOMES


def check_organ(ground: str, outcome: str | None, organ_decision: str | None) -> None:
    if needs_organ(ground, outcome) and not (organ_decision or "").strip():
        raise invalid("organ_decision", "本案已移送纪检监察或该人员已受处分、政务处分：容错免责或从轻减轻须由有权机关"
                      "认定，请写明有权机关的认定（机关、文号或结论）", code="excuse_reserved_to_competent_organ",
                      rule=law.ORGAN_RULE)


def check_finding(body: ResponsibilityCreate) -> None:
    """有责任 names the outcome handed down (``other`` with its text); 无责任 names none."""
    if body.finding == "responsible":
        if body.outcome is None:
            raise invalid("outcome", "认定“有责任”须写明处理结果", code="outcome_required", rule=law.TRACE_RULE)
        if body.outcome == "other" and not (body.outcome_text or "").strip():
            raise invalid("outcome_text", "处理结果为“其他”时须写明具体处理结果", code="outcome_text_required",
                          rule=law.TRACE_RULE)
        if body.outcome != "other" and body.outcome_text:
            raise invalid("outcome_text", "只有处理结果为“其他”时才填写处理结果文字", code="outcome_text_unexpected")
    elif body.outcome or body.outcome_text or body.kind:
        raise invalid("outcome", "认定“无责任”时不填写责任种类和处理结果", code="outcome_unexpected", rule=law.TRACE_RULE)


def missing_conditions(body: ExcuseCreate) -> list[law.Sourced]:
    """The conditions not affirmed with evidence (absent, answered no, or affirmed without evidence)."""
    out = []
    for c in law.EXCUSE_CONDITIONS:
        answer = body.conditions.get(c.code)
        if answer is None or not answer.affirmed or not answer.evidence.strip():
            out.append(c)
    return out


def check_excuse(body: ExcuseCreate) -> None:
    """试点方案 五（三）: 不违反党的纪律和国家法律法规，勤勉尽责、未谋私利，能够及时纠错改正 — all of them, each with evidence."""
    missing = missing_conditions(body)
    if missing:
        names = "、".join(f"“{c.label}”" for c in missing)
        raise invalid(f"conditions.{missing[0].code}", f"容错免责的条件未全部具备（须逐项确认并写明证据）：{names}未确认",
                      code="excuse_condition_not_met", rule=law.EXCUSE_SOURCE,
                      missing=[{"code": c.code, "label": c.label, "source": c.source, "verified": c.verified}
                               for c in missing])


def standing(finding: str | None, relief: str | None) -> str:
    """A person's standing in one trace from their latest finding and latest excuse: pending (未认定), not_responsible
    (无责任), responsible (有责任), lightened (有责任，容错从轻减轻), excused (已免责 — counted apart, never as responsible)."""
    if finding is None:
        return "pending"
    if finding == "none":
        return "not_responsible"
    return {"exempted": "excused", "lightened": "lightened"}.get(relief or "", "responsible")

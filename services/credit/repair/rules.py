"""信用修复申请 — the repair application's rules, pure (no I/O): who may apply, when, with which documents,
which obligations must be fulfilled, the workflow's transitions and its time limits.

Every rule names its source. What the data does not contain is not invented:
* time limits for accepting and deciding an application are NOT_FOUND in ``credit_repair.yaml``
  (``processing_time_limits``): they are **local settings** (``config.RepairSettings``), labelled as such;
* the rules for rejection and re-application are NOT_FOUND (``rejection_and_reapplication``): a
  re-application after a rejection is allowed, linked to the rejected one and its reason — a local
  setting too, labelled as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from services.credit.config import RepairSettings
from services.credit.records.rules import (
    ORDER_36_CONDITIONS,
    ORDER_58_MATERIALS,
    repair_available_from,
    source,
)
from shared.rules import Refusal, Rule
from shared.subjects import among, same_subject

Action = Literal["accept", "approve", "reject"]

ORDER_36_ART_3 = source(
    "order_36_art_3",
    "《信用修复管理办法》（令第36号）第三条：本办法所称的信用修复，是指信用主体为积极改善自身信用状况，在纠正失信行为、履行相关义务后，"
    "有关方面按照规定终止公示、停止共享和使用失信信息，同步依法依规解除失信惩戒措施的活动",
    "https://toubiaole.com/news/xingyexinwen/887.html ; http://m.law-lib.com/law/law_view.asp?id=786242",
    True,
)
LOCAL_TIME_LIMITS = source(
    "local_time_limits",
    "本地设置：信用修复申请的受理、办理时限（数据 credit_repair.yaml 中 processing_time_limits 为 NOT_FOUND，令第36号的时限条文未取得）",
    "https://finance.stockstar.com/IG2025112600020150.shtml",
    False,
    "local setting, not a legal period; ECOCOMPLY_CREDIT_REPAIR_ACCEPT_DAYS / _DECIDE_DAYS",
)
LOCAL_REAPPLICATION = source(
    "local_reapplication",
    "本地设置：申请被驳回后可补正后重新申请，新申请关联被驳回的申请及其理由（数据中 rejection_and_reapplication 为 NOT_FOUND）",
    "https://finance.stockstar.com/IG2025112600020150.shtml",
    False,
    "local setting, not a legal rule",
)

# Who decides a repair application: the data (credit_repair.yaml, the seeds) names no rule, so this is the
# bureau's own internal control, labelled as such — not a legal text (issue 25 S12).
INTERNAL_CONTROL = source(
    "internal_control_separation",
    "本局内部控制规定（本地设置，非法律条文）：信用修复申请的受理与批准由两名不同人员办理，"
    "本案执法人员不受理、不审批本案的信用修复申请",
    "",
    False,
    "local setting, not a legal rule: credit_repair.yaml and the seeds state no rule on who accepts or "
    "approves a repair application",
)


@dataclass(frozen=True)
class RequiredDocument:
    kind: str
    text: str
    source: Rule


IDENTITY = RequiredDocument(
    "identity", "法定代表人身份证明书或行政处罚信用修复业务办理授权委托书（材料一）", ORDER_58_MATERIALS
)
FINE_RECEIPT = RequiredDocument("fine_receipt", "缴纳罚款的收据（材料二.1）", ORDER_58_MATERIALS)
COMMITMENT_RULE = source(
    "commitment_rule",
    "令第36号 信用修复条件（三）：公开作出信用承诺，承诺内容应包括所提交材料真实有效，并明确愿意承担违反承诺的相应责任；"
    "“信用中国”在线修复材料三：行政处罚信息信用修复承诺书",
    f"{ORDER_36_CONDITIONS.url} ; {ORDER_58_MATERIALS.url}",
    False,
)
MINIMUM_PERIOD_RULE = source(
    "minimum_period_rule",
    "令第36号：最短公示期届满后，信用主体方可按规定申请信用修复（修复条件（一）达到最短公示期限）；"
    "轻微失信信息不予公示的，法定责任履行完毕即可申请修复",
    ORDER_36_CONDITIONS.url,
    False,
)
OBLIGATIONS_RULE = source(
    "obligations_rule",
    "令第36号 信用修复条件（二）：纠正失信行为，完全履行失信行为涉及的行政处罚、异常名录或严重失信主体名单等规定的义务",
    ORDER_36_CONDITIONS.url,
    False,
)
ENDS_PUBLICITY_RULE = source(
    "ends_publicity_rule",
    "令第36号第三条：信用修复……有关方面按照规定终止公示、停止共享和使用失信信息", ORDER_36_ART_3.url, True
)


def required_documents(fine_amount: float | None) -> list[RequiredDocument]:
    """Documents an application must carry besides the commitment: proof of who applies, and the fine
    receipt when a fine was imposed (鄂州 guide to “信用中国” online repair, a local guide)."""
    docs = [IDENTITY]
    if fine_amount:
        docs.append(FINE_RECEIPT)
    return docs


def missing_documents(fine_amount: float | None, evidence_kinds: Iterable[str]) -> list[RequiredDocument]:
    have = set(evidence_kinds)
    return [d for d in required_documents(fine_amount) if d.kind not in have]


# -- refusals (``shared.rules.Refusal``; the service answers them as 409 problems) ---------------------
def check_can_apply(*, status: str, published: bool, min_until: date | None, today: date) -> None:
    """Raise a ``Refusal`` unless the record can be applied for today (Asia/Shanghai)."""
    if status in ("repaired", "expired"):
        ended = "已修复" if status == "repaired" else "最长公示期已届满、已自动停止公示"
        raise Refusal(
            ENDS_PUBLICITY_RULE if status == "repaired" else MINIMUM_PERIOD_RULE,
            f"该信用记录{ended}（status={status}），无需再申请修复",
            code="record_not_repairable",
        )
    first = repair_available_from(min_until) if published else None
    if first is not None and today < first:
        raise Refusal(
            MINIMUM_PERIOD_RULE,
            f"最短公示期至{min_until}届满，{first}起方可申请信用修复（今日{today}）",
            code="minimum_period_not_served",
            repair_available_from=first.isoformat(),
        )


# -- obligations, checked against the cases service -------------------------------------------------
@dataclass(frozen=True)
class ObligationCheck:
    key: str
    required: bool
    met: bool
    detail: str
    checked_with: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "required": self.required,
            "met": self.met,
            "detail": self.detail,
            "checked_with": self.checked_with,
            "rule": OBLIGATIONS_RULE.cite(),
        }


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, Mapping):
            return None
        d = d.get(p)
    return d


def obligation_checks(
    *,
    fine_amount: float | None,
    case_read: Mapping[str, Any] | None,
    fine_paid_event: bool,
    rectification_event: bool | None,
) -> list[ObligationCheck]:
    """Fine paid and rectification passed, from the cases service: its case read (``execution.fine_paid``,
    ``rectification.assessment.passed``) first, the events it published (``case.fine_paid``,
    ``case.rectification_assessed``) otherwise."""
    checks: list[ObligationCheck] = []
    paid_read = _get(case_read, "execution", "fine_paid")
    if fine_amount:
        if paid_read is True or fine_paid_event:
            how = (
                "cases: GET /cases/{id} execution.fine_paid"
                if paid_read is True
                else "cases: case.fine_paid.v1"
            )
            checks.append(ObligationCheck("fine_paid", True, True, f"罚款{fine_amount:g}元已缴纳", how))
        else:
            checks.append(
                ObligationCheck(
                    "fine_paid",
                    True,
                    False,
                    f"办案系统未记载罚款{fine_amount:g}元已缴纳",
                    "cases: GET /cases/{id} execution, case.fine_paid.v1",
                )
            )
    else:
        checks.append(ObligationCheck("fine_paid", False, True, "未处罚款", "credit record"))
    rect = _get(case_read, "rectification")
    if isinstance(rect, Mapping):
        passed = _get(rect, "assessment", "passed")
        checks.append(
            ObligationCheck(
                "rectification_passed",
                True,
                passed is True,
                "整改评估已通过" if passed is True else "整改方案尚未通过评估",
                "cases: GET /cases/{id} rectification.assessment.passed",
            )
        )
    elif rectification_event is not None:
        checks.append(
            ObligationCheck(
                "rectification_passed",
                True,
                rectification_event,
                "整改评估已通过" if rectification_event else "最近一次整改评估未通过",
                "cases: case.rectification_assessed.v1",
            )
        )
    else:
        checks.append(
            ObligationCheck(
                "rectification_passed",
                False,
                True,
                "办案系统未记载整改义务",
                "cases: GET /cases/{id} rectification",
            )
        )
    return checks


def unmet(checks: Iterable[ObligationCheck]) -> list[ObligationCheck]:
    return [c for c in checks if c.required and not c.met]


def obligations_refusal(checks: list[ObligationCheck]) -> Refusal:
    missing = unmet(checks)
    return Refusal(
        OBLIGATIONS_RULE,
        "未完全履行行政处罚规定的义务：" + "；".join(c.detail for c in missing),
        code="obligations_not_fulfilled",
        unmet=[c.key for c in missing],
        checks=[c.as_dict() for c in checks],
    )


# -- workflow ---------------------------------------------------------------------------------------
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "accept": frozenset({"submitted"}),  # 受理
    "approve": frozenset({"accepted"}),  # 同意修复 → 终止公示
    "reject": frozenset({"submitted", "accepted"}),  # 不予受理 / 不予修复, with the reason
}
OPEN_STATES = frozenset({"submitted", "accepted"})


def allowed_actions(state: str) -> list[str]:
    return [a for a, states in TRANSITIONS.items() if state in states]


def check_transition(state: str, action: str) -> None:
    if state not in TRANSITIONS[action]:
        raise Refusal(
            LOCAL_TIME_LIMITS if action == "accept" else OBLIGATIONS_RULE,
            f"信用修复申请处于 {state} 状态，不能执行 {action}",
            code="illegal_transition",
            state=state,
            action=action,
            allowed_actions=allowed_actions(state),
        )


def check_separation(action: str, actor: str, *, handlers: Iterable[str], accepted_by: str | None) -> None:
    """The bureau's internal control (``INTERNAL_CONTROL``): no handler of the case accepts, approves or
    rejects its repair application, and the one who accepted it does not also approve it. Subjects compare
    as one person whatever their case (``shared.subjects``, issue 25 S10)."""
    if among(actor, handlers):
        raise Refusal(
            INTERNAL_CONTROL,
            f"{actor} 是本案执法人员，不得办理本案的信用修复申请，应由本局其他人员办理",
            code="repair_by_case_handler",
        )
    if action == "approve" and same_subject(actor, accepted_by):
        raise Refusal(
            INTERNAL_CONTROL,
            f"该申请由 {accepted_by} 受理，批准须由另一人作出",
            code="repair_approved_by_acceptor",
            accepted_by=accepted_by,
        )


def accept_due(submitted_on: date, settings: RepairSettings) -> date:
    return submitted_on + timedelta(days=settings.accept_days)


def decide_due(accepted_on: date, settings: RepairSettings) -> date:
    return accepted_on + timedelta(days=settings.decide_days)


def overdue_deadlines(*, status: str, accept_due: date, decide_due: date | None, today: date) -> list[str]:
    """Deadlines passed while the step is still to do: the due date is the last day to act."""
    out = []
    if status == "submitted" and today > accept_due:
        out.append("accept")
    if status == "accepted" and decide_due is not None and today > decide_due:
        out.append("decide")
    return out

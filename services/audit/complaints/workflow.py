"""投诉举报的办理流程 — the pure rules of a complaint about enforcement: its categories with their source, the
states and the transition table, the periods (labelled local settings with the source of each default) and who
may handle it. No I/O: ``service.py`` applies what this module decides.

Sources (the seed text, ``../shared/seeds``): 《2023年苏州市生态环境系统法治政府建设工作要点》
（二十一） 健全行政执法投诉举报机制 — "进一步完善针对行政执法不规范、不文明、不作为、乱作为等问题的投诉举报制度，畅通投诉举报
渠道，完善投诉举报问题的办理程序"; （二十二） 加强行政执法责任追究 — "全面实行行政执法机关内部人员干预、插手案件办理的记录、
通报和责任追究制度"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shared.law import POINTS
from shared.rules import Refusal, Rule, reading

POINT_21 = f"{POINTS}（二十一）"
POINT_22 = f"{POINTS}（二十二）"
CHANNEL_RULE = Rule(
    "complaint_channel", POINT_21,
    "进一步完善针对行政执法不规范、不文明、不作为、乱作为等问题的投诉举报制度，畅通投诉举报渠道，完善投诉举报问题的办理程序")
INTERFERENCE_RULE = Rule(
    "complaint_interference", POINT_22, "全面实行行政执法机关内部人员干预、插手案件办理的记录、通报和责任追究制度")


class Category(StrEnum):
    """投诉类别 — the four named in （二十一） and the interference of （二十二）."""

    IRREGULAR = "irregular"  # 不规范
    UNCIVIL = "uncivil"  # 不文明
    INACTION = "inaction"  # 不作为
    ABUSE = "abuse"  # 乱作为
    INTERFERENCE = "interference"  # 内部人员干预、插手案件办理


CATEGORY_CN = {Category.IRREGULAR: "执法不规范", Category.UNCIVIL: "执法不文明", Category.INACTION: "不作为",
               Category.ABUSE: "乱作为", Category.INTERFERENCE: "内部人员干预、插手案件"}
CATEGORY_SOURCE = {c: (POINT_22 if c == Category.INTERFERENCE else POINT_21) for c in Category}


class Status(StrEnum):
    SUBMITTED = "submitted"  # 已提交
    ACCEPTED = "accepted"  # 已受理
    REFUSED = "refused"  # 不予受理
    INVESTIGATING = "investigating"  # 调查中
    CONCLUDED = "concluded"  # 已办结
    ANSWERED = "answered"  # 已答复


STATUS_CN = {Status.SUBMITTED: "已提交", Status.ACCEPTED: "已受理", Status.REFUSED: "不予受理",
             Status.INVESTIGATING: "调查中", Status.CONCLUDED: "已办结（待答复）", Status.ANSWERED: "已答复"}
# Still running against a period: before the answer (or the refusal).
PENDING = (Status.SUBMITTED, Status.ACCEPTED, Status.INVESTIGATING, Status.CONCLUDED)


class Finding(StrEnum):
    SUBSTANTIATED = "substantiated"  # 成立
    PARTLY = "partly"  # 部分成立
    UNSUBSTANTIATED = "unsubstantiated"  # 不成立


FINDING_CN = {Finding.SUBSTANTIATED: "成立", Finding.PARTLY: "部分成立", Finding.UNSUBSTANTIATED: "不成立"}
UPHELD = (Finding.SUBSTANTIATED, Finding.PARTLY)


class Action(StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"
    INVESTIGATE = "investigate"
    EXTEND = "extend"
    CONCLUDE = "conclude"
    ANSWER = "answer"


ACTION_CN = {"filed": "提交投诉", Action.ACCEPT: "受理", Action.REFUSE: "不予受理", Action.INVESTIGATE: "开始调查",
             Action.EXTEND: "延长办理期限", Action.CONCLUDE: "办结", Action.ANSWER: "答复投诉人"}

# The transition table: action -> (the states it may start from, the state it leads to).
TRANSITIONS: dict[Action, tuple[tuple[Status, ...], Status | None]] = {
    Action.ACCEPT: ((Status.SUBMITTED,), Status.ACCEPTED),
    Action.REFUSE: ((Status.SUBMITTED,), Status.REFUSED),
    Action.INVESTIGATE: ((Status.ACCEPTED,), Status.INVESTIGATING),
    Action.EXTEND: ((Status.ACCEPTED, Status.INVESTIGATING), None),  # the state stays; the period grows
    Action.CONCLUDE: ((Status.INVESTIGATING,), Status.CONCLUDED),
    Action.ANSWER: ((Status.CONCLUDED,), Status.ANSWERED),
}

PROCEDURE_RULE = reading(
    "complaint_procedure", POINT_21,
    "完善投诉举报问题的办理程序：已提交 → 受理或不予受理（说明理由）→ 调查 → 办结（成立、部分成立、不成立，写明查明事实）→ 答复投诉人")
XFGZTL_30 = "《信访工作条例》（2022）第三十条第三款"
CONFIDENTIAL_RULE = Rule(
    "complaint_confidential", XFGZTL_30, "不得将信访人的检举、揭发材料以及有关情况透露或者转给被检举、揭发的人员或者单位")
OWN_BUREAU_RULE = reading(
    "complaint_handler_own_bureau", f"{XFGZTL_30}、第二十八条第三款；{POINT_21}",
    "不得将检举、揭发材料及有关情况转给被检举、揭发的单位，与信访事项有直接利害关系的工作人员应当回避：投诉由被投诉机关以外的"
    "执法监督机构办理，被投诉机关的人员不办理、不查看投诉材料和投诉人身份",
    remedy="由被投诉机关以外的监督审核人员办理")
HANDLING_OFFICE_RULE = reading(
    "complaint_handling_office", f"{POINT_21}（责任单位：执法监督处、执法局、机关纪委）；《信访工作条例》（2022）第三十条第一款",
    "检举控告类事项由有权处理的机关、单位接收、受理、办理和反馈：投诉由市局执法监督机构（本地设置 "
    "ECOCOMPLY_AUDIT_COMPLAINT_HANDLING_BUREAU）或不属任何分局的监督审核人员办理，其他分局的人员无权办理",
    remedy="由市局执法监督机构的监督审核人员办理")
# Told with the answer: the complainant's right to a review (复查) by the handling office's superior.
REVIEW_RIGHT = ("对答复不服的，可以自收到书面答复之日起30日内请求原办理机关、单位的上一级机关、单位复查"
                "（《信访工作条例》（2022）第三十五条）")
# What the complained-about bureau's people read in place of the complaint's material (第三十条第三款).
WITHHELD = "（投诉材料及有关情况对被投诉机关保密，依据《信访工作条例》第三十条第三款）"
# Steps whose detail is written to the complainant or about the complaint's material, withheld from that bureau.
WITHHELD_STEPS = ("refuse", "answer")
EXTENSION_RULE = reading(
    "complaint_extension_once", "《信访工作条例》（2022）第三十四条",
    "情况复杂的，经本机关、单位负责人批准，可以适当延长办理期限，但延长期限不得超过30日，并告知信访人延期理由"
    "（本系统只许延长一次；天数为本地设置 ECOCOMPLY_AUDIT_COMPLAINT_EXTENSION_DAYS）",
    remedy="写明批准人（不是办理人本人）和延长理由；已延长过的不能再延长")


def allowed(status: str) -> list[str]:
    return [a.value for a, (start, _) in TRANSITIONS.items() if status in start]


def next_status(status: str, action: Action) -> Status:
    """The state ``action`` leads to from ``status``, or a refusal naming the procedure."""
    start, to = TRANSITIONS[action]
    if status not in start:
        raise Refusal(PROCEDURE_RULE, f"投诉当前为“{STATUS_CN.get(status, status)}”，不能{ACTION_CN[action]}",
                      code="illegal_transition", state=status, action=action.value, allowed_actions=allowed(status))
    return to or Status(status)


def refuse_own_bureau(complaint_bureau: str, handler_bureau: str | None, what: str) -> None:
    """被投诉机关的人员不办理本机关的投诉 (a person whose token names the complained-about bureau)."""
    if handler_bureau and handler_bureau == complaint_bureau:
        raise Refusal(OWN_BUREAU_RULE, f"被投诉机关的人员不得{what}针对本机关的投诉", code="complaint_handler_own_bureau")


def refuse_not_handling_office(handler_bureau: str | None, handling_bureau: str, what: str) -> None:
    """Only the handling office (its bureau, or a city-wide auditor with no bureau) handles a complaint: a peer
    district bureau has no authority over another's officers (第三十条第一款 有权处理的机关)."""
    if handler_bureau and handler_bureau != handling_bureau:
        raise Refusal(HANDLING_OFFICE_RULE, f"只有执法监督机构可以{what}投诉，其他分局的人员无权办理",
                      code="complaint_not_handling_office")


def may_handle(handler_bureau: str | None, complaint_bureau: str, handling_bureau: str) -> bool:
    return handler_bureau != complaint_bureau and (handler_bureau is None or handler_bureau == handling_bureau)


def check_extension(*, extended: bool, approver: str, actor: str) -> None:
    if extended:
        raise Refusal(EXTENSION_RULE, "办理期限已经延长过一次，不能再次延长", code="complaint_already_extended")
    if approver.strip().lower() == actor.strip().lower():
        raise Refusal(EXTENSION_RULE, "延长办理期限须由办理人以外的负责人批准", code="complaint_extension_self_approved")


# -- periods: labelled local settings (日 = calendar days, as the 条例 counts them), each default with its source --
# 《信访工作条例》（中共中央、国务院 2022-02-25 发布，2022-05-01 施行）, read in full from LawRefBook/Laws
# (行政法规/信访工作条例(2022-02-25).md). The 条例 counts these periods in 日 (calendar days); the only 工作日 period in it
# (第二十三条第三款, 5个工作日 to object to a transferred matter) is not one this system runs. Its periods are ceilings:
# a bureau may set a shorter local period, never a longer one (``AuditSettings`` bounds each setting by its ceiling).
XFGZTL = "《信访工作条例》（2022）"
ACCEPT_CEILING, CONCLUDE_CEILING, EXTENSION_CEILING = 15, 60, 30


@dataclass(frozen=True)
class PeriodSource:
    setting: str  # the env variable
    meaning: str
    default: int
    ceiling: int  # the longest the source allows; the setting may not exceed it
    source: str
    verified: bool


PERIOD_SOURCES = (
    PeriodSource("ECOCOMPLY_AUDIT_COMPLAINT_ACCEPT_DAYS", "自收到投诉之日起书面告知是否受理（接收情况以及处理途径和程序）的期限（日）",
                 15, ACCEPT_CEILING,
                 f"{XFGZTL}第二十三条第二款：对信访人直接提出的信访事项，不能当场告知的，应当自收到信访事项之日起15日内书面告知信访人，"
                 "但信访人的姓名（名称）、住址不清的除外", True),
    PeriodSource("ECOCOMPLY_AUDIT_COMPLAINT_CONCLUDE_DAYS", "自受理之日起办结的期限（日）", 60, CONCLUDE_CEILING,
                 f"{XFGZTL}第三十四条：对第三十一条第六项规定的信访事项应当自受理之日起60日内办结（该条为申诉求决类的期限；"
                 "第三十条检举控告类事项“依规依纪依法接收、受理、办理和反馈”，条例未另定期限，本系统以60日为上限的本地设置）", True),
    PeriodSource("ECOCOMPLY_AUDIT_COMPLAINT_EXTENSION_DAYS", "情况复杂、经本机关负责人批准延长办理期限的天数（日）", 30, EXTENSION_CEILING,
                 f"{XFGZTL}第三十四条：情况复杂的，经本机关、单位负责人批准，可以适当延长办理期限，但延长期限不得超过30日，"
                 "并告知信访人延期理由（本系统只许延长一次，一次用足本设置的天数）", True),
)


def due(start: datetime, days: int) -> datetime:
    """A period's end: ``days`` calendar days after ``start`` — 《信访工作条例》第二十三条、第三十四条 count in 日, not
    工作日 (see PERIOD_SOURCES)."""
    return start + timedelta(days=days)


def overdue(status: str, due_at: datetime | None, now: datetime) -> bool:
    return status in PENDING and due_at is not None and due_at < now

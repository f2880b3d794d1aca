"""Classifying a penalty decision as credit information (失信信息) — pure, dated, cited rules.

A penalty decision is not a dishonesty finding by itself (DESIGN §4): the grade (轻微/一般/严重), whether
the information is published and for how long all follow from the national rule set **in force on the
decision date** — "公示期限自司法、行政公务文书认定之日起开始计算" (Order 36) / "行政处罚信息的公示期限起点以行政
处罚作出时间为准" (Order 58 regime). Rule sets are data with their sources and ``verified`` flags copied
from the handbook (``domain/credit_repair.yaml``); nothing is upgraded to verified here.

What the data does NOT give, and this module therefore does not invent:
* the amount of a 巨额罚款 (严重) or 较大数额罚款 (一般) — no amount makes a decision "serious";
* any rule for decisions before 2023-05-01 (the 2019 notice 发改办财金〔2019〕527号 is in the data only
  "for contrast", without its effective date) — such a decision raises ``NoRuleSetInForce``;
* transitional provisions of Order 36 for decisions made before 2026-04-01 (NOT_FOUND).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from shared.contracts import CaseDecided
from shared.law import APL
from shared.rules import Rule

Severity = Literal["minor", "general", "serious"]

SEVERITY_LABELS: Mapping[str, str] = {
    "minor": "轻微失信信息",
    "general": "一般失信信息",
    "serious": "严重失信信息",
}
# A rule set without grades (Order 58) only says whether the penalty information is published.
UNGRADED_LABELS: Mapping[bool, str] = {True: "予以公示的行政处罚信息", False: "不予公示的行政处罚信息"}


def severity_label(rs: RuleSet, severity: str, published: bool) -> str:
    """The notice's wording: the grade where the rule set defines one, never a grade it does not define."""
    return SEVERITY_LABELS[severity] if rs.grades else UNGRADED_LABELS[published]

# 《行政处罚法》第五十一条: summary procedure for organisations — a fine of at most 3,000 yuan, or a warning.
SUMMARY_PROCEDURE_MAX_FINE_ORGANISATION = 3000.0
# Penalty kinds the event may name (``basis.penalty_kinds``). Order 36's examples grade 吊销许可证 and 限制从业
# as 严重; 警告 and 通报批评 as 轻微.
SERIOUS_PENALTY_KINDS = frozenset({"revoke_permit", "restrict_practice"})
LIGHT_ONLY_PENALTY_KINDS = frozenset({"warning", "public_criticism"})
# The kinds 第五十一条 allows in the summary procedure: 罚款 (within the amount) and 警告.
SUMMARY_PROCEDURE_KINDS = frozenset({"fine", "warning"})


def source(code: str, cite: str, url: str, verified: bool, note: str = "") -> Rule:
    """A rule as the handbook cites it: ``cite`` is the whole citation (the instrument and what it says,
    as one text); ``verified`` as the handbook records it (instrument text read or not)."""
    return Rule(code, cite, verified=verified, url=url, note=note)


def cited(rule: Rule) -> dict[str, object]:
    """A rule as stored with a record and read back as ``SourceRead``: cite, url, verified, note."""
    out: dict[str, object] = {"cite": rule.cite(), "url": rule.url, "verified": rule.verified}
    if rule.note:
        out["note"] = rule.note
    return out


@dataclass(frozen=True)
class Publicity:
    """Whether a grade is published and its minimum/maximum publicity in months (None = not published)."""

    published: bool
    min_months: int | None
    max_months: int | None
    source: Rule


@dataclass(frozen=True)
class RepairCondition:
    key: str
    text: str
    source: Rule


@dataclass(frozen=True)
class RuleSet:
    code: str
    title: str
    order: str
    effective_from: date
    effective_to: date | None  # inclusive; None = in force
    source: Rule
    publicity: Mapping[str, Publicity]
    categories: Rule  # what the set says about which decisions are 轻微/一般/严重
    not_published: Rule  # what the set (or the practice under it) says is not published
    repair_conditions: tuple[RepairCondition, ...]
    repair_route: Rule
    repair_note: str = ""
    materials: tuple[Rule, ...] = field(default_factory=tuple)
    grades: bool = True  # False: the set defines no 轻微/一般/严重 grades (Order 58)

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def summary(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "order": self.order,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "source": cited(self.source),
        }


# -- sources (copied from domain/credit_repair.yaml and domain/procedure.yaml) ------------------------
APL_ART_51 = source(
    "apl_art_51",
    f"{APL}（2021）第五十一条：对法人或者其他组织处以三千元以下罚款或者警告的行政处罚的，可以当场作出行政处罚决定",
    "https://github.com/LawRefBook/Laws/blob/d7dff8469fd023ff2455d74c99ff1cb93189bdbb/%E8%A1%8C%E6%94%BF%E6%B3%95/%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A%E6%B3%95.md",
    True,
)
ORDER_36_SOURCE = source(
    "order_36_source",
    "《信用修复管理办法》（国家发展和改革委员会令第36号，2025-11-20签署，自2026-04-01起施行）",
    "https://toubiaole.com/news/xingyexinwen/887.html ; http://m.law-lib.com/law/law_view.asp?id=786242",
    True,
    "metadata and Art. 1-4 read in reprints",
)
ORDER_36_PERIODS = source(
    "order_36_periods",
    "令第36号（据国家发展改革委答记者问的新闻报道）：轻微失信信息原则上不予公示（确有必要公示的最长不超过3个月）；"
    "一般失信信息最短公示期3个月、最长1年；严重失信信息最短1年、最长3年；最短公示期届满后方可申请信用修复；最长公示期届满后自动停止公示",
    "https://finance.stockstar.com/IG2025112600020150.shtml ; https://www.yuhaojiang.com/redian/1328015.html",
    False,
    "news report quoting the NDRC, not the Order's text",
)
ORDER_36_CATEGORIES = source(
    "order_36_categories",
    "令第36号分类（新闻报道）：轻微失信信息包括以简易程序作出的行政处罚、警告通报批评等；一般失信信息涵盖较大数额罚款、没收非法财物等；"
    "严重失信信息包括巨额罚款、吊销许可证、限制从业等",
    "http://www.cctv-cmpany.net/nav8/102981.html",
    False,
    "news, low-quality site; no amounts for 较大数额/巨额 are given",
)
ORDER_36_CONDITIONS = source(
    "order_36_conditions",
    "令第36号 信用修复条件（新闻报道）",
    "https://finance.stockstar.com/IG2025112600020150.shtml",
    False,
)
ORDER_58_SOURCE = source(
    "order_58_source",
    "《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展和改革委员会令第58号，自2023-05-01起施行，自2026-04-01起由令第36号废止）",
    "http://www.zs531.com/news/325.html ; http://m.sacsnlax.com/zwgk/content/post_1956177.html",
    True,
)
ORDER_58_PERIODS = source(
    "order_58_periods",
    "令第58号制度下的行政处罚信息公示期（地方机关转述）：最短公示期为三个月，最长公示期为三年；最短公示期届满后，方可按规定申请提前终止公示；"
    "最长公示期届满后，相关信息自动停止公示（特种设备、安全生产、消防领域最短一年）",
    "http://www.senqisrq.com/xxgk/ztzl/sgs/index.html",
    False,
    "Shenzhen agency page paraphrasing the Order-58 regime; article numbers not shown",
)
ORDER_58_NOT_PUBLISHED = source(
    "order_58_not_published",
    "地方“两书”通知：不含仅警告或通报批评两种不公示的处罚类别；不包括通过简易程序作出的行政处罚当事人",
    "http://envirooilusa.com/xxgk/xzgfxwj/syshjjstwj/202312/t20231220_3554120.html ; http://credit.tjnk.gov.cn/cms/html/6341.shtml",
    False,
    "local practice (Hainan 2023, Sichuan); the Order-58 article saying so was NOT read",
)
CREDIT_CHINA_ROUTE = source(
    "credit_china_route",
    "“信用中国”网站《失信行为纠正后的信用信息修复指南》：信用信息修复的方式包括移出严重失信主体名单、终止公示行政处罚信息和修复其他失信信息；"
    "市场监管领域以外的行政处罚信息由国家公共信用信息中心（信用中国）受理",
    "https://creditsx.fgw.shanxi.gov.cn/repair_process.html",
    True,
)
ORDER_58_MATERIALS = source(
    "order_58_materials",
    "“信用中国”在线修复（鄂州市政府指南）：达到最短公示期后在线申请；法定代表人身份证明书或授权委托书；缴纳罚款的收据；"
    "行政处罚信息信用修复申请表（有责令整改等义务的，由处罚部门出具）；行政处罚信息信用修复承诺书",
    "https://www.echeng.gov.cn/ztzl/yhyshj/202411/t20241111_664511.html",
    True,
    "local guide, not the Order's text",
)

ORDER_36 = RuleSet(
    code="ndrc-order-36-2025",
    title="信用修复管理办法",
    order="国家发展和改革委员会令第36号",
    effective_from=date(2026, 4, 1),
    effective_to=None,
    source=ORDER_36_SOURCE,
    publicity={
        "minor": Publicity(False, None, None, ORDER_36_PERIODS),
        "general": Publicity(True, 3, 12, ORDER_36_PERIODS),
        "serious": Publicity(True, 12, 36, ORDER_36_PERIODS),
    },
    categories=ORDER_36_CATEGORIES,
    not_published=ORDER_36_CATEGORIES,
    repair_conditions=(
        RepairCondition("minimum_period_served", "达到最短公示期限", ORDER_36_CONDITIONS),
        RepairCondition(
            "obligations_fulfilled",
            "纠正失信行为，完全履行失信行为涉及的行政处罚、异常名录或严重失信主体名单等规定的义务",
            ORDER_36_CONDITIONS,
        ),
        RepairCondition(
            "credit_commitment",
            "公开作出信用承诺，承诺内容应包括所提交材料真实有效，并明确愿意承担违反承诺的相应责任",
            ORDER_36_CONDITIONS,
        ),
        RepairCondition(
            "other_legal_conditions", "法律、行政法规、部门规章要求的其他条件", ORDER_36_CONDITIONS
        ),
    ),
    repair_route=CREDIT_CHINA_ROUTE,
    repair_note="轻微失信信息：法定责任履行完毕即可申请修复（令第36号，新闻报道，未核实）",
)

ORDER_58 = RuleSet(
    code="ndrc-order-58-2023",
    title="失信行为纠正后的信用信息修复管理办法（试行）",
    order="国家发展和改革委员会令第58号",
    effective_from=date(2023, 5, 1),
    effective_to=date(2026, 3, 31),
    source=ORDER_58_SOURCE,
    grades=False,
    publicity={
        # The Order-58 regime has one period for all published penalty information; it does not grade
        # penalty information 一般/严重, so a published record is graded "general" nominally.
        "minor": Publicity(False, None, None, ORDER_58_NOT_PUBLISHED),
        "general": Publicity(True, 3, 36, ORDER_58_PERIODS),
    },
    categories=ORDER_58_PERIODS,
    not_published=ORDER_58_NOT_PUBLISHED,
    repair_conditions=(
        RepairCondition(
            "minimum_period_served", "最短公示期届满后，方可按规定申请提前终止公示", ORDER_58_PERIODS
        ),
        RepairCondition(
            "conduct_corrected_obligations_fulfilled",
            "信用主体在纠正失信行为、履行相关义务后，向认定失信行为的单位或者归集失信信息的单位申请信用信息修复（第三条，原文截断）",
            ORDER_58_SOURCE,
        ),
    ),
    repair_route=CREDIT_CHINA_ROUTE,
    materials=(ORDER_58_MATERIALS,),
)

RULE_SETS: tuple[RuleSet, ...] = (ORDER_36, ORDER_58)


class NoRuleSetInForce(LookupError):
    """No credit rule set in the data covers the decision date: refuse loudly rather than guess."""


def rule_set_on(day: date) -> RuleSet:
    for rs in RULE_SETS:
        if rs.in_force_on(day):
            return rs
    known = ", ".join(f"{rs.code} {rs.effective_from}..{rs.effective_to or ''}" for rs in RULE_SETS)
    raise NoRuleSetInForce(f"no credit rule set in force on {day.isoformat()} (known: {known})")


# -- the facts a classification uses ---------------------------------------------------------------
@dataclass(frozen=True)
class DecisionFacts:
    """What the ``case.decided`` event says about a penalty decision.

    ``procedure`` and ``penalty_kinds`` are optional facts (``basis.procedure``: "summary"|"general";
    ``basis.penalty_kinds``: e.g. ["fine", "warning", "revoke_permit"]); without them the grade is
    inferred from the fine amount and the criterion says so.
    """

    decision_type: str
    decision_date: date
    fine_amount: float | None
    procedure: str | None = None
    penalty_kinds: frozenset[str] = frozenset()

    @classmethod
    def from_decided(cls, decided: CaseDecided, *, decision_date: date) -> DecisionFacts:
        """The facts of a ``case.decided`` event: its ``procedure`` / ``penalty_kinds`` fields when the
        event carries them, else (older events) ``basis.procedure`` / ``basis.penalty_kinds``; with
        neither, the procedure stays unknown and the grade is inferred from the amount (the criterion
        says so)."""
        from_basis = cls.from_basis(
            decision_type=decided.decision_type,
            decision_date=decision_date,
            fine_amount=decided.fine_amount,
            basis=decided.basis,
        )
        stated = "procedure" in decided.model_fields_set
        return cls(
            decision_type=decided.decision_type,
            decision_date=decision_date,
            fine_amount=decided.fine_amount,
            procedure=decided.procedure if stated else from_basis.procedure,
            penalty_kinds=frozenset(decided.penalty_kinds) or from_basis.penalty_kinds,
        )

    @classmethod
    def from_basis(
        cls,
        *,
        decision_type: str,
        decision_date: date,
        fine_amount: float | None,
        basis: Mapping[str, object],
    ) -> DecisionFacts:
        procedure = basis.get("procedure")
        kinds = basis.get("penalty_kinds")
        return cls(
            decision_type=decision_type,
            decision_date=decision_date,
            fine_amount=fine_amount,
            procedure=procedure if isinstance(procedure, str) else None,
            penalty_kinds=frozenset(str(k) for k in kinds) if isinstance(kinds, list) else frozenset(),
        )


@dataclass(frozen=True)
class Classification:
    rule_set: RuleSet
    severity: Severity
    published: bool
    criterion_code: str
    criterion: str
    sources: tuple[Rule, ...]
    publicity_from: date
    publicity_min_until: date | None
    publicity_max_until: date | None

    @property
    def verified(self) -> bool:
        return all(s.verified for s in self.sources)


# -- date arithmetic --------------------------------------------------------------------------------
def add_months(day: date, months: int) -> date:
    """The corresponding day ``months`` later, or the last day of that month if it has none
    (2026-11-30 + 3 → 2027-02-28; 2028-02-29 + 12 → 2029-02-28): calendar-month arithmetic with
    the day clamped to the month's end. The domain data gives the periods in months and years but no
    counting rule of its own, so this convention is ours and is labelled as such."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def repair_available_from(min_until: date | None) -> date | None:
    """Repair may be applied for once the minimum period has run: the day after its last day."""
    return min_until + timedelta(days=1) if min_until else None


# -- classification ---------------------------------------------------------------------------------
def _grade(facts: DecisionFacts, rs: RuleSet) -> tuple[Severity, str, str, tuple[Rule, ...]]:
    """(severity, criterion code, criterion text, sources) — first matching criterion wins."""
    order36 = rs is ORDER_36
    fine = facts.fine_amount or 0.0
    serious_kinds = sorted(facts.penalty_kinds & SERIOUS_PENALTY_KINDS)
    light_only = facts.penalty_kinds <= LIGHT_ONLY_PENALTY_KINDS and fine <= 0

    if order36 and serious_kinds:
        return (
            "serious",
            "penalty_kind_serious",
            f"处罚种类含 {', '.join(serious_kinds)}（吊销许可证/限制从业），令第36号分类列为严重失信信息",
            (ORDER_36_CATEGORIES, ORDER_36_PERIODS),
        )
    if facts.procedure == "summary":
        return (
            "minor",
            "summary_procedure",
            "以简易程序作出的行政处罚（决定记载），列为轻微失信信息、不予公示",
            (rs.not_published, rs.publicity["minor"].source),
        )
    if light_only:
        return (
            "minor",
            "warning_only",
            "无罚款且未载明警告、通报批评以外的处罚种类：按仅警告/通报批评处理，列为轻微失信信息、不予公示",
            (rs.not_published, rs.publicity["minor"].source),
        )
    in_summary_scope = (
        fine <= SUMMARY_PROCEDURE_MAX_FINE_ORGANISATION and facts.penalty_kinds <= SUMMARY_PROCEDURE_KINDS
    )
    if facts.procedure is None and in_summary_scope:
        return (
            "minor",
            "summary_procedure_scope",
            f"罚款{fine:g}元，不超过《行政处罚法》第五十一条对法人或者其他组织适用简易程序的三千元：决定未载明程序，"
            "按简易程序范围推定为轻微失信信息、不予公示",
            (APL_ART_51, rs.not_published, rs.publicity["minor"].source),
        )
    if order36:
        return (
            "general",
            "general_penalty",
            f"普通程序作出的行政处罚（罚款{fine:g}元），无吊销许可证、限制从业等严重情形：列为一般失信信息"
            "（“较大数额罚款”“巨额罚款”的金额标准数据中未载明，不按金额认定严重）",
            (ORDER_36_CATEGORIES, ORDER_36_PERIODS),
        )
    return (
        "general",
        "published_penalty",
        f"普通程序作出的行政处罚（罚款{fine:g}元）：令第58号制度下予以公示；该制度对行政处罚信息不区分一般/严重，等级记为一般",
        (ORDER_58_PERIODS,),
    )


def classify(facts: DecisionFacts) -> Classification:
    """Grade a penalty decision and compute its publicity period from the rule set in force on its date."""
    rs = rule_set_on(facts.decision_date)
    severity, code, text, grounds = _grade(facts, rs)
    sources = tuple(dict.fromkeys((*grounds, rs.source)))  # in order, each once
    publicity = rs.publicity[severity]
    start = facts.decision_date
    min_until = add_months(start, publicity.min_months) if publicity.min_months is not None else None
    max_until = add_months(start, publicity.max_months) if publicity.max_months is not None else None
    unverified = [s.cite().split("：", 1)[0] for s in sources if not s.verified]
    flag = f"；未核实来源：{'、'.join(unverified)}" if unverified else "；来源均已核实"
    criterion = f"[{rs.code}/{code}] {text}（依据：{rs.order}《{rs.title}》{flag}）"
    return Classification(
        rule_set=rs,
        severity=severity,
        published=publicity.published,
        criterion_code=f"{rs.code}/{code}",
        criterion=criterion,
        sources=sources,
        publicity_from=start,
        publicity_min_until=min_until,
        publicity_max_until=max_until,
    )


def current_status(*, stored: str, published: bool, max_until: date | None, today: date) -> str:
    """published → expired once the maximum period has run (最长公示期届满后自动停止公示)."""
    if stored == "published" and published and max_until is not None and today > max_until:
        return "expired"
    return stored


RULE_SETS_BY_CODE: Mapping[str, RuleSet] = {rs.code: rs for rs in RULE_SETS}

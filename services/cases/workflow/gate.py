"""决定关口 — every precondition of a decision (DESIGN §3 "The decision gate"), pure. The service layer
loads the facts (the case, the no-penalty item's evaluation, the statutory range and discretion
calculation from the checklist service, the enterprise's earlier decisions) and asks
``check_decision``; the first rule that blocks raises ``Refusal`` naming the rule, its article and what
would make the decision lawful. Nothing is written before this passes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.cases import deadlines
from services.cases.damage.workflow import liability_performed, standing_cn
from services.cases.workflow.machine import (
    EXEMPTION,
    LIGHT_PENALTIES,
    PENALTIES,
    CaseView,
    Refusal,
    _require_state,
    heavier,
    refusal,
    uncounted_detail,
)
from services.cases.workflow.rules import DAMAGE_WAYS, RULES
from shared import facts as fact_vocabulary
from shared.labels import DECISION_TYPE_CN
from shared.law import PILOT
from shared.subjects import among

ACTION = "decide"
FIRST_OFFENCE = "first_offence"
DAMAGE = "ecological_damage"
HARM_MINOR = "harm_minor"
NO_HARM = "no_harm"
# 第三十三条 grounds that say 不予 (must): their facts established forbid a penalty.
MUST_EXEMPT = {
    "第三十三条第一款第一句（轻微、及时改正、没有造成危害后果）": {"violation_minor": True, "corrected_in_time": True, NO_HARM: True},
    "第三十三条第二款（没有主观过错）": {"no_fault_proven": True, "other_law_provides_otherwise": False},
}
FINE_KINDS = ("fine",)
# Penalty kinds whose decision the leaders take in collective discussion (第五十七条第二款, our reading):
# 责令停产停业、责令停产整治、责令关闭、吊销许可证件.
DISCUSSION_KINDS = frozenset({"suspend_production", "suspend_for_rectification", "close_down", "revoke_permit"})


@dataclass(frozen=True)
class NoPenaltyBasis:
    """The no-penalty item a decision relies on, as the checklist service evaluated it."""

    code: str
    kind: Literal["list", "statutory"]
    eligible: bool
    unmet: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    item_version: int | None = None
    covers: bool | None = None  # the item's applies_to covers every violation of the case
    not_covered: tuple[str, ...] = ()
    article_33_met: bool | None = None  # list items: a ground of 第三十三条 (the paragraph cited) is established
    # list items: the paragraphs of 第三十三条 whose grounds the item needs (第一款; 第二款 for an item citing it)
    article_33_paragraphs: tuple[str, ...] = ()
    in_force: bool | None = None  # in force on the decision date (None: not asked) — 第三十七条
    effective_from: date | None = None
    effective_to: date | None = None  # the item version's last day in force (None: no end known)


@dataclass(frozen=True)
class FineRange:
    """The checklist's calculation for the case's violation on its facts: the statutory range of the
    penalty article and the discretion benchmark's recommended range."""

    statutory_min: float
    statutory_max: float
    fine_min: float
    fine_max: float
    level: str = "standard"
    rule_version: str | None = None
    article: str = ""
    # 第二十九条: violations sharing one act, fined within the highest of their ranges (not the sum), e.g.
    # "GI-A、GI-B (2026-01-01..2026-01-31): GI-A 的幅度"; empty when every violation is an act of its own.
    one_act: str = ""
    sum_max: float | None = None  # what the maxima would sum to without 第二十九条


@dataclass(frozen=True)
class Act:
    """The act (违法行为) one violation of the case names, with its dates (``occurred_on`` None: not recorded)."""

    code: str
    occurred_on: date | None = None
    ended_on: date | None = None
    act: str | None = None  # a label shared by the violations of one act (第二十九条); None: an act of its own

    @property
    def last_day(self) -> date | None:
        return self.ended_on or self.occurred_on

    def overlaps(self, other: Act) -> bool:
        if None in (self.occurred_on, other.occurred_on):
            return False
        return self.occurred_on <= other.last_day and other.occurred_on <= self.last_day  # type: ignore[operator]

    def period(self) -> str:
        a = self.occurred_on.isoformat() if self.occurred_on else "?"
        return a if self.ended_on in (None, self.occurred_on) else f"{a}..{self.ended_on.isoformat()}"  # type: ignore[union-attr]


@dataclass(frozen=True)
class LawInTime:
    """第三十七条: the statutory range at the act date and at the decision date, and which one applies."""

    act_range: tuple[float, float] | None  # (statutory_min, statutory_max); None: no calculation at the act date
    decision_range: tuple[float, float] | None
    applied: Literal["act", "decision"] = "act"
    reason: str = ""

    @property
    def differs(self) -> bool:
        return self.act_range is not None and self.decision_range is not None and self.act_range != self.decision_range

    def text(self) -> str:
        def r(x: tuple[float, float] | None) -> str:
            return "unknown" if x is None else f"[{x[0]:g}, {x[1]:g}]"
        return f"at the act date {r(self.act_range)}, at the decision date {r(self.decision_range)}"


@dataclass(frozen=True)
class PriorFine:
    """An earlier decided case of the same enterprise that fined one of this case's violations."""

    number: str
    act: Act


@dataclass(frozen=True)
class Circumstances:
    """Fact keys (``GET /circumstances``): 第三十二条 grounds, the rectification key, aggravating keys."""

    article_32: frozenset[str] = frozenset()
    rectification_key: str = "compliance_rectification_passed"
    aggravating: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    decision_type: str
    decided_by: str
    decider_is_leader: bool
    fine_amount: float | None = None
    reason: str | None = None
    penalty_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    """What the service layer loaded for the gate besides the case."""

    no_penalty: NoPenaltyBasis | None = None
    fine_range: FineRange | None = None
    range_error: str = ""  # why the checklist gave no range (e.g. a base amount is missing)
    circumstances: Circumstances = Circumstances()
    earlier_decisions: tuple[str, ...] = ()  # numbers of the enterprise's earlier decisions for this violation
    first_offence_window: str = ""  # how far back "earlier" looks (local setting, labelled)
    # 免罚清单 items marked must (“不予”) whose conditions the facts fully meet for the case's violations
    must_items: tuple[str, ...] = ()
    # fines of at least this need a collective discussion (第五十七条第二款; local setting, None: none set)
    discussion_fine_threshold: float | None = None
    discussion_threshold_basis: str = ""
    acts: tuple[Act, ...] = ()  # the case's violations with their act dates (empty: not checked)
    discovered_on: date | None = None  # 发现: the clue's receipt, else the filing date (第三十六条)
    prior_fines: tuple[PriorFine, ...] = ()  # the enterprise's fined acts of the same violations (第二十九条)
    law: LawInTime | None = None  # the ranges at the act and decision dates (第三十七条); None: not compared


def _refuse(case: CaseView, rule: str, detail: str) -> Refusal:
    return refusal(case, ACTION, RULES[rule], detail)


def true_keys(case: CaseView, keys: Iterable[str]) -> list[str]:
    return sorted(k for k in keys if case.facts.get(k) is True)


def article_32_grounds(case: CaseView, c: Circumstances) -> list[str]:
    return true_keys(case, c.article_32)


def rectification_counts(case: CaseView) -> bool:
    """试点方案 三（五）: compliance rectification lightens only once its assessment has passed."""
    return "rectification_assessed" in case.steps


def check_decision(case: CaseView, d: Decision, rec: Record) -> None:
    """The decision rules of DESIGN §3. Raises ``Refusal`` with the first rule that blocks it."""
    _require_state(case, ACTION)
    _check_decider(case, d)
    if case.suspended:
        raise _refuse(case, "suspension_blocks_decision", "the case is suspended (中止): resume it before deciding")
    steps = set(case.steps)
    if "legal_review" not in steps:
        raise _refuse(case, "legal_review_before_decision", "the case has not passed legal review")
    if "evidence" not in steps:
        if case.uncounted_evidence:
            raise _refuse(case, "evidence_by_certified_handlers", uncounted_detail(case))
        raise _refuse(case, "evidence_required", "no evidence has been recorded on the case (调查取证)")
    if case.review is None or case.review.decision_type is None:
        raise _refuse(case, "review_binds_decision",
                      "the approving legal review named no proposed decision (proposed_type, proposed_fine)")
    _check_bound(case, d, "review_binds_decision", case.review, "legal review approved")
    if case.review_before_hearing:
        raise _refuse(case, "review_after_hearing", "a hearing was held after the legal review approved the case")
    _check_acts(case, d, rec)
    _check_first_offence(case, rec)
    if d.decision_type == EXEMPTION:
        _check_exemption(case, d, rec)
    else:
        _check_penalty(case, d, rec)


def check_correction_order(case: CaseView, decision_type: str, correction_order: str | None) -> None:
    """第二十八条第一款: a penalty decision orders the party to correct (责令改正或者限期改正) — the decision's
    ``correction_order`` names what and by when, and the decision document prints it. Checked after the rest of
    the gate, so that a decision the law forbids is refused for that first."""
    if decision_type in PENALTIES and not (correction_order or "").strip():
        r = refusal(case, ACTION, RULES["correction_order_required"],
                    "correction_order: a penalty decision must order the party to correct the violation or to correct "
                    "it within a time limit (《中华人民共和国行政处罚法》第二十八条第一款); state what and by when")
        r.extra = {**r.extra, "field": "correction_order"}
        raise r


def _check_decider(case: CaseView, d: Decision) -> None:
    if not d.decider_is_leader:
        raise _refuse(case, "decider_is_leader", f"{d.decided_by} is not a leader (行政机关负责人) and cannot decide")
    if among(d.decided_by, case.handlers):
        raise _refuse(case, "decider_not_handler", f"{d.decided_by} is a handler of this case and cannot decide it")


def _check_bound(case: CaseView, d: Decision, rule: str, p, what: str) -> None:
    """A review or discussion that named a decision binds it: the same type, and the same fine where one was named."""
    if p is None or p.decision_type is None:
        return
    if p.decision_type != d.decision_type:
        raise _refuse(case, rule, f"{what} '{p.decision_type}', not '{d.decision_type}'")
    if p.fine_amount is not None and (d.fine_amount is None or abs(p.fine_amount - d.fine_amount) > 0.005):
        raise _refuse(case, rule, f"{what} a fine of {p.fine_amount:g} yuan, not {d.fine_amount}")


def _check_acts(case: CaseView, d: Decision, rec: Record) -> None:
    """第三十六条、第三十七条: every act dated; a penalty only within the limitation, on the final facts."""
    for i, a in enumerate(rec.acts):
        if a.occurred_on is None:
            raise _refuse(case, "act_date_required",
                          f"violation {a.code} (violations[{i}]) has no occurred_on: the limitation and the law in force "
                          "run from the act's date")
    if d.decision_type == EXEMPTION or rec.discovered_on is None:
        return
    for a in rec.acts:
        assert a.occurred_on is not None
        lim = deadlines.limitation(occurred_on=a.occurred_on, ended_on=a.ended_on, discovered_on=rec.discovered_on,
                                   facts=case.facts)
        if lim.expired:
            extended = f"{deadlines.EXTENDED_LIMITATION_FACT} is not true in the facts" if lim.years == \
                deadlines.LIMITATION_YEARS else f"{deadlines.EXTENDED_LIMITATION_FACT} is true"
            raise _refuse(case, "limitation_at_decision",
                          f"the act of {a.code} ({a.period()}) was discovered on {rec.discovered_on.isoformat()}, after "
                          f"its {lim.years}-year limitation ran out on {lim.expires.isoformat()} ({extended})")


def _check_one_fine(case: CaseView, d: Decision, rec: Record) -> None:
    """第二十九条: an act already fined (same enterprise, violation, overlapping period) is not fined again."""
    for a in rec.acts:
        for p in rec.prior_fines:
            if p.act.code == a.code and a.overlaps(p.act):
                raise _refuse(case, "one_act_one_fine",
                              f"the act of {a.code} ({a.period()}) overlaps the act ({p.act.period()}) already fined "
                              f"in case {p.number}")


def _check_first_offence(case: CaseView, rec: Record) -> None:
    if case.facts.get(FIRST_OFFENCE) is True and rec.earlier_decisions:
        raise _refuse(case, "first_offence_against_record",
                      f"the facts claim a first offence, but the enterprise was already decided for this violation in "
                      f"{', '.join(rec.earlier_decisions)} ({rec.first_offence_window})")


def _check_discussion(case: CaseView, d: Decision, required_rule: str, why: str = "") -> None:
    if "collective_discussion" not in case.steps or case.discussion is None:
        raise _refuse(case, required_rule, f"a '{d.decision_type}' decision{why} needs a collective discussion first")
    if case.discussion.decision_type is None:
        raise _refuse(case, "discussion_binds_decision",
                      "the collective discussion concluded no decision type (give decision_type, or a conclusion "
                      "that is one)")
    _check_bound(case, d, "discussion_binds_decision", case.discussion, "the collective discussion concluded")


# -- 不予行政处罚 ----------------------------------------------------------------------------------------
def _check_exemption(case: CaseView, d: Decision, rec: Record) -> None:
    if d.fine_amount:
        raise _refuse(case, "no_fine_with_exemption", "an exemption cannot carry a fine")
    np = rec.no_penalty
    if np is None:
        raise _refuse(case, "no_penalty_item_required", "name the no-penalty item relied on")
    _check_discussion(case, d, "collective_discussion_for_exemption")
    if np.in_force is False:
        period = (f"from {np.effective_from.isoformat() if np.effective_from else '?'}"
                  + (f" through {np.effective_to.isoformat()}" if np.effective_to else ""))
        raise _refuse(case, "list_item_in_force",
                      f"{np.code} (version {np.item_version}) is in force only {period}: no version of it is in "
                      "force at the decision date, so it exempts nothing")
    if np.covers is False:
        raise _refuse(case, "no_penalty_item_covers_violation",
                      f"{np.code} does not apply to the case's violations {list(np.not_covered)}")
    # harm_minor as the checklist's evaluation reads it: recorded, or established by no_harm (shared.facts.IMPLIED_BY)
    if case.facts.get(DAMAGE) is True and (case.facts.get(NO_HARM) is True or not fact_vocabulary.holds(case.facts,
                                                                                                       HARM_MINOR)):
        raise _refuse(case, "harm_recorded", "the facts record ecological damage (ecological_damage: true): "
                                             "no_harm cannot hold, and only a minor harm (harm_minor) may be exempted")
    if not np.eligible and (np.unmet or np.unknown):
        raise _refuse(case, "no_penalty_conditions_met",
                      f"conditions of {np.code} not met: unmet {list(np.unmet)}, unknown {list(np.unknown)}")
    if np.kind == "list" and np.article_33_met is not True:
        raise _refuse(case, "article_33_facts_required",
                      f"the facts do not establish a ground of 第三十三条{'、'.join(np.article_33_paragraphs or ('第一款',))}"
                      f" for the list item {np.code}")
    if not np.eligible:
        raise _refuse(case, "no_penalty_conditions_met", f"{np.code} is not eligible on the recorded facts")
    if np.kind == "statutory":
        steps = set(case.steps)
        if "rectification_assessed" not in steps:
            raise _refuse(case, "out_of_list_rectification",
                          "an exemption outside the list needs the compliance rectification completed and assessed")
        if "case_review" not in steps:
            raise _refuse(case, "out_of_list_case_review",
                          "an exemption outside the list needs a case-by-case review record (一案一议)")
        if "opinions" not in steps:
            raise _refuse(case, "out_of_list_opinions",
                          "an exemption outside the list needs opinions solicited and recorded (征求意见)")
    _check_damage(case, d)


# -- 行政处罚 (penalty, lighter, mitigated, heavier) -----------------------------------------------------
def _check_penalty(case: CaseView, d: Decision, rec: Record) -> None:
    for ground, facts in MUST_EXEMPT.items():
        if all(case.facts.get(k) is v for k, v in facts.items()):
            raise _refuse(case, "article_33_requires_exemption", f"the facts establish {ground}: 不予行政处罚")
    if rec.must_items:
        raise _refuse(case, "must_list_item_forbids_penalty",
                      f"the facts fully meet the list item(s) {list(rec.must_items)} (应当不予行政处罚) for the case's "
                      "violations: the decision is the exemption")
    _check_circumstances(case, d, rec)
    light = d.decision_type in LIGHT_PENALTIES
    if light:
        _check_discussion(case, d, "collective_discussion_for_light_penalty")
        _check_damage(case, d)
    _check_rights(case)
    _check_fine(case, d, rec)
    _check_notice_binds(case, d)
    _check_hearing_record(case, d)
    # 第五十七条第二款 for the other penalties — after the fine and the notice, so that a fine the law forbids
    # is refused for that (a discussion could not make it lawful).
    if not light and (why := discussion_needed(d, rec)):
        _check_discussion(case, d, "collective_discussion_required", why)
    elif not light and case.discussion is not None:
        _check_bound(case, d, "discussion_binds_decision", case.discussion, "the collective discussion concluded")


def discussion_needed(d: Decision, rec: Record) -> str:
    """Why a penalty needs the leaders' collective discussion (第五十七条第二款), or "" when it does not
    (exemptions and light penalties always do: their own rules)."""
    kinds = sorted(DISCUSSION_KINDS & set(d.penalty_kinds))
    if kinds:
        return f" imposing {kinds}"
    t = rec.discussion_fine_threshold
    if t is not None and (d.fine_amount or 0.0) >= t - 0.005:
        return f" with a fine of {d.fine_amount:g} yuan (the bureau's threshold is {t:g}: {rec.discussion_threshold_basis})"
    return ""


def _check_damage(case: CaseView, d: Decision) -> None:
    """试点方案 三（七）: ecological damage on the facts — an exemption or light penalty needs the liability performed
    (the compensation measure planned and the rectification passed), or none left to perform (the damage matter
    lawfully not started on a recorded ground), or performed through the matter (restoration evaluated as passed,
    the agreed amount paid in full): ``DAMAGE_WAYS``."""
    if case.facts.get(DAMAGE) is not True or case.damage_compensated or liability_performed(case.damage_matter):
        return
    kind = DECISION_TYPE_CN.get(d.decision_type, d.decision_type)
    raise _refuse(case, "damage_compensation_required",
                  f"案件事实记录造成生态环境损害（ecological_damage: true），作出“{kind}”决定须全面履行生态环境损害赔偿责任"
                  f"（{PILOT}三（七）），满足其一：{DAMAGE_WAYS}。现状：整改方案"
                  f"{'含' if case.damage_compensated else '未含 damage_compensation 措施或整改评估未通过'}；"
                  f"{standing_cn(case.damage_matter)}")


def _check_circumstances(case: CaseView, d: Decision, rec: Record) -> None:
    c = rec.circumstances
    art32 = article_32_grounds(case, c)
    if art32 and d.decision_type in ("penalty", "heavier"):
        raise _refuse(case, "article_32_requires_lighter",
                      f"the facts establish {art32} (第三十二条): the penalty must be lighter or mitigated")
    if d.decision_type == "lighter" and not art32 and not rectification_counts(case):
        raise _refuse(case, "mitigating_circumstance_required",
                      f"none of the mitigating circumstances {sorted(c.article_32)} is established in the facts, "
                      "and no compliance rectification has passed its assessment")
    if d.decision_type == "mitigated" and not art32:
        raise _refuse(case, "mitigation_needs_article_32",
                      f"none of the 第三十二条 circumstances {sorted(c.article_32)} is established in the facts"
                      + (" (a passed rectification lightens only within the range)" if rectification_counts(case) else ""))
    if d.decision_type == "heavier":
        heavy = true_keys(case, c.aggravating)
        calc_heavy = rec.fine_range is not None and rec.fine_range.level == "heavier"
        if not heavy and not calc_heavy:
            raise _refuse(case, "aggravating_circumstance_required",
                          "no aggravating circumstance of the discretion rule set is established in the facts")


def _check_rights(case: CaseView) -> None:
    steps = set(case.steps)
    if "notice" not in steps or case.notice is None:
        raise _refuse(case, "notice_before_penalty", "the party has not been notified (事先告知)")
    if case.hearing_requested and "hearing" not in steps:
        raise _refuse(case, "hearing_before_decision", "the party requested a hearing; it has not been held")
    if steps & {"rights_waived", "hearing"}:
        return
    if case.rights_provisional_year is not None:
        raise _refuse(case, "rights_deadline_provisional",
                      f"the statement/hearing-request period ends in {case.rights_provisional_year}, whose holiday "
                      f"schedule is not loaded: its end date is provisional (load {case.rights_provisional_year})")
    if not case.rights_over:
        raise _refuse(case, "rights_period_running",
                      "the statement/hearing-request period has not run out and the party has not waived its rights")


def _check_notice_binds(case: CaseView, d: Decision) -> None:
    n = case.notice
    assert n is not None
    rule = "no_heavier_for_defence" if "statement" in case.steps else "notice_binds_decision"
    why = heavier(d.decision_type, d.fine_amount, d.penalty_kinds, n)
    if why:
        raise _refuse(case, rule, f"{why} in the notice")
    # 第四十五条: no heavier than any notice the party answered with a statement or defence (the first one
    # included) unless new facts were established after that statement (evidence added, facts changed).
    for a in case.answered:
        why = heavier(d.decision_type, d.fine_amount, d.penalty_kinds, a.terms)
        if why and not a.renewed:
            raise _refuse(case, "no_heavier_for_defence",
                          f"{why} in a notice the party answered with a statement, and no new facts were established "
                          "after that statement (evidence added and facts changed)")


def _check_hearing_record(case: CaseView, d: Decision) -> None:
    """第六十五条: after a hearing, the decision rests on its record — the facts it was held on, no heavier
    than the penalty at issue."""
    h = case.heard
    if "hearing" not in case.steps or h is None:
        return
    changed = sorted(k for k in set(h.facts) | set(case.facts) if h.facts.get(k) != case.facts.get(k))
    if changed:
        raise _refuse(case, "decision_on_hearing_record",
                      f"the facts {changed} changed after the hearing: they are not on its record")
    why = h.at_issue and heavier(d.decision_type, d.fine_amount, d.penalty_kinds, h.at_issue)
    if why:
        raise _refuse(case, "decision_on_hearing_record", f"{why} in the penalty at issue at the hearing")


def _check_fine(case: CaseView, d: Decision, rec: Record) -> None:
    if "fine" in d.penalty_kinds and not d.fine_amount:
        raise _refuse(case, "fine_required", "a decision that imposes a fine states its amount")
    r = rec.fine_range
    if not d.fine_amount and r is None and rec.range_error:
        # Unknown range: whether the penalty article prescribes a fine cannot be told.
        raise _refuse(case, "statutory_range_required",
                      f"the statutory range of the penalty cannot be determined: {rec.range_error}")
    if not d.fine_amount:
        # The penalty article sets a minimum fine (并处罚款): a penalty without it is below the minimum.
        if r is not None and r.statutory_min > 0:
            raise _refuse(case, "fine_kinds_required",
                          f"the penalty article prescribes a fine of at least {r.statutory_min:g} yuan"
                          f"{f' ({r.article})' if r.article else ''}; this decision imposes none")
        return
    if r is None:
        raise _refuse(case, "statutory_range_required",
                      f"the statutory range of the fine cannot be determined: {rec.range_error or 'no calculation'}")
    _check_one_fine(case, d, rec)
    fine = d.fine_amount
    where = f" ({r.article})" if r.article else ""
    law = rec.law
    if law is not None and law.differs and fine > r.statutory_max + 0.005:
        other = law.decision_range if law.applied == "act" else law.act_range
        if other is not None and fine <= other[1] + 0.005:
            raise _refuse(case, "law_at_time_of_act",
                          f"the fine {fine:g} exceeds the statutory maximum {r.statutory_max:g} of the lighter law "
                          f"({law.applied} date) — ranges {law.text()}; {law.reason}")
    if fine > r.statutory_max + 0.005 and r.one_act and r.sum_max is not None and fine <= r.sum_max + 0.005:
        raise _refuse(case, "one_act_highest_range",
                      f"the fine {fine:g} exceeds {r.statutory_max:g}: violations of one act are fined by the highest "
                      f"article's range, not the sum {r.sum_max:g} ({r.one_act})")
    if fine > r.statutory_max + 0.005:
        raise _refuse(case, "fine_within_statutory_range",
                      f"the fine {fine:g} exceeds the statutory maximum {r.statutory_max:g}{where}")
    if fine < r.statutory_min - 0.005 and d.decision_type != "mitigated":
        raise _refuse(case, "fine_within_statutory_range",
                      f"the fine {fine:g} is below the statutory minimum {r.statutory_min:g}{where}; only a mitigated "
                      "(减轻) decision on a 第三十二条 ground goes below it")
    if d.decision_type == "mitigated" and fine >= r.statutory_min - 0.005:
        raise _refuse(case, "mitigated_below_minimum",
                      f"the fine {fine:g} is within the statutory range [{r.statutory_min:g}, {r.statutory_max:g}]")
    if d.decision_type == "lighter" and fine > r.fine_max + 0.005:
        raise _refuse(case, "lighter_within_lighter_range",
                      f"the fine {fine:g} is above the calculated 从轻 range's maximum {r.fine_max:g} (rule {r.rule_version})")
    if not r.fine_min - 0.005 <= fine <= r.fine_max + 0.005 and not (d.reason or "").strip():
        raise _refuse(case, "reason_outside_range",
                      f"the fine {fine:g} is outside the calculated range [{r.fine_min:g}, {r.fine_max:g}] "
                      f"(rule {r.rule_version}); give a written reason")


def fine_outside_calculation(d: Decision, r: FineRange | None) -> bool:
    """Whether a lawful fine still lies outside the benchmark's recommended range (flagged for review)."""
    return r is not None and d.fine_amount is not None and not r.fine_min - 0.005 <= d.fine_amount <= r.fine_max + 0.005


# The steps each kind of decision needs, in the order of the law (for the decided event and the tests).
def required_steps(decision_type: str, no_penalty_kind: str | None = None) -> list[str]:
    steps = ["filing", "evidence", "investigation", "legal_review"]
    if decision_type == EXEMPTION:
        if no_penalty_kind == "statutory":
            steps += ["rectification_assessed", "case_review", "opinions"]
        return [*steps, "collective_discussion"]
    if decision_type in LIGHT_PENALTIES:
        steps += ["collective_discussion", "discretion"]
    return [*steps, "notice"]


__all__ = ["PENALTIES", "Act", "Circumstances", "LawInTime", "PriorFine", "Decision", "FineRange", "NoPenaltyBasis", "Record", "check_decision",
           "fine_outside_calculation", "required_steps"]


# -- endings before a decision, and changes after one (issue 23 item 2) ---------------------------------
ENDING_ACTION = {"withdrawn": "withdraw", "facts_not_established": "withdraw", "terminated": "terminate",
                 "transferred": "transfer"}
# Endings that end the case without any penalty by this bureau and so need legal review after the
# investigation (第五十八条, our reading); a transfer hands the case to the body that decides it.
UNPENALISED_ENDINGS = frozenset({"withdrawn", "facts_not_established", "terminated"})


@dataclass(frozen=True)
class Ending:
    """撤销立案 / 违法事实不能成立 / 终止 / 移送 as requested: the kind and who decides it."""

    kind: Literal["withdrawn", "facts_not_established", "terminated", "transferred"]
    decided_by: str
    decider_is_leader: bool


def check_ending(case: CaseView, ending: Ending) -> None:
    """Who may end a case before a decision, after which steps (第五十七条; 第五十八条 as our reading)."""
    action = ENDING_ACTION[ending.kind]
    _require_state(case, action)
    if case.suspended:
        raise refusal(case, action, RULES["suspension_blocks_decision"],
                      f"the case is suspended (中止): '{action}' waits until it is resumed")
    if ending.kind == "facts_not_established" and "investigation" not in case.steps:
        raise refusal(case, action, RULES["state_order"],
                      "违法事实不能成立 is a finding of the investigation: complete the investigation first")
    after_investigation = case.state != "filed"
    rule = RULES["ending_decided_by_leader" if after_investigation or ending.kind == "transferred"
                 else "filed_withdrawal_by_leader"]
    if not ending.decider_is_leader:
        raise refusal(case, action, rule, f"{ending.decided_by} is not a leader (行政机关负责人): "
                      f"ending the case ({ending.kind}) is the leader's decision")
    if among(ending.decided_by, case.handlers):
        raise refusal(case, action, rule, f"{ending.decided_by} is a handler of this case and cannot decide its ending")
    # The approving review counts while its step stands: a re-investigation (复核) drops it, as for a decision.
    reviewed = case.review_ending if "legal_review" in case.steps else None
    if after_investigation and ending.kind in UNPENALISED_ENDINGS and reviewed != ending.kind:
        approved = reviewed or "none"
        raise refusal(case, action, RULES["ending_legal_review"],
                      f"no approving legal review of this ending ({ending.kind}); the approving review proposes: {approved}")


CHANGE_SOURCES = ("bureau", "reconsideration", "litigation")
CHANGE_OUTCOMES = ("upheld", "changed", "revoked", "confirmed_illegal", "redo")
# Outcomes after which the decision no longer stands (第四十八条第二款: 撤销、确认违法; 责令重作 revokes it).
REVOKING = frozenset({"revoked", "confirmed_illegal", "redo"})


@dataclass(frozen=True)
class Change:
    """A change of a decision: by the bureau itself (自行纠错) or the outcome of 行政复议/行政诉讼."""

    source: Literal["bureau", "reconsideration", "litigation"]
    outcome: Literal["upheld", "changed", "revoked", "confirmed_illegal", "redo"]
    decided_by: str
    decider_is_leader: bool
    # The decision now in force (its type, the fine now due, the penalty kinds now in force) and, for a
    # change (outcome changed), the fine and kinds after it (kinds_after None: the kinds stay as they are).
    decision_type: str | None = None
    fine_before: float | None = None
    kinds_before: tuple[str, ...] = ()
    fine_after: float | None = None
    kinds_after: tuple[str, ...] | None = None


def change_heavier(change: Change) -> str | None:
    """Why a change (outcome changed) makes the decision heavier (change_never_heavier) — or None."""
    if change.outcome != "changed":
        return None
    after = change.fine_after or 0.0
    added = sorted(set(change.kinds_after or ()) - set(change.kinds_before)) if change.kinds_after is not None else []
    if change.decision_type == EXEMPTION and (after > 0.005 or added):
        what = f"a fine of {after:g} yuan" if after > 0.005 else f"the penalty kinds {added}"
        return f"an exemption (不予行政处罚) cannot be changed into {what}"
    before = change.fine_before or 0.0
    if after > before + 0.005:
        return f"the fine after the change ({after:g} yuan) exceeds the fine now due ({before:g} yuan)"
    if added:
        return f"the change adds the penalty kinds {added} to those in force ({sorted(change.kinds_before)})"
    return None


def check_change(case: CaseView, change: Change) -> None:
    action = "change_decision"
    _require_state(case, action)
    rule = RULES["change_after_decision"]
    if case.decision_status == "revoked":
        raise refusal(case, action, rule, "the decision was already revoked: there is nothing left to change")
    if not change.decider_is_leader:
        raise refusal(case, action, rule, f"{change.decided_by} is not a leader (行政机关负责人)")
    if among(change.decided_by, case.handlers):
        raise refusal(case, action, rule, f"{change.decided_by} is a handler of this case and cannot change its decision")
    if change.source == "bureau":
        if change.outcome not in ("changed", "revoked"):
            raise refusal(case, action, rule, "the bureau itself changes (changed) or revokes (revoked) its decision")
        if case.review_change != change.outcome:
            raise refusal(case, action, rule, f"no approving legal review of this change ({change.outcome}); "
                          f"the approving review proposes: {case.review_change or 'none'}")
    why = change_heavier(change)
    if why:
        raise refusal(case, action, RULES["change_never_heavier"], f"{why}: a heavier penalty needs a decision of its "
                      "own — revoke (or 责令重作) and decide anew through the gate, with its notice")

"""生态环境损害赔偿 — the damage-compensation matter beside a penalty case (一案双查, 工作要点（十三）): its states,
the transition table, the grounds for not starting a claim and the simplified-assessment limit, each with its
source and ``verified`` flag as ``shared/domain/damage_compensation.yaml`` has them. Pure: no I/O.

线索筛查 → 启动索赔 / 不启动（须载明依据）→ 调查/鉴定评估 → 磋商 → 赔偿协议 →（司法确认，可选）→ 修复 → 修复效果评估;
磋商未达成一致或者无法进行磋商 → 诉讼 → 修复. 司法确认 being optional and the two ways into 诉讼 are the Supreme
People's Court's 《关于审理生态环境损害赔偿案件的若干规定（试行）》 第一条、第五条、第二十条, read in full (LawRefBook/Laws
@ 2f4c5c2, the 2020 amended text). The 2022 管理规定's own articles on these steps were not read; where the order rests
on nothing read (调查/鉴定评估 before 磋商, 修复 before 修复效果评估) the rule says so and is labelled our reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.labels import DAMAGE_ACTION_CN, DAMAGE_STATUS_CN
from shared.rules import Refusal, Rule, reading

PROVISIONS = "《生态环境损害赔偿管理规定》（环法规〔2022〕31号）"
OPINION_2025 = "《关于深入推进生态环境损害赔偿制度改革若干具体问题的意见》（环法规〔2025〕6号）"
CIVIL_CODE = "《中华人民共和国民法典》"
POINTS = "《2023年苏州市生态环境系统法治政府建设工作要点》"
PILOT = "《苏州市生态环境领域涉企行政合规指导工作试点方案》"
SPC_RULES = "《最高人民法院关于审理生态环境损害赔偿案件的若干规定（试行）》（2020年修正）"
SPC_URL = ("https://github.com/LawRefBook/Laws/blob/2f4c5c23716267af9dbebbbbd6cbbf732b101981/"
           "%E5%8F%B8%E6%B3%95%E8%A7%A3%E9%87%8A/%E6%9C%80%E9%AB%98%E4%BA%BA%E6%B0%91%E6%B3%95%E9%99%A"
           "2%E5%85%B3%E4%BA%8E%E5%AE%A1%E7%90%86%E7%94%9F%E6%80%81%E7%8E%AF%E5%A2%83%E6%8D%9F%E5%AE%B"
           "3%E8%B5%94%E5%81%BF%E6%A1%88%E4%BB%B6%E7%9A%84%E8%8B%A5%E5%B9%B2%E8%A7%84%E5%AE%9A%EF%BC%8"
           "8%E8%AF%95%E8%A1%8C%EF%BC%89%282020-12-29%29.md")
# 显著轻微's exceptions, as the secondary summaries of 环法规〔2025〕6号 report them (the opinion's own words unread):
# the period is the source's (两年), not a local setting.
REPEAT_WINDOW_YEARS = 2


class Status(StrEnum):
    SCREENING = "screening"  # 线索筛查
    NOT_STARTED = "not_started"  # 不启动索赔
    STARTED = "started"  # 启动索赔
    ASSESSED = "assessed"  # 调查/鉴定评估
    CONSULTATION = "consultation"  # 磋商
    AGREEMENT = "agreement"  # 赔偿协议
    CONFIRMED = "confirmed"  # 司法确认
    LITIGATION = "litigation"  # 诉讼
    RESTORATION = "restoration"  # 修复
    EVALUATED = "evaluated"  # 修复效果评估通过


STATUS_CN = {Status(k): v for k, v in DAMAGE_STATUS_CN.items()}
ACTION_CN = DAMAGE_ACTION_CN

# The statuses in which the claim counts as started (一案双查: the claim behind the penalty is pursued).
CLAIM_STARTED = frozenset(Status) - {Status.SCREENING, Status.NOT_STARTED}
FINAL = frozenset({Status.NOT_STARTED, Status.EVALUATED})

RULES: dict[str, Rule] = {r.code: r for r in (
    Rule("damage_liability", f"{PROVISIONS}第四条",
         "违反国家规定造成生态环境损害的，按照《生态环境损害赔偿制度改革方案》和本规定要求，依法追究生态环境损害赔偿责任"),
    reading("damage_claim_sequence", f"{PROVISIONS}；{POINTS}（十三）；{SPC_RULES}第一条、第二十条、第二十一条",
            "线索筛查后启动或不启动索赔；启动后依次调查/鉴定评估、磋商、签订赔偿协议（可申请司法确认）、修复、修复效果评估，"
            "磋商未达成一致或者无法进行磋商的提起诉讼（司法确认为可选、诉讼的两种情形据最高人民法院规定第一条、第二十条；"
            "管理规定中磋商、司法确认、诉讼各条原文未读到，其余顺序为本系统解读）",
            remedy="record the step the matter's status allows (allowed_actions)"),
    Rule("judicial_confirmation_optional", f"{SPC_RULES}第二十条第一款",
         "经磋商达成生态环境损害赔偿协议的，当事人可以向人民法院申请司法确认。", url=SPC_URL),
    Rule("litigation_without_consultation", f"{SPC_RULES}第一条第一款、第五条第（三）项",
         "第一条：……因与造成生态环境损害的自然人、法人或者其他组织经磋商未达成一致或者无法进行磋商的，可以作为原告提起"
         "生态环境损害赔偿诉讼；第五条第（三）项：与被告进行磋商但未达成一致或者因客观原因无法与被告进行磋商的说明",
         url=SPC_URL,
         remedy="state in the note why consultation could not take place (因客观原因无法与赔偿义务人进行磋商的说明)"),
    Rule("not_start_ground_required", f"{PROVISIONS}第十八条第一款第三项；{OPINION_2025}",
         "环境污染或者生态破坏行为造成的生态环境损害显著轻微，且不需要赔偿的（可以不启动索赔）；"
         "已通过行政执法、诉讼等途径实现修复的不启动索赔", verified=False,
         remedy="name a ground (ground: significantly_slight | already_restored) and a note"),
    Rule("significantly_slight_exceptions", f"{OPINION_2025}（“显著轻微”的例外情形）",
         "损害区域为生态保护红线、赔偿义务人两年内再次违法等情形，不属于显著轻微，仍应启动索赔", verified=False,
         url="https://reportify.cn/news/1122855780102574080",
         note="“两年内再次违法”按本系统解读：同一企业另案经决定（处罚或不予处罚，未被撤销）认定违法，决定日在本案立案前两年内",
         remedy="start the claim; not starting as significantly slight needs in_red_line: false and no earlier "
                "violation of the enterprise decided within two years before this case was filed"),
    Rule("simplified_assessment_limit", f"{PROVISIONS}第二十条第二款；{OPINION_2025}",
         "损害事实简单、责任认定无争议、损害较小的案件（可简化鉴定评估）；简单案件损害数额不超过30万元（省级可调整至50万元）",
         verified=False, remedy="assess in full (simplified: false), or record an amount within the local limit"),
    Rule("restoration_duty", f"{CIVIL_CODE}第一千二百三十四条",
         "违反国家规定造成生态环境损害，生态环境能够修复的，国家规定的机关或者法律规定的组织有权请求侵权人在合理期限内承担修复责任"),
    Rule("compensation_heads", f"{CIVIL_CODE}第一千二百三十五条",
         "违反国家规定造成生态环境损害的，国家规定的机关或者法律规定的组织有权请求侵权人赔偿下列损失和费用"),
)}


@dataclass(frozen=True)
class Ground:
    """A ground for not starting a claim (不启动索赔), with its source as the domain file gives it."""

    code: str
    text: str
    source: str
    url: str
    verified: bool


GROUNDS: dict[str, Ground] = {g.code: g for g in (
    Ground("significantly_slight", "环境污染或者生态破坏行为造成的生态环境损害显著轻微，且不需要赔偿",
           f"{PROVISIONS}第十八条第一款第三项（据{OPINION_2025}政府问答转引；“显著轻微”指损害数额极小或者未造成明显影响，"
           "损害区域为生态保护红线、赔偿义务人两年内再次违法等仍应启动索赔）",
           "http://www.mdx.gov.cn/info/2992/52825.htm", False),
    Ground("already_restored", "已通过行政执法、诉讼等途径实现修复",
           f"{OPINION_2025}（据解读材料：已通过行政执法、诉讼等途径实现修复的情形不纳入线索筛查或不启动索赔）",
           "https://reportify.cn/news/1122855780102574080", False),
)}

@dataclass(frozen=True)
class Standing:
    """What the case's decision gate reads of the matter (试点方案 三（七）: 应全面履行生态环境损害赔偿责任)."""

    status: str
    ground: str | None = None
    agreed_amount: float | None = None
    paid_total: float = 0.0


def liability_performed(m: Standing | None) -> str:
    """How the matter leaves no damage-compensation liability to perform (试点方案 三（七）: 全面履行), or "":
    the claim lawfully not started on a recorded ground (nothing to perform), or run to 修复效果评估通过 with the
    agreed amount paid in full (performed through the matter). A step out of ``not_started``/``evaluated`` does not
    exist and payments only add up, so once this holds it keeps holding (no lock needed to rely on it)."""
    if m is None:
        return ""
    if m.status == Status.NOT_STARTED and m.ground in GROUNDS:
        return f"损害赔偿事项依法不启动索赔（{GROUNDS[m.ground].text}）"
    if m.status == Status.EVALUATED and m.agreed_amount is not None and round(m.paid_total, 2) >= round(
            m.agreed_amount, 2):
        return f"损害赔偿事项修复效果评估通过，约定赔偿金{m.agreed_amount:,.2f}元已足额缴纳"
    return ""


def standing_cn(m: Standing | None) -> str:
    """Where the matter stands, for a refusal (Chinese)."""
    if m is None:
        return "本案尚无损害赔偿事项"
    out = f"损害赔偿事项处于“{STATUS_CN.get(Status(m.status), m.status)}”阶段"
    if m.status == Status.EVALUATED:
        agreed = "未载明约定赔偿金" if m.agreed_amount is None else f"约定赔偿金{m.agreed_amount:,.2f}元"
        out += f"，{agreed}，已缴纳{m.paid_total:,.2f}元"
    return out


# action -> (statuses it may be taken from, the status it leads to; None: stays)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status | None]] = {
    "start": (frozenset({Status.SCREENING}), Status.STARTED),
    "not_start": (frozenset({Status.SCREENING}), Status.NOT_STARTED),
    "assess": (frozenset({Status.STARTED}), Status.ASSESSED),
    "consult": (frozenset({Status.ASSESSED}), Status.CONSULTATION),
    "agree": (frozenset({Status.CONSULTATION}), Status.AGREEMENT),
    # 磋商未达成一致 (from 磋商) or 无法进行磋商 (from 调查/鉴定评估, with the 说明 in the note): 最高法规定第一条
    "consultation_failed": (frozenset({Status.ASSESSED, Status.CONSULTATION}), Status.LITIGATION),
    "confirm": (frozenset({Status.AGREEMENT}), Status.CONFIRMED),
    # 司法确认 is optional (最高法规定第二十条: 可以申请): restoration may follow the agreement itself
    "restore": (frozenset({Status.AGREEMENT, Status.CONFIRMED, Status.LITIGATION}), Status.RESTORATION),
    "evaluate": (frozenset({Status.RESTORATION}), None),  # passed → evaluated; failed → restoration goes on
    "pay": (frozenset({Status.AGREEMENT, Status.CONFIRMED, Status.LITIGATION, Status.RESTORATION, Status.EVALUATED}),
            None),
}
ACTIONS = tuple(TRANSITIONS)


def allowed_actions(status: str) -> list[str]:
    return [a for a, (src, _) in TRANSITIONS.items() if status in src]


@dataclass(frozen=True)
class Step:
    """What a step asks for (the request, as the rule module sees it)."""

    action: str
    ground: str | None = None
    simplified: bool = False
    assessed_amount: float | None = None
    agreed_amount: float | None = None
    restoration_terms: str | None = None
    passed: bool | None = None
    paid_amount: float | None = None
    note: str = ""
    in_red_line: bool | None = None  # 损害区域是否位于生态保护红线 (not_start on significantly_slight)
    # The enterprise's other cases decided (not revoked) within two years before this case was filed
    # (not_start on significantly_slight: 赔偿义务人两年内再次违法). Filled by the use case.
    earlier_violations: tuple[str, ...] = ()


def _refuse(rule: str, detail: str, status: str, action: str) -> Refusal:
    return Refusal(RULES[rule], detail, code="illegal_transition", state=status, action=action,
                   allowed_actions=allowed_actions(status))


def next_status(status: str, step: Step, *, simplified_max_cny: float, simplified_basis: str) -> Status:
    """The status ``step`` leads to from ``status``, or a ``Refusal`` naming the rule and its source."""
    if step.action not in TRANSITIONS:
        raise _refuse("damage_claim_sequence", f"unknown action {step.action!r}", status, step.action)
    src, dst = TRANSITIONS[step.action]
    if status not in src:
        raise _refuse("damage_claim_sequence",
                      f"“{ACTION_CN[step.action]}”不能在“{STATUS_CN.get(Status(status), status)}”阶段进行", status,
                      step.action)
    if step.action == "not_start" and step.ground not in GROUNDS:
        raise _refuse("not_start_ground_required", "不启动索赔须载明依据（ground）：" + "、".join(
            f"{g.code}（{g.text}）" for g in GROUNDS.values()), status, step.action)
    if step.action == "not_start" and step.ground == "significantly_slight":
        _check_slight_exceptions(step, status)
    if step.action == "consultation_failed" and status == Status.ASSESSED and not step.note.strip():
        raise _refuse("litigation_without_consultation",
                      "未经磋商提起诉讼，须在 note 中说明因客观原因无法与赔偿义务人进行磋商的情况", status, step.action)
    if step.action == "assess" and step.simplified:
        if step.assessed_amount is None or step.assessed_amount > simplified_max_cny:
            raise _refuse("simplified_assessment_limit",
                          f"简化鉴定评估限于损害数额不超过{simplified_max_cny:,.0f}元（{simplified_basis}）；"
                          f"本次数额：{'未载明' if step.assessed_amount is None else f'{step.assessed_amount:,.2f}元'}",
                          status, step.action)
    if step.action == "evaluate":
        return Status.EVALUATED if step.passed else Status.RESTORATION
    return dst if dst is not None else Status(status)


def _check_slight_exceptions(step: Step, status: str) -> None:
    """显著轻微 does not hold where the damage lies in an ecological red line or the party offends again within two
    years (环法规〔2025〕6号 as summarised; ``verified: false``). The system holds no fact for the red line, so the
    step must say it (``in_red_line``); the repeat is read from the enterprise's decided cases."""
    if step.in_red_line is None:
        raise _refuse("significantly_slight_exceptions",
                      "以“显著轻微”不启动索赔，须载明损害区域是否位于生态保护红线（in_red_line）", status, step.action)
    if step.in_red_line:
        raise _refuse("significantly_slight_exceptions",
                      "损害区域位于生态保护红线，不属于“显著轻微”，应启动索赔", status, step.action)
    if step.earlier_violations:
        raise _refuse("significantly_slight_exceptions",
                      f"赔偿义务人在本案立案前两年内另有违法行为经决定认定（{'、'.join(step.earlier_violations)}），"
                      "属两年内再次违法，不属于“显著轻微”，应启动索赔", status, step.action)

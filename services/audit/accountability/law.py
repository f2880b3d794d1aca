"""The sources of 错案责任倒查 and 容错纠错, as data: each condition and outcome names its source and whether
its text was read (``verified``: the instrument's own text, officially or in a verbatim reprint, was read;
``False``: only a third-party quotation or report was found). Nothing here is invented: an outcome the
sources found do not name is recorded as ``other`` with its own text.

Sources read:

* 2023 工作要点（二十二） (``shared/seeds``, verified): 实行错案责任倒查问责制 …; 记录、通报和责任追究制度.
* 2023 工作要点（二十） (verified): 落实"三个区分开来"要求，探索建立"尽职照单免责、失职照单问责"的容错纠错机制.
* 试点方案 五（三） (verified): 试点工作中出现一些偏差失误，不违反党的纪律和国家法律法规，勤勉尽责、未谋私利，
  能够及时纠错改正的，按照《江苏省进一步健全容错纠错机制的办法》的规定不作负面评价，免除相关责任或从轻减轻处理。
  — the four conditions of an excuse, and its two reliefs. (The Jiangsu 办法 itself was not found.)
* 中共中央办公厅《关于进一步激励广大干部新时代新担当新作为的意见》（2018）: only reports of it were found (that it
  was issued in 2018 and asks for 容错纠错 by the 三个区分开来), not its text — cited with ``verified: False``.
* 《中华人民共和国公职人员政务处分法》（2020）, read in full (LawRefBook/Laws, verified): 第二条 (政务处分 is the
  监察机关's; 第二章、第三章 also bind the 任免机关、单位 giving 处分), 第三条, 第七条 (政务处分的种类：警告、记过、
  记大过、降级、撤职、开除), 第十二条 (情节轻微且具有第十一条情形之一的，可以谈话提醒、批评教育、责令检查或者予以
  诫勉，免予或者不予政务处分 — these four are not 政务处分 themselves).
* 《中华人民共和国公务员法》（2018）(verified): 第五十七条第二款 (机关对公务员监督发现问题的，予以谈话提醒、批评教育、
  责令检查、诫勉、组织调整、处分), 第三款 (涉嫌职务违法和职务犯罪的，应当依法移送监察机关处理), 第六十二条 (处分：
  警告、记过、记大过、降级、撤职、开除).
* 《中华人民共和国监察法》（2024 修正）第五十二条 (verified): （一）谈话提醒、批评教育、责令检查，或者予以诫勉;
  （二）政务处分; （三）问责.
* 《中华人民共和国行政处罚法》（2021）第七十六条、第八十三条 (verified): 对直接负责的主管人员和其他直接责任人员依法
  给予处分 — the statutory liability a wrong penalty or a wrong non-penalty carries.
* 《中国共产党问责条例》: 通报、诫勉 as 问责 of 党的领导干部 by 党组织 — its current (2019) text was not read (only a
  third-party reprint of the repealed 2016 text was found): ``verified: False``.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.labels import EXCUSE_CONDITION_CN, FINDING_CN, RELIEF_CN, RESPONSIBILITY_OUTCOME_CN
from shared.law import PILOT, POINTS

PILOT_SHORT = PILOT.split("（", 1)[0]
TRACE_RULE = (f"{POINTS}（二十二）：实行错案责任倒查问责制，对不依法履行职责或者违反法定权限和程序实施行政行为的"
              "行政执法人员，依法严肃追究其行政责任")
EXCUSE_SOURCE = (f"{PILOT_SHORT}五（三）：试点工作中出现一些偏差失误，不违反党的纪律和国家法律法规，勤勉尽责、未谋私利，"
                 "能够及时纠错改正的，按照《江苏省进一步健全容错纠错机制的办法》的规定不作负面评价，免除相关责任或从轻减轻处理；"
                 f"{POINTS}（二十）：落实“三个区分开来”要求，探索建立“尽职照单免责、失职照单问责”的容错纠错机制")
CENTRAL_2018 = ("中共中央办公厅《关于进一步激励广大干部新时代新担当新作为的意见》（2018）：建立健全容错纠错机制，"
                "落实“三个区分开来”（原文未查得，仅见报道转述）")
SUPERVISOR_RULE = (f"{PILOT_SHORT}三（十）：加强对免罚、轻罚案件的监督审核，纳入执法稽查的重点事项。本系统据此要求（本地规则，"
                   "非方案原文）：责任认定与容错决定由监督审核人员作出，被监督机关的人员和本案参与人不得作出")

INTERFERER_RULE = (f"{POINTS}（二十二）：全面实行行政执法机关内部人员干预、插手案件办理的记录、通报和责任追究制度。"
                   "本系统据此要求（本地规则，非原文）：被记录为干预、插手本案的人员不得倒查、认定责任或作出容错决定")


@dataclass(frozen=True)
class Sourced:
    code: str
    label: str
    source: str
    verified: bool


_EXCUSE = f"{PILOT_SHORT}五（三）"
# 容错纠错的条件: every one must be affirmed, each with its evidence.
EXCUSE_CONDITIONS = (
    Sourced("no_breach_of_discipline_or_law", EXCUSE_CONDITION_CN["no_breach_of_discipline_or_law"], _EXCUSE, True),
    Sourced("diligent", EXCUSE_CONDITION_CN["diligent"], _EXCUSE, True),
    Sourced("no_private_gain", EXCUSE_CONDITION_CN["no_private_gain"], _EXCUSE, True),
    Sourced("corrected_in_time", EXCUSE_CONDITION_CN["corrected_in_time"], _EXCUSE, True),
)
# What the excuse grants (the same sentence): 免除相关责任, or 从轻减轻处理.
RELIEFS = (
    Sourced("exempted", RELIEF_CN["exempted"], _EXCUSE, True),
    Sourced("lightened", RELIEF_CN["lightened"], _EXCUSE, True),
)
FINDINGS = (
    Sourced("none", FINDING_CN["none"], TRACE_RULE, True),
    Sourced("responsible", FINDING_CN["responsible"], TRACE_RULE, True),
)
_ART7 = ("《中华人民共和国公职人员政务处分法》第七条（监察机关给予的政务处分）；《中华人民共和国公务员法》第六十二条"
         "（任免机关给予的处分）")
_LIGHT = ("《中华人民共和国公务员法》第五十七条第二款；《中华人民共和国监察法》第五十二条第（一）项；"
          "《中华人民共和国公职人员政务处分法》第十二条（情节轻微且有第十一条情形的，免予或者不予政务处分）")
_PARTY = "《中国共产党问责条例》（对党的领导干部由党组织问责；现行文本未查得，仅见第三方转载的2016年文本）"
REFERRAL_SOURCE = "《中华人民共和国公务员法》第五十七条第三款：对公务员涉嫌职务违法和职务犯罪的，应当依法移送监察机关处理"
# The outcome handed down (处理结果), as recorded by the supervisor — the competent organ decides it.
OUTCOMES = (
    Sourced("talk_reminder", RESPONSIBILITY_OUTCOME_CN["talk_reminder"], _LIGHT, True),
    Sourced("criticism_education", RESPONSIBILITY_OUTCOME_CN["criticism_education"], _LIGHT, True),
    Sourced("ordered_self_examination", RESPONSIBILITY_OUTCOME_CN["ordered_self_examination"], _LIGHT, True),
    Sourced("admonishment", RESPONSIBILITY_OUTCOME_CN["admonishment"], f"{_LIGHT}；{_PARTY}", True),
    Sourced("circulated", RESPONSIBILITY_OUTCOME_CN["circulated"], _PARTY, False),
    Sourced("warning", RESPONSIBILITY_OUTCOME_CN["warning"], _ART7, True),
    Sourced("demerit", RESPONSIBILITY_OUTCOME_CN["demerit"], _ART7, True),
    Sourced("major_demerit", RESPONSIBILITY_OUTCOME_CN["major_demerit"], _ART7, True),
    Sourced("demotion", RESPONSIBILITY_OUTCOME_CN["demotion"], _ART7, True),
    Sourced("removal_from_post", RESPONSIBILITY_OUTCOME_CN["removal_from_post"], _ART7, True),
    Sourced("expulsion", RESPONSIBILITY_OUTCOME_CN["expulsion"], _ART7, True),
    Sourced("referred_to_discipline", RESPONSIBILITY_OUTCOME_CN["referred_to_discipline"], REFERRAL_SOURCE, True),
    Sourced("organisational_adjustment", RESPONSIBILITY_OUTCOME_CN["organisational_adjustment"],
            "《中华人民共和国公务员法》第五十七条第二款", True),
    Sourced("other", RESPONSIBILITY_OUTCOME_CN["other"], "未列明的处理结果：以文字写明，须有理由", True),
)
# Outcomes another organ decides (处分 by the 任免机关, 政务处分 by the 监察机关, or a referral to them): the
# supervisor records them, and a 容错 relief from them is that organ's to grant, never the supervisor's.
ORGAN_OUTCOMES = ("warning", "demerit", "major_demerit", "demotion", "removal_from_post", "expulsion",
                  "referred_to_discipline")
ORGAN_RULE = ("已移送纪检监察或已给予处分、政务处分的，是否违纪违法、是否容错免责由有权机关认定："
              "《中华人民共和国公职人员政务处分法》第二条、第三条；《中华人民共和国公务员法》第五十七条第三款、第六十一条；"
              f"{PILOT_SHORT}五（三）“不违反党的纪律和国家法律法规”。本系统据此要求（本地规则）：此时的容错决定须写明"
              "有权机关的认定（机关、文号或结论），监督审核人员不得自行作出")
LIABILITY = ("《中华人民共和国行政处罚法》第七十六条（没有法定依据、擅自改变处罚种类幅度、违反法定程序等）、第八十三条"
             "（应当处罚而不予处罚）：对直接负责的主管人员和其他直接责任人员依法给予处分")
NOT_WRONG_NOW = (f"责任认定与容错以监督审核认定的错案为前提（{POINTS}（二十二）：错案责任倒查）：标记重新审核中或已改为"
                 "“无问题”的，不得认定有责任或作出容错决定")


def by_code(items: tuple[Sourced, ...]) -> dict[str, Sourced]:
    return {i.code: i for i in items}


def catalog() -> dict[str, list[dict]]:
    """The lists with their sources, as ``GET /accountability/catalog`` serves them."""
    def rows(items):
        return [{"code": i.code, "label": i.label, "source": i.source, "verified": i.verified} for i in items]
    return {"findings": rows(FINDINGS), "outcomes": rows(OUTCOMES), "excuse_conditions": rows(EXCUSE_CONDITIONS),
            "reliefs": rows(RELIEFS), "trace_rule": TRACE_RULE, "excuse_source": EXCUSE_SOURCE,
            "excuse_background": CENTRAL_2018, "liability": LIABILITY, "organ_rule": ORGAN_RULE}

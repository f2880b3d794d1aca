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
* 《中华人民共和国公职人员政务处分法》第七条 (政务处分: 警告、记过、记大过、降级、撤职、开除) and 第十二条
  (谈话提醒、批评教育、责令检查或者予以诫勉): quoted by a third-party legal dictionary page, not checked against
  the official text — ``verified: False``.
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
_ART7 = "《中华人民共和国公职人员政务处分法》第七条（第三方页面转引，未核对官方文本）"
_ART12 = "《中华人民共和国公职人员政务处分法》第十二条（第三方页面转引，未核对官方文本）"
# The outcome handed down (处理结果), as recorded by the supervisor — the competent organ decides it.
OUTCOMES = (
    Sourced("talk_reminder", RESPONSIBILITY_OUTCOME_CN["talk_reminder"], _ART12, False),
    Sourced("criticism_education", RESPONSIBILITY_OUTCOME_CN["criticism_education"], _ART12, False),
    Sourced("ordered_self_examination", RESPONSIBILITY_OUTCOME_CN["ordered_self_examination"], _ART12, False),
    Sourced("admonishment", RESPONSIBILITY_OUTCOME_CN["admonishment"], _ART12, False),
    Sourced("circulated", RESPONSIBILITY_OUTCOME_CN["circulated"], f"{POINTS}（二十二）：记录、通报和责任追究制度", True),
    Sourced("warning", RESPONSIBILITY_OUTCOME_CN["warning"], _ART7, False),
    Sourced("demerit", RESPONSIBILITY_OUTCOME_CN["demerit"], _ART7, False),
    Sourced("major_demerit", RESPONSIBILITY_OUTCOME_CN["major_demerit"], _ART7, False),
    Sourced("demotion", RESPONSIBILITY_OUTCOME_CN["demotion"], _ART7, False),
    Sourced("removal_from_post", RESPONSIBILITY_OUTCOME_CN["removal_from_post"], _ART7, False),
    Sourced("expulsion", RESPONSIBILITY_OUTCOME_CN["expulsion"], _ART7, False),
    Sourced("referred_to_discipline", RESPONSIBILITY_OUTCOME_CN["referred_to_discipline"],
            f"本系统审核结论“移送纪检监察”的同名本地标签；{POINTS}（二十二）：依法严肃追究其行政责任", False),
    Sourced("other", RESPONSIBILITY_OUTCOME_CN["other"], "未列明的处理结果：以文字写明，须有理由", True),
)


def by_code(items: tuple[Sourced, ...]) -> dict[str, Sourced]:
    return {i.code: i for i in items}


def catalog() -> dict[str, list[dict]]:
    """The lists with their sources, as ``GET /accountability/catalog`` serves them."""
    def rows(items):
        return [{"code": i.code, "label": i.label, "source": i.source, "verified": i.verified} for i in items]
    return {"findings": rows(FINDINGS), "outcomes": rows(OUTCOMES), "excuse_conditions": rows(EXCUSE_CONDITIONS),
            "reliefs": rows(RELIEFS), "trace_rule": TRACE_RULE, "excuse_source": EXCUSE_SOURCE,
            "excuse_background": CENTRAL_2018}

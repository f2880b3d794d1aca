"""评查标准 — the review standard as versioned data, and the seeded version 1.

Structure (verified as to the notice and the table of contents — the section titles; the sections' body text was not
used for the items, whose wording is the project's): 《环境行政处罚案卷评查指南》（环办〔2012〕98号，环境保护部办公厅 2012-07-16）, whose text at
``GUIDE_URL`` lists the 评查内容 4.1–4.8 (主体合法、事实清楚、证据充分、适用法律正确、程序合法、文书规范、执行到位、
归档规范) and names its annexes 附二 实体评查评分标准 and 附三 卷面评查评分标准 — both printed there as “（略）”: the
official weights were NOT found.

Veto items (实体评查, any one not met makes the file 不合格): the four questions and the rule “实体评查有一项不合格即为
评查不及格” as a scoring table at ``TABLE_URL`` prints them (its issuing document was not identified: verified false
as to the document). Fewer than two certified officers is a veto of this standard (local rule resting on
《中华人民共和国行政处罚法》第四十二条: 执法人员不得少于两人，法律另有规定的除外).

Points: a LOCAL SETTING (本地设置) — the project's default weights out of 100, grouped by the guide's eight
sections; the stage sizes of the table at ``TABLE_URL`` (立案阶段 8 分、调查取证阶段 38 分 …) were read but its
items are not the guide's sections, so the weights here are the project's, to be replaced by a bureau's own
standard through the import (``POST /audit/v1/imports/casefile-review-standard``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.law import APL

GUIDE = "《环境行政处罚案卷评查指南》（环办〔2012〕98号）"
GUIDE_URL = "http://ask.fsou.com/html/text/chl/1797/179735.html"
TABLE_URL = "http://www.fsou.com.cn/html/text/lar/172776/17277605_5.html"
FORMAT = "ecocomply.casefile-review-standard.v1"

# The system's automatic checks on a case's own records (``prefill``): an item naming one is pre-filled.
AUTO_CHECKS = ("two_certified_officers", "legal_review_before_decision", "deadlines_kept", "remedies_on_decision",
               "documents_numbered", "service_within_7_days")

Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,40}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Text
    url: Annotated[str, StringConstraints(max_length=500)] | None = None
    verified: bool
    note: Annotated[str, StringConstraints(max_length=1000)] = ""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: Text
    guide_ref: Annotated[str, StringConstraints(max_length=40)] = ""


class Item(BaseModel):
    """One scoring item (``points`` > 0) or veto item (``veto``: not met → the file is 不合格)."""

    model_config = ConfigDict(extra="forbid")
    code: Code
    section: Code
    text: Text
    points: float = Field(ge=0, le=100)
    veto: bool = False
    auto: Literal[AUTO_CHECKS] | None = None  # type: ignore[valid-type]
    basis: Annotated[str, StringConstraints(max_length=500)] = ""


class StandardContent(BaseModel):
    """What an import carries and an export gives (``format``, ``title``, sources, sections, items)."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["ecocomply.casefile-review-standard.v1"] = FORMAT
    title: Text
    points_source: Text = Field(description="where the points come from (a local setting unless an official annex)")
    sources: list[Source] = Field(min_length=1, max_length=20)
    sections: list[Section] = Field(min_length=1, max_length=20)
    items: list[Item] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _consistent(self) -> StandardContent:
        sections = {s.code for s in self.sections}
        if len(sections) != len(self.sections):
            raise ValueError("sections: a section code appears twice")
        codes = [i.code for i in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError("items: an item code appears twice")
        for i in self.items:
            if i.section not in sections:
                raise ValueError(f"items: item {i.code} names section {i.section}, which is not among the sections")
            if not i.veto and i.points <= 0:
                raise ValueError(f"items: item {i.code} is neither a veto item nor worth points")
        if sum(i.points for i in self.items) <= 0:
            raise ValueError("items: the standard is worth no points")
        return self

    def max_points(self) -> float:
        return round(sum(i.points for i in self.items), 2)


def digest(content: StandardContent) -> str:
    """SHA-256 of the content's canonical JSON: an import of the same content makes no new version."""
    raw = json.dumps(content.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


_LOCAL = "本地设置（项目内容与分值为项目默认，官方附二、附三评分标准未找到）"
_VETO = "实体评查：本项不合格即为评查不合格（据评分表页面，发文文件未核实）"

SECTIONS = [
    ("subject", "主体合法", "4.1"), ("facts", "事实清楚", "4.2"), ("evidence", "证据充分", "4.3"),
    ("law", "适用法律正确", "4.4"), ("procedure", "程序合法", "4.5"), ("documents", "文书规范", "4.6"),
    ("execution", "执行到位", "4.7"), ("archive", "归档规范", "4.8"),
]

# (code, section, text, points, veto, auto, basis)
ITEMS = [
    ("S1", "subject", "处罚主体是否有合法资格（主体资格）", 0, True, None, _VETO),
    ("S2", "subject", "执法人员不少于两名且均持有执法证件", 0, True, "two_certified_officers",
     f"{APL}第四十二条：执法人员不得少于两人；少于两名持证执法人员为本标准的否决项（本地规则）"),
    ("F1", "facts", "违法事实是否清楚，证据是否确凿（事实证据）", 0, True, None, _VETO),
    ("F2", "facts", "违法行为的时间、地点、情节、危害后果记载清楚", 8, False, None, _LOCAL),
    ("F3", "facts", "调查终结报告完整反映案件事实", 6, False, None, _LOCAL),
    ("E1", "evidence", "证据相互印证，形成完整的证据链", 10, False, None, _LOCAL),
    ("E2", "evidence", "现场检查（勘验）笔录、调查询问笔录制作规范，执法人员签名齐全", 6, False, None, _LOCAL),
    ("E3", "evidence", "监测、采样等证据的取得程序合法", 4, False, None, _LOCAL),
    ("L1", "law", "处罚依据是否合法充分、适用是否准确（依据适用）", 0, True, None, _VETO),
    ("L2", "law", "处罚内容是否适当，是否畸轻畸重（畸轻畸重）", 0, True, None, _VETO),
    ("L3", "law", "引用法律条款具体到条、款、项", 6, False, None, _LOCAL),
    ("L4", "law", "适用裁量基准并说明裁量理由", 6, False, None, _LOCAL),
    ("P1", "procedure", "立案、调查、决定等环节在法定期限内完成", 8, False, "deadlines_kept",
     f"{APL}第六十条：自立案之日起九十日内作出行政处罚决定（《生态环境行政处罚办法》第五十七条的延长及"
     f"第十八条的立案期限据解读材料，原文未核实）；以实际立案、决定日期对照期限；{_LOCAL}"),
    ("P2", "procedure", "作出决定前经法制审核", 8, False, "legal_review_before_decision",
     f"{APL}第五十八条：列明的四种情形须经法制审核，未经法制审核或者审核未通过的，不得作出决定；"
     f"本系统对每一决定都要求法制审核（本地规则，同办案系统）；{_LOCAL}"),
    ("P3", "procedure", "依法告知陈述、申辩、听证权利并复核", 6, False, None,
     f"{APL}第四十四条、第四十五条、第六十三条；{_LOCAL}"),
    ("P4", "procedure", "行政处罚决定书在七日内送达当事人", 6, False, "service_within_7_days",
     f"{APL}第六十一条：当事人不在场的，应当在七日内送达；第八十五条：七日指工作日；{_LOCAL}"),
    ("D1", "documents", "使用统一执法文书，文书编有文号", 6, False, "documents_numbered",
     f"本地规则：决定书、事先告知书、听证通知书、信用修复指引须有本机关文号（法律未规定文号）；{_LOCAL}"),
    ("D2", "documents", "处罚决定书载明申请行政复议、提起行政诉讼的途径和期限", 6, False, "remedies_on_decision",
     f"{APL}第五十九条第一款第（五）项；{_LOCAL}"),
    ("D3", "documents", "文书内容完整、用语规范", 4, False, None, _LOCAL),
    ("X1", "execution", "罚款按期缴纳或依法申请强制执行，责令改正落实", 6, False, None, _LOCAL),
    ("A1", "archive", "按规定顺序组卷，卷内目录完整", 4, False, None, _LOCAL),
]


def seeded() -> StandardContent:
    """Version 1 as the project ships it (total 100 points, five veto items)."""
    return StandardContent(
        title="环境行政处罚案卷评查标准（依环办〔2012〕98号指南结构）",
        points_source=("本地设置：指南附二《实体评查评分标准》、附三《卷面评查评分标准》在所见文本中为“（略）”，"
                       "官方分值未找到；各项分值为项目默认值（合计100分），可通过导入替换为本机关的评查标准"),
        sources=[
            Source(title=f"环境保护部办公厅关于印发{GUIDE}的通知", url=GUIDE_URL, verified=True,
                   note=("核实范围：通知（“供参考”）与指南目录——评查内容4.1–4.8的八个标题即本标准的八部分；"
                         "附一至附三标注“（略）”。各节正文未据以拟定项目，项目内容为本地设置")),
            Source(title="案卷评查评分表（实体评查：主体资格、事实证据、依据适用、畸轻畸重；实体评查有一项不合格即为评查不及格）",
                   url=TABLE_URL, verified=False, note="所见为某地方文件的评分表页面，发文文件名称未核实"),
            Source(title=f"{APL}第四十二条、第五十八条至第六十一条、第八十五条", verified=True),
        ],
        sections=[Section(code=c, name=n, guide_ref=r) for c, n, r in SECTIONS],
        items=[Item(code=c, section=s, text=t, points=p, veto=v, auto=a, basis=b) for c, s, t, p, v, a, b in ITEMS],
    )

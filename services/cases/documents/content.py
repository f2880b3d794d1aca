"""Official documents (文书) as PDF: 行政处罚决定书 / 不予行政处罚决定书, 行政处罚事先告知书, 合规建议书, and the
credit record notice and credit-repair guidance the credit service issues for a penalty. reportlab
with the embedded WQY Zen Hei TTC (RECIPES §4: the text extracts back exactly; ``shared.pdf``). Each
document lists the articles it relies on. Content builders are pure (dicts in, ``Doc`` out); ``render``
makes bytes."""

from __future__ import annotations

from typing import Any

from services.cases.workflow.rules import REMEDIES
from shared.clock import local_date
from shared.law import APL
from shared.pdf import FONT, FONT_PATH, Doc, render

__all__ = ["FONT", "FONT_PATH", "KINDS", "Doc", "render"]


KINDS = ("decision", "notice", "compliance_advice", "credit_record_notice", "credit_repair_guidance")


# -- content builders (pure) ------------------------------------------------------------------------
def _party(case: dict[str, Any], ent: dict[str, Any]) -> list[str]:
    return [f"当事人：{ent.get('name', '')}", f"统一社会信用代码：{case['uscc']}", f"地址：{ent.get('address') or '（未登记）'}"]


def _facts(case: dict[str, Any]) -> list[str]:
    established = [k for k, v in (case.get("facts") or {}).items() if v is True]
    out = [f"案件来源：{case.get('source', '')}", f"违法事实：{case.get('summary', '')}",
           "违法行为（合规指导清单事项）：" + "、".join(v["code"] for v in case.get("violations", []))]
    if established:
        out.append("经调查查明的情形：" + "、".join(established))
    return out


def remedies(reconsideration_body: str | None) -> list[str]:
    """第五十九条: the decision states 复议、诉讼的途径和期限 — the periods of the two laws, and the bureau's
    reconsideration body (a bureau setting)."""
    body = reconsideration_body or "有管辖权的行政复议机关（本局复议机关未配置：本地设置）"
    rec, lit = REMEDIES
    return [
        f"如不服本决定，可以自知道或者应当知道本决定之日起六十日内向{body}申请行政复议（{rec.article}）；",
        f"或者自知道或者应当知道本决定之日起六个月内，依法向有管辖权的人民法院提起行政诉讼（{lit.article}）。",
    ]


def _law_in_time(d: dict[str, Any]) -> list[str]:
    """第三十七条、第二十九条 as the decision recorded them (issue 23): the lighter newer law, one act's highest range."""
    out: list[str] = []
    law = d.get("law_applied") or {}
    if law.get("applied") == "decision":
        out.append(f"适用法律：违法行为发生于{law.get('act_date')}，作出决定时（{law.get('decision_date')}）的规定处罚较轻，"
                   f"适用新的规定（{law.get('basis') or f'{APL}第三十七条'}）。{law.get('reason') or ''}")
    if d.get("one_act"):
        out.append(f"同一个违法行为违反多个法律规范应当给予罚款处罚的，按照罚款数额高的规定处罚（{APL}第二十九条）：{d['one_act']}")
    return out


def decision_doc(case: dict[str, Any], ent: dict[str, Any], *, reconsideration_body: str | None = None) -> Doc:
    d = case["decision"] or {}
    exemption = d.get("type") == "no_penalty"
    title = "不予行政处罚决定书" if exemption else "行政处罚决定书"
    sections: list[tuple[str, list[str]]] = [("当事人", _party(case, ent)), ("违法事实和证据", _facts(case))]
    basis = d.get("basis") or {}
    if exemption:
        item = basis.get("no_penalty_item", "")
        kind = "免罚清单事项" if basis.get("no_penalty_kind") == "list" else "法定不予处罚情形"
        sections.append(("不予行政处罚的理由和依据", [
            f"依据{kind}{item}（版本{basis.get('no_penalty_item_version')}，清单版本{basis.get('list_version')}），"
            "经法制审核、集体讨论，决定不予行政处罚。",
            f"满足的适用条件：{'、'.join(basis.get('conditions_met') or []) or '见案卷'}",
            "对当事人的违法行为依法不予行政处罚的，行政机关应当对当事人进行教育（第三十三条第三款）；合规建议书一并送达。",
            *_law_in_time(d),
        ]))
    else:
        label = {"penalty": "行政处罚", "lighter": "从轻行政处罚", "mitigated": "减轻行政处罚", "heavier": "从重行政处罚"}
        lines = [f"处罚种类：{label.get(d.get('type'), d.get('type'))}（{'、'.join(d.get('penalty_kinds') or [])}）"]
        if d.get("fine_amount") is not None:
            lines.append(f"罚款金额：人民币{d['fine_amount']:,.2f}元")
        disc = d.get("discretion")
        if disc:
            lines.append(f"裁量基准计算：{disc.get('fine_min')}元至{disc.get('fine_max')}元，建议{disc.get('recommended')}元"
                         f"（规则版本{disc.get('rule_version')}）")
        if basis.get("mitigating_circumstances"):
            lines.append("从轻、减轻情形：" + "、".join(basis["mitigating_circumstances"]))
        if d.get("reason"):
            lines.append(f"理由：{d['reason']}")
        lines += _law_in_time(d)
        sections.append(("处罚种类和依据", lines))
    if not exemption and d.get("fine_amount"):
        sections.append(("履行方式和期限", ["当事人应当自收到本决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款（第六十七条）。",
                                      "到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款的数额（第七十二条）。"]))
    sections.append(("复议、诉讼的途径和期限", remedies(reconsideration_body)))
    sections.append(("作出决定", [f"决定日期：{_local_day(d.get('decided_at'))}", f"办案人员：{'、'.join(case.get('handlers', []))}"]))
    articles = [*list(d.get("articles") or []), *(r.article for r in REMEDIES)]
    if (d.get("law_applied") or {}).get("applied") == "decision":
        articles.append(f"{APL}第三十七条")
    if d.get("one_act"):
        articles.append(f"{APL}第二十九条")
    return Doc(title, f"案号：{case['number']}", sections, list(dict.fromkeys(articles)))


def notice_doc(case: dict[str, Any], ent: dict[str, Any]) -> Doc:
    n = (case.get("records") or {}).get("notice") or {}
    due = case.get("due") or {}
    lines = [f"拟作出的行政处罚：{n.get('intended_type') or '行政处罚'}"]
    if n.get("intended_fine") is not None:
        lines.append(f"拟罚款金额：人民币{n['intended_fine']:,.2f}元")
    if n.get("facts_and_reasons"):
        lines.append(f"事实、理由和依据：{n['facts_and_reasons']}")
    rights = [f"你单位有权进行陈述和申辩，请于{_date(due.get('statement'))}前提出（期限为本地设置）。"]
    if n.get("hearing_right"):
        rights.append(f"你单位有权要求听证，应当在告知后五个工作日内（{_date(due.get('hearing_request'))}前）提出（第六十四条、第八十五条）。")
    rights.append(f"听证权利的依据：{n.get('hearing_right_basis', '')}")
    rights.append("行政机关不得因当事人陈述、申辩而给予更重的处罚（第四十五条）。")
    articles = [f"{APL}第四十四条", f"{APL}第四十五条", f"{APL}第六十二条"]
    if n.get("hearing_right"):
        articles += [f"{APL}第六十三条", f"{APL}第六十四条", f"{APL}第八十五条"]
    return Doc("行政处罚事先告知书", f"案号：{case['number']}",
               [("当事人", _party(case, ent)), ("违法事实", _facts(case)), ("拟作出的处罚", lines), ("当事人的权利", rights)],
               articles)


def _local_day(at: Any) -> str:
    """The Asia/Shanghai date of a timestamp (a decision at 23:30 UTC is dated the next day)."""
    return local_date(at).isoformat() if at else ""


def _date(d: Any) -> str:
    if isinstance(d, dict):
        return str(d.get("date", ""))
    return str(getattr(d, "date", "") or "")


def compliance_advice_doc(case: dict[str, Any], ent: dict[str, Any], letter: dict[str, Any] | None) -> Doc:
    from services.cases.advice.service import BASIS

    if letter is not None:
        sections = [("企业", _party({"uscc": letter["uscc"]}, ent)),
                    ("发现的问题", list(letter["findings"])),
                    ("合规整改要求", [f"{r['text']}（完成期限：{r['due']}）" for r in letter["requirements"]]),
                    ("反馈", [f"请于{letter['due']}前反馈整改情况。"])]
        return Doc("合规建议书", f"编号：{letter['number']}", sections, [BASIS, *letter.get("basis", [])[1:]])
    rect = case.get("rectification") or {}
    measures = [f"{m['description']}（完成期限：{m['due']}）" for m in rect.get("measures", [])]
    sections = [("企业", _party(case, ent)), ("违法行为", _facts(case)),
                ("合规整改措施", measures or ["针对本案违法行为完成整改、消除后果影响、建立预防制度。"]),
                ("教育", ["对当事人的违法行为依法不予行政处罚的，行政机关应当对当事人进行教育（第三十三条第三款）。"])]
    return Doc("合规建议书", f"案号：{case['number']}", sections, [f"{APL}第三十三条", BASIS])


def credit_record_notice_doc(notice: dict[str, Any]) -> Doc:
    n = notice["credit_record_notice"]
    lines = [n["text"], f"记录内容：{n['recorded']}", f"失信等级：{n['severity_label']}",
             f"公示：{'公示' if n['published'] else '不公示'}，自{n['publicity_from']}起，最短至{n.get('publicity_min_until') or '—'}，"
             f"最长至{n.get('publicity_max_until') or '—'}", f"认定依据：{n['criterion']}"]
    articles = [s["cite"] + ("" if s.get("verified") else "（未核实）") for s in n.get("sources", [])]
    articles.append(n["rule_set"]["title"] + n["rule_set"]["order"])
    return Doc(n.get("title", "环保信用失信记录告知书"), f"案号：{notice['case_number']}", [("告知事项", lines)], articles)


def credit_repair_guidance_doc(notice: dict[str, Any]) -> Doc:
    g = notice["credit_repair_guidance"]
    lines = [g["text"], f"可申请修复之日：{g.get('repair_available_from') or '—'}"]
    lines += [f"修复条件：{c['text']}" for c in g.get("conditions", [])]
    articles = [g["rule_set"]["title"] + g["rule_set"]["order"], g["where"]["cite"]]
    articles += [m["cite"] for m in g.get("materials", [])]
    return Doc(g.get("title", "信用修复指引"), f"案号：{notice['case_number']}", [("修复指引", lines)], articles)

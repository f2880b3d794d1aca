"""Official documents (文书) as PDF: 行政处罚决定书 / 不予行政处罚决定书, 行政处罚事先告知书, 合规建议书, and the
credit record notice and credit-repair guidance the credit service issues for a penalty. reportlab
with the embedded WQY Zen Hei TTC (RECIPES §4: the text extracts back exactly; ``shared.pdf``). Each
document lists the articles it relies on. Content builders are pure (dicts in, ``Doc`` out); ``render``
makes bytes."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from services.cases.documents import facts as fact_labels
from services.cases.workflow.rules import REMEDIES
from shared.clock import TZ, local_date
from shared.law import APL
from shared.pdf import FONT, FONT_PATH, Doc, render

__all__ = ["FONT", "FONT_PATH", "KINDS", "Doc", "render"]


KINDS = ("decision", "notice", "hearing_notice", "compliance_advice", "credit_record_notice", "credit_repair_guidance")


# -- content builders (pure) ------------------------------------------------------------------------
# ``ctx`` (what the service loads for a document): ``authority`` (the bureau's registry entry: name, address,
# contact, reconsideration_body, court, payment), ``officers`` ([{name, cert_no}] of the handlers, from the
# register), ``evidence`` ([{kind, description}]), ``titles`` (violation code → guidance item title),
# ``discretion`` (the calculation on record: rule_set.title, level, factors[{text, effect, detail}]),
# ``basis`` (the notice's provisions: [{law, article, clause, role}]).
LEVEL = {"standard": "一般", "heavier": "从重", "lighter": "从轻", "mitigated": "减轻"}
DECISION_LABEL = {"penalty": "行政处罚", "lighter": "从轻行政处罚", "mitigated": "减轻行政处罚", "heavier": "从重行政处罚"}
# 处罚种类 in the words of 《行政处罚法》第九条 — one label for every kind the API accepts (schemas.PenaltyKind) and
# for every document (the notice's 理由 too). ``detention_transfer``: 行政拘留 is the public security organ's; the
# bureau transfers the case to it (《中华人民共和国环境保护法》第六十三条 "将案件移送公安机关……拘留").
PENALTY_KIND = {"warning": "警告", "fine": "罚款", "confiscation": "没收违法所得、没收非法财物",
                "suspend_production": "责令停产停业", "suspend_for_rectification": "责令停产整治",
                "close_down": "责令关闭", "revoke_permit": "吊销许可证件", "restrict_practice": "限制从业",
                "detention_transfer": "移送公安机关依法予以行政拘留", "detention": "行政拘留",
                "notice_of_criticism": "通报批评", "lower_qualification": "降低资质等级"}
OTHER_KIND = "其他行政处罚"


def kind_labels(kinds: Any) -> str:
    """The kinds in Chinese (第五十九条第（三）项 行政处罚的种类), never the API's keys."""
    return "、".join(dict.fromkeys(PENALTY_KIND.get(k, OTHER_KIND) for k in kinds or []))


def cn_date(d: Any) -> str:
    """2026年12月7日 — from a date, an ISO date or a timestamp (the Asia/Shanghai day)."""
    if d is None or d == "":
        return ""
    if isinstance(d, dict):
        d = d.get("date")
    if isinstance(d, str):
        d = local_date(datetime.fromisoformat(d)) if "T" in d else date.fromisoformat(d[:10])
    elif isinstance(d, datetime):
        d = local_date(d)
    return f"{d.year}年{d.month}月{d.day}日"


ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def cn_dates(text: str) -> str:
    """Every ISO date in ``text`` (2026-06-30) in Chinese form (2026年6月30日) — for text another service wrote."""
    return ISO_DATE.sub(lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", text)


def cn_datetime(at: Any) -> str:
    """2026年6月8日9时30分（北京时间） — a time in Asia/Shanghai, the zone named."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    local = at.astimezone(TZ)
    return f"{cn_date(local.date())}{local.hour}时{local.minute:02d}分（北京时间）"


def _party(case: dict[str, Any], ent: dict[str, Any]) -> list[str]:
    out = [f"当事人：{ent.get('name', '')}", f"统一社会信用代码：{case['uscc']}"]
    if ent.get("address"):
        out.append(f"住所：{ent['address']}")
    if ent.get("legal_representative"):
        out.append(f"法定代表人：{ent['legal_representative']}")
    return out


def _violations(case: dict[str, Any], ctx: dict[str, Any]) -> str:
    titles = ctx.get("titles") or {}
    names = [titles.get(v["code"]) or "合规指导清单所列违法行为" for v in case.get("violations", [])]
    return "、".join(dict.fromkeys(names))


def _facts(case: dict[str, Any], ctx: dict[str, Any]) -> list[str]:
    extra = {f.get("key"): f.get("text") for f in ((ctx.get("discretion") or {}).get("factors") or [])
             if isinstance(f, dict) and f.get("key") and f.get("text")}
    said, unlabelled = fact_labels.describe(case.get("facts") or {}, extra)
    out = [f"案件来源：{case.get('source', '')}", f"违法事实：{case.get('summary', '')}",
           f"违法行为：{_violations(case, ctx)}"]
    dates = [cn_date(v.get("occurred_on")) for v in case.get("violations", []) if v.get("occurred_on")]
    if dates:
        out.append("违法行为发生之日：" + "、".join(dict.fromkeys(dates)))
    if said:
        out.append("经调查查明的情形：" + "、".join(said))
    if unlabelled:
        out.append(f"另有{unlabelled}项情形记载于案卷。")
    return out


def _evidence(ctx: dict[str, Any]) -> list[str]:
    ev = ctx.get("evidence") or []
    if not ev:
        return ["证据：见案卷。"]
    return ["以上事实有下列证据证明："] + [f"{i}. {e.get('kind', '')}：{e.get('description', '')}" for i, e in enumerate(ev, 1)]


def cite(b: dict[str, Any]) -> str:
    """《法律》第…条第…项 of one basis entry (``law``, ``article``, ``clause``)."""
    law = str(b.get("law") or "").strip("《》")
    return f"《{law}》{b.get('article') or ''}{b.get('clause') or ''}"


def distinct_cites(cites: Any) -> list[str]:
    """The cites once each; an article cited with its 项 (第八十三条第（二）项) is not cited again bare (第八十三条)."""
    seen = list(dict.fromkeys(c for c in cites if c))
    return [c for c in seen if not any(o != c and o.startswith(c) for o in seen)]


def _penalty_basis(ctx: dict[str, Any], d: dict[str, Any]) -> list[str]:
    """第五十九条第（三）项 行政处罚的依据: the penalty article the decision applied — its ``basis.law_article`` (narrowed
    to the 项 the notice or the fine calculation cites under it), else the article of the fine range applied
    (the calculation's 法定罚款幅度), else the notice's penalty articles. Never every penalty article of the
    guidance item: 按日连续处罚 after 复查 (《水污染防治法》第九十五条) is no basis of a first decision."""
    notice = [cite(b) for b in ctx.get("basis") or [] if b.get("role") == "penalty"]
    applied = [cite(b) for b in ((ctx.get("discretion") or {}).get("basis") or [])
               if isinstance(b, dict) and b.get("applied") == "法定罚款幅度"]
    law_article = str((d.get("basis") or {}).get("law_article") or "").strip()
    if law_article:
        narrower = [c for c in [*notice, *applied] if c.startswith(law_article)]
        return distinct_cites(narrower or [law_article])
    return distinct_cites(applied if d and applied else notice)


def _provisions(ctx: dict[str, Any], d: dict[str, Any]) -> list[str]:
    """The violated provision (the notice's basis, else the decision's ``violated`` — the guidance items'
    obligation articles, so an exemption, which has no notice, names it too) and the penalty article."""
    violated = [cite(b) for b in ctx.get("basis") or [] if b.get("role") == "obligation"]
    violated = violated or [cite(b) for b in d.get("violated") or []]
    out = []
    if violated:
        out.append("当事人的上述行为违反了" + "、".join(distinct_cites(violated)) + "的规定。")
    if d.get("type") != "no_penalty":
        penalty = _penalty_basis(ctx, d)
        if penalty:
            out.append("依据" + "、".join(penalty) + "的规定，")
    return out


def remedies(authority: dict[str, Any], *, imposes: bool = True) -> list[str]:
    """第五十九条: 复议、诉讼的途径和期限 — the bureau's configured 行政复议机关 and 人民法院 (the document is refused
    before it gets here without them), and the periods of the two laws. 第七十三条 (行政处罚不停止执行) only where a
    penalty is imposed (``imposes``): an exemption has nothing to execute."""
    rec, lit = REMEDIES
    out = [
        f"如不服本决定，可以自收到本决定书之日起六十日内向{authority['reconsideration_body']}申请行政复议（{rec.article}）；",
        f"也可以自收到本决定书之日起六个月内向{authority['court']}提起行政诉讼（{lit.article}）。",
    ]
    if imposes:
        out.append("行政复议和行政诉讼期间，本决定不停止执行，法律另有规定的除外（《中华人民共和国行政处罚法》第七十三条）。")
    return out


def _law_in_time(d: dict[str, Any]) -> list[str]:
    """第三十七条、第二十九条 as the decision recorded them (issue 23): the lighter newer law, one act's highest range."""
    out: list[str] = []
    law = d.get("law_applied") or {}
    if law.get("applied") == "decision":
        out.append(f"适用法律：违法行为发生于{cn_date(law.get('act_date'))}，作出决定时（{cn_date(law.get('decision_date'))}）"
                   f"的规定处罚较轻，依照{APL}第三十七条适用新的规定。")
    elif law.get("applied") == "act":
        out.append(f"适用法律：依照{APL}第三十七条，适用违法行为发生时（{cn_date(law.get('act_date'))}）的规定。")
    if d.get("one_act"):
        out.append(f"同一个违法行为违反多个法律规范应当给予罚款处罚的，按照罚款数额高的规定处罚（{APL}第二十九条）。")
    return out


def _discretion(ctx: dict[str, Any], d: dict[str, Any]) -> list[str]:
    """The discretion explanation in Chinese: the rule set's title, each factor's label and level."""
    rec = ctx.get("discretion") or {}
    disc = d.get("discretion") or {}
    if not rec and not disc:
        return []
    title = ((rec.get("rule_set") or {}).get("title")) or "本机关适用的行政处罚裁量基准"
    cited = title if title.startswith("《") or "《" in title else f"《{title}》"
    out = [f"裁量说明：依据{cited}，本案裁量等级为{LEVEL.get(rec.get('level') or disc.get('level'), '一般')}。"]
    for f in rec.get("factors") or []:
        if isinstance(f, dict) and f.get("text") and f.get("effect") != "neutral":
            out.append(f"裁量因素：{f['text']}（{LEVEL.get(f.get('effect'), '一般')}{'：' + f['detail'] if f.get('detail') else ''}）")
    if disc.get("fine_min") is not None and disc.get("fine_max") is not None:
        out.append(f"裁量幅度：人民币{disc['fine_min']:,.2f}元至{disc['fine_max']:,.2f}元。")
    return out


def _closing(ctx: dict[str, Any], day: Any) -> list[str]:
    officers = ctx.get("officers") or []
    return ["执法人员：" + "；".join(f"{o['name']}（执法证号：{o['cert_no']}）" for o in officers)] if officers else []


def _seal(ctx: dict[str, Any], day: Any) -> list[str]:
    return [ctx["authority"]["name"], "（印章）", cn_date(day)]


def _contact(ctx: dict[str, Any]) -> list[str]:
    a = ctx["authority"]
    out = []
    if a.get("address"):
        out.append(f"机关地址：{a['address']}")
    if a.get("contact"):
        out.append(f"联系方式：{a['contact']}")
    if a.get("example"):
        out.append("本机关信息为示例数据，以本机关公布的正式设置为准。")
    return out


URL = re.compile(r"https?://\S+")


def drop_notes(text: str, markers: tuple[str, ...]) -> str:
    """``text`` without each full-width parenthesis (nested ones inside it too) that holds one of ``markers`` — the
    provenance notes (转载、网址、未核实来源、新闻报道) that stay in the API, never in a document a party reads."""
    out, depth, group = [], 0, ""
    for ch in text or "":
        if ch == "（":
            depth += 1
        if depth:
            group += ch
        else:
            out.append(ch)
        if ch == "）" and depth:
            depth -= 1
            if not depth:
                if not any(m in group for m in markers):
                    out.append(group)
                group = ""
    return "".join(out).strip()


def _list_source(source: str) -> str:
    """The list an item comes from, as its source names it, without the notes on where it was read."""
    return URL.sub("", drop_notes(source, ("http", "转载"))).strip(" ；;，,。")


def _exemption_ground(basis: dict[str, Any]) -> str:
    """What the exemption rests on: the list item by its words and the list it comes from (试点方案 三（六）: the
    lists are the provinces', not this bureau's — never "本机关公布的"), else 第三十三条."""
    if basis.get("no_penalty_kind") != "list":
        return f"{APL}第三十三条规定的情形"
    item = basis.get("no_penalty_item_violation")
    if not item:
        return "免罚清单所列情形"
    source = _list_source(str(basis.get("no_penalty_item_source") or ""))
    return f"免罚清单所列“{item}”情形" + (f"（清单出处：{source}）" if source else "")


# 第五十九条第（四）项 行政处罚的履行方式和期限, for each kind the party performs (a 警告 is executed by the decision
# itself; 行政拘留 by the public security organ the case is transferred to).
PERFORMED_KINDS = ("confiscation", "suspend_production", "suspend_for_rectification", "close_down", "revoke_permit",
                   "restrict_practice")
SUSPENSIONS = ("suspend_production", "suspend_for_rectification")


def _performance(d: dict[str, Any], authority: dict[str, Any]) -> list[str]:
    out: list[str] = []
    kinds = list(d.get("penalty_kinds") or [])
    if d.get("fine_amount"):
        payment = authority.get("payment") or "到指定的银行或者通过电子支付系统缴纳"
        out += [f"罚款：当事人应当自收到本决定书之日起十五日内，{payment}罚款（第六十七条）。",
                "到期不缴纳罚款的，本机关可以每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款的数额（第七十二条）。"]
    for k in dict.fromkeys(kinds):
        if k not in PERFORMED_KINDS:
            continue
        label = PENALTY_KIND[k]
        if k in SUSPENSIONS and d.get("suspension_period"):
            out.append(f"{label}：期限为{d['suspension_period']}，当事人应当按照本决定履行，并将履行情况报告本机关。")
        else:
            out.append(f"{label}：当事人应当自收到本决定书之日起按照本决定履行，并将履行情况报告本机关。")
    return out


def decision_doc(case: dict[str, Any], ent: dict[str, Any], ctx: dict[str, Any]) -> Doc:
    """行政处罚决定书 / 不予行政处罚决定书 — what 第五十九条 requires it to state."""
    d = case["decision"] or {}
    exemption = d.get("type") == "no_penalty"
    title = "不予行政处罚决定书" if exemption else "行政处罚决定书"
    sections: list[tuple[str, list[str]]] = [
        ("当事人", _party(case, ent)),
        ("违法事实和证据", _facts(case, ctx) + _evidence(ctx)),
    ]
    if d.get("replaces"):  # a corrected decision: a new 文号 naming the one it replaces (documents.issued)
        sections.insert(0, ("更正说明", [f"本决定书替代{d['replaces']}决定书。",
                                          *([f"变更理由：{d['change_reason']}"] if d.get("change_reason") else [])]))
    basis = d.get("basis") or {}
    if exemption:
        sections.append(("不予行政处罚的理由和依据", [
            *_provisions(ctx, d),
            f"当事人的违法行为符合{_exemption_ground(basis)}，经法制审核、集体讨论，决定不予行政处罚。",
            "对当事人的违法行为依法不予行政处罚的，行政机关应当对当事人进行教育（第三十三条第三款）；合规建议书一并送达。",
            *_law_in_time(d),
        ]))
    else:
        lines = [*_provisions(ctx, d),
                 f"本机关决定对当事人给予{DECISION_LABEL.get(d.get('type'), '行政处罚')}：{kind_labels(d.get('penalty_kinds'))}。"]
        if d.get("fine_amount") is not None:
            lines.append(f"罚款金额：人民币{d['fine_amount']:,.2f}元。")
        lines += _discretion(ctx, d)
        if basis.get("mitigating_circumstances"):
            said, _ = fact_labels.describe({k: True for k in basis["mitigating_circumstances"]})
            if said:
                lines.append("从轻、减轻情形：" + "、".join(said))
        if d.get("reason"):
            lines.append(f"理由：{d['reason']}")
        lines += _law_in_time(d)
        sections.append(("行政处罚的种类和依据", lines))
    if d.get("correction_order"):  # 第二十八条第一款: 责令改正 with a penalty, and with an exemption too
        sections.append(("责令改正", [f"依照{APL}第二十八条第一款，责令当事人：{d['correction_order']}"]))
    if not exemption:
        performance = _performance(d, ctx["authority"])
        if performance:
            sections.append(("履行方式和期限", performance))
    sections.append(("申请行政复议或者提起行政诉讼的途径和期限", remedies(ctx["authority"], imposes=not exemption)))
    sections.append(("执法人员", _closing(ctx, d.get("decided_at")) + _contact(ctx)))
    articles = [*list(d.get("articles") or []), *(r.article for r in REMEDIES)]
    if (d.get("law_applied") or {}).get("applied") == "decision":
        articles.append(f"{APL}第三十七条")
    if d.get("one_act"):
        articles.append(f"{APL}第二十九条")
    if d.get("correction_order"):
        articles.append(f"{APL}第二十八条")
    return Doc(title, d.get("document_number") or "", sections, list(dict.fromkeys(articles)),
               authority=ctx["authority"]["name"], seal=_seal(ctx, d.get("decided_at")))


def _last_day(due: Any) -> str:
    """A period's last day, included: 2026年5月18日（含当日）以前."""
    return f"{cn_date(due)}（含当日）以前"


def notice_doc(case: dict[str, Any], ent: dict[str, Any], ctx: dict[str, Any]) -> Doc:
    n = (case.get("records") or {}).get("notice") or {}
    due = case.get("due") or {}
    kinds = kind_labels(n.get("penalty_kinds"))
    lines = [*_provisions(ctx, {}), f"本机关拟对你单位作出{DECISION_LABEL.get(n.get('intended_type'), '行政处罚')}"
             + (f"：{kinds}。" if kinds else "。")]
    if n.get("intended_fine") is not None:
        lines.append(f"拟罚款金额：人民币{n['intended_fine']:,.2f}元。")
    if n.get("reasons"):
        lines.append(f"理由：{n['reasons']}")
    # 第四十五条: the statement is heard; its date is a local setting, and only an explicit waiver gives it up
    # (第六十二条) — silence is never a waiver. The hearing request alone has a statutory period (第六十四条第（一）项
    # 告知后五日内, working days by 第八十五条), stated with its last day included ("前" would read a day short).
    statement = due.get("statement")
    rights = ["你单位有权进行陈述和申辩，" + (f"请于{_last_day(statement)}向本机关提出" if statement else "可以向本机关提出")
              + "（第四十五条）。"]
    if n.get("hearing_right"):
        rights.append(f"你单位有权要求听证，应当在告知后五个工作日内，即{_last_day(due.get('hearing_request'))}提出；"
                      "逾期未要求听证的，视为放弃听证权利（第六十三条、第六十四条第（一）项、第八十五条）。")
    rights.append("行政机关不得因当事人陈述、申辩而给予更重的处罚（第四十五条）。")
    articles = [f"{APL}第四十四条", f"{APL}第四十五条", f"{APL}第六十二条"]
    if n.get("hearing_right"):
        articles += [f"{APL}第六十三条", f"{APL}第六十四条", f"{APL}第八十五条"]
    sections = [("当事人", _party(case, ent)), ("违法事实和证据", _facts(case, ctx) + _evidence(ctx)),
                ("拟作出的行政处罚", lines), ("当事人的权利", rights),
                ("执法人员", _closing(ctx, n.get("on")) + _contact(ctx))]
    return Doc("行政处罚事先告知书", n.get("number") or "", sections, articles,
               authority=ctx["authority"]["name"], seal=_seal(ctx, n.get("on")))


MEASURE_KIND = {"correct_violation": "完成违法问题整改", "eliminate_consequences": "消除违法后果影响",
                "prevention_system": "建立违法预防制度", "damage_compensation": "履行生态环境损害赔偿责任"}  # 试点方案 三（七）


def hearing_notice_doc(case: dict[str, Any], ent: dict[str, Any], ctx: dict[str, Any], hearing: dict[str, Any],
                       presider: str) -> Doc:
    """听证通知书 — the time and place of the hearing notified seven days before it (第六十四条第（二）项), the
    presider (（四）), and the party's rights and duties the article states (（三）至（八）)."""
    n = (case.get("records") or {}).get("notice") or {}
    matter = [f"本机关拟对你单位{_violations(case, ctx)}的违法行为作出行政处罚"
              + (f"（行政处罚事先告知书{n['number']}）" if n.get("number") else "") + "。"]
    if hearing.get("requested_on"):
        matter.append(f"你单位于{cn_date(hearing['requested_on'])}要求听证。依照{APL}第六十四条，本机关决定举行听证，现将有关事项通知如下。")
    else:
        matter.append(f"依照{APL}第六十四条，本机关决定举行听证，现将有关事项通知如下。")
    when = [f"听证时间：{cn_datetime(hearing['scheduled_at'])}", f"听证地点：{hearing.get('place') or ''}",
            f"听证主持人：{presider}",
            f"本通知于举行听证的七日前送达（第六十四条第（二）项；七日指工作日，第八十五条），"
            f"听证不早于{cn_date(hearing.get('earliest_lawful_day'))}举行。"]
    rights = [
        "一、除涉及国家秘密、商业秘密或者个人隐私依法予以保密外，听证公开举行（第六十四条第（三）项）。",
        "二、听证由本机关指定的非本案调查人员主持；你单位认为主持人与本案有直接利害关系的，有权申请回避（第六十四条第（四）项）。",
        "三、你单位可以亲自参加听证，也可以委托一至二人代理（第六十四条第（五）项）。",
        "四、你单位及代理人无正当理由拒不出席听证或者未经许可中途退出听证的，视为放弃听证权利，本机关终止听证"
        "（第六十四条第（六）项）。",
        "五、举行听证时，调查人员提出你单位违法的事实、证据和行政处罚建议，你单位进行申辩和质证（第六十四条第（七）项）。",
        "六、听证应当制作笔录。笔录应当交你单位或者代理人核对无误后签字或者盖章；拒绝签字或者盖章的，由听证主持人在笔录中注明"
        "（第六十四条第（八）项）。",
        "听证结束后，本机关根据听证笔录作出决定（第六十五条）。",
    ]
    sections = [("当事人", _party(case, ent)), ("听证事项", matter), ("听证时间、地点和主持人", when),
                ("当事人的权利和义务", rights), ("执法人员", _closing(ctx, None) + _contact(ctx))]
    articles = [f"{APL}第六十四条", f"{APL}第六十五条", f"{APL}第八十五条"]
    return Doc("听证通知书", hearing.get("number") or "", sections, articles,
               authority=ctx["authority"]["name"], seal=_seal(ctx, hearing.get("notified_on")))


def compliance_advice_doc(case: dict[str, Any], ent: dict[str, Any], letter: dict[str, Any] | None,
                          ctx: dict[str, Any]) -> Doc:
    """合规建议书 — a letter's findings and requirements, or the exemption's rectification (第三十三条第三款:
    教育), with the authority, its 文号 and seal; dates in Chinese form."""
    from services.cases.advice.service import BASIS

    if letter is not None:
        uscc = letter["uscc"]
        sections = [("当事人", _party({"uscc": uscc}, ent)),
                    ("发现的问题", [f"{i}. {f}" for i, f in enumerate(letter["findings"], 1)]),
                    ("合规整改要求", [f"{i}. {r['text']}（完成期限：{cn_date(r['due'])}）"
                                  for i, r in enumerate(letter["requirements"], 1)]),
                    ("反馈", [f"请于{cn_date(letter['due'])}前向本机关反馈整改情况。"]),
                    ("联系方式", _contact(ctx))]
        return Doc("合规建议书", letter.get("document_number") or "", sections,
                   [BASIS, *letter.get("basis", [])[1:]], authority=ctx["authority"]["name"],
                   seal=_seal(ctx, letter["issued_at"]))
    d = case.get("decision") or {}
    rect = case.get("rectification") or {}
    measures = [f"{i}. {MEASURE_KIND.get(m.get('kind'), '整改措施')}：{m['description']}（完成期限：{cn_date(m['due'])}）"
                for i, m in enumerate(rect.get("measures", []), 1)]
    number = (d.get("document_numbers") or {}).get("compliance_advice") or ""
    sections = [("当事人", _party(case, ent)), ("违法行为", _facts(case, ctx)),
                ("合规整改措施", measures or ["针对本案违法行为完成违法问题整改、消除违法后果影响、建立违法预防制度。"]),
                ("教育", [f"本机关已作出不予行政处罚决定（{d.get('document_number') or ''}）。对当事人的违法行为依法不予行政处罚的，"
                        "行政机关应当对当事人进行教育（第三十三条第三款）。"]),
                ("联系方式", _contact(ctx))]
    return Doc("合规建议书", number, sections, [f"{APL}第三十三条", BASIS], authority=ctx["authority"]["name"],
               seal=_seal(ctx, d.get("decided_at")))


RULE_ID = re.compile(r"^\[[^\]]*\]\s*")  # the credit rule's id the criterion starts with ("[order/criterion] …")


PROVENANCE = ("依据：", "未核实", "新闻报道", "数据中未载明", "http")


def _served_with(case: dict[str, Any]) -> str:
    number = (case.get("decision") or {}).get("document_number")
    return f"（与行政处罚决定书{number}同时送达）" if number else ""


def _credit_text(text: str, notice: dict[str, Any], case: dict[str, Any]) -> str:
    """The credit service's wording in Chinese form: Chinese dates, the decision's 文号 for the case number."""
    number = (case.get("decision") or {}).get("document_number")
    if number and notice.get("case_number"):
        text = text.replace(notice["case_number"], number)
    return cn_dates(text)


def credit_record_notice_doc(notice: dict[str, Any], case: dict[str, Any], ent: dict[str, Any],
                             ctx: dict[str, Any]) -> Doc:
    """环保信用失信记录告知书 — served with the decision (三书同时送达): what is recorded, its grade, its publicity."""
    n = notice["credit_record_notice"]
    if n["published"]:
        period = f"自{cn_date(n['publicity_from'])}起公示"
        if n.get("publicity_min_until"):
            period += f"，最短公示至{cn_date(n['publicity_min_until'])}"
        if n.get("publicity_max_until"):
            period += f"，最长公示至{cn_date(n['publicity_max_until'])}"
    else:
        period = "不予公示"
    instrument = f"{n['rule_set']['order']}《{n['rule_set']['title']}》"
    lines = [_credit_text(n["text"], notice, case), f"记录内容：{_credit_text(n['recorded'], notice, case)}",
             f"失信等级：{n['severity_label']}", f"公示：{period}。",
             f"认定依据：{cn_dates(drop_notes(RULE_ID.sub('', n['criterion']), PROVENANCE))}（{instrument}）。"]
    # 所依据的条款: the official instrument and the sources read in its text — never a news report or a data note
    # (the technical provenance stays in the credit API); where a period rests on interpretations, a plain line.
    sources = n.get("sources", [])
    if any(not s.get("verified") for s in sources):
        lines.append("失信等级和公示期限依据解读材料计算，以法律文本为准。")
    articles = [cn_dates(s["cite"]) for s in sources if s.get("verified")]
    if not any(f"《{n['rule_set']['title']}》" in a for a in articles):
        articles.append(instrument)
    return Doc(n.get("title", "环保信用失信记录告知书"), _served_with(case),
               [("当事人", _party(case, ent)), ("告知事项", lines), ("联系方式", _contact(ctx))], articles,
               authority=ctx["authority"]["name"], seal=_seal(ctx, (case.get("decision") or {}).get("decided_at")))


def credit_repair_guidance_doc(notice: dict[str, Any], case: dict[str, Any], ent: dict[str, Any],
                               ctx: dict[str, Any]) -> Doc:
    """信用修复指引 — when and how the party may apply for credit repair; numbered from the bureau's prefix."""
    g = notice["credit_repair_guidance"]
    d = case.get("decision") or {}
    lines = [_credit_text(g["text"], notice, case)]
    if g.get("repair_available_from"):
        lines.append(f"可申请修复之日：{cn_date(g['repair_available_from'])}")
    lines += [f"修复条件{i}：{cn_dates(c['text'])}" for i, c in enumerate(g.get("conditions", []), 1) if c.get("applies", True)]
    lines += [f"申请材料：{doc['text']}" for doc in g.get("documents", []) if doc.get("text")]
    articles = [f"{g['rule_set']['order']}《{g['rule_set']['title']}》", cn_dates(g["where"]["cite"])]
    articles += [cn_dates(m["cite"]) for m in g.get("materials", [])]
    number = (d.get("document_numbers") or {}).get("credit_repair_guidance") or ""
    return Doc(g.get("title", "信用修复指引"), number,
               [("当事人", _party(case, ent)), ("修复指引", lines), ("送达", [_served_with(case).strip("（）")]),
                ("联系方式", _contact(ctx))],
               list(dict.fromkeys(articles)), authority=ctx["authority"]["name"], seal=_seal(ctx, d.get("decided_at")))

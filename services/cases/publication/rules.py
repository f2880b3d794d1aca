"""处罚决定公开 as rules — pure: which decisions may be published, what of them the public sees, what is
removed and why, when publication ends. Every rule names its source and keeps the ``verified`` flag of
../shared/domain/publication.yaml (true: the instrument's own text was read).

What is published follows the 双公示 data items (publication.yaml ``fields``, verified: false — field
names agreed across implementations; the national standard itself was not read): 决定书文号, 当事人类别
and 名称, 统一社会信用代码, 违法行为类型, 违法事实, 处罚依据, 处罚类别, 处罚内容, 罚款金额（万元）, 处罚决定
日期, 处罚机关, 公示截止期. Nothing else of the case leaves the service: not the handlers, the facts
keys, evidence, the notice/statement/hearing/discussion records, the rectification plan, the economic
impact assessment (revenue, profit, employees: commercial data), the address or the decision's internal
reasoning and discretion factors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.cases.publication import personal_data
from shared.law import APL, OGI
from shared.law import PIPL as PIPL_LAW
from shared.rules import Rule

PUBLISH = Rule(
    "apl_48_publish", f"{APL}第四十八条第一款", "具有一定社会影响的行政处罚决定应当依法公开。", True)
OGI_20 = Rule(
    "ogi_20_6", f"{OGI}第二十条第（六）项",
    "实施行政处罚、行政强制的依据、条件、程序以及本行政机关认为具有一定社会影响的行政处罚决定", True)
WITHDRAW_LEGAL_CHANGE = Rule(
    "apl_48_withdraw", f"{APL}第四十八条第二款、第八十五条",
    "公开的行政处罚决定被依法变更、撤销、确认违法或者确认无效的，行政机关应当在三日（工作日）内撤回行政处罚决定信息并公开说明理由。",
    True)
SECRECY = Rule(
    "apl_50", f"{APL}第五十条", "行政机关及其工作人员对实施行政处罚过程中知悉的国家秘密、商业秘密或者个人隐私，应当依法予以保密。", True)
PIPL = Rule(
    "pipl_25_28_34", f"{PIPL_LAW}第二十五条、第二十八条、第三十四条",
    "不得公开其处理的个人信息（取得个人单独同意的除外）；敏感个人信息含金融账户、行踪轨迹等；国家机关处理个人信息不得超出履行法定职责所必需的范围和限度。",
    True)
REDACTION_LIST = Rule(
    "comparable_redaction_list", "《浙江省行政处罚结果信息网上公开暂行办法》第七条；《广东省行政执法公示办法》第十四条（参照，非江苏规定）",
    "隐去自然人的家庭住址、通信方式、身份证号码、银行账号、健康状况等个人信息，被处罚人以外的自然人姓名，法人或者其他组织的银行账号。",
    False)
NATURAL_PERSON = Rule(
    "uscc_category", "GB 32100-2015《法人和其他组织统一社会信用代码编码规则》（登记管理部门码9、机构类别码2：个体工商户）",
    "个体工商户的经营者是自然人：其姓名不在网站公开（个人信息保护法第二十五条）。编码表取自该标准的通行转载，未核对标准原文。",
    False)
CREDIT_REPAIRED = Rule(
    "order36_art3_repair", "《信用修复管理办法》（国家发展改革委令第36号）第三条；网站公开随信用公示终止为本系统设置",
    "信用主体完成信用修复后，各领域信用信息系统不再公开已修复失信信息（终止公示）。修复是否也须撤下本局网站公开的决定未找到规定，"
    "本系统默认一并撤下（ECOCOMPLY_CASES_PUBLICATION_FOLLOWS_CREDIT）。", True)
PUBLICITY_EXPIRED = Rule(
    "order36_max_period", "《信用修复管理办法》（令第36号）最长公示期（据国家发展改革委发布的解读报道）；网站公开随之结束为本系统设置",
    "最长公示期届满后，相关信息自动停止公示。", False)
RETENTION_ENDED = Rule(
    "website_retention", "网站公开期限（本地设置，ECOCOMPLY_CASES_PUBLICATION_RETENTION_YEARS）；《个人信息保护法》第十九条",
    "法律未规定处罚决定在网站上公开多久；默认法人及其他组织5年、自然人（个体工商户）2年后撤下（参照石家庄市裕华区公开程序）。"
    "个人信息的保存期限应当为实现处理目的所必要的最短时间。", False)
WITHDRAWAL_RULES = {"legal_change": WITHDRAW_LEGAL_CHANGE, "credit_repaired": CREDIT_REPAIRED,
                    "publicity_expired": PUBLICITY_EXPIRED, "retention_ended": RETENTION_ENDED}

# 处罚类别, worded as 《行政处罚法》第九条 lists them.
PENALTY_KIND_CN = {
    "warning": "警告", "fine": "罚款", "confiscation": "没收违法所得、没收非法财物", "suspend_production": "责令停产停业",
    "suspend_for_rectification": "责令停产整治", "close_down": "责令关闭",
    "revoke_permit": "吊销许可证件", "restrict_practice": "限制从业", "detention_transfer": "行政拘留（移送公安机关）",
    "other": "其他",
}
DECISION_CN = {"penalty": "行政处罚", "lighter": "从轻行政处罚", "mitigated": "减轻行政处罚", "heavier": "从重行政处罚"}

def party_category(uscc: str) -> str:
    """法人及非法人组织, or 个体工商户 (USCC registration code 9, category 2: a natural person's business)."""
    return "个体工商户" if uscc.upper().startswith("92") else "法人及非法人组织"


def _basis(kind: str) -> str:
    if kind == "named_by_officer":
        return f"{SECRECY.article}；{REDACTION_LIST.article}"
    return f"{PIPL.article}；{REDACTION_LIST.article}"


def redaction(text: str, names: list[str], *, recorded: list[str] | tuple[str, ...] = (),
              keep: list[str] | tuple[str, ...] = ()) -> tuple[str, list[dict[str, Any]]]:
    """``text`` as published, and each part removed: kind, label, where it was in ``text`` (start, end)
    and where its placeholder is in the published text (public_start, public_end) — never the removed
    string itself. ``names``: strings the officer marks; ``recorded``: the natural persons the case
    records; ``keep``: the party's name and USCC (published anyway)."""
    spans = personal_data.find(text, names=names, recorded=recorded, keep=keep)
    out, placed = personal_data.apply(text, spans)
    return out, [{"kind": s.kind, "label": personal_data.LABELS[s.kind], "start": s.start, "end": s.end,
                  "public_start": a, "public_end": b} for s, a, b in placed]


def redact(text: str, names: list[str], *, recorded: list[str] | tuple[str, ...] = (),
           keep: list[str] | tuple[str, ...] = ()) -> tuple[str, list[dict[str, Any]]]:
    """``text`` without personal data (``personal_data``: linear in the text), and [{rule, label, count,
    basis}] of what was removed (never the removed strings)."""
    out, parts = redaction(text, names, recorded=recorded, keep=keep)
    counts: dict[str, int] = {}
    for p in parts:
        counts[p["kind"]] = counts.get(p["kind"], 0) + 1
    return out, [{"rule": k, "label": personal_data.LABELS[k], "count": n, "basis": _basis(k)}
                 for k, n in counts.items()]


def recorded_names(candidates: list[str | None], enterprise_name: str) -> list[str]:
    """The names of natural persons among what the case records (the legal representative, who made a
    statement, …): two to four Chinese characters beginning with a common surname (a middle dot allowed
    for a transliterated name) and not part of the party's own name — "当事人" or "当事人法定代表人" are
    not names."""
    out = []
    for c in candidates:
        c = (c or "").strip()
        if personal_data.looks_like_name(c) and c not in enterprise_name:
            out.append(c)
    return out


def facts_scope(case: dict[str, Any], enterprise_name: str, recorded: list[str] | tuple[str, ...],
                legal_representative: str | None = None) -> dict[str, Any]:
    """Who is removed from the facts and what stays: an organisation's name, USCC and 法定代表人 are published
    anyway (双公示 CF_XDR_MC, CF_XDR_SHXYM, CF_FRDB); a 个体工商户's name is its operator's, removed like any other
    natural person's (个人信息保护法第二十五条)."""
    if party_category(case["uscc"]) == "个体工商户":
        return {"recorded": [*recorded, *([enterprise_name] if enterprise_name.strip() else [])], "keep": ()}
    return {"recorded": list(recorded),
            "keep": [x for x in (enterprise_name, case["uscc"], legal_representative) if x and x.strip()]}


def public_content(
    *, case: dict[str, Any], enterprise_name: str, titles: dict[str, str | None], summary: str | None,
    names: list[str], decided_on: date, bureau_name: str | None = None, recorded: list[str] | tuple[str, ...] = (),
    legal_representative: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The published text of a decided penalty case (the 双公示 data items), redacted, and what was
    removed. ``case``: number, uscc, bureau, summary, violations, decision (the case read); ``names``: what
    the officer marks; ``recorded``: the natural persons the case records (``recorded_names``)."""
    decision = case.get("decision") or {}
    category = party_category(case["uscc"])
    natural = category == "个体工商户"
    facts, applied = redact(summary if summary is not None else case.get("summary", ""), names,
                            **facts_scope(case, enterprise_name, recorded, legal_representative))
    if natural:
        applied.append({"rule": NATURAL_PERSON.code, "label": "个体工商户经营者姓名、统一社会信用代码", "count": 1,
                        "basis": NATURAL_PERSON.article})
    kinds = [PENALTY_KIND_CN.get(k, k) for k in decision.get("penalty_kinds") or []]
    fine = decision.get("fine_amount")
    detail = [f"罚款人民币{fine:,.2f}元"] if fine else []
    detail += [k for k in kinds if k != "罚款"]
    label = DECISION_CN.get(decision.get("type", ""), "行政处罚")
    basis = list(decision.get("articles") or [])
    law_article = (decision.get("basis") or {}).get("law_article")
    if law_article and law_article not in basis:
        basis.insert(0, law_article)
    content = {
        # the 决定书文号 the decision was issued under (the bureau's registry); the case number before 文号 existed
        "decision_number": decision.get("document_number") or case["number"],
        "party_category": category,
        "party_name": "个体工商户（经营者姓名不予公开）" if natural else enterprise_name,
        "party_uscc": None if natural else case["uscc"],
        "legal_representative": None if natural else (legal_representative or None),
        "violation_type": [{"code": v["code"], "title": titles.get(v["code"])} for v in case.get("violations") or []],
        "violation_facts": facts,
        "penalty_legal_basis": basis,
        "penalty_categories": kinds,
        "penalty_content": f"{label}：{'；'.join(detail)}" if detail else label,
        "fine_amount_wan_yuan": round(fine / 10_000, 6) if fine else None,
        "decision_date": decided_on.isoformat(),
        "deciding_authority": bureau_name or decision.get("authority") or case["bureau"],
    }
    return content, applied


def retention_until(decided_on: date, category: str, years: dict[str, int]) -> date:
    n = years["natural_person" if category == "个体工商户" else "organisation"]
    try:
        return decided_on.replace(year=decided_on.year + n)
    except ValueError:  # 29 February
        return decided_on.replace(year=decided_on.year + n, day=28)


@dataclass(frozen=True)
class CreditView:
    published: bool
    status: str
    publicity_max_until: date | None


def ended_by(*, status: str, withdrawal_kind: str | None, publish_until: date, credit: CreditView | None,
             today: date, follows_credit: bool) -> str | None:
    """Why the decision is not public today (a withdrawal kind), or None while it is."""
    if status == "withdrawn":
        return withdrawal_kind or "legal_change"
    if today > publish_until:
        return "retention_ended"
    if follows_credit and credit is not None:
        if credit.status == "repaired":
            return "credit_repaired"
        if credit.status == "expired" or (
            credit.published and credit.publicity_max_until is not None and today > credit.publicity_max_until
        ):
            return "publicity_expired"
    return None

"""The document kinds a bureau numbers (文号), with their Chinese names — the keys of ``Bureau.prefixes``."""

from __future__ import annotations

KINDS: dict[str, str] = {
    "penalty_decision": "行政处罚决定书",
    "no_penalty_decision": "不予行政处罚决定书",
    "notice": "行政处罚事先告知书",
    "hearing_notice": "听证通知书",
    "compliance_advice": "合规建议书",
    "credit_repair_guidance": "信用修复指引",
}

# What a decision document cannot be issued without (第五十九条: 机关名称; 复议、诉讼的途径).
SETTINGS: dict[str, str] = {
    "name": "机关全称",
    "reconsideration_body": "行政复议机关",
    "court": "有管辖权的人民法院",
}


def number(prefix: str, year: int, n: int) -> str:
    """吴环罚字〔2026〕第12号."""
    return f"{prefix}〔{year}〕第{n}号"

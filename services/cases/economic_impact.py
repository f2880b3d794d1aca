"""涉企行政执法案件经济影响评估 — the economic impact of a case on the enterprise as a structured record
(试点方案 三（八）: 探索建立涉企行政执法案件经济影响评估制度，依法降低行政执法对企业的负面影响).
Pure. The programme sets no thresholds, so none are applied: the record states the figures and ratios
and the consequences the officer recorded."""

from __future__ import annotations

from typing import Any

BASIS = ("《苏州市生态环境领域涉企行政合规指导工作试点方案》三（八）：探索建立涉企行政执法案件经济影响评估制度，"
         "依法降低行政执法对企业的负面影响")


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or not b or b <= 0:
        return None
    return round(a / b, 6)


def assess(data: dict[str, Any], *, fine_amount: float | None) -> dict[str, Any]:
    revenue = data.get("annual_revenue")
    profit = data.get("net_profit")
    employees = data.get("employees")
    return {
        "inputs": data,
        "fine_amount": fine_amount,
        "fine_to_revenue": _ratio(fine_amount, revenue),
        "fine_to_net_profit": _ratio(fine_amount, profit),
        "fine_per_employee": _ratio(fine_amount, employees),
        "credit_consequences": list(data.get("credit_consequences") or []),
        "other_consequences": list(data.get("other_consequences") or []),
        "measures_to_reduce_impact": list(data.get("measures_to_reduce_impact") or []),
        "thresholds": None,
        "basis": BASIS,
    }

"""Drives a case's damage-compensation matter (一案双查) over HTTP, as an officer would, and checks every answer —
for the API tests and the browser test alike."""

from __future__ import annotations

from typing import Any

from services.testing.factories import case_path

# The whole claim from 线索 to 修复效果评估, one step a request: (action, the body's other fields).
CLAIM = (
    ("start", {"note": "经线索筛查，损害事实清楚，启动索赔"}),
    ("assess", {"simplified": True, "assessed_amount": 180000.0, "note": "损害事实简单、责任认定无争议",
                "document": {"number": "苏环损评〔2026〕3号", "title": "生态环境损害简易评估报告"}}),
    ("consult", {"note": "与赔偿义务人开展磋商"}),
    ("agree", {"agreed_amount": 180000.0, "restoration_terms": "六个月内完成受损河段底泥清淤和水生植被恢复",
               "document": {"number": "苏环赔协〔2026〕5号", "title": "生态环境损害赔偿协议"}, "paid_amount": 60000.0}),
    ("confirm", {"document": {"number": "（2026）苏0509民特12号", "title": "司法确认裁定书"}}),
    ("restore", {"note": "赔偿义务人按协议开展修复", "paid_amount": 120000.0}),
    ("evaluate", {"passed": False, "note": "水生植被覆盖率未达协议要求"}),
    ("evaluate", {"passed": True, "document": {"number": "苏环修评〔2026〕2号", "title": "修复效果评估报告"}}),
)


async def step(stack, headers: dict, case_id: str, action: str, expect: int = 200, **body: Any) -> dict:
    r = await stack.client.post(case_path(case_id, "damage", "steps"), headers=headers, json={"action": action, **body})
    assert r.status_code == expect, f"{action}: {r.status_code} {r.text}"
    return r.json()


async def matter(stack, headers: dict, case_id: str, expect: int = 200) -> dict:
    r = await stack.client.get(case_path(case_id, "damage"), headers=headers)
    assert r.status_code == expect, r.text
    return r.json()


async def run_claim(stack, headers: dict, case_id: str) -> dict:
    """The claim from 线索筛查 to 修复效果评估通过 (CLAIM), the matter after each step checked against the table."""
    out: dict = {}
    for action, body in CLAIM:
        out = await step(stack, headers, case_id, action, **body)
    assert out["status"] == "evaluated" and out["evaluation_passed"] is True and out["paid_total"] == 180000.0, out
    return out

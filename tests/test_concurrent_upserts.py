"""Create/upsert endpoints under concurrent identical calls (issue 12): ten requests at once answer
2xx (or the documented 409 for a create of something that exists), never 500, and leave one row.

Before the fix, concurrent ``POST /cases/v1/officers`` for one officer answered 500 on PostgreSQL
(``UniqueViolationError`` on ``officers_pkey``): a get-then-insert that two requests both passed."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from services.cases.models import Enterprise, HolidaySchedule, Officer
from services.checklist.models import DiscretionBureauSetting, TypicalCase
from services.credit.models import CreditGrade, PositiveListEntry
from services.testing.factories import CASES, CaseDriver, new_uscc

N = 10


async def rows(stack, service: str, model, *where) -> int:
    async with stack.runtimes[service].engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


def codes(rs) -> list[int]:
    return sorted(r.status_code for r in rs)


async def test_cases_officers_enterprises_calendar_concurrently(stack):
    d = CaseDriver(stack, auto_certify=False)
    c = d.c
    body = {"sub": "officer-race", "name": "并发执法", "bureau": d.bureau, "cert_no": "JS32059999"}
    rs = await asyncio.gather(*(c.post(f"{CASES}/officers", headers=d.admin, json=body) for _ in range(N)))
    assert codes(rs) == [201] * N, [r.text for r in rs if r.status_code != 201]
    assert {r.json()["cert_no"] for r in rs} == {"JS32059999"}
    assert await rows(stack, "cases", Officer, Officer.sub == "officer-race") == 1

    uscc = new_uscc()
    ent = {"uscc": uscc, "name": "苏州并发登记有限公司", "bureau": d.bureau, "industry": "印染", "address": "苏州市"}
    rs = await asyncio.gather(*(c.post(f"{CASES}/enterprises", headers=d.off, json=ent) for _ in range(N)))
    assert codes(rs) == [201] + [409] * (N - 1), [r.text for r in rs]
    assert {r.json()["code"] for r in rs if r.status_code == 409} == {"duplicate"}
    assert await rows(stack, "cases", Enterprise, Enterprise.uscc == uscc) == 1

    # An officer first seen through their token (持证上岗 learnt from cert_no) acting in ten requests at once.
    await d.register_officers()
    newcomer = stack.auth("officer-new", "officer", bureau=d.bureau, cert_no="JS32058888", name="新执法")
    case = {"uscc": uscc, "bureau": d.bureau, "source": "日常检查", "summary": "出水化学需氧量超标排放",
            "violations": [{"code": "GI-WAT-001"}], "handlers": ["officer-a", "officer-b"], "facts": {}}
    rs = await asyncio.gather(*(c.post(f"{CASES}/cases", headers=newcomer, json=case) for _ in range(N)))
    assert codes(rs) == [201] * N, [r.text for r in rs if r.status_code != 201]
    assert len({r.json()["number"] for r in rs}) == N
    officers = (await c.get(f"{CASES}/officers", headers=d.admin, params={"bureau": d.bureau})).json()
    assert [(o["cert_no"], o["registered_via"]) for o in officers if o["sub"] == "officer-new"] == [
        ("JS32058888", "token")]

    # Ten loads of one year's schedule at once: ten versions, none lost, none refused.
    y = {"year": 2031, "source": "国务院办公厅关于2031年部分节假日安排的通知（测试数据）",
         "holidays": [{"date": "2031-01-01", "name": "元旦"}], "workdays": []}
    rs = await asyncio.gather(*(c.post(f"{CASES}/calendar", headers=d.admin, json=y) for _ in range(N)))
    assert codes(rs) == [201] * N, [r.text for r in rs if r.status_code != 201]
    assert sorted(r.json()["version"] for r in rs) == list(range(1, N + 1))
    assert await rows(stack, "cases", HolidaySchedule, HolidaySchedule.year == 2031) == N


async def test_checklist_bureau_setting_and_typical_case_concurrently(stack):
    c = stack.client
    admin = stack.auth("admin-1", "admin")
    put = {"rule_set": "jiangsu-coefficient-historical"}
    rs = await asyncio.gather(*(c.put("/checklist/v1/discretion/bureau-settings/320588", json=put, headers=admin)
                                for _ in range(N)))
    assert codes(rs) == [200] * N, [r.text for r in rs if r.status_code != 200]
    got = (await c.get("/checklist/v1/discretion/bureau-settings/320588", headers=admin)).json()
    assert got["rule_set"] == "jiangsu-coefficient-historical"
    assert await rows(stack, "checklist", DiscretionBureauSetting, DiscretionBureauSetting.bureau == "320588") == 1

    officer = stack.auth("officer-1", "officer", bureau="320509")
    case = {"code": "TC-2025-RACE", "bureau": "320509", "year": 2025, "title": "某印染企业废水超标排放从轻处罚案",
            "summary": "某印染企业（已隐去名称）出水化学需氧量超标，完成合规整改。", "outcome": "依法从轻处罚",
            "lesson": "企业应按排污许可证开展自行监测", "item_codes": ["GI-WAT-001"]}
    rs = await asyncio.gather(*(c.post("/checklist/v1/typical-cases", json=case, headers=officer) for _ in range(N)))
    assert codes(rs) == [201] + [409] * (N - 1), [r.text for r in rs]
    assert await rows(stack, "checklist", TypicalCase, TypicalCase.code == "TC-2025-RACE") == 1


async def test_credit_grades_and_positive_list_concurrently(stack):
    c = stack.client
    platform = stack.auth("platform", "platform")
    a = new_uscc()
    batch = {"source_reference": "JS-ENV-CREDIT-2026-05", "grades": [{"uscc": a, "grade": "blue", "rated_on": "2026-05-01"}]}
    rs = await asyncio.gather(*(c.post("/credit/v1/credit-grades/import", headers=platform, json=batch)
                                for _ in range(N)))
    assert codes(rs) == [200] * N, [r.text for r in rs if r.status_code != 200]
    assert sorted(r.json()["created"] for r in rs) == [0] * (N - 1) + [1]
    assert await rows(stack, "credit", CreditGrade, CreditGrade.uscc == a) == 1

    admin = stack.auth("admin-1", "admin")
    entry = {"uscc": a, "enterprise_name": "苏州某环保科技有限公司", "bureau": "320509", "reason_code": "effective_compliance_management",
             "reason": "建立环境合规管理体系并通过评估", "valid_from": "2026-06-01", "valid_until": "2026-12-31"}
    rs = await asyncio.gather(*(c.post("/credit/v1/positive-list", headers=admin, json=entry) for _ in range(N)))
    assert codes(rs) == [201] + [409] * (N - 1), [r.text for r in rs]
    assert {r.json()["code"] for r in rs if r.status_code == 409} == {"positive_list_duplicate"}
    assert await rows(stack, "credit", PositiveListEntry, PositiveListEntry.uscc == a) == 1

"""Positive list (正面清单) with reason and period lowering inspection frequency, and Jiangsu credit grades
stored as received — on both setups."""

from __future__ import annotations

from datetime import date

from credit_testkit import count, outbox_types

from services.credit.models import CreditGrade, PositiveListEntry
from services.testing.factories import new_uscc


def entry(uscc: str, **over) -> dict:
    b = {
        "uscc": uscc,
        "enterprise_name": "苏州某某精密制造有限公司",
        "bureau": "320509",
        "reason_code": "effective_compliance_management",
        "reason": "建立环境合规管理体系并通过评估，连续两年自查自纠无违法",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    }
    b.update(over)
    return b


async def test_positive_list_membership_lowers_inspection_frequency_for_its_period(stack, fixed_clock):
    c = stack.client
    admin = stack.auth("admin-1", "admin")
    uscc = new_uscc()
    service = stack.auth("service:cases", "service")
    fixed_clock.on(date(2026, 6, 1))

    r = await c.post(
        "/credit/v1/positive-list", headers=stack.auth("o", "officer", bureau="320509"), json=entry(uscc)
    )
    assert r.status_code == 403
    r = await c.post("/credit/v1/positive-list", headers=admin, json=entry(uscc, valid_until="2025-12-31"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "valid_until"
    r = await c.post("/credit/v1/positive-list", headers=admin, json=entry("91320509MA1XXXXXX0"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_uscc"
    r = await c.post("/credit/v1/positive-list", headers=admin, json=entry(uscc, reason="  "))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    assert await count(stack, PositiveListEntry) == 0

    r = await c.post("/credit/v1/positive-list", headers=admin, json=entry(uscc))
    assert r.status_code == 201, r.text
    e = r.json()
    assert (e["reason_label"], e["in_force"], e["inspection_frequency"]) == (
        "主动开展合规管理且成效明显",
        True,
        "reduced",
    )
    assert (
        "减少现场执法检查频次" in e["inspection_frequency_basis"]["cite"]
        and "优先纳入正面清单" in e["basis"]["cite"]
    )
    r = await c.post(
        "/credit/v1/positive-list",
        headers=admin,
        json=entry(uscc, valid_from="2026-12-01", valid_until="2027-06-30"),
    )
    assert r.status_code == 409 and r.json()["code"] == "positive_list_duplicate"

    profile = (await c.get(f"/credit/v1/enterprises/{uscc}/credit-profile", headers=service)).json()
    assert (profile["on_positive_list"], profile["inspection_frequency"]) == (True, "reduced")
    fixed_clock.on(date(2027, 1, 1))  # the period is over
    profile = (await c.get(f"/credit/v1/enterprises/{uscc}/credit-profile", headers=service)).json()
    assert (profile["on_positive_list"], profile["inspection_frequency"]) == (False, "normal")

    fixed_clock.on(date(2026, 6, 2))
    r = await c.post(
        f"/credit/v1/positive-list/{e['id']}/remove",
        headers=admin,
        json={"reason": "发生环境违法行为，动态调整移出"},
    )
    assert r.status_code == 200 and (r.json()["status"], r.json()["inspection_frequency"]) == (
        "removed",
        "normal",
    )
    r = await c.post(f"/credit/v1/positive-list/{e['id']}/remove", headers=admin, json={"reason": "再次移出"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    listed = (await c.get("/credit/v1/positive-list", params={"uscc": uscc}, headers=service)).json()
    assert [(i["id"], i["status"]) for i in listed["items"]] == [(e["id"], "removed")]
    assert (await outbox_types(stack)).count("ecocomply.credit.positive_list_changed.v1") == 2

    r = await c.get(
        f"/credit/v1/enterprises/{uscc}/credit-profile",
        headers=stack.auth("ent-x", "enterprise", uscc=new_uscc()),
    )
    assert r.status_code == 403


async def test_grades_are_stored_as_received_and_never_computed(stack):
    c = stack.client
    platform = stack.auth("platform", "platform")
    a, b = new_uscc(), new_uscc()
    batch = {
        "source_reference": "JS-ENV-CREDIT-2026-05",
        "grades": [
            {"uscc": a, "grade": "blue", "rated_on": "2026-05-01"},
            {"uscc": b, "grade": "red", "rated_on": "2026-05-01", "valid_until": "2027-04-30"},
        ],
    }
    bad = {
        **batch,
        "grades": [
            batch["grades"][0],
            {"uscc": "91320509MA1XXXXXX0", "grade": "red", "rated_on": "2026-05-01"},
        ],
    }
    r = await c.post("/credit/v1/credit-grades/import", headers=platform, json=bad)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "grades.1.uscc"
    r = await c.post(
        "/credit/v1/credit-grades/import",
        headers=platform,
        json={**batch, "grades": [batch["grades"][0], {**batch["grades"][0], "grade": "green"}]},
    )
    assert r.status_code == 422 and r.json()["code"] == "duplicate_grade"
    r = await c.post(
        "/credit/v1/credit-grades/import",
        headers=platform,
        json={**batch, "grades": [{**batch["grades"][0], "grade": "purple"}]},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "grades.0.grade"
    r = await c.post(
        "/credit/v1/credit-grades/import", headers=stack.auth("e", "enterprise", uscc=a), json=batch
    )
    assert r.status_code == 403
    assert await count(stack, CreditGrade) == 0

    assert (await c.post("/credit/v1/credit-grades/import", headers=platform, json=batch)).json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert (await c.post("/credit/v1/credit-grades/import", headers=platform, json=batch)).json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
    }
    later = {
        "source_reference": "JS-ENV-CREDIT-2026-06",
        "grades": [{"uscc": a, "grade": "green", "rated_on": "2026-06-01"}],
    }
    assert (await c.post("/credit/v1/credit-grades/import", headers=platform, json=later)).json()[
        "created"
    ] == 1

    view = (
        await c.get(f"/credit/v1/enterprises/{a}/credit-grade", headers=stack.auth("e", "enterprise", uscc=a))
    ).json()
    assert (view["current"]["grade"], view["current"]["grade_label"]) == ("green", "绿色等级")
    assert [g["rated_on"] for g in view["history"]] == ["2026-06-01", "2026-05-01"]
    assert view["criteria_obtained"] is False and "计分标准未取得" in view["statement"]
    assert view["source"]["verified"] is False and "不显示任何影响" in view["record_effect"]
    r = await c.get(f"/credit/v1/enterprises/{a}/credit-grade", headers=stack.auth("e", "enterprise", uscc=b))
    assert r.status_code == 403

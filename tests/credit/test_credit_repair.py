"""Credit repair applications end to end with the cases service, on both setups: the minimum period,
obligations checked against the cases service, documents, scope, the workflow with its time limits,
rejection and documented re-application, approval ending publicity with ``credit.repaired.v1``."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

from credit_testkit import count, outbox_types

from services.credit.models import RepairApplication
from services.testing.factories import OTHER_BUREAU, CaseDriver, new_uscc
from shared.clock import local_date
from shared.contracts import CaseFinePaid

DECIDED_AT = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # 10:00 on 15 June 2026 in China: Order 36, general


def body(record_id: str, **over) -> dict:
    b = {
        "record_id": record_id,
        "commitment": "本单位承诺所提交材料真实有效，愿意承担违反承诺的相应责任。",
        "evidence": [
            {"kind": "identity", "description": "法定代表人身份证明书"},
            {"kind": "fine_receipt", "description": "罚款缴纳收据", "reference": "非税收入票据 No.0001"},
        ],
    }
    b.update(over)
    return b


async def record_of(stack, uscc: str) -> dict:
    r = await stack.client.get(f"/credit/v1/enterprises/{uscc}/records", headers=stack.auth("a", "auditor"))
    [rec] = r.json()
    return rec


async def pay_fine(case_events, case: dict, payload, at=datetime(2026, 7, 1, 3, 0, tzinfo=UTC)) -> None:
    await case_events.emit(
        CaseFinePaid(
            case_id=case["id"],
            number=case["number"],
            uscc=payload.uscc,
            bureau=payload.bureau,
            amount=payload.fine_amount,
            paid_at=at,
        ),
        subject=case["id"],
    )


async def test_repair_from_refusals_to_approval(stack, case_events, fixed_clock):
    c = stack.client
    case, p = await case_events.real_case(decided_at=DECIDED_AT, fine_amount=50_000.0)
    rec = await record_of(stack, p.uscc)
    assert (rec["publicity_min_until"], rec["repair_available_from"]) == ("2026-09-15", "2026-09-16")
    ent = stack.auth("ent", "enterprise", uscc=p.uscc)
    # Neither a handler of the case (officer-a, officer-b) nor alone (issue 25 S12): officer-c accepts,
    # officer-d approves.
    off = stack.auth("officer-c", "officer", bureau=p.bureau)
    off_d = stack.auth("officer-d", "officer", bureau=p.bureau)
    before = await outbox_types(stack)

    # The last day of the minimum period: too early (令第36号 修复条件（一）).
    fixed_clock.on(date(2026, 9, 15))
    r = await c.post("/credit/v1/repair-applications", headers=ent, json=body(rec["id"]))
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "minimum_period_not_served" and "最短公示期" in r.json()["rule"]
    assert r.json()["repair_available_from"] == "2026-09-16"

    # The next day: the period has run, but the cases service has no payment on record.
    fixed_clock.on(date(2026, 9, 16))
    r = await c.post("/credit/v1/repair-applications", headers=ent, json=body(rec["id"]))
    assert r.status_code == 409 and r.json()["code"] == "obligations_not_fulfilled", r.text
    assert r.json()["unmet"] == ["fine_paid"] and "修复条件（二）" in r.json()["rule"]

    # Another enterprise's record; missing documents; blank commitment — each refused, naming the rule.
    other = stack.auth("ent-2", "enterprise", uscc=new_uscc())
    r = await c.post("/credit/v1/repair-applications", headers=other, json=body(rec["id"]))
    assert r.status_code == 403 and r.json()["code"] == "not_own_record" and "第三条" in r.json()["rule"]
    await pay_fine(case_events, case, p)
    r = await c.post(
        "/credit/v1/repair-applications",
        headers=ent,
        json=body(rec["id"], evidence=[{"kind": "identity", "description": "身份证明"}]),
    )
    assert r.status_code == 422 and r.json()["code"] == "repair_documents_missing"
    assert r.json()["missing"] == ["fine_receipt"] and r.json()["errors"][0]["field"] == "evidence"
    r = await c.post("/credit/v1/repair-applications", headers=ent, json=body(rec["id"], commitment="   "))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "commitment"
    assert "信用承诺" in r.json()["rule"]
    assert await count(stack, RepairApplication) == 0
    assert await outbox_types(stack) == before, "a refused application writes nothing"

    # Now it is accepted for processing: accept within 5 calendar days (a labelled local setting).
    r = await c.post("/credit/v1/repair-applications", headers=ent, json=body(rec["id"]))
    assert r.status_code == 201, r.text
    app = r.json()
    assert (app["status"], app["attempt"], app["accept_due"]) == ("submitted", 1, "2026-09-21")
    assert app["time_limits"]["local_setting"] is True and "NOT_FOUND" in app["time_limits"]["basis"]
    assert {ch["key"]: ch["met"] for ch in app["checks"]} == {"fine_paid": True, "rectification_passed": True}
    assert app["allowed_actions"] == ["accept", "reject"]

    # Decisions belong to the record's bureau; the enterprise cannot decide its own application.
    r = await c.post(f"/credit/v1/repair-applications/{app['id']}/accept", headers=ent)
    assert r.status_code == 403
    r = await c.post(
        f"/credit/v1/repair-applications/{app['id']}/accept",
        headers=stack.auth("off-x", "officer", bureau=OTHER_BUREAU),
    )
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = await c.post(f"/credit/v1/repair-applications/{app['id']}/approve", headers=off)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert (r.json()["state"], r.json()["allowed_actions"]) == ("submitted", ["accept", "reject"])

    r = await c.post(f"/credit/v1/repair-applications/{app['id']}/accept", headers=off)
    assert r.status_code == 200 and r.json()["decide_due"] == "2026-10-01" and r.json()["late"] == []
    r = await c.post(f"/credit/v1/repair-applications/{app['id']}/reject", headers=off, json={})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await c.post(
        f"/credit/v1/repair-applications/{app['id']}/reject",
        headers=off,
        json={"reason": "授权委托书未加盖公章"},
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["reapplication"]["allowed"] is True and r.json()["allowed_actions"] == []

    # Re-application: documented (what was corrected), linked to the rejected one.
    r = await c.post("/credit/v1/repair-applications", headers=ent, json=body(rec["id"]))
    assert r.status_code == 422 and r.json()["code"] == "reapplication_note_missing"
    r = await c.post(
        "/credit/v1/repair-applications",
        headers=ent,
        json=body(rec["id"], reapplication_note="已补交加盖公章的授权委托书"),
    )
    assert r.status_code == 201, r.text
    second = r.json()
    assert (second["attempt"], second["previous_application_id"]) == (2, app["id"])

    # Submitted 2026-09-16, due 2026-09-21: on the 22nd it is overdue, and accepting it then is late.
    fixed_clock.on(date(2026, 9, 22))
    r = await c.get(f"/credit/v1/repair-applications/{second['id']}", headers=ent)
    assert (r.json()["overdue"], r.json()["is_overdue"]) == (["accept"], True)
    r = await c.post(f"/credit/v1/repair-applications/{second['id']}/accept", headers=off)
    assert r.json()["late"] == ["accept"] and r.json()["is_overdue"] is False
    r = await c.post(
        f"/credit/v1/repair-applications/{second['id']}/approve", headers=off_d, json={"reason": "材料齐全"}
    )
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text

    rec = await record_of(stack, p.uscc)
    assert (rec["status"], rec["ended_on"], rec["ended_by"]) == ("repaired", "2026-09-22", second["id"])
    rt = stack.runtimes["credit"]
    o = rt.tables.outbox
    async with rt.engine.connect() as conn:
        repaired = [
            json.loads(e)["data"]
            for e in (
                await conn.execute(
                    o.select()
                    .with_only_columns(o.c.envelope)
                    .where(o.c.type == "ecocomply.credit.repaired.v1")
                )
            ).scalars()
        ]
    assert len(repaired) == 1 and repaired[0]["record_id"] == rec["id"]
    assert (repaired[0]["previous_status"], repaired[0]["repaired_on"]) == ("published", "2026-09-22")

    # Approved once: a second approval and a new application are refused.
    r = await c.post(f"/credit/v1/repair-applications/{second['id']}/approve", headers=off_d)
    assert r.status_code == 409 and r.json()["allowed_actions"] == []
    r = await c.post(
        "/credit/v1/repair-applications", headers=ent, json=body(rec["id"], reapplication_note="再次申请")
    )
    assert r.status_code == 409 and r.json()["code"] == "record_not_repairable"


async def test_rectification_must_have_passed_as_the_cases_service_says(stack, case_events, fixed_clock):
    d = CaseDriver(stack)
    case, p = await case_events.real_case(
        decided_at=DECIDED_AT, fine_amount=None, penalty_kinds=["suspend_production"]
    )
    # Due a month after the case was filed (the case is filed on the real clock over HTTP).
    due = (local_date(case["filed_at"]) + timedelta(days=30)).isoformat()
    measures = [
        {"kind": k, "description": "整改措施", "due": due}
        for k in ("correct_violation", "eliminate_consequences", "prevention_system")
    ]
    await d.post(case["id"], "rectification", d.off, {"measures": measures})
    await d.post(case["id"], "rectification/assessment", d.off, {"passed": False, "notes": "未达标"})
    rt = stack.runtimes["credit"]

    async def facts_say(passed):
        from services.credit.models import CaseFacts

        async with rt.sessionmaker() as s:
            f = await s.get(CaseFacts, case["id"])
            return f is not None and f.rectification_passed is passed

    await stack.wait_for(lambda: facts_say(False), what="the failed assessment to reach credit")
    rec = await record_of(stack, p.uscc)
    fixed_clock.on(date(2026, 9, 16))
    ent = stack.auth("ent", "enterprise", uscc=p.uscc)
    only_identity = body(
        rec["id"], evidence=[{"kind": "identity", "description": "身份证明"}]
    )  # no fine: no receipt
    r = await stack.client.post("/credit/v1/repair-applications", headers=ent, json=only_identity)
    assert r.status_code == 409 and r.json()["unmet"] == ["rectification_passed"], r.text

    await d.post(case["id"], "rectification/assessment", d.off, {"passed": True, "notes": "复查达标"})
    await stack.wait_for(lambda: facts_say(True), what="the passed assessment to reach credit")
    r = await stack.client.post("/credit/v1/repair-applications", headers=ent, json=only_identity)
    assert r.status_code == 201, r.text
    assert [ch["key"] for ch in r.json()["checks"] if ch["required"]] == ["rectification_passed"]


async def test_five_applications_at_once_exactly_one_wins(stack, case_events, fixed_clock):
    case, p = await case_events.real_case(decided_at=DECIDED_AT)
    await pay_fine(case_events, case, p)
    rec = await record_of(stack, p.uscc)
    fixed_clock.on(date(2026, 10, 1))
    ent = stack.auth("ent", "enterprise", uscc=p.uscc)
    rs = await asyncio.gather(
        *[
            stack.client.post("/credit/v1/repair-applications", headers=ent, json=body(rec["id"]))
            for _ in range(5)
        ]
    )
    assert sorted(r.status_code for r in rs) == [201, 409, 409, 409, 409], [r.text for r in rs]
    assert {r.json()["code"] for r in rs if r.status_code == 409} == {"repair_application_open"}
    assert await count(stack, RepairApplication) == 1
    assert (await outbox_types(stack)).count("ecocomply.credit.repair_application_submitted.v1") == 1


async def test_overdue_applications_are_listed_and_reported_once(stack, case_events, fixed_clock):
    case, p = await case_events.real_case(decided_at=DECIDED_AT)
    await pay_fine(case_events, case, p)
    rec = await record_of(stack, p.uscc)
    fixed_clock.on(date(2026, 10, 1))
    ent = stack.auth("ent", "enterprise", uscc=p.uscc)
    app = (
        await stack.client.post("/credit/v1/repair-applications", headers=ent, json=body(rec["id"]))
    ).json()
    assert app["accept_due"] == "2026-10-06"
    auditor = stack.auth("aud", "auditor")
    rt = stack.runtimes["credit"]

    fixed_clock.on(date(2026, 10, 6))  # the due day itself: not overdue yet
    r = await stack.client.get("/credit/v1/repair-applications", params={"overdue": "true"}, headers=auditor)
    assert r.json()["total"] == 0
    assert await rt.run_job("repair-overdue") == 0

    fixed_clock.on(date(2026, 10, 7))
    r = await stack.client.get("/credit/v1/repair-applications", params={"overdue": "true"}, headers=auditor)
    assert [i["id"] for i in r.json()["items"]] == [app["id"]]
    assert await rt.run_job("repair-overdue") == 1
    assert await rt.run_job("repair-overdue") == 0, "reported once per deadline"
    assert (await outbox_types(stack)).count("ecocomply.credit.repair_overdue.v1") == 1


async def test_enterprise_sees_only_its_own_records_notices_and_applications(stack, case_events, fixed_clock):
    case, p = await case_events.real_case(decided_at=DECIDED_AT)
    _, p2 = await case_events.real_case(decided_at=DECIDED_AT)  # another enterprise
    await pay_fine(case_events, case, p)
    rec = await record_of(stack, p.uscc)
    fixed_clock.on(date(2026, 10, 1))
    ent = stack.auth("ent", "enterprise", uscc=p.uscc)
    other = stack.auth("ent-2", "enterprise", uscc=p2.uscc)
    app = (
        await stack.client.post("/credit/v1/repair-applications", headers=ent, json=body(rec["id"]))
    ).json()

    mine = (await stack.client.get("/credit/v1/my/credit", headers=ent)).json()
    assert [r["case_id"] for r in mine["records"]] == [p.case_id]
    assert [n["url"] for n in mine["notices"]] == [f"/credit/v1/notices/{p.case_id}"]
    assert [a["id"] for a in mine["repair_applications"]] == [app["id"]]
    theirs = (await stack.client.get("/credit/v1/my/credit", headers=other)).json()
    assert [r["case_id"] for r in theirs["records"]] == [p2.case_id] and theirs["repair_applications"] == []

    r = await stack.client.get(f"/credit/v1/repair-applications/{app['id']}", headers=other)
    assert r.status_code == 403
    r = await stack.client.get("/credit/v1/repair-applications", params={"uscc": p.uscc}, headers=other)
    assert r.json() == {"items": [], "total": 0}
    r = await stack.client.get(f"/credit/v1/notices/{p.case_id}", headers=other)
    assert r.status_code == 403
    r = await stack.client.get("/credit/v1/my/credit", headers=stack.auth("off", "officer", bureau=p.bureau))
    assert r.status_code == 403
    r = await stack.client.get("/credit/v1/repair-applications/nope", headers=ent)
    assert r.status_code == 404 and r.json()["code"] == "not_found"

"""Issue 25 S12: a credit repair application is accepted and approved by two different people, neither of
them a handler of the case — one handling officer used to accept and then approve the repair of their own
case alone. The bureau's internal-control rule (no legal text on who decides a repair was found: a local
setting, labelled so); refused 409 naming the rule, nothing written; subjects compared case-insensitively."""

from __future__ import annotations

from datetime import UTC, date, datetime

from credit_testkit import outbox_types

from shared.contracts import CaseFinePaid

DECIDED_AT = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # Order 36, general: repair from 2026-09-16
APPS = "/credit/v1/repair-applications"


def body(record_id: str) -> dict:
    return {
        "record_id": record_id,
        "commitment": "本单位承诺所提交材料真实有效，愿意承担违反承诺的相应责任。",
        "evidence": [
            {"kind": "identity", "description": "法定代表人身份证明书"},
            {"kind": "fine_receipt", "description": "罚款缴纳收据"},
        ],
    }


async def _submitted(stack, case_events, fixed_clock, **decided) -> tuple[dict, dict]:
    """A real case (handlers officer-a, officer-b) decided with a fine, paid; the repair application
    its enterprise submits once the minimum period has run."""
    case, p = await case_events.real_case(decided_at=DECIDED_AT, fine_amount=50_000.0, **decided)
    await case_events.emit(
        CaseFinePaid(case_id=case["id"], number=case["number"], uscc=p.uscc, bureau=p.bureau,
                     amount=50_000.0, paid_at=datetime(2026, 7, 1, 3, 0, tzinfo=UTC)),
        subject=case["id"],
    )
    r = await stack.client.get(f"/credit/v1/enterprises/{p.uscc}/records", headers=stack.auth("a", "auditor"))
    [rec] = r.json()
    fixed_clock.on(date(2026, 9, 16))
    r = await stack.client.post(APPS, headers=stack.auth("ent", "enterprise", uscc=p.uscc), json=body(rec["id"]))
    assert r.status_code == 201, r.text
    return case, r.json()


def _refused(r, code: str) -> None:
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    p = r.json()
    assert p["code"] == code and "内部控制" in p["rule"] and "内部控制" in p["detail"]
    assert p["rule_verified"] is False  # a local rule, not a legal text


async def test_s12_no_handler_decides_and_no_one_accepts_and_approves_alone(stack, case_events, fixed_clock):
    c = stack.client
    case, app = await _submitted(stack, case_events, fixed_clock)
    assert case["handlers"] == ["officer-a", "officer-b"]
    bureau = app["bureau"]

    def off(sub: str) -> dict:
        return stack.auth(sub, "officer", bureau=bureau)

    url = f"{APPS}/{app['id']}"
    before = await outbox_types(stack)
    # A handler of the case, in any case of letters, neither accepts nor rejects its repair application.
    for who in ("officer-a", "OFFICER-B", " Officer-A "):
        _refused(await c.post(f"{url}/accept", headers=off(who)), "repair_by_case_handler")
        _refused(await c.post(f"{url}/reject", headers=off(who), json={"reason": "材料不全"}),
                 "repair_by_case_handler")
    r = await c.get(url, headers=off("officer-c"))
    assert (r.json()["status"], r.json()["timeline"][-1]["action"]) == ("submitted", "submit")
    assert await outbox_types(stack) == before, "a refused action writes nothing"

    # A non-handler accepts …
    r = await c.post(f"{url}/accept", headers=off("officer-c"))
    assert r.status_code == 200 and r.json()["accepted_by"] == "officer-c", r.text
    # … and neither they (however spelt) nor a handler approves it.
    for who, code in (("officer-c", "repair_approved_by_acceptor"), ("Officer-C", "repair_approved_by_acceptor"),
                      ("officer-b", "repair_by_case_handler")):
        _refused(await c.post(f"{url}/approve", headers=off(who), json={"reason": "材料齐全"}), code)
    r = await c.get(url, headers=off("officer-c"))
    assert r.json()["status"] == "accepted" and r.json()["decided_by"] is None

    # The positive: a second non-handler of the bureau approves; publicity ends.
    r = await c.post(f"{url}/approve", headers=stack.auth("leader-9", "leader", bureau=bureau),
                     json={"reason": "材料齐全"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["accepted_by"], r.json()["decided_by"]) == (
        "approved", "officer-c", "leader-9")


async def test_s12_the_handlers_of_a_case_decided_before_events_carried_them(stack, case_events, fixed_clock):
    """A decided event without handlers (older events): the handlers are the cases service's."""
    case, app = await _submitted(stack, case_events, fixed_clock, handlers=[])
    off_a = stack.auth("officer-a", "officer", bureau=app["bureau"])
    _refused(await stack.client.post(f"{APPS}/{app['id']}/accept", headers=off_a), "repair_by_case_handler")
    r = await stack.client.post(f"{APPS}/{app['id']}/accept", headers=stack.auth("off-c", "officer", bureau=app["bureau"]))
    assert r.status_code == 200, r.text

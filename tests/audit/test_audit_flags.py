"""Audit flags from decided cases over the real outbox → bus → consumer path, their listing and review."""

from __future__ import annotations

import json

from sqlalchemy import select

from services.testing.factories import BUREAU, OTHER_BUREAU, CaseDriver

FLAG_RAISED = "ecocomply.audit.flag_raised.v1"
PROBLEM = "application/problem+json"


def auditor(stack, sub: str = "auditor-1") -> dict[str, str]:
    return stack.auth(sub, "auditor")


async def flags(stack, headers=None, **params) -> dict:
    r = await stack.client.get("/audit/v1/flags", params=params, headers=headers or auditor(stack))
    assert r.status_code == 200, r.text
    return r.json()


async def test_exactly_the_exemptions_and_light_penalties_are_flagged_with_their_rules(stack, decisions):
    emitted = {
        t: await decisions.emit(decision_type=t, fine_amount=None if t == "no_penalty" else 20_000.0)
        for t in ("penalty", "heavier", "lighter", "mitigated", "no_penalty")
    }
    # An exemption decided without legal review or collective discussion (what the rules are for).
    bare, bare_event = await decisions.emit(
        decision_type="no_penalty", fine_amount=None, steps=["filed", "investigated"]
    )
    for _, event in [*emitted.values(), (bare, bare_event)]:
        await decisions.processed("audit", event.id)

    body = await flags(stack)
    by_case = {f["case_id"]: f for f in body["items"]}
    expected = {emitted[t][0].case_id for t in ("lighter", "mitigated", "no_penalty")} | {bare.case_id}
    assert set(by_case) == expected and body["total"] == 4
    for t in ("lighter", "mitigated", "no_penalty"):
        p = emitted[t][0]
        f = by_case[p.case_id]
        assert (f["decision_type"], f["number"], f["uscc"], f["bureau"], f["status"]) == (
            t,
            p.number,
            p.uscc,
            BUREAU,
            "open",
        )
        assert [r["code"] for r in f["rules"]] == ["exemption_or_light_penalty"]
        assert f["rules"][0]["severity"] == "review" and "三（十）" in f["rules"][0]["detail"]
        assert f["handlers"] == ["officer-a", "officer-b"]
    assert [r["code"] for r in by_case[bare.case_id]["rules"]] == [
        "exemption_or_light_penalty",
        "missing_legal_review",
        "missing_collective_discussion",
    ]

    raised = [json.loads(e)["data"] for e in await decisions.outbox_events("audit", FLAG_RAISED)]
    assert sorted(d["case_id"] for d in raised) == sorted(expected)
    assert {d["flag_id"] for d in raised} == set(f["id"] for f in body["items"])

    # Filters.
    assert [f["case_id"] for f in (await flags(stack, rule="missing_legal_review"))["items"]] == [
        bare.case_id
    ]
    assert (await flags(stack, decision_type="lighter"))["total"] == 1
    assert (await flags(stack, status="open"))["total"] == 4
    assert (await flags(stack, status="cleared"))["total"] == 0
    assert (await flags(stack, bureau=OTHER_BUREAU))["total"] == 0
    page = await flags(stack, page=2, size=3)
    assert (page["total"], len(page["items"]), page["page"], page["size"]) == (4, 1, 2, 3)


async def test_same_event_three_times_and_a_replay_raise_one_flag(stack, decisions):
    payload, event = await decisions.emit(decision_type="no_penalty", fine_amount=None)
    await decisions.processed("audit", event.id)
    duplicates = decisions.consumed("audit", "duplicate")
    await decisions.redeliver(event, times=3)
    _, replay = await decisions.emit(**payload.model_dump())
    await decisions.processed("audit", replay.id)  # same key as the copies: consumed after them
    assert decisions.consumed("audit", "duplicate") >= duplicates + 3, (
        "the inbox must absorb all three copies"
    )

    assert [f["case_id"] for f in (await flags(stack))["items"]] == [payload.case_id]
    raised = [json.loads(e)["data"]["case_id"] for e in await decisions.outbox_events("audit", FLAG_RAISED)]
    assert raised == [payload.case_id]


async def test_review_once_by_an_uninvolved_auditor(stack, decisions):
    p, e = await decisions.emit(
        decision_type="lighter", handlers=["officer-a", "officer-b"], decided_by="leader-1"
    )
    await decisions.processed("audit", e.id)
    [flag] = (await flags(stack))["items"]
    c = stack.client
    path = f"/audit/v1/flags/{flag['id']}/review"
    body = {"outcome": "cleared", "notes": "程序合法，从轻理由充分"}

    r = await c.post(path, json=body)
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
    r = await c.post(path, json=body, headers=stack.auth("leader-9", "leader", bureau=BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "role_required"
    # A handler of the case (here also holding the auditor role) may not audit it.
    r = await c.post(path, json=body, headers=stack.auth("officer-a", "auditor"))
    assert r.status_code == 403 and r.json()["code"] == "reviewer_involved"
    r = await c.post(path, json={"outcome": "fine", "notes": ""}, headers=auditor(stack))
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert {e["field"] for e in r.json()["errors"]} == {"outcome", "notes"}
    r = await c.post("/audit/v1/flags/no-such-flag/review", json=body, headers=auditor(stack))
    assert r.status_code == 404 and r.json()["code"] == "not_found"

    r = await c.post(path, json=body, headers=auditor(stack))
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["reviewed_by"], done["review_notes"]) == (
        "cleared",
        "auditor-1",
        body["notes"],
    )
    assert [x["code"] for x in done["rules"]] == ["exemption_or_light_penalty"]

    r = await c.post(
        path, json={"outcome": "issue_found", "notes": "再审"}, headers=auditor(stack, "auditor-2")
    )
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert (problem["code"], problem["state"], problem["action"], problem["allowed_actions"]) == (
        "illegal_transition",
        "cleared",
        "review",
        ["reopen"],  # issue 26: a reviewed flag is reviewed again only after an auditor reopens it
    )
    r = await c.get(f"/audit/v1/flags/{flag['id']}", headers=auditor(stack))
    assert r.json()["status"] == "cleared" and r.json()["reviewed_by"] == "auditor-1"
    assert (await flags(stack, status="cleared"))["total"] == 1
    # The one accepted review is published for other systems; the refused ones published nothing.
    audit_rt = stack.runtimes["audit"]
    o = audit_rt.tables.outbox
    async with audit_rt.engine.connect() as conn:
        rows = (await conn.execute(select(o.c.envelope).where(o.c.type == "ecocomply.audit.flag_reviewed.v1"))).all()
    assert len(rows) == 1
    data = json.loads(rows[0].envelope)["data"]
    assert (data["flag_id"], data["outcome"], data["reviewed_by"]) == (flag["id"], "cleared", "auditor-1")


async def test_flag_scope_by_role_and_bureau(stack, decisions):
    p, e = await decisions.emit(decision_type="mitigated")
    await decisions.processed("audit", e.id)
    [flag] = (await flags(stack))["items"]
    c = stack.client
    own_leader = stack.auth("leader-1", "leader", bureau=BUREAU)
    other_leader = stack.auth("leader-2", "leader", bureau=OTHER_BUREAU)

    assert (await flags(stack, own_leader))["total"] == 1
    assert (await flags(stack, other_leader))["total"] == 0  # only their own bureau's flags
    r = await c.get("/audit/v1/flags", params={"bureau": BUREAU}, headers=other_leader)
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = await c.get(f"/audit/v1/flags/{flag['id']}", headers=other_leader)
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = await c.get(f"/audit/v1/flags/{flag['id']}", headers=own_leader)
    assert r.status_code == 200 and r.json()["id"] == flag["id"]
    for who in (stack.auth("off", "officer", bureau=BUREAU), stack.auth("ent", "enterprise", uscc=p.uscc)):
        r = await c.get("/audit/v1/flags", headers=who)
        assert r.status_code == 403 and r.json()["code"] == "role_required"
    r = await c.get("/audit/v1/flags", params={"status": "closed"}, headers=auditor(stack))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"


async def test_exemption_decided_over_http_is_flagged(stack):
    case = await CaseDriver(stack).decided_case("no_penalty")

    async def flagged():
        return [f for f in (await flags(stack))["items"] if f["case_id"] == case["id"]]

    [flag] = await stack.wait_for(flagged, what="the flag of an HTTP-decided exemption")
    assert flag["decision_type"] == "no_penalty" and flag["number"] == case["number"]
    assert [r["code"] for r in flag["rules"]] == ["exemption_or_light_penalty"]  # every lawful step was taken

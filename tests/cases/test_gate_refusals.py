"""What the decision gate refused is a signal (issue 26 item 4): a refused decision or ending is kept by the
cases service (the case itself unchanged) and sent as ``ecocomply.case.gate_refused.v1``; the audit keeps it
in the case's log, counts it per officer and bureau, and flags an officer whose refused exemption attempts
reach the local threshold (3 in 30 days by default: a local setting, not law)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.audit.config import AuditSettings
from services.cases.models import GateRefusal
from services.testing.factories import BUREAU, CASES, OTHER_BUREAU, CaseDriver, all_flags
from tests.cases.helpers import REFUSAL_EVENT, snapshot

RULE = "repeated_refused_exemption_attempts"
EXEMPT = {"type": "no_penalty", "basis": {"no_penalty_item": "NP-EX-002"}}


async def ready(d: CaseDriver) -> str:
    """A case whose facts meet the in-list item, reviewed and discussed for the exemption: ready to decide it."""
    return (await d.prepared_case("no_penalty"))[0]


def auditor(stack) -> dict[str, str]:
    return stack.auth("auditor-1", "auditor")


async def refusals(d: CaseDriver, cid: str, headers: dict | None = None) -> list[dict]:
    r = await d.c.get(f"{CASES}/cases/{cid}/refusals", headers=headers or d.off)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    return body["items"]


async def refusal_stats(stack, headers: dict | None = None, **params) -> dict:
    r = await stack.client.get("/audit/v1/refusals/stats", params=params, headers=headers or auditor(stack))
    assert r.status_code == 200, r.text
    return r.json()


async def counted(stack, sub: str, refused: int, exemptions: int) -> dict:
    """Wait until the audit counts ``sub``'s refused attempts as given (it consumes them asynchronously)."""
    async def seen():
        officers = {o["sub"]: o for o in (await refusal_stats(stack))["officers"]}
        o = officers.get(sub)
        return o if o and (o["refused"], o["refused_exemptions"]) == (refused, exemptions) else None

    return await stack.wait_for(seen, timeout=60, what=f"the audit to count {refused} refusals of {sub}")


async def refuse(d: CaseDriver, cid: str, body: dict, rule_code: str, *, path: str = "decision",
                 headers: dict | None = None) -> dict:
    """A request the gate refuses: 409 with its rule, and nothing of the case changed."""
    before, case_before = await snapshot(d.s), await d.get(cid)
    r = await d.c.post(f"{CASES}/cases/{cid}/{path}", headers=headers or d.lead, json=body)
    assert r.status_code == 409, r.text
    assert r.json()["rule_code"] == rule_code, r.json()
    assert await snapshot(d.s) == before
    assert await d.get(cid) == case_before
    return r.json()


async def gate_events(d: CaseDriver, cid: str) -> list[str]:
    outbox = d.rt.tables.outbox
    async with d.rt.engine.connect() as conn:
        return list((await conn.execute(select(outbox.c.event_id).where(
            outbox.c.type == REFUSAL_EVENT, outbox.c.key == cid))).scalars())


async def test_a_refused_exemption_is_kept_sent_and_counted_and_the_case_is_unchanged(stack):
    d = CaseDriver(stack)
    d.at(2026, 5, 11)
    cid = await ready(d)
    assert await refusals(d, cid) == []
    start = d.rt.clock.now()
    problem = await refuse(d, cid, {**EXEMPT, "fine_amount": 1000}, "no_fine_with_exemption")
    end = d.rt.clock.now()
    [kept] = await refusals(d, cid)
    assert kept["attempted_by"] == "leader-1" and kept["action"] == "decide"
    assert (kept["decision_type"], kept["fine_amount"], kept["state"]) == ("no_penalty", 1000, "discussed")
    assert kept["rule_code"] == "no_fine_with_exemption" and kept["article"] in kept["rule"]
    assert kept["rule"] == problem["rule"] and kept["detail"] in problem["detail"]
    assert (kept["bureau"], kept["number"]) == (BUREAU, (await d.get(cid))["number"])
    assert start <= datetime.fromisoformat(kept["at"]) <= end  # the service's clock (fixed at 2026-05-11)
    assert len(await gate_events(d, cid)) == 1  # its event, in the outbox like every other

    # the audit keeps it in the case's log (its timeline) and counts it for the leader who attempted it
    o = await counted(stack, "leader-1", 1, 1)
    assert o["bureau"] == BUREAU
    [b] = (await refusal_stats(stack))["bureaus"]
    assert (b["bureau"], b["refused"], b["refused_exemptions"], b["officers"]) == (BUREAU, 1, 1, 1)
    page = await stack.client.get(f"/audit/dashboard/cases/{cid}", headers=auditor(stack))
    assert page.status_code == 200 and "决定被关口拒绝" in page.text, page.text

    # the lawful decision records nothing more
    decided = await d.decide(cid, EXEMPT)
    assert decided["state"] == "decided"
    assert len(await refusals(d, cid)) == 1 and len(await gate_events(d, cid)) == 1

    # the party does not read the gate's internal records; another bureau's officer not at all
    r = await d.c.get(f"{CASES}/cases/{cid}/refusals", headers=stack.auth("e", "enterprise", uscc=decided["uscc"]))
    assert r.status_code == 403
    r = await d.c.get(f"{CASES}/cases/{cid}/refusals", headers=stack.auth("o", "officer", bureau=OTHER_BUREAU))
    assert r.status_code in (403, 404)


async def test_bad_input_records_nothing_a_refused_ending_is_no_exemption_attempt(stack):
    d = CaseDriver(stack)
    d.at(2026, 5, 11)
    cid = await ready(d)
    # 422 before the gate: a body that fails validation, and a 422 of the use case's own input checks
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead, json={**EXEMPT, "type": "pardon"})
    assert r.status_code == 422, r.text
    r = await d.c.post(f"{CASES}/cases/{cid}/decision", headers=d.lead,
                       json={**EXEMPT, "suspension_period": "三个月"})
    assert r.status_code == 422, r.text
    assert await refusals(d, cid) == [] and await gate_events(d, cid) == []

    # an ending the gate refuses (an officer, not a leader, decides it) is kept, but is no exemption attempt
    await refuse(d, cid, {"kind": "terminated", "reason": "当事人已注销"}, "ending_decided_by_leader",
                 path="withdraw", headers=d.off)
    [kept] = await refusals(d, cid)
    assert (kept["action"], kept["ending_kind"], kept["decision_type"]) == ("terminate", "terminated", None)
    assert kept["attempted_by"] == d.handlers[0]
    await counted(stack, d.handlers[0], 1, 0)
    async with d.rt.engine.connect() as conn:
        assert (await conn.execute(select(GateRefusal.actor))).scalars().all() == [d.handlers[0]]


async def test_refused_exemption_attempts_over_the_local_threshold_flag_the_officer(stack):
    cfg = AuditSettings()
    assert (cfg.refused_exemption_threshold, cfg.refused_exemption_window_days) == (3, 30)
    d = CaseDriver(stack)
    d.at(2026, 5, 11)
    first, second = await ready(d), await ready(d)
    # two refused exemption attempts (one below the threshold): counted, no flag
    await refuse(d, first, {**EXEMPT, "fine_amount": 500}, "no_fine_with_exemption")
    await refuse(d, first, {"type": "lighter", "fine_amount": 120000,
                            "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}}, "review_binds_decision")
    await counted(stack, "leader-1", 2, 2)
    assert [f for f in await all_flags(stack) if RULE in {r["code"] for r in f["rules"]}] == []

    # the third within the window reaches it: the case of that attempt is flagged, naming the officer and count
    await refuse(d, second, {**EXEMPT, "fine_amount": 800}, "no_fine_with_exemption")
    await counted(stack, "leader-1", 3, 3)

    async def flagged():
        return [f for f in await all_flags(stack) if RULE in {r["code"] for r in f["rules"]}]

    [flag] = await stack.wait_for(flagged, timeout=60, what="the repeated refusals flag")
    assert flag["case_id"] == second and flag["decision_type"] == "undecided" and flag["status"] == "open"
    [hit] = [r for r in flag["rules"] if r["code"] == RULE]
    assert "leader-1" in hit["detail"] and "30 日内已有 3 次被拒" in hit["detail"] and "非法定标准" in hit["detail"]
    assert "三（十）" in hit["detail"]
    # The officer it names, and the case's legal reviewer on record, may not review it; an uninvolved auditor may.
    start = f"/audit/v1/flags/{flag['id']}/start"
    for who in ("leader-1", "LEADER-1", "reviewer-1"):
        r = await stack.client.post(start, headers=stack.auth(who, "auditor"))
        assert r.status_code == 403 and r.json()["code"] == "reviewer_involved", (who, r.text)
    assert (await stack.client.post(start, headers=auditor(stack))).status_code == 200

    # the dashboard names the officer by the register and the bureau by its name
    page = (await stack.client.get("/audit/dashboard", headers=auditor(stack))).text
    section = page.split('id="refusals-by-officer"', 1)[1].split("</table>", 1)[0]
    assert "局长0" in section and "leader-1" not in section and "苏州市吴江生态环境局" in section
    assert ">3<" in section and "多次被拒的免罚轻罚尝试" in page
    bureaus = page.split('id="refusals-by-bureau"', 1)[1].split("</table>", 1)[0]
    assert "苏州市吴江生态环境局" in bureaus and BUREAU not in bureaus

    # a leader sees their own bureau's counts only
    own = await refusal_stats(stack, stack.auth("leader-9", "leader", bureau=BUREAU))
    assert [o["sub"] for o in own["officers"]] == ["leader-1"]
    other = await refusal_stats(stack, stack.auth("leader-9", "leader", bureau=OTHER_BUREAU))
    assert other["officers"] == [] and other["bureaus"] == []
    r = await stack.client.get("/audit/v1/refusals/stats", params={"bureau": BUREAU},
                               headers=stack.auth("leader-9", "leader", bureau=OTHER_BUREAU))
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = await stack.client.get("/audit/v1/refusals/stats", params={"since": "2026-05-02", "until": "2026-05-01"},
                               headers=auditor(stack))
    assert r.status_code == 422

"""一案双查's two audit rules (issue 27 item 3): 以赔代罚 — a lighter or mitigated fine reduced for damage compensation
by more than the compensation actually paid on the case's damage matter (``compensation_in_lieu_of_penalty``); and an
exemption or light penalty with ecological damage on its facts whose claim was neither started nor not-started on a
recorded ground (``damage_claim_not_started``). Both local supervisory rules (the sources say nothing of compensation
as a mitigating factor), each beside the lawful case it leaves alone: as pure rules, and end to end on both setups."""

from __future__ import annotations

from services.audit.flags.rules import (
    History,
    compensation_in_lieu_of_penalty,
    damage_claim_not_started,
)
from services.testing.damage import step
from services.testing.factories import CaseDriver, all_flags
from shared.contracts import DamageAtDecision
from tests.audit.test_audit_rules import CFG, dec
from tests.cases.test_decision_gate import AIR, WHY, compensated, decided, driver, fine, notified, opened

LIGHT_DAMAGE = {"harm_eliminated_or_reduced_voluntarily": True, "ecological_damage": True}
FINE = 110000.0


def damage(status: str | None = "screening", paid: float = 0.0, ground: str | None = None, on_facts: bool = True):
    return DamageAtDecision(facts_record_damage=on_facts, matter_id="m-1" if status else None, status=status,
                            ground=ground, paid_total=paid)


def test_compensation_in_lieu_of_penalty_compares_the_reduction_with_what_was_paid():
    hit = compensation_in_lieu_of_penalty(dec("lighter", damage=damage("agreement", 5000.0),
                                              compensation_reduction=20000.0), History(), CFG)
    assert hit is not None and hit.severity == "high" and "15,000.00" in hit.detail and "以赔代罚" in hit.detail
    assert "三（七）" in hit.detail and "（十三）" in hit.detail and "本地监督规则" in hit.detail
    # Reducing for compensation is lawful in itself (管理规定第十一条 as quoted, 第三十二条第（一）项): the flag says so and
    # marks only the comparison with what was paid as local — never that the law is silent on compensation.
    assert "第十一条" in hit.detail and "原文未核实" in hit.detail and "第三十二条第（一）项" in hit.detail
    assert "法律、规章未规定" not in hit.detail
    # No matter at all: nothing paid.
    assert compensation_in_lieu_of_penalty(dec("mitigated", compensation_reduction=1.0), History(), CFG) is not None
    # Lawful: paid at least the reduction; no reduction recorded for compensation; not a light penalty.
    for d in (dec("lighter", damage=damage("restoration", 20000.0), compensation_reduction=20000.0),
              dec("lighter", damage=damage("screening")),
              dec("penalty", damage=damage("screening"), compensation_reduction=None)):
        assert compensation_in_lieu_of_penalty(d, History(), CFG) is None


def test_damage_claim_not_started_needs_a_started_claim_or_a_recorded_ground():
    for d in (dec("no_penalty", damage=damage(None)), dec("lighter", damage=damage("screening"))):
        hit = damage_claim_not_started(d, History(), CFG)
        assert hit is not None and hit.severity == "high" and "第十八条" in hit.detail and "本地监督规则" in hit.detail
    for d in (dec("lighter", damage=damage("started")), dec("mitigated", damage=damage("evaluated")),
              dec("no_penalty", damage=damage("not_started", ground="significantly_slight")),
              dec("lighter", damage=damage(None, on_facts=False)),  # no damage on the facts
              dec("penalty", damage=damage("screening")),  # a plain penalty
              dec("lighter")):  # an older event without the damage matter
        assert damage_claim_not_started(d, History(), CFG) is None


async def light_with_damage(d: CaseDriver) -> str:
    """A lighter penalty on damage facts, the damage measure in the assessed rectification (the gate's 三（七）)."""
    cid = await opened(d, LIGHT_DAMAGE, violations=AIR, proposed_type="lighter", proposed_fine=FINE)
    await d.discuss(cid, "lighter", FINE)
    await compensated(d, cid)
    await notified(d, cid, FINE, "lighter")
    return cid


async def flag_rules(stack, cid: str) -> list[str]:
    async def flagged():
        return next((f for f in await all_flags(stack) if f["case_id"] == cid), None)

    return [r["code"] for r in (await stack.wait_for(flagged, what="the decision's flag"))["rules"]]


async def test_the_rules_on_decided_cases(stack):
    d = await driver(stack)
    # Flagged: the claim still in 线索筛查, the fine reduced by 20,000 for compensation with nothing paid.
    bad = await light_with_damage(d)
    await decided(d, bad, {**fine("lighter", FINE, WHY), "compensation_reduction": 20000.0})
    # Lawful: the claim started and agreed, 30,000 paid before the decision that reduced the fine by 20,000.
    good = await light_with_damage(d)
    await step(stack, d.off, good, "start")
    await step(stack, d.off, good, "assess", assessed_amount=30000.0, simplified=True)
    await step(stack, d.off, good, "consult")
    await step(stack, d.off, good, "agree", agreed_amount=30000.0, restoration_terms="补植受损林地", paid_amount=30000.0)
    case = await decided(d, good, {**fine("lighter", FINE, WHY), "compensation_reduction": 20000.0})
    assert case["decision"]["compensation_reduction"] == 20000.0
    # Lawful too: not started, on a recorded ground.
    grounded = await light_with_damage(d)
    await step(stack, d.off, grounded, "not_start", ground="significantly_slight", in_red_line=False,
               note="损害数额极小")
    await decided(d, grounded, fine("lighter", FINE, WHY))

    assert {"damage_claim_not_started", "compensation_in_lieu_of_penalty"} <= set(await flag_rules(stack, bad))
    for cid in (good, grounded):
        rules = await flag_rules(stack, cid)
        assert "exemption_or_light_penalty" in rules  # every light penalty is reviewed all the same
        assert not {"damage_claim_not_started", "compensation_in_lieu_of_penalty"} & set(rules), rules


async def test_a_reduction_for_compensation_is_recorded_only_on_a_light_penalty(stack):
    d = await driver(stack)
    cid = await opened(d, {"ecological_damage": True}, violations=AIR)
    await notified(d, cid, 150000.0)
    r = await d.c.post(f"/cases/v1/cases/{cid}/decision", headers=d.lead, json={
        **fine("penalty", 150000.0), "compensation_reduction": 1000.0, "correction_order": "立即停止超标排放"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "compensation_reduction", r.text

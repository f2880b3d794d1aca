"""The discretion calculator: pure properties over every bundled rule set and violation (hypothesis),
the statutory rules it enforces, and the HTTP contract on both setups."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.checklist import loader
from services.checklist.discretion.rule_sets import Factor, RuleSet, catalog
from services.checklist.discretion.rules import CalculationError, Item, calculate

SETS, DEFAULT, OVERLAY, _ = catalog()
ITEMS = {i.code: i for i in loader.bundled_guidance_items()}
ART32_KEYS = [c["key"] for c in OVERLAY.article_32]
RECT = OVERLAY.rectification["key"]
API = "/checklist/v1"


def item(code: str) -> Item:
    c = ITEMS[code].content()
    return Item(code, 1, c["title"], c["liability"]["fine"], [b for b in c["legal_basis"] if b["role"] == "penalty"])


def needs(code: str) -> dict:
    """Facts the statutory range itself needs (the base of a fine by multiple)."""
    return {"base_amount_cny": 3_000_000} if ITEMS[code].liability.fine.kind == "multiple_of" else {}


def heavier_values(f: Factor) -> list:
    if f.kind == "flag":
        return [False, True] if f.effect == "heavier" else []
    if f.kind == "level":
        return sorted(f.levels)
    return [o[0] for o in f.options]


def aggravating(rs: RuleSet) -> list[Factor]:
    return [f for f in rs.all_factors() if f.effect == "heavier"]


@st.composite
def scenario(draw):
    rs = SETS[draw(st.sampled_from(sorted(SETS)))]
    code = draw(st.sampled_from(sorted(ITEMS)))
    facts = dict(needs(code))
    for f in rs.all_factors():
        values = heavier_values(f) or [False, True]
        facts[f.key] = draw(st.sampled_from([None, *values]))
    for k in ART32_KEYS:
        facts[k] = draw(st.sampled_from([None, False, True]))
    facts[RECT] = draw(st.sampled_from([None, False, True]))
    if ITEMS[code].liability.fine.aggravated:
        facts["statutory_aggravated_tier"] = draw(st.booleans())
    if ITEMS[code].liability.fine.per_occurrence:
        facts["occurrences"] = draw(st.integers(1, 5))
    mitigation = draw(st.sampled_from([None, "lighter", "mitigated"]))
    return rs, code, facts, mitigation


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_range_holds_and_statutory_limits_are_kept(case):
    rs, code, facts, mitigation = case
    try:
        r = calculate(rs, OVERLAY, item(code), facts, mitigation=mitigation)
    except CalculationError as e:
        # only the refusals the law requires: 减轻 without a 第三十二条 circumstance (or no minimum to go
        # below), 从轻 asked for without any mitigating circumstance
        assert e.field == "mitigation" and e.rule
        assert (mitigation == "mitigated" and (not any(facts.get(k) for k in ART32_KEYS) or e.message.find("下限") >= 0)) or (
            mitigation == "lighter" and not any(facts.get(k) for k in [*ART32_KEYS, RECT])
        )
        return
    assert r.fine_min <= r.recommended <= r.fine_max
    if r.level == "mitigated":
        assert any(facts.get(k) is True for k in ART32_KEYS) and mitigation == "mitigated"
        assert r.fine_max < r.statutory_min and any(b["article"] == "第三十二条" for b in r.basis)
    else:
        assert r.statutory_min <= r.fine_min <= r.recommended <= r.fine_max <= r.statutory_max
    if any(facts.get(k) is True for k in [*ART32_KEYS, RECT]):
        assert r.level in ("lighter", "mitigated")  # 第三十二条: 应当从轻或者减轻
    assert r.rule_version == f"{rs.name}@{rs.version}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(), st.data())
def test_monotone_in_each_aggravating_factor(case, data):
    rs, code, facts, mitigation = case
    if mitigation == "mitigated" or not aggravating(rs):
        mitigation = None
    f = data.draw(st.sampled_from(aggravating(rs)))
    values = heavier_values(f)
    results = []
    for v in values:
        try:
            results.append(calculate(rs, OVERLAY, item(code), {**facts, f.key: v}, mitigation=mitigation).recommended)
        except CalculationError:
            return  # the same refusal for every value (it does not depend on this factor)
    assert results == sorted(results), (f.key, values, results)


def test_statutory_rules_are_named_in_refusals():
    rs = SETS[DEFAULT]
    with pytest.raises(CalculationError) as e:
        calculate(rs, OVERLAY, item("GI-WAT-001"), {RECT: True}, mitigation="mitigated")
    assert e.value.field == "mitigation" and "第三十二条" in e.value.rule
    with pytest.raises(CalculationError) as e:
        calculate(rs, OVERLAY, item("GI-EIA-001"), {})
    assert e.value.field == "facts.base_amount_cny" and "第三十一条" in e.value.rule
    with pytest.raises(CalculationError) as e:
        calculate(rs, OVERLAY, item("GI-WAT-001"), {"harm_degree": 9})
    assert e.value.field == "facts.harm_degree"
    with pytest.raises(CalculationError) as e:
        calculate(rs, OVERLAY, item("GI-EIA-003"), {ART32_KEYS[0]: True}, mitigation="mitigated")
    assert "下限" in e.value.message  # 五万元以下: no statutory minimum to go below


def test_each_model_expresses_its_source():
    wat = item("GI-WAT-001")  # 《水污染防治法》第八十三条：十万元以上一百万元以下
    # old Jiangsu coefficient rule (第四条/第五条): base × (1 + 1 + 0.5), rounded to hundreds
    r = calculate(SETS["jiangsu-coefficient-historical"], OVERLAY, wat,
                  {"repeat_violation_within_2y": True, "key_basin_area_or_industry": True})
    assert r.recommended == 250_000 and r.level == "heavier"
    assert {e.key: e.detail for e in r.factors if e.effect == "heavier"} == {
        "repeat_violation_within_2y": "系数+1", "key_basin_area_or_industry": "系数+0.5"}
    # 第四条: clamped to the statutory maximum
    every = {f.key: True for f in SETS["jiangsu-coefficient-historical"].factors if f.effect == "heavier"}
    assert calculate(SETS["jiangsu-coefficient-historical"], OVERLAY, wat, every).recommended == 460_000
    # MEE 2019 evasion table: mean level 3 → the middle of the range
    r = calculate(SETS["mee-2019-factor-levels"], OVERLAY, item("GI-WAT-002"), {"exceedance": 5, "conduct": 1})
    assert r.recommended == 550_000 and "逃避监管" in r.notes[0]
    # Shaoxing percentages: 18 % + 26 % of the range above the minimum
    r = calculate(SETS["shaoxing-percentage"], OVERLAY, wat, {"environmental_impact": "large", "duration": "gt_12m"})
    assert r.recommended == 100_000 + 0.44 * 900_000
    # two-dimensional: individual level 2 of 5 = the second fifth; common factors at level 1
    r = calculate(SETS["two-dimensional-superposition"], OVERLAY, wat, {"individual_level": 2})
    assert r.recommended == 280_000
    # 从轻 (第三十二条 or passed rectification): the lower part of the range, a labelled setting
    r = calculate(SETS["mee-2019-factor-levels"], OVERLAY, item("GI-WAT-002"),
                  {"exceedance": 5, "conduct": 1, RECT: True})
    assert r.level == "lighter" and r.fine_max == 550_000 and r.recommended == 325_000
    assert any(s["key"] == "lighter_share" for s in r.settings)
    # a fine by multiple: 1 %–5 % of the investment; a higher statutory tier only when established
    r = calculate(SETS[DEFAULT], OVERLAY, item("GI-EIA-001"), {"base_amount_cny": 2_000_000})
    assert (r.statutory_min, r.statutory_max) == (20_000, 100_000)
    r = calculate(SETS[DEFAULT], OVERLAY, item("GI-EIA-004"), {"statutory_aggravated_tier": True})
    assert (r.statutory_min, r.statutory_max) == (1_000_000, 2_000_000)


# -- HTTP ------------------------------------------------------------------------------------------
async def test_calculate_over_http(stack):
    c = stack.client
    officer = stack.auth("officer-1", "officer", bureau="320509")
    body = {"violation_code": "GI-WAT-001", "facts": {"harm_eliminated_or_reduced_voluntarily": True, "harm_degree": 5}}
    r = await c.post(f"{API}/discretion/calculate", json=body, headers=officer)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["currency"] == "CNY" and out["level"] == "lighter"
    assert out["fine_min"] <= out["recommended"] <= out["fine_max"] <= out["statutory_max"]
    assert out["rule_version"] == f"{DEFAULT}@1" and out["rule_set"]["chosen_by"].startswith("default")
    assert out["violation"]["version"] == 1 and len(out["violation"]["content_hash"]) == 64
    assert {"key": "harm_eliminated_or_reduced_voluntarily", "value": True, "effect": "lighter"}.items() <= next(
        f for f in out["factors"] if f["key"] == "harm_eliminated_or_reduced_voluntarily").items()
    assert any(b["article"] == "第八十三条" for b in out["basis"]) and any(b["article"] == "第三十二条" for b in out["basis"])

    # 减轻 below the statutory minimum, with the 第三十二条 circumstance named
    r = await c.post(f"{API}/discretion/calculate", json=body | {"mitigation": "mitigated"}, headers=officer)
    assert r.json()["level"] == "mitigated" and r.json()["fine_max"] < r.json()["statutory_min"]
    # … and never without one (the article is in the error)
    bad = {"violation_code": "GI-WAT-001", "facts": {RECT: True}, "mitigation": "mitigated"}
    r = await c.post(f"{API}/discretion/calculate", json=bad, headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "mitigation"
    assert "第三十二条" in r.json()["detail"] and "第三十二条" in r.json()["rule"]
    for payload, field in (
        ({"violation_code": "GI-WAT-001", "facts": {"harm_degree": "很重"}}, "facts.harm_degree"),
        ({"violation_code": "GI-EIA-001", "facts": {}}, "facts.base_amount_cny"),
        ({"violation_code": "GI-WAT-001", "rule_set": "no-such-set"}, "rule_set"),
        ({"violation_code": "GI-WAT-001", "mitigation": "maybe"}, "mitigation"),
    ):
        r = await c.post(f"{API}/discretion/calculate", json=payload, headers=officer)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, (field, r.text)
    r = await c.post(f"{API}/discretion/calculate", json={"violation_code": "GI-NOPE-1"}, headers=officer)
    assert r.status_code == 404

    # a bureau chooses its rule set (admin); its officers' calculations and circumstances follow
    r = await c.put(f"{API}/discretion/bureau-settings/320509", json={"rule_set": "jiangsu-coefficient-historical"},
                    headers=officer)
    assert r.status_code == 403
    admin = stack.auth("admin-1", "admin")
    r = await c.put(f"{API}/discretion/bureau-settings/320509", json={"rule_set": "nope"}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rule_set"
    r = await c.put(f"{API}/discretion/bureau-settings/320509", json={"rule_set": "jiangsu-coefficient-historical"},
                    headers=admin)
    assert r.status_code == 200
    r = await c.post(f"{API}/discretion/calculate",
                     json={"violation_code": "GI-WAT-001", "facts": {"serious_harm": True}}, headers=officer)
    assert r.json()["rule_version"] == "jiangsu-coefficient-historical@1" and r.json()["recommended"] == 200_000
    other = stack.auth("officer-2", "officer", bureau="320581")
    r = await c.post(f"{API}/discretion/calculate", json={"violation_code": "GI-WAT-001"}, headers=other)
    assert r.json()["rule_version"] == f"{DEFAULT}@1"

    r = await c.get(f"{API}/circumstances", headers=officer)
    keys = {x["key"]: x for x in r.json()}
    assert set(ART32_KEYS) <= set(keys) and keys[RECT]["effects"] == ["lighter"]
    assert keys["serious_harm"]["kind"] == "aggravating" and keys["serious_harm"]["effect"] == "heavier"
    assert keys["serious_harm"]["rule_set"] == "jiangsu-coefficient-historical@1"
    r = await c.get(f"{API}/circumstances", headers=other)
    assert "serious_harm" not in {x["key"] for x in r.json()}
    assert {"exceedance", "harm_degree"} <= {x["key"] for x in r.json() if x["kind"] == "aggravating"}

    r = await c.get(f"{API}/discretion/rule-sets", headers=officer)
    assert r.json()["default"]["name"] == DEFAULT and {s["name"] for s in r.json()["items"]} == set(SETS)
    assert all(s["verified"] in (True, False) and s["source"] for s in r.json()["items"])

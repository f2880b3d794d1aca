"""One vocabulary of facts, in Chinese (issue 24 item 4): ``GET /checklist/v1/facts`` labels every key the
seeded no-penalty items and the discretion rule sets use (read from the API, not listed here); an evaluation
naming an unknown key or a wrong value is a 422 naming the key with the nearest known ones; a list item's
evaluation names the 《行政处罚法》第三十三条 facts the decision needs; the public list says so."""

from __future__ import annotations

API = "/checklist/v1"
PUBLIC = f"{API}/public"


async def _vocabulary(stack) -> dict[str, dict]:
    r = await stack.client.get(f"{API}/facts", headers=stack.auth("officer-1", "officer"))
    assert r.status_code == 200, r.text
    return {f["key"]: f for f in r.json()}


async def test_the_vocabulary_labels_every_key_of_the_seeded_items_and_rule_sets(stack):
    c, officer = stack.client, stack.auth("officer-1", "officer")
    assert (await c.get(f"{API}/facts")).status_code == 401  # authenticated, like the other checklist reads
    vocab = await _vocabulary(stack)
    items = (await c.get(f"{API}/no-penalty-items", headers=officer)).json()["items"]
    used = {(x["key"], i["code"]) for i in items for x in [*i["conditions"], *i["exceptions"]]}
    assert len(used) > 10
    for key, code in used:
        assert key in vocab, f"{key} of {code} has no entry"
        assert vocab[key]["label"] and vocab[key]["type"] == "bool"
        assert code in {s["ref"] for s in vocab[key]["sources"]}, (key, vocab[key]["sources"])
    rule_sets = (await c.get(f"{API}/discretion/rule-sets", headers=officer)).json()["items"]
    factors = set()
    for rs in rule_sets:
        r = await c.get(f"{API}/circumstances", params={"rule_set": rs["name"]}, headers=officer)
        assert r.status_code == 200, r.text
        factors |= {(f["key"], f.get("rule_set")) for f in r.json()}
    assert len(factors) > 20
    for key, rule_version in factors:
        assert key in vocab and vocab[key]["label"], key
        if rule_version:  # a rule set's own factor names the rule set as its source
            assert rule_version in {s["ref"] for s in vocab[key]["sources"]}, (key, vocab[key]["sources"])
    # a level is an enum of its grades, each labelled; the first offence is the statute's own words
    assert vocab["discharger_category"]["type"] == "enum"
    assert [v["value"] for v in vocab["discharger_category"]["values"]] == [1, 3, 5]
    assert vocab["first_offence"]["label"] == "初次违法"
    assert any("第三十三条" in (s.get("article") or "") and s["verified"] for s in vocab["first_offence"]["sources"])
    assert vocab["base_amount_cny"]["type"] == "number" and vocab["base_amount_cny"]["unit"] == "元"
    # the public twin serves the same keys
    r = await c.get(f"{PUBLIC}/facts")
    assert r.status_code == 200 and {f["key"] for f in r.json()} == set(vocab)


async def test_an_evaluation_naming_an_unknown_key_or_a_wrong_value_is_a_422_naming_it(stack):
    c, officer = stack.client, stack.auth("officer-1", "officer")
    url = f"{API}/no-penalty-items/NP-EX-002/evaluate"
    r = await c.post(url, headers=officer, json={"facts": {"初次违法": True}})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
    body = r.json()
    assert body["errors"][0]["field"] == "facts.初次违法" and body["code"] == "unknown_fact"
    assert body["errors"][0]["suggestions"][0] == {"key": "first_offence", "label": "初次违法"}
    assert "first_offence" in body["detail"] and "词汇表" in body["detail"]
    r = await c.post(url, headers=officer, json={"facts": {"first_ofence": True}})  # a typo of the key itself
    assert r.status_code == 422 and r.json()["errors"][0]["suggestions"][0]["key"] == "first_offence"
    r = await c.post(url, headers=officer, json={"facts": {"first_offence": "是"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "facts.first_offence", r.text
    assert r.json()["code"] == "invalid_fact_value" and "初次违法" in r.json()["detail"]
    r = await c.post(f"{API}/no-penalty-items/evaluate-all", headers=officer,
                     json={"facts": {"harm_degree": 9}, "violation_codes": ["GI-WAT-001"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "facts.harm_degree", r.text
    # the same keys spelled right (a level among its grades) are evaluated
    r = await c.post(f"{API}/no-penalty-items/evaluate-all", headers=officer,
                     json={"facts": {"harm_degree": 2, "first_offence": True}, "violation_codes": ["GI-WAT-001"]})
    assert r.status_code == 200 and "NP-EX-002" in {i["code"] for i in r.json()["items"]}, r.text


async def test_a_list_items_evaluation_names_the_article_33_facts_the_decision_needs(stack):
    c, officer = stack.client, stack.auth("officer-1", "officer")
    item = (await c.get(f"{API}/no-penalty-items/NP-EX-002", headers=officer)).json()
    own = {x["key"]: True for x in item["conditions"]}
    r = await c.post(f"{API}/no-penalty-items/NP-EX-002/evaluate", headers=officer, json={"facts": own})
    ev = r.json()
    assert r.status_code == 200 and ev["eligible"] is False, r.text
    # the item's own conditions hold: what is missing is 第三十三条第一款 — named, never an empty answer
    assert {"harm_minor", "corrected_in_time", "violation_minor", "no_harm"} <= set(ev["unknown"])
    assert ev["unmet"] == []
    needs = {n["key"]: n for n in ev["needs"]}
    assert needs["harm_minor"]["label"] == "危害后果轻微" and needs["harm_minor"]["item"] is False
    assert "第三十三条第一款" in needs["harm_minor"]["article"]
    # a 第三十三条 fact established false is unmet, with its label
    r = await c.post(f"{API}/no-penalty-items/NP-EX-002/evaluate", headers=officer,
                     json={"facts": {**own, "corrected_in_time": False}})
    assert "corrected_in_time" in r.json()["unmet"], r.text
    assert {n["key"]: n["state"] for n in r.json()["needs"]}["corrected_in_time"] == "unmet"
    # with 首违可不罚 established the item is eligible and nothing is missing
    r = await c.post(f"{API}/no-penalty-items/NP-EX-002/evaluate", headers=officer,
                     json={"facts": {**own, "harm_minor": True, "corrected_in_time": True}})
    ev = r.json()
    assert ev["eligible"] is True and ev["unknown"] == [] and ev["unmet"] == [] and ev["needs"] == [], r.text


async def test_the_public_list_says_an_exemption_needs_the_article_33_conditions_too(stack):
    c = stack.client
    r = await c.get(f"{PUBLIC}/no-penalty-items")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    listed = [i for i in items if i["kind"] == "list"]
    assert listed
    for i in listed:
        assert "《中华人民共和国行政处罚法》第三十三条第一款" in i["requirement"]
        for words in ("违法行为轻微", "没有造成危害后果", "初次违法", "危害后果轻微", "及时改正"):
            assert words in i["requirement"], (words, i["requirement"])
        assert {a["outcome"] for a in i["article_33"]} == {"不予行政处罚", "可以不予行政处罚"}
    # a statutory ground is itself 第三十三条: it needs nothing more
    assert all(i["article_33"] == [] and i["requirement"] is None for i in items if i["kind"] == "statutory")
    page = await c.get("/no-penalty")
    assert page.status_code == 200
    assert "还须同时符合《中华人民共和国行政处罚法》第三十三条第一款规定的下列情形之一" in page.text
    assert "初次违法、危害后果轻微、及时改正" in page.text

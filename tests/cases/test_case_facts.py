"""Facts are checked where they enter a case (issue 24 item 4): a case filed or an investigation completed
naming a key the checklist's vocabulary does not hold, or a value of the wrong type, is a 422 naming the key
(``facts.初次违法``) with the nearest known keys, in Chinese — and nothing is recorded."""

from __future__ import annotations

from services.testing.factories import CASES, CaseDriver
from tests.cases.helpers import snapshot


async def _listed(d: CaseDriver) -> int:
    r = await d.c.get(f"{CASES}/cases", headers=d.off)
    assert r.status_code == 200, r.text
    return len(r.json()["items"])


async def test_a_case_filed_with_an_unknown_fact_key_is_refused_with_the_nearest_keys(stack):
    d = CaseDriver(stack)
    uscc = await d.enterprise()
    listed, before = await _listed(d), await snapshot(stack)
    r = await d.file(uscc, expect=422, facts={"初次违法": True})
    assert r["code"] == "unknown_fact" and r["errors"][0]["field"] == "facts.初次违法", r
    assert r["errors"][0]["suggestions"][0] == {"key": "first_offence", "label": "初次违法"}
    assert "first_offence（初次违法）" in r["detail"] and "事实词汇表" in r["detail"]
    assert await _listed(d) == listed and await snapshot(stack) == before  # no case filed, no number taken
    # a value of the wrong type: named with what the key takes
    r = await d.file(uscc, expect=422, facts={"ecological_damage": "有"})
    assert r["code"] == "invalid_fact_value" and r["errors"][0]["field"] == "facts.ecological_damage", r
    assert "违反国家规定造成生态环境损害" in r["detail"] and "是或否" in r["detail"]
    r = await d.file(uscc, expect=422, facts={"discharger_category": 2})  # not one of the grades 1, 3, 5
    assert r["errors"][0]["field"] == "facts.discharger_category" and "登记管理" in r["detail"], r
    assert await _listed(d) == listed and await snapshot(stack) == before
    # the same facts spelled right are filed
    case = await d.file(uscc, facts={"first_offence": True, "ecological_damage": False, "discharger_category": 3,
                                     "harm_minor": None})
    assert case["facts"] == {"first_offence": True, "ecological_damage": False, "discharger_category": 3,
                             "harm_minor": None}
    assert await _listed(d) == listed + 1


async def test_an_investigation_naming_an_unknown_fact_records_nothing(stack):
    d = CaseDriver(stack)
    case = await d.file(await d.enterprise(), facts={"first_offence": True})
    before = await snapshot(stack)
    r = await d.c.post(f"{CASES}/cases/{case['id']}/investigation/complete", headers=d.off,
                       json={"facts": {"harm_minor": True, "危害后果轻微": True}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "facts.危害后果轻微", r.text
    assert r.json()["errors"][0]["suggestions"][0]["key"] == "harm_minor"
    r = await d.c.post(f"{CASES}/cases/{case['id']}/investigation/complete", headers=d.off,
                       json={"facts": {"base_amount_cny": "十万"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "facts.base_amount_cny", r.text
    assert await snapshot(stack) == before and (await d.get(case["id"]))["facts"] == {"first_offence": True}
    done = await d.investigate(case["id"], {"harm_minor": True, "base_amount_cny": 100000})
    assert done["facts"] == {"first_offence": True, "harm_minor": True, "base_amount_cny": 100000}

"""Issue 23 (3, 4): the act behind each violation and its dates — validated at filing and at the
investigation; a decision needs every act dated (第三十六条、第三十七条), checks the limitation again on the
final facts (第三十六条), fines one act once (第二十九条 第一句) and one act violating several articles within the
highest article's range (第二十九条 第二句). Each refusal a 409 naming its rule with nothing written; each rule's
lawful counterpart decided."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.cases.case.decision import _fine_range
from services.cases.workflow import Act
from services.testing.factories import CaseDriver
from tests.cases.helpers import snapshot
from tests.cases.test_decision_gate import WHY, driver, fine, notified, refused

FIVE = "life_health_or_financial_safety_with_harm"
WAT = "GI-WAT-001"  # 《水污染防治法》第八十三条: 十万元以上一百万元以下
LAW = {"law_article": "《中华人民共和国水污染防治法》第八十三条"}


async def opened(d: CaseDriver, uscc: str, *, findings: dict | None = None, found: list | None = None,
                 **filing: Any) -> str:
    """Filed (``filing`` extra fields), evidence, investigated on ``findings`` (and act dates ``found``), reviewed."""
    cid = (await d.file(uscc, **filing))["id"]
    await d.evidence(cid)
    body: dict[str, Any] = {"facts": findings or {}}
    if found is not None:
        body["violations"] = found
    await d.post(cid, "investigation/complete", d.off, body)
    await d.review(cid, "penalty")
    return cid


async def penalty(d: CaseDriver, cid: str, amount: float = 150_000.0, reason: str | None = None) -> dict:
    await notified(d, cid, amount)
    return await d.decide(cid, {**fine("penalty", amount, reason), "basis": LAW})


def field_of(problem: dict) -> str:
    return problem["errors"][0]["field"]


async def test_act_dates_are_validated_at_filing_and_at_the_investigation(stack):
    d = await driver(stack)
    uscc = await d.enterprise()
    before = await snapshot(stack)
    bad = await d.file(uscc, 422, violations=[{"code": WAT, "occurred_on": "2026-03-10", "ended_on": "2026-03-01"}])
    assert field_of(bad) == "violations[0].ended_on", bad
    bad = await d.file(uscc, 422, violations=[{"code": WAT, "occurred_on": "2026-06-02"}])  # after today (06-01)
    assert field_of(bad) == "violations[0].occurred_on", bad
    bad = await d.file(uscc, 422, occurred_on="2026-05-10", ended_on="2026-05-01")
    assert field_of(bad) == "ended_on", bad
    assert await snapshot(stack) == before
    # Each violation its own dates; the case-level ones the default of the others.
    case = await d.file(uscc, occurred_on="2026-05-01", violations=[
        {"code": WAT}, {"code": "GI-AIR-001", "occurred_on": "2026-04-01", "ended_on": "2026-04-20"}])
    assert case["violations"] == [{"code": WAT, "occurred_on": "2026-05-01"},
                                  {"code": "GI-AIR-001", "occurred_on": "2026-04-01", "ended_on": "2026-04-20"}]
    cid = case["id"]
    before = await snapshot(stack)
    for body, where in (([{"code": "GI-NOPE-1", "occurred_on": "2026-05-01"}], "violations[0].code"),
                        ([{"code": WAT, "occurred_on": "2026-07-01"}], "violations[0].occurred_on"),
                        ([{"code": WAT, "occurred_on": "2026-05-01", "ended_on": "2026-04-01"}], "violations[0].ended_on"),
                        ([{"code": WAT, "occurred_on": "2026-05-01", "act": "x"},
                          {"code": "GI-AIR-001", "occurred_on": "2026-04-01", "act": "x"}], "violations[1].act")):
        r = await d.c.post(f"/cases/v1/cases/{cid}/investigation/complete", headers=d.off,
                           json={"facts": {}, "violations": body})
        assert r.status_code == 422 and field_of(r.json()) == where, r.text
    assert await snapshot(stack) == before
    # The investigation corrects one violation's dates; the other keeps the filing's.
    done = await d.post(cid, "investigation/complete", d.off, {"violations": [{"code": WAT, "occurred_on": "2026-04-15"}]})
    assert done["violations"][0] == {"code": WAT, "occurred_on": "2026-04-15"}
    assert done["violations"][1]["occurred_on"] == "2026-04-01"


async def test_a_decision_needs_every_act_dated(stack):
    """act_date_required (第三十六条、第三十七条): refused for any type; dated by the investigation, decided."""
    d = await driver(stack)
    cid = await opened(d, await d.enterprise(), occurred_on=None)
    await notified(d, cid, 150_000.0)
    p = await refused(d, cid, {**fine("penalty", 150_000.0), "basis": LAW}, "act_date_required")
    assert "GI-WAT-001" in p["detail"] and "occurred_on" in p["detail"] and "violations[0]" in p["detail"], p
    assert "第三十六条" in p["article"] and "第三十七条" in p["article"]
    # Back to the investigation, which records the date; then the lawful path decides.
    await d.post(cid, "legal-review", d.rev, {"opinion": "return", "notes": "补充违法行为发生日期"})
    await d.post(cid, "investigation/complete", d.off, {"violations": [{"code": WAT, "occurred_on": "2026-05-02"}]})
    await d.review(cid, "penalty")
    case = await penalty(d, cid)
    assert case["state"] == "decided" and case["decision"]["acts"] == [{"code": WAT, "occurred_on": "2026-05-02"}]


async def test_the_limitation_is_checked_again_at_the_decision_on_the_final_facts(stack):
    """limitation_at_decision (第三十六条): the five-year condition dropped by the investigation, or the act
    date corrected to before the period, refuses the decision; the same case with the condition true is decided."""
    d = await driver(stack)
    uscc = await d.enterprise()
    filing = dict(occurred_on="2023-01-10", clue_received_on="2026-05-25", facts={FIVE: True})
    dropped = await opened(d, uscc, findings={FIVE: False}, **filing)
    await notified(d, dropped, 150_000.0)
    p = await refused(d, dropped, {**fine("penalty", 150_000.0), "basis": LAW}, "limitation_at_decision")
    assert "2025-01-10" in p["detail"] and FIVE in p["detail"], p
    corrected = await opened(d, uscc, found=[{"code": WAT, "occurred_on": "2024-01-10"}], occurred_on="2026-01-10",
                             clue_received_on="2026-05-25")
    await notified(d, corrected, 150_000.0)
    await refused(d, corrected, {**fine("penalty", 150_000.0), "basis": LAW}, "limitation_at_decision")
    # The same case with the five-year condition established: discovered within five years, decided.
    kept = await opened(d, uscc, findings={FIVE: True}, **filing)
    assert (await penalty(d, kept))["state"] == "decided"


async def test_one_act_is_fined_once(stack):
    """one_act_one_fine (第二十九条 第一句): the same enterprise, violation and an overlapping act period as an
    earlier fine is refused naming that case; another period of the same violation is fined."""
    d = await driver(stack)
    uscc = await d.enterprise()
    first = await opened(d, uscc, occurred_on="2026-03-01", ended_on="2026-03-10")
    number = (await penalty(d, first))["number"]
    again = await opened(d, uscc, occurred_on="2026-03-05")
    await notified(d, again, 150_000.0)
    p = await refused(d, again, {**fine("penalty", 150_000.0), "basis": LAW}, "one_act_one_fine")
    assert number in p["detail"] and "第二十九条" in p["article"], p
    other = await opened(d, uscc, occurred_on="2026-04-01")
    case = await penalty(d, other)
    assert case["state"] == "decided" and case["decision"]["fine_amount"] == 150_000.0


async def test_one_act_violating_several_articles_is_fined_by_the_highest(stack):
    """one_act_highest_range (第二十九条 第二句): GI-PMT-004 (5,000–20,000) and GI-AIR-001 (100,000–1,000,000)
    labelled one act: the sum is refused, the highest article's maximum decided; as two acts, summed."""
    d = await driver(stack)
    uscc = await d.enterprise()
    one = [{"code": "GI-PMT-004", "act": "a"}, {"code": "GI-AIR-001", "act": "a"}]
    cid = await opened(d, uscc, violations=one, occurred_on="2026-05-01")
    await d.discuss(cid, "penalty")  # 第五十七条第二款: a fine of this size is the leaders' collective decision
    await notified(d, cid, 1_020_000.0)
    p = await refused(d, cid, fine("penalty", 1_020_000.0, WHY), "one_act_highest_range")
    assert "1e+06" in p["detail"] or "1000000" in p["detail"], p
    case = await d.decide(cid, fine("penalty", 1_000_000.0, WHY))
    assert case["decision"]["discretion"]["statutory_max"] == 1_000_000.0 and "GI-AIR-001" in case["decision"]["one_act"]
    two = [{"code": "GI-PMT-004"}, {"code": "GI-AIR-001"}]
    cid = await opened(d, uscc, violations=two, occurred_on="2026-05-20")
    await d.discuss(cid, "penalty")
    await notified(d, cid, 1_020_000.0)
    case = await d.decide(cid, fine("penalty", 1_020_000.0, WHY))
    assert case["decision"]["discretion"]["statutory_max"] == 1_020_000.0 and case["decision"]["one_act"] is None


def test_fine_range_per_act_unit():
    calc = [{"statutory_min": 5000, "statutory_max": 20000, "fine_min": 5000, "fine_max": 20000},
            {"statutory_min": 100000, "statutory_max": 1e6, "fine_min": 1e5, "fine_max": 1e6}]
    day = date(2026, 5, 1)
    same = _fine_range(calc, (Act("A", day, act="x"), Act("B", day, act="x")))
    assert same is not None and (same.statutory_min, same.statutory_max, same.sum_max) == (1e5, 1e6, 1_020_000.0)
    apart = _fine_range(calc, (Act("A", day), Act("B", day)))
    assert apart is not None and apart.statutory_max == 1_020_000.0 and not apart.one_act
    assert Act("A", day, date(2026, 5, 9)).overlaps(Act("A", date(2026, 5, 9)))
    assert not Act("A", day, date(2026, 5, 8)).overlaps(Act("A", date(2026, 5, 9)))

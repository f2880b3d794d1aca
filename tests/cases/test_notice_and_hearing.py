"""The notice and the hearing as the statute writes them (issue 23 item 5): the notice states its facts,
reasons and basis — the penalty article included (第四十四条); after the party's defence a heavier notice
needs new facts established by a re-investigation (第四十五条); a requested hearing is scheduled seven
working days ahead (第六十四条第（二）项、第八十五条), presided by a non-investigator (（四）), recorded (（八）),
and the decision rests on its record (第六十五条). Every refusal is a 409 naming its rule, and writes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from services.cases.models import Case
from services.testing.factories import CASES, CaseDriver
from shared import clock
from tests.cases.helpers import snapshot

WATER = "中华人民共和国水污染防治法"
PENALTY_ARTICLE = {"law": WATER, "article": "第八十三条", "role": "penalty"}
REASON = "违法情节较重，书面说明罚款数额理由"


async def refused(d: CaseDriver, cid: str, path: str, body: dict | None, rule_code: str, headers=None) -> dict:
    """The request is refused with ``rule_code`` (409, the rule's article quoted) and nothing is written."""
    before, case = await snapshot(d.s), await d.get(cid)
    r = await d.c.post(f"{CASES}/cases/{cid}/{path}", headers=headers or d.lead, json=body)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["rule_code"] == rule_code, problem
    assert problem["article"] in problem["rule"] and "verified" in problem and problem["allowed_actions"]
    assert await snapshot(d.s) == before
    after = await d.get(cid)
    assert (after["records"], after["steps"], after["state"], after["facts"]) == \
        (case["records"], case["steps"], case["state"], case["facts"])
    return problem


async def reviewed_case(d: CaseDriver, fine: float = 100000.0) -> str:
    d.at(2026, 6, 1)
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid, "penalty", fine)
    return cid


async def defended(d: CaseDriver, cid: str) -> dict:
    return await d.post(cid, "statement", d.off, {"content": "我司已整改，违法情节轻微，请求从轻处罚", "by": "法定代表人"})


# -- 第四十四条: 事实、理由、依据 ----------------------------------------------------------------------------
async def test_a_notice_without_basis_states_the_guidance_items_articles(stack):
    d = CaseDriver(stack)
    cid = await reviewed_case(d)
    case = await d.notify(cid, 100000.0, facts_and_reasons="")
    n = case["records"]["notice"]
    assert n["basis_source"] == "guidance_items"
    penalty = [b for b in n["basis"] if b["role"] == "penalty"]
    obligation = [b for b in n["basis"] if b["role"] == "obligation"]
    assert {(b["law"], b["article"]) for b in penalty} >= {(WATER, "第八十三条")}
    assert obligation and all(b["violation"] == "GI-WAT-001" for b in n["basis"])
    assert n["facts"].startswith("出水化学需氧量超标排放")  # the case's summary: the facts found
    assert "第八十三条" in n["reasons"] and "罚款人民币100,000.00元" in n["reasons"]  # in Chinese, no API keys
    # 按日连续处罚 after 复查 (《水污染防治法》第九十五条) is no basis of a first notice (rights.DAILY_PENALTY)
    assert "第九十五条" not in {b["article"] for b in penalty} and "第九十五条" not in n["reasons"]


async def test_a_notice_naming_only_procedural_articles_is_refused_and_one_naming_the_penalty_article_stands(stack):
    d = CaseDriver(stack)
    cid = await reviewed_case(d)
    procedural = [{"law": "中华人民共和国行政处罚法", "article": "第四十四条"},
                  {"law": "中华人民共和国行政处罚法", "article": "第六十三条"}]
    body = {"intended_type": "penalty", "intended_fine": 100000.0, "penalty_kinds": ["fine"],
            "facts": "出水COD超标", "reasons": "超标排放", "basis": procedural}
    problem = await refused(d, cid, "notice", body, "notice_states_basis", headers=d.off)
    assert "basis" in problem["detail"] and "第八十三条" in problem["detail"] and "第四十四条" in problem["article"]
    # the law may be written with 《》 and without the 中华人民共和国 prefix
    body["basis"] = [*procedural, {"law": "《水污染防治法》", "article": "第八十三条"}]
    n = (await d.post(cid, "notice", d.off, body))["records"]["notice"]
    assert n["basis_source"] == "given" and n["facts"] == "出水COD超标" and n["reasons"] == "超标排放"
    assert {"law": "《水污染防治法》", "article": "第八十三条", "clause": None, "role": None, "violation": None} in n["basis"]


# -- 第四十五条: no heavier penalty because of the defence ---------------------------------------------------
async def test_heavier_renotice_after_the_defence_on_unchanged_facts_is_refused(stack):
    """The issue's scenario: notice 10万, statement, re-notice 50万 on the same facts — refused, whether asked
    at once, after evidence alone, or after a re-investigation that changed nothing; 50万 is never decided."""
    d = CaseDriver(stack)
    cid = await reviewed_case(d)
    await d.notify(cid, 100000.0)
    await defended(d, cid)
    heavier = {"intended_type": "penalty", "intended_fine": 500000.0, "penalty_kinds": ["fine"],
               "facts_and_reasons": "超标排放"}
    problem = await refused(d, cid, "notice", heavier, "heavier_renotice_needs_new_facts", headers=d.off)
    assert "no evidence added" in problem["detail"] and "第四十五条" in problem["article"]
    await refused(d, cid, "decision", {"type": "penalty", "fine_amount": 500000.0, "reason": REASON},
                  "review_binds_decision")
    d.at(2026, 6, 2)
    await d.reinvestigate(cid)
    await d.evidence(cid, "补充询问笔录", "当事人陈述整改情况")
    await d.complete_investigation(cid)  # the same facts
    await d.review(cid, "penalty", 500000.0)
    problem = await refused(d, cid, "notice", heavier, "heavier_renotice_needs_new_facts", headers=d.off)
    assert "no fact changed" in problem["detail"]
    # the same penalty again is no heavier: allowed, and it states what is new since the statement
    d.at(2026, 6, 3)
    await d.review(cid, "penalty", 100000.0)
    n = (await d.notify(cid, 100000.0))["records"]["notice"]
    assert n["new_facts"]["evidence"] == ["补充询问笔录：当事人陈述整改情况"] and n["new_facts"]["changed"] == {}
    d.at(2026, 6, 15)
    await refused(d, cid, "decision", {"type": "penalty", "fine_amount": 500000.0, "reason": REASON},
                  "review_binds_decision")


async def test_heavier_renotice_on_new_facts_states_them_and_is_decided(stack):
    d = CaseDriver(stack)
    cid = await reviewed_case(d)
    await d.notify(cid, 100000.0)
    await defended(d, cid)
    d.at(2026, 6, 2)
    await d.reinvestigate(cid, "复核申辩时发现暗管排放")
    assert (await d.get(cid))["state"] == "investigated"
    await d.evidence(cid, "现场检查笔录", "发现暗管，夜间直排")
    # 暗管直排: the evasion table's 行为情形 at its heaviest grade (a key of the fact vocabulary)
    await d.complete_investigation(cid, {"conduct": 5})
    await d.review(cid, "penalty", 500000.0)
    await d.discuss(cid, "penalty", 500000.0)  # 第五十七条第二款: above the default 200,000
    case = await d.notify(cid, 500000.0, facts_and_reasons="超标排放，并通过暗管夜间直排")
    new = case["records"]["notice"]["new_facts"]
    assert new["evidence"] == ["现场检查笔录：发现暗管，夜间直排"]
    assert new["changed"] == {"conduct": {"from": None, "to": 5}}
    earlier = case["records"]["earlier_notices"]
    assert earlier[0]["intended_fine"] == 100000.0 and earlier[0]["statement"]["content"].startswith("我司已整改")
    d.at(2026, 6, 15)  # the statement and hearing-request periods have run out
    decided = await d.decide(cid, {"type": "penalty", "fine_amount": 500000.0, "reason": REASON})
    assert decided["state"] == "decided" and decided["decision"]["fine_amount"] == 500000.0


# -- 第六十四条: the hearing -----------------------------------------------------------------------------------
async def requested(d: CaseDriver, on: tuple[int, int, int] = (2026, 6, 1)) -> str:
    d.at(*on)
    cid = (await d.file(await d.enterprise()))["id"]
    await d.evidence(cid)
    await d.complete_investigation(cid)
    await d.review(cid, "penalty", 150000.0)
    await d.notify(cid, 150000.0)
    ent = d.s.auth("e1", "enterprise", uscc=(await d.get(cid))["uscc"])
    await d.post(cid, "hearing/request", ent)
    return cid


def at(y: int, m: int, day: int, h: int = 9) -> datetime:
    return datetime(y, m, day, h, 30, tzinfo=clock.TZ)


async def test_the_hearing_is_notified_seven_working_days_ahead(stack):
    """Notified on Monday 28 September 2026: seven working days (第八十五条) run past the National Day holidays
    to 13 October; 12 October is refused although it is two calendar weeks later."""
    d = CaseDriver(stack)
    cid = await requested(d, (2026, 9, 28))
    body = {"at": at(2026, 10, 12).isoformat(), "place": "听证室", "presided_by": "hearing-officer-1"}
    problem = await refused(d, cid, "hearing/schedule", body, "hearing_notice_seven_days")
    assert "2026-10-13" in problem["detail"] and "第八十五条" in problem["article"]
    case = await d.schedule_hearing(cid, at(2026, 10, 13))
    h = case["records"]["hearing"]
    assert h["earliest_lawful_day"] == "2026-10-13" and h["notified_on"] == "2026-09-28" and h["place"]
    # a notification said to be given tomorrow is bad input, named
    r = await d.c.post(f"{CASES}/cases/{cid}/hearing/schedule", headers=d.lead,
                       json={**body, "at": at(2026, 10, 20).isoformat(), "notified_on": "2026-09-29"})
    assert r.status_code == 422 and "notified_on" in r.text


async def test_the_hearing_is_held_as_scheduled_by_a_non_investigator_with_a_record(stack):
    d = CaseDriver(stack)
    cid = await requested(d)
    full = {"record": "听证笔录", "party_statements": "当事人申辩", "signature": "signed"}
    assert "schedule_hearing" in (await d.get(cid))["allowed_actions"]
    await refused(d, cid, "hearing", {**full, "presided_by": "hearing-officer-1"}, "hearing_notice_seven_days")
    await refused(d, cid, "hearing/schedule", {"at": at(2026, 6, 12).isoformat(), "place": "听证室",
                                               "presided_by": "officer-b"}, "hearing_presider_not_investigator")
    await d.schedule_hearing(cid, at(2026, 6, 12))
    d.at(2026, 6, 11)
    await refused(d, cid, "hearing", full, "hearing_notice_seven_days")  # before the notified time
    d.at(2026, 6, 12, 11)
    await refused(d, cid, "hearing", {**full, "presided_by": "officer-a"}, "hearing_presider_not_investigator")
    await refused(d, cid, "hearing", {"record": "听证笔录", "signature": "signed"}, "hearing_record_required")
    await refused(d, cid, "hearing", {**full, "signature": None}, "hearing_record_required")
    await refused(d, cid, "hearing", {**full, "signature": "refused"}, "hearing_record_required")  # no note
    case = await d.hold_hearing(cid, signature="refused")
    h = case["records"]["hearing"]
    assert h["presided_by"] == "hearing-officer-1" and h["signature"] == "refused" and h["refusal_note"]
    assert h["at_issue"] == {"intended_type": "penalty", "intended_fine": 150000.0, "penalty_kinds": ["fine"]}
    await d.review(cid, "penalty", 150000.0)  # 第五十八条第一款第（二）项
    decided = await d.decide(cid, {"type": "penalty", "fine_amount": 150000.0})
    assert decided["state"] == "decided" and "第六十五条" in decided["decision"]["hearing_record"]["basis"]


# -- 第六十五条: the decision rests on the hearing record -------------------------------------------------------
async def test_a_decision_on_facts_the_hearing_record_does_not_hold_is_refused(stack):
    """The workflow changes facts only in investigation, which voids the notice and its hearing; a change by
    any other way (here written straight to the row) leaves facts off the record, and the decision is refused."""
    d = CaseDriver(stack)
    cid = await requested(d)
    await d.schedule_hearing(cid, at(2026, 6, 12))
    d.at(2026, 6, 12, 11)
    await d.hold_hearing(cid)
    await d.review(cid, "penalty", 150000.0)
    async with d.rt.sessionmaker() as session, session.begin():
        await session.execute(update(Case).where(Case.id == cid).values(facts={"hidden_pipe_discharge": True}))
    problem = await refused(d, cid, "decision", {"type": "penalty", "fine_amount": 150000.0},
                            "decision_on_hearing_record")
    assert "hidden_pipe_discharge" in problem["detail"] and "第六十五条" in problem["article"]
    async with d.rt.sessionmaker() as session, session.begin():
        await session.execute(update(Case).where(Case.id == cid).values(facts={}))
    assert (await d.decide(cid, {"type": "penalty", "fine_amount": 150000.0}))["state"] == "decided"

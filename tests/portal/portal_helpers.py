"""Helpers of the public-read, publication and portal tests: penalised cases driven over HTTP on a fixed
clock (cases: 15 June 2026 in Asia/Shanghai), the credit service's clock fixed too, a fine paid by event."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from services.testing.factories import BUREAU, CASES, CaseDriver, next_act_date, officer
from shared import clock as cases_clock
from shared.contracts import CaseFinePaid

DECIDED_AT = datetime(2026, 6, 15, 10, 0, tzinfo=cases_clock.TZ)
SUMMARY = ("经查，当事人于2026年6月1日超过水污染物排放标准排放废水。现场负责人王某某（身份证号320501199001011234，"
           "电话13812345678，邮箱wang@example.com）在场，罚款可汇入其个人账户6222021234567890123。")
PERSONAL = ("320501199001011234", "13812345678", "wang@example.com", "6222021234567890123", "王某某")


def fix_cases_clock(stack, at: datetime = DECIDED_AT) -> None:
    stack.runtimes["cases"].clock.set(at)


def fix_credit_clock(stack, day: date) -> None:
    """The credit service's "today" (10:00 that day in Asia/Shanghai)."""
    stack.runtimes["credit"].clock.set(datetime.combine(day, time(10, 0), cases_clock.TZ).astimezone(UTC))


async def penalised_case(stack, *, summary: str = SUMMARY, bureau: str = BUREAU, uscc: str | None = None,
                         name: str = "苏州某某环保科技有限公司", fine: float = 150000.0) -> dict[str, Any]:
    """A case filed, investigated, reviewed, notified and decided with a fine, over HTTP."""
    fix_cases_clock(stack)
    d = CaseDriver(stack, bureau=bureau)
    uscc = await d.enterprise(uscc=uscc, name=name)
    r = await stack.client.post(f"{CASES}/cases", headers=d.off, json={
        "uscc": uscc, "bureau": bureau, "source": "日常检查", "summary": summary,
        "violations": [{"code": "GI-WAT-001"}], "handlers": d.handlers, "facts": {},
        "occurred_on": next_act_date(stack.runtimes["cases"].clock.today(), uscc)})  # 第三十六条、第三十七条
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    await d.investigate(cid)
    await d.review(cid)
    await d.notice(cid, fine, "penalty")
    return await d.decide(cid, {"type": "penalty", "fine_amount": fine,
                                "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}})


async def credit_record(stack, uscc: str) -> dict[str, Any]:
    """The case's credit record, once the credit service has consumed the decision."""
    headers = stack.auth("auditor-1", "auditor")

    async def one():
        r = await stack.client.get(f"/credit/v1/enterprises/{uscc}/records", headers=headers)
        return r.json()[0] if r.status_code == 200 and r.json() else None

    return await stack.wait_for(one, what=f"the credit record of {uscc}")


async def pay_fine(stack, case: dict[str, Any]) -> None:
    """``case.fine_paid.v1`` through the real outbox → bus → credit path (the execution step needs service)."""
    cases = stack.runtimes["cases"]
    async with cases.sessionmaker() as s, s.begin():
        event = await cases.emit(s, CaseFinePaid(
            case_id=case["id"], number=case["number"], uscc=case["uscc"], bureau=case["bureau"],
            amount=case["decision"]["fine_amount"], paid_at=datetime(2026, 7, 1, 3, 0, tzinfo=UTC)),
            subject=case["id"])
    from services.testing.decisions import Decisions

    await Decisions(stack).processed("credit", event.id)


async def published_with_letter_and_typical_case(stack, case: dict[str, Any]) -> None:
    """The pages' data beside a penalised case: its decision marked for publication, a 合规建议书 on it, and a
    典型案例 of its violation — each as the bureau's officer posts it."""
    c = stack.client
    off = officer(stack, bureau=BUREAU)
    r = await c.post(f"{CASES}/cases/{case['id']}/publication", headers=off, json={"reason": "罚款数额较大，社会关注度高"})
    assert r.status_code == 201, r.text
    r = await c.post(f"{CASES}/advice-letters", headers=off, json={
        "uscc": case["uscc"], "findings": ["污水处理设施运行记录不完整"], "requirements": ["补全运行台账"],
        "due": "2026-07-15", "case_id": case["id"]})
    assert r.status_code == 201, r.text
    r = await c.post("/checklist/v1/typical-cases", headers=off, json={
        "code": "TC-2026-07", "bureau": BUREAU, "year": 2026, "title": "某污水处理厂出水超标案",
        "summary": "某污水处理厂出水化学需氧量超标。", "outcome": "责令改正并处罚款。", "lesson": "按规定频次监测出水水质。",
        "item_codes": ["GI-WAT-001"]})
    assert r.status_code == 201, r.text

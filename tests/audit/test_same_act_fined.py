"""一事不再罚 in the audit (《行政处罚法》第二十九条): a second fine for the same act of an enterprise (same
violation, overlapping act period) that slipped past the gate — two bureaus, each blind to the other's
cases — is flagged, over the real outbox → relay → bus → consumer path (both setups), in whatever order
the decisions arrive; another period of the same violation is not."""

from __future__ import annotations

import uuid
from datetime import date

from audit_helpers import all_flags, at, consumed, emit

from services.audit.config import AuditSettings
from services.audit.flags.rules import ActSpan, Decision, History, same_act_fined_twice
from services.testing.factories import BUREAU, OTHER_BUREAU, new_uscc
from shared import contracts as c

WAT = "GI-WAT-001"


def fined(decisions, uscc: str, bureau: str, day: str, occurred: str, ended: str | None = None, number: str = ""):
    return decisions.payload(case_id=str(uuid.uuid4()), uscc=uscc, bureau=bureau, decided_at=at(day),
                             decision_date=date.fromisoformat(day), fine_amount=150_000.0, violations=[WAT],
                             number=number or f"苏环罚〔2026〕{uuid.uuid4().hex[:6]}号",
                             acts=[c.ActPeriod(code=WAT, occurred_on=date.fromisoformat(occurred),
                                               ended_on=date.fromisoformat(ended) if ended else None)])


def codes(flags: list[dict], case_id: str) -> list[str]:
    return [r["code"] for f in flags if f["case_id"] == case_id for r in f["rules"]]


async def test_a_second_fine_for_the_same_act_is_flagged_whatever_the_order(stack, decisions):
    uscc, late_uscc = new_uscc(), new_uscc()
    first = fined(decisions, uscc, BUREAU, "2026-06-01", "2026-03-01", "2026-03-10", number="苏吴环罚〔2026〕501号")
    second = fined(decisions, uscc, OTHER_BUREAU, "2026-06-10", "2026-03-05")
    other_period = fined(decisions, uscc, OTHER_BUREAU, "2026-06-12", "2026-04-01")
    # The earlier fine arrives after the later one: the later case is re-checked.
    later = fined(decisions, late_uscc, OTHER_BUREAU, "2026-06-20", "2026-02-01", "2026-02-28")
    earlier = fined(decisions, late_uscc, BUREAU, "2026-06-02", "2026-02-15", number="苏吴环罚〔2026〕502号")
    for p in (first, second, other_period, later, earlier):
        await consumed(stack, await emit(stack, p))
    flags = await all_flags(stack)
    assert "same_act_fined_twice" in codes(flags, second.case_id)
    hit = next(r for f in flags if f["case_id"] == second.case_id for r in f["rules"] if r["code"] == "same_act_fined_twice")
    assert "苏吴环罚〔2026〕501号" in hit["detail"] and "第二十九条" in hit["detail"] and hit["severity"] == "high"
    assert "same_act_fined_twice" not in codes(flags, first.case_id)
    assert "same_act_fined_twice" not in codes(flags, other_period.case_id)
    assert "same_act_fined_twice" in codes(flags, later.case_id)
    assert "same_act_fined_twice" not in codes(flags, earlier.case_id)


def test_same_act_fined_twice_unit():
    cfg = AuditSettings()
    a = ActSpan(WAT, date(2026, 3, 1), date(2026, 3, 10))
    before = Decision("penalty", case_id="x", uscc="U", fine_amount=1.0, decision_date=date(2026, 6, 1), acts=(a,),
                      number="X-1")
    now = Decision("penalty", case_id="y", uscc="U", fine_amount=1.0, decision_date=date(2026, 6, 2),
                   acts=(ActSpan(WAT, date(2026, 3, 10), date(2026, 3, 10)),))
    assert same_act_fined_twice(now, History(fined=(before,)), cfg) is not None
    other = Decision("penalty", case_id="y", uscc="U", fine_amount=1.0, decision_date=date(2026, 6, 2),
                     acts=(ActSpan(WAT, date(2026, 3, 11), date(2026, 3, 11)),))
    assert same_act_fined_twice(other, History(fined=(before,)), cfg) is None
    warning = Decision("penalty", case_id="y", uscc="U", decision_date=date(2026, 6, 2), acts=now.acts)
    assert same_act_fined_twice(warning, History(fined=(before,)), cfg) is None

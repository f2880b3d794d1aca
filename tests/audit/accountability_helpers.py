"""A wrong case for the 错案责任倒查 tests: its filing, legal review, collective discussion and decision go through
the cases outbox → bus → audit consumer (the real path), so the audit's log holds each person's part; then a
municipal auditor reviews its flag as 发现问题."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.testing.decisions import Decisions
from services.testing.factories import BUREAU, new_uscc
from shared.contracts import CaseCollectiveDiscussed, CaseFiled, CaseGateRefused, CaseLegalReviewed
from tests.audit.audit_helpers import consumed, emit

MUNICIPAL = "320500"  # 苏州市生态环境局: the supervisors of the district bureaus
AT = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)


def supervisor(stack, sub: str = "auditor-sz") -> dict[str, str]:
    return stack.auth(sub, "auditor", bureau=MUNICIPAL, name="周监督")


async def wrong_case(stack, *, review: str | None = "issue_found", bureau: str = BUREAU) -> dict:
    """A no-penalty case of ``bureau`` handled by officer-a/officer-b, reviewed by legal-1, discussed by
    leader-2 (recorder) and leader-3, decided by leader-1; its flag reviewed with ``review`` (None: not reviewed)."""
    case_id, uscc = str(uuid.uuid4()), new_uscc()
    d = Decisions(stack)
    number = d.payload().number
    for p in (
        CaseFiled(case_id=case_id, number=number, uscc=uscc, bureau=bureau, violations=["GW-01"],
                  handlers=["officer-a", "officer-b"], filed_by="officer-a", filed_at=AT),
        CaseLegalReviewed(case_id=case_id, number=number, bureau=bureau, opinion="approve", reviewer="legal-1",
                          reviewed_at=AT + timedelta(days=1), proposed_type="no_penalty"),
        CaseCollectiveDiscussed(case_id=case_id, number=number, bureau=bureau, participants=["leader-2", "leader-3"],
                                conclusion="no_penalty", votes={"for": 2, "against": 0, "abstain": 0},
                                recorded_by="leader-2", discussed_at=AT + timedelta(days=2),
                                decision_type="no_penalty"),
    ):
        await consumed(stack, await emit(stack, p))
    payload, event = await d.emit(case_id=case_id, number=number, uscc=uscc, bureau=bureau,
                                  decision_type="no_penalty", fine_amount=None, decided_by="leader-1",
                                  decided_at=AT + timedelta(days=3))
    await d.processed("audit", event.id)
    r = await stack.client.get("/audit/v1/flags", params={"size": 200}, headers=supervisor(stack))
    flag = {f["case_id"]: f for f in r.json()["items"]}[case_id]
    if review:
        r = await stack.client.post(f"/audit/v1/flags/{flag['id']}/review", headers=supervisor(stack),
                                    json={"outcome": review, "notes": "法制审核未核实首违事实，免罚依据不足"})
        assert r.status_code == 200, r.text
    return {"case_id": case_id, "number": number, "uscc": uscc, "flag_id": flag["id"], "bureau": bureau}


async def refused_attempt(stack, case: dict, by: str) -> None:
    await consumed(stack, await emit(stack, CaseGateRefused(
        refusal_id=str(uuid.uuid4()), case_id=case["case_id"], number=case["number"], uscc=case["uscc"],
        bureau=case["bureau"], state="discussed", action="decide", attempted_by=by, attempted_at=AT,
        decision_type="no_penalty", rule_code="missing_legal_review", article="第五十八条", detail="缺少法制审核")))


ALL_AFFIRMED = {
    "no_breach_of_discipline_or_law": {"affirmed": True, "evidence": "纪检监察机构出具的无违纪违法情况说明"},
    "diligent": {"affirmed": True, "evidence": "调查笔录与现场检查记录完整，按程序报请法制审核"},
    "no_private_gain": {"affirmed": True, "evidence": "廉政谈话记录及本人书面说明，未发现利益往来"},
    "corrected_in_time": {"affirmed": True, "evidence": "发现问题后三日内主动报告并启动撤销程序"},
}


async def register_people(stack) -> None:
    """The case's people on the officers register, so the pages show names: 张执法, 李执法 (handlers), 局长0,
    副局长1, 副局长2 (leaders) and 王法审 (the legal reviewer)."""
    from services.testing.factories import CaseDriver

    driver = CaseDriver(stack)
    await driver.certify()
    r = await stack.client.post("/cases/v1/officers", headers=stack.auth("admin-1", "admin"), json={
        "sub": "legal-1", "name": "王法审", "bureau": BUREAU, "cert_no": "JSF0001"})
    assert r.status_code == 201, r.text

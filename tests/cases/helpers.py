"""Drives cases of the cases service over HTTP, on a fixed clock (time limits are tested on fixed
dates), with officers on the certificate register."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from services.testing.factories import BUREAU, IN_LIST_FACTS, leader, new_uscc, reviewer
from shared import clock

TZ = clock.TZ
HANDLERS = ["officer-a", "officer-b"]


# Written by the cases service's own consumers (webhooks, issue 7; the credit state that publication
# follows, issue 15) as earlier events arrive over the bus, asynchronously to the request under test:
# not part of what a request writes.
CONSUMER_SIDE = {"inbox", "dead_letters", "webhook_event_log", "webhook_deliveries", "publication_credit_state"}


async def snapshot(stack) -> dict[str, int]:
    """Row counts of the cases service's tables (other services keep consuming earlier events meanwhile;
    the cases service's own consumer-side tables are left out for the same reason)."""
    out = {}
    for name, rt in stack.runtimes.items():
        if name != "cases":
            continue
        async with rt.engine.connect() as conn:
            for table in rt.spec.metadata.sorted_tables:
                if table.name in CONSUMER_SIDE:
                    continue
                out[f"{name}.{table.name}"] = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
    return out


class Driver:
    def __init__(self, stack, bureau: str = BUREAU) -> None:
        self.s = stack
        self.c = stack.client
        self.bureau = bureau
        self.rt = stack.runtimes["cases"]
        self.off = stack.auth("officer-a", "officer", bureau=bureau, cert_no="JS32050001", name="张执法")
        self.off_b = stack.auth("officer-b", "officer", bureau=bureau, cert_no="JS32050002", name="李执法")
        self.rev = reviewer(stack, bureau=bureau)
        self.lead = leader(stack, bureau=bureau)
        self.admin = stack.auth("admin-1", "admin")

    def at(self, y: int, m: int, d: int, h: int = 10) -> None:
        self.rt.clock.set(datetime(y, m, d, h, tzinfo=TZ))

    async def register_officers(self, *subs: str) -> None:
        for i, sub in enumerate(subs or HANDLERS):
            r = await self.c.post("/cases/v1/officers", headers=self.admin, json={
                "sub": sub, "name": f"执法人员{i}", "bureau": self.bureau, "cert_no": f"JS3205{i:04d}"})
            assert r.status_code == 201, r.text

    async def enterprise(self, name: str = "苏州某某环保科技有限公司") -> str:
        uscc = new_uscc()
        r = await self.c.post("/cases/v1/enterprises", headers=self.off, json={
            "uscc": uscc, "name": name, "bureau": self.bureau, "industry": "污水处理", "address": "苏州市吴江区"})
        assert r.status_code == 201, r.text
        return uscc

    async def file(self, uscc: str, expect: int = 201, **extra: Any) -> dict:
        body = {"uscc": uscc, "bureau": self.bureau, "source": "日常检查", "summary": "出水化学需氧量超标排放",
                "violations": [{"code": "GI-WAT-001"}], "handlers": HANDLERS, "facts": {}, **extra}
        r = await self.c.post("/cases/v1/cases", headers=self.off, json=body)
        assert r.status_code == expect, r.text
        return r.json()

    async def post(self, cid: str, path: str, headers: dict, body: dict | None = None, expect: int = 200) -> dict:
        r = await self.c.post(f"/cases/v1/cases/{cid}/{path}", headers=headers, json=body)
        assert r.status_code == expect, f"{path}: {r.status_code} {r.text}"
        return r.json()

    async def get(self, cid: str, headers: dict | None = None) -> dict:
        r = await self.c.get(f"/cases/v1/cases/{cid}", headers=headers or self.off)
        assert r.status_code == 200, r.text
        return r.json()

    async def evidence(self, cid: str) -> dict:
        return await self.post(cid, "evidence", self.off, {"kind": "监测报告", "description": "出水COD 55mg/L，超标10%以内",
                                                          "collected_by": "officer-a"})

    async def investigate(self, cid: str, facts: dict | None = None) -> dict:
        return await self.post(cid, "investigation/complete", self.off, {"facts": facts or {}})

    async def review(self, cid: str, proposed_type: str = "penalty", proposed_fine: float | None = None) -> dict:
        """法制审核 approving the proposed decision (第五十八条), which then binds the decision."""
        return await self.post(cid, "legal-review", self.rev, {"opinion": "approve", "notes": "事实清楚，证据确凿",
                                                               "proposed_type": proposed_type,
                                                               "proposed_fine": proposed_fine})

    async def discuss(self, cid: str, votes_for: int = 3, decision_type: str = "no_penalty",
                      fine: float | None = None, expect: int = 200) -> dict:
        return await self.post(cid, "collective-discussion", self.lead, {
            "participants": ["leader-1", "leader-2", "leader-3"], "conclusion": "同意", "decision_type": decision_type,
            "fine_amount": fine, "votes": {"for": votes_for, "against": 3 - votes_for, "abstain": 0},
            "minutes": "集体讨论记录：同意。"}, expect=expect)

    async def notice(self, cid: str, fine: float | None = 150000.0) -> dict:
        return await self.post(cid, "notice", self.off, {"intended_type": "penalty", "intended_fine": fine,
                                                         "penalty_kinds": ["fine"], "facts_and_reasons": "超标排放"})

    async def waive(self, cid: str) -> dict:
        return await self.post(cid, "statement", self.off, {"waived": True, "by": "当事人法定代表人"})

    async def penalty_decided(self, uscc: str | None = None, fine: float = 150000.0) -> dict:
        uscc = uscc or await self.enterprise()
        cid = (await self.file(uscc))["id"]
        await self.evidence(cid)
        await self.investigate(cid)
        await self.review(cid)
        await self.notice(cid, fine)
        await self.waive(cid)
        return await self.post(cid, "decision", self.lead, {
            "type": "penalty", "fine_amount": fine, "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}})

    async def in_list_ready(self, uscc: str | None = None) -> str:
        uscc = uscc or await self.enterprise()
        cid = (await self.file(uscc))["id"]
        await self.evidence(cid)
        await self.investigate(cid, IN_LIST_FACTS)
        await self.review(cid)
        await self.discuss(cid)
        return cid

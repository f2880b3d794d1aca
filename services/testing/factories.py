"""Factories that build valid objects and drive cases through the HTTP API as a client would."""

from __future__ import annotations

import itertools
import random
from typing import Any

from shared.uscc import make

BUREAU = "320509"  # 吴江
OTHER_BUREAU = "320581"  # 常熟
_counter = itertools.count(1)


def new_uscc(rng: random.Random | None = None) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 check character), unique per call."""
    n = next(_counter) * 7919 + (rng.randrange(10_000) if rng else 0)
    return make(f"91320509{n % 10**9:09d}")


def officer(stack, sub: str = "officer-a", bureau: str = BUREAU) -> dict[str, str]:
    return stack.auth(sub, "officer", bureau=bureau, cert_no=f"JS{abs(hash(sub)) % 10**8:08d}")


def reviewer(stack, sub: str = "reviewer-1", bureau: str = BUREAU) -> dict[str, str]:
    return stack.auth(sub, "legal_reviewer", bureau=bureau)


def leader(stack, sub: str = "leader-1", bureau: str = BUREAU) -> dict[str, str]:
    return stack.auth(sub, "leader", bureau=bureau)


# Facts that satisfy the example in-list item NP-EX-002 (城镇污水处理厂出水轻微超标) with the 第三十三条第一款
# ground it implements (初次违法且危害后果轻微并及时改正), and a 第32条 key.
IN_LIST_FACTS = {
    "first_offence": True,
    "harm_minor": True,
    "corrected_in_time": True,
    "single_factor_exceeded": True,
    "exceedance_within_10pct": True,
    "no_class_one_pollutant": True,
    "corrected_within_24h": True,
}
# A fine of each decision type for GI-WAT-001 (《水污染防治法》第八十三条: 十万元以上一百万元以下).
FINES = {"penalty": 150000.0, "lighter": 120000.0, "mitigated": 80000.0, "heavier": 300000.0}
# The default rule set (MEE 2019 factor levels) grades GI-WAT-001 by the generic factors: level 5 is heavier.
AGGRAVATING_FACTS = {"harm_degree": 5}
MITIGATING_FACTS = {"harm_eliminated_or_reduced_voluntarily": True}


class CaseDriver:
    """Drives cases through the lawful steps over HTTP and checks every answer."""

    def __init__(self, stack, bureau: str = BUREAU) -> None:
        self.s = stack
        self.c = stack.client
        self.bureau = bureau
        self.off = officer(stack, bureau=bureau)
        self.rev = reviewer(stack, bureau=bureau)
        self.lead = leader(stack, bureau=bureau)

    async def enterprise(self, uscc: str | None = None, name: str = "苏州某某环保科技有限公司") -> str:
        await self.certify()
        uscc = uscc or new_uscc()
        r = await self.c.post("/cases/v1/enterprises", headers=self.off, json={
            "uscc": uscc, "name": name, "bureau": self.bureau, "industry": "污水处理", "address": "苏州市吴江区"})
        assert r.status_code == 201, r.text
        return uscc

    async def certify(self) -> None:
        """Both handlers on the officers register with their 执法证号 (持证上岗, 第四十二条)."""
        if getattr(self, "_certified", False):
            return
        admin = self.s.auth("admin-1", "admin")
        for i, sub in enumerate(("officer-a", "officer-b")):
            r = await self.c.post("/cases/v1/officers", headers=admin, json={
                "sub": sub, "name": sub, "bureau": self.bureau, "cert_no": f"JS{self.bureau}{i:04d}"})
            assert r.status_code == 201, r.text
        self._certified = True

    async def file(self, uscc: str, *, violation: str = "GI-WAT-001", facts: dict[str, Any] | None = None) -> dict:
        await self.certify()
        r = await self.c.post("/cases/v1/cases", headers=self.off, json={
            "uscc": uscc, "bureau": self.bureau, "source": "日常检查", "summary": "出水化学需氧量超标排放",
            "violations": [{"code": violation}], "handlers": ["officer-a", "officer-b"], "facts": facts or {}})
        assert r.status_code == 201, r.text
        return r.json()

    async def post(self, case_id: str, path: str, headers: dict, body: dict | None = None, expect: int = 200) -> dict:
        r = await self.c.post(f"/cases/v1/cases/{case_id}/{path}", headers=headers, json=body)
        assert r.status_code == expect, f"{path}: {r.status_code} {r.text}"
        return r.json()

    async def investigate(self, case_id: str, facts: dict[str, Any] | None = None) -> dict:
        await self.post(case_id, "evidence", self.off, {"kind": "现场检查笔录", "description": "出水口采样",
                                                        "collected_by": "officer-a"})
        return await self.post(case_id, "investigation/complete", self.off, {"facts": facts or {}})

    async def review(self, case_id: str, opinion: str = "approve", proposed_type: str | None = "penalty",
                     proposed_fine: float | None = None) -> dict:
        """法制审核; an approval names the proposed decision (第五十八条), which then binds the decision."""
        proposal = {"proposed_type": proposed_type, "proposed_fine": proposed_fine} if opinion == "approve" else {}
        return await self.post(case_id, "legal-review", self.rev,
                               {"opinion": opinion, "notes": "事实清楚，证据确凿", **proposal})

    async def discuss(self, case_id: str, decision_type: str = "no_penalty", fine: float | None = None) -> dict:
        return await self.post(case_id, "collective-discussion", self.lead, {
            "participants": ["leader-1", "leader-2", "leader-3"], "conclusion": "同意",
            "decision_type": decision_type, "fine_amount": fine,
            "votes": {"for": 3, "against": 0, "abstain": 0}, "minutes": "集体讨论记录：一致同意。"})

    async def notice(self, case_id: str, fine: float | None = None, intended_type: str | None = None) -> dict:
        await self.post(case_id, "notice", self.off, {"intended_type": intended_type, "intended_fine": fine,
                                                      "penalty_kinds": ["fine"] if fine else []})
        # The party waives its statement and hearing rights (第六十二条), so the decision need not
        # wait for the five-working-day period.
        return await self.post(case_id, "statement", self.off, {"waived": True, "by": "当事人"})

    async def decide(self, case_id: str, body: dict, expect: int = 200) -> dict:
        return await self.post(case_id, "decision", self.lead, body, expect=expect)

    async def decided_case(self, decision_type: str, uscc: str | None = None) -> dict:
        """A case driven through every step its decision type needs, then decided."""
        cid, body = await self.prepared_case(decision_type, uscc)
        return await self.decide(cid, body)

    async def prepared_case(self, decision_type: str, uscc: str | None = None) -> tuple[str, dict]:
        """A case driven through every step its decision type needs, and the lawful decision to take."""
        uscc = uscc or await self.enterprise()
        facts = dict(IN_LIST_FACTS) if decision_type == "no_penalty" else {}
        if decision_type in ("lighter", "mitigated"):
            facts.update(MITIGATING_FACTS)
        if decision_type == "heavier":
            facts.update(AGGRAVATING_FACTS)
        fine = FINES.get(decision_type)
        case = await self.file(uscc)
        cid = case["id"]
        await self.investigate(cid, facts)
        await self.review(cid, proposed_type=decision_type, proposed_fine=fine)
        if decision_type in ("no_penalty", "lighter", "mitigated"):
            await self.discuss(cid, decision_type, fine)
        if decision_type != "no_penalty":
            await self.notice(cid, fine, decision_type)
        body: dict[str, Any] = {"type": decision_type}
        if decision_type == "no_penalty":
            body["basis"] = {"no_penalty_item": "NP-EX-002"}
        else:
            body["fine_amount"] = fine
            body["basis"] = {"law_article": "《中华人民共和国水污染防治法》第八十三条"}
            # A fine outside the discretion calculation's range needs a written reason.
            body["reason"] = "综合考虑违法情节与整改情况，书面说明罚款数额理由"
        return cid, body


async def all_flags(stack) -> list[dict]:
    headers = stack.auth("auditor-1", "auditor")
    items: list[dict] = []
    page = 1
    while True:
        r = await stack.client.get("/audit/v1/flags", params={"page": page, "size": 200}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items
        page += 1


async def records_of(stack, uscc: str) -> list[dict]:
    r = await stack.client.get(f"/credit/v1/enterprises/{uscc}/records", headers=stack.auth("auditor-1", "auditor"))
    assert r.status_code == 200, r.text
    return r.json()

"""Factories that build valid objects and drive cases through the HTTP API as a client would."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta
from typing import Any

from services.cases import config as cases_config
from shared import clock
from shared.uscc import make
from shared.vocabulary import FLAGGED_DECISIONS

BUREAU = "320509"  # 吴江
OTHER_BUREAU = "320581"  # 常熟
_counter = itertools.count(1)
# Each filing's default act is a day of its own for its enterprise (1..700 days before the filing, within
# the two-year limitation): a second case of one enterprise is another act, not one fined twice (第二十九条).
_act_days: dict[str, date] = {}  # the last default act date given to each enterprise


def new_uscc(rng: random.Random | None = None) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 check character), unique per call."""
    n = next(_counter) * 7919 + (rng.randrange(10_000) if rng else 0)
    return make(f"91320509{n % 10**9:09d}")


def next_act_date(today: date | None = None, uscc: str = "") -> str:
    """An act date for a filing (``occurred_on``): 1..700 days before ``today`` (default: the real
    Asia/Shanghai date), a day of its own for each filing of enterprise ``uscc`` — a decision needs one
    (第三十六条、第三十七条), and two cases of one enterprise are then two acts, not one fined twice (第二十九条)."""
    today = today or clock.Clock().today()
    last = _act_days.get(uscc)
    day = today - timedelta(days=1)
    if last is not None and last <= day and (today - last).days < 700:
        day = last - timedelta(days=1)  # strictly before the enterprise's previous act, whatever the clock did
    _act_days[uscc] = day
    return day.isoformat()


# 第二十八条第一款: a penalty decision orders the party to correct — the default a driven decision states.
CORRECTION_ORDER = "立即停止超标排放，自收到本决定书之日起三十日内完成污水处理设施整改，确保达标排放"


def with_correction_order(body: dict) -> dict:
    """A decision body with the default 责令改正 when it is a penalty that states none (《行政处罚法》第二十八条第一款)."""
    if body.get("type") not in (None, "no_penalty") and "correction_order" not in body:
        return {**body, "correction_order": CORRECTION_ORDER}
    return body


def guidance_item(code: str = "GI-TEST-001") -> dict:
    """A new guidance item's body for ``POST /checklist/v1/guidance-items`` (test data, marked unverified)."""
    return {
        "code": code,
        "batch": "第一批",
        "title": "危险废物贮存场所鲸湾测试事项",
        "domain": "危废",
        "common_violations": ["贮存场所地面未做防渗处理"],
        "legal_basis": [
            {"role": "obligation", "law": "中华人民共和国固体废物污染环境防治法", "article": "第八十一条"},
            {"role": "penalty", "law": "中华人民共和国固体废物污染环境防治法", "article": "第一百一十二条",
             "clause": "第（六）项"},
        ],
        "liability": {"fine": {"kind": "fixed_range", "min_cny": 100000, "max_cny": 1000000}},
        "risk_level": "high",
        "advice": ["对照贮存污染控制标准完成鲸湾改造"],
        "source": "测试用例（非真实清单）",
        "verified": False,
    }


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


CASES = "/cases/v1"  # where the cases service's API is mounted: every driver path starts here
HANDLERS = ["officer-a", "officer-b"]
HANDLER_NAMES = ["张执法", "李执法"]  # their names on the officers register (the pages show names, not login ids)
LEADERS = ["leader-1", "leader-2", "leader-3"]  # the bureau's 负责人, the collective discussion's participants
LEADER_POSITIONS = ["局长", "副局长", "副局长"]


def case_path(case_id: str, *rest: str) -> str:
    """``/cases/v1/cases/{case_id}[/rest…]``."""
    return "/".join((f"{CASES}/cases/{case_id}", *rest))


class CaseDriver:
    """Drives cases through the lawful steps over HTTP, as a client would, and checks every answer.

    Two ways to start: by default the handlers are put on the officers register (``certify``, with
    ``JS{bureau}000n`` numbers) at the first enterprise or filing; with ``auto_certify=False`` nothing
    is registered until the test says so (``register_officers``, ``JS3205000n`` numbers; officer-a's
    token carries ``JS32050001``, learnt from the token when not registered). Steps come both whole
    (``investigate`` = evidence + completion, ``notice`` = notice + waiver) and one request at a time
    (``evidence``, ``complete_investigation``, ``notify``, ``waive``)."""

    def __init__(self, stack, bureau: str = BUREAU, *, auto_certify: bool = True) -> None:
        self.s = stack
        self.c = stack.client
        self.bureau = bureau
        self.auto_certify = auto_certify
        # The register knows one bureau per person, and a case's handlers are its bureau's officers
        # (第四十二条): another bureau's driver has handlers — and leaders, below — of its own.
        self.handlers = HANDLERS if bureau == BUREAU else [f"{sub}-{bureau}" for sub in HANDLERS]
        self.off = stack.auth(self.handlers[0], "officer", bureau=bureau, cert_no="JS32050001", name="张执法")
        self.off_b = stack.auth(self.handlers[1], "officer", bureau=bureau, cert_no="JS32050002", name="李执法")
        self.rev = reviewer(stack, bureau=bureau)
        self.lead = leader(stack, bureau=bureau)
        self.admin = stack.auth("admin-1", "admin")
        self._certified = False
        self._leaders = False
        self.leaders = LEADERS if bureau == BUREAU else [f"{sub}-{bureau}" for sub in LEADERS]

    @property
    def rt(self):
        """The cases service's runtime (an in-process stack only)."""
        return self.s.runtimes["cases"]

    def at(self, y: int, m: int, d: int, h: int = 10) -> None:
        """Fix the cases service's clock (time limits are tested on fixed dates)."""
        self.rt.clock.set(datetime(y, m, d, h, tzinfo=clock.TZ))

    # -- the officers register (持证上岗, 第四十二条) ----------------------------------------------------------
    async def _register(self, sub: str, name: str, cert_no: str, **extra: Any) -> None:
        r = await self.c.post(f"{CASES}/officers", headers=self.admin, json={
            "sub": sub, "name": name, "bureau": self.bureau, "cert_no": cert_no, **extra})
        assert r.status_code == 201, r.text

    async def certify(self) -> None:
        """Both handlers on the register (张执法, 李执法) with their 执法证号 ``JS{bureau}000n``, and the leaders, once."""
        if self._certified:
            return
        for i, (sub, name) in enumerate(zip(self.handlers, HANDLER_NAMES, strict=True)):
            await self._register(sub, name, f"JS{self.bureau}{i:04d}")
        await self.register_leaders()
        self._certified = True

    async def register_leaders(self) -> None:
        """leader-1..3 on the register as 负责人 of the bureau (第五十七条第二款: they sit in its collective
        discussions), once."""
        if self._leaders:
            return
        for i, (sub, position) in enumerate(zip(self.leaders, LEADER_POSITIONS, strict=True)):
            await self._register(sub, f"{position}{i}", f"JSL{self.bureau}{i:03d}", position=position, leader=True)
        self._leaders = True

    async def register_officers(self, *subs: str) -> None:
        """The given officers (default: both handlers) on the register as ``执法人员n`` with ``JS3205000n``."""
        for i, sub in enumerate(subs or self.handlers):
            await self._register(sub, f"执法人员{i}", f"JS3205{i:04d}")
        self._certified = True

    async def _ready(self) -> None:
        if self.auto_certify:
            await self.certify()

    # -- enterprises, filing, reading ---------------------------------------------------------------------
    async def enterprise(self, name: str = "苏州某某环保科技有限公司", *, uscc: str | None = None) -> str:
        await self._ready()
        uscc = uscc or new_uscc()
        r = await self.c.post(f"{CASES}/enterprises", headers=self.off, json={
            "uscc": uscc, "name": name, "bureau": self.bureau, "industry": "污水处理", "address": "苏州市吴江区"})
        assert r.status_code == 201, r.text
        return uscc

    async def file(self, uscc: str, expect: int = 201, *, violation: str = "GI-WAT-001",
                   facts: dict[str, Any] | None = None, **extra: Any) -> dict:
        await self._ready()
        if "occurred_on" not in extra:  # the default for every violation that gives no date of its own
            extra["occurred_on"] = self.default_act_date(uscc)
        body = {"uscc": uscc, "bureau": self.bureau, "source": "日常检查", "summary": "出水化学需氧量超标排放",
                "violations": [{"code": violation}], "handlers": self.handlers, "facts": facts or {},
                **extra}
        if extra.get("occurred_on") is None:
            body.pop("occurred_on", None)  # occurred_on=None: file without an act date
        r = await self.c.post(f"{CASES}/cases", headers=self.off, json=body)
        assert r.status_code == expect, r.text
        return r.json()

    def default_act_date(self, uscc: str = "") -> str:
        """The act date a filing sends by default (第三十六条、第三十七条 need one to decide): a day of its own
        before the cases service's today (the real date on a remote stack)."""
        try:
            today = self.rt.clock.today()
        except (AttributeError, KeyError):
            today = None
        return next_act_date(today, uscc)

    async def post(self, case_id: str, path: str, headers: dict, body: dict | None = None, expect: int = 200) -> dict:
        if path == "decision" and body is not None:
            body = with_correction_order(body)
        r = await self.c.post(case_path(case_id, path), headers=headers, json=body)
        assert r.status_code == expect, f"{path}: {r.status_code} {r.text}"
        return r.json()

    async def get(self, case_id: str, headers: dict | None = None) -> dict:
        r = await self.c.get(case_path(case_id), headers=headers or self.off)
        assert r.status_code == 200, r.text
        return r.json()

    # -- the steps ----------------------------------------------------------------------------------------
    async def evidence(self, case_id: str, kind: str = "监测报告",
                       description: str = "出水COD 55mg/L，超标10%以内") -> dict:
        return await self.post(case_id, "evidence", self.off, {"kind": kind, "description": description,
                                                               "collected_by": self.handlers[0]})

    async def complete_investigation(self, case_id: str, facts: dict[str, Any] | None = None) -> dict:
        return await self.post(case_id, "investigation/complete", self.off, {"facts": facts or {}})

    async def investigate(self, case_id: str, facts: dict[str, Any] | None = None) -> dict:
        """Evidence from the site inspection, then the investigation completed with ``facts``."""
        await self.evidence(case_id, "现场检查笔录", "出水口采样")
        return await self.complete_investigation(case_id, facts)

    async def review(self, case_id: str, proposed_type: str | None = "penalty", proposed_fine: float | None = None,
                     *, opinion: str = "approve") -> dict:
        """法制审核; an approval names the proposed decision (第五十八条), which then binds the decision."""
        proposal = {"proposed_type": proposed_type, "proposed_fine": proposed_fine} if opinion == "approve" else {}
        return await self.post(case_id, "legal-review", self.rev,
                               {"opinion": opinion, "notes": "事实清楚，证据确凿", **proposal})

    async def discuss(self, case_id: str, decision_type: str | None = "no_penalty", fine: float | None = None, *,
                      votes_for: int = 3, minutes: str = "集体讨论记录：一致同意。", expect: int = 200) -> dict:
        await self.register_leaders()
        return await self.post(case_id, "collective-discussion", self.lead, {
            "participants": self.leaders, "conclusion": "同意",
            "decision_type": decision_type, "fine_amount": fine,
            "votes": {"for": votes_for, "against": 3 - votes_for, "abstain": 0}, "minutes": minutes}, expect=expect)

    async def notify(self, case_id: str, fine: float | None = 150000.0, intended_type: str | None = "penalty",
                     facts_and_reasons: str = "超标排放", *, basis: list[dict] | None = None,
                     expect: int = 200) -> dict:
        """事先告知 alone: the party's statement and hearing-request periods then run. Without ``basis`` the
        service states the obligation and penalty articles of the violation's guidance item (第四十四条)."""
        body: dict[str, Any] = {"intended_type": intended_type, "intended_fine": fine,
                                "penalty_kinds": ["fine"] if fine else [], "facts_and_reasons": facts_and_reasons}
        if basis is not None:
            body["basis"] = basis
        return await self.post(case_id, "notice", self.off, body, expect=expect)

    async def schedule_hearing(self, case_id: str, at: datetime, *, place: str = "吴江区生态环境局听证室",
                               presided_by: str = "hearing-officer-1", notified_on: str | None = None,
                               expect: int = 200) -> dict:
        """听证通知 (第六十四条（二）): the time and place, at least seven working days ahead."""
        body: dict[str, Any] = {"at": at.isoformat(), "place": place, "presided_by": presided_by}
        if notified_on is not None:
            body["notified_on"] = notified_on
        return await self.post(case_id, "hearing/schedule", self.lead, body, expect=expect)

    async def hold_hearing(self, case_id: str, *, presided_by: str | None = None, signature: str = "signed",
                           record: str = "听证笔录：调查人员提出违法事实、证据和处罚建议，当事人申辩和质证",
                           party_statements: str = "当事人称已整改完毕，请求从轻处罚", expect: int = 200) -> dict:
        """听证 held with its record (第六十四条（七）（八）): the party's statements and its signature."""
        body: dict[str, Any] = {"record": record, "party_statements": party_statements, "signature": signature}
        if presided_by is not None:
            body["presided_by"] = presided_by
        if signature == "refused":
            body["refusal_note"] = "当事人拒绝签字，主持人注明"
        return await self.post(case_id, "hearing", self.lead, body, expect=expect)

    async def reinvestigate(self, case_id: str, reason: str = "当事人申辩提出新的事实，复核后重新调查") -> dict:
        return await self.post(case_id, "reinvestigate", self.off, {"reason": reason})

    async def waive(self, case_id: str, by: str = "当事人法定代表人") -> dict:
        return await self.post(case_id, "statement", self.off, {"waived": True, "by": by})

    async def notice(self, case_id: str, fine: float | None = None, intended_type: str | None = None) -> dict:
        """事先告知, and the party waives its statement and hearing rights (第六十二条), so the decision need
        not wait for the five-working-day period."""
        await self.notify(case_id, fine, intended_type, facts_and_reasons="")
        return await self.waive(case_id, by="当事人")

    async def decide(self, case_id: str, body: dict, expect: int = 200) -> dict:
        return await self.post(case_id, "decision", self.lead, body, expect=expect)

    # -- endings before a decision, changes after one (第五十七条、第五十八条; issue 23) ------------------------
    async def review_ending(self, case_id: str, kind: str = "facts_not_established") -> dict:
        """法制审核 approving an ending without a decision (撤销立案 / 违法事实不能成立 / 终止)."""
        return await self.post(case_id, "legal-review", self.rev, {"opinion": "approve", "notes": "同意结案方式",
                                                                   "proposed_ending": kind})

    async def end(self, case_id: str, kind: str = "withdrawn", reason: str = "违法事实不能成立",
                  expect: int = 200, headers: dict | None = None) -> dict:
        """撤销立案 / 违法事实不能成立 / 终止, decided by the leader (after an approving review when investigated)."""
        return await self.post(case_id, "withdraw", headers or self.lead, {"kind": kind, "reason": reason},
                               expect=expect)

    async def transfer(self, case_id: str, to: str = "苏州市公安局吴江分局", reason: str = "涉嫌污染环境罪",
                       expect: int = 200, headers: dict | None = None) -> dict:
        return await self.post(case_id, "transfer", headers or self.lead, {"to": to, "reason": reason}, expect=expect)

    async def change_decision(self, case_id: str, outcome: str = "revoked", source: str = "reconsideration",
                              fine: float | None = None, expect: int = 200, headers: dict | None = None) -> dict:
        """A change after the decision with the body's document; the bureau's own change is reviewed first."""
        if source == "bureau" and expect == 200:
            await self.post(case_id, "legal-review", self.rev, {"opinion": "approve", "proposed_change": outcome})
        body = {"source": source, "outcome": outcome, "reason": "认定事实不清", "fine_amount": fine,
                "document": {"body": {"bureau": "苏州市吴江生态环境局", "reconsideration": "苏州市人民政府",
                                      "litigation": "苏州市吴江区人民法院"}[source],
                             "number": "苏府复决〔2026〕7号", "issued_on": "2026-03-02", "reference": "决定书扫描件"}}
        return await self.post(case_id, "decision/change", headers or self.lead, body, expect=expect)

    # -- whole cases --------------------------------------------------------------------------------------
    def needs_discussion(self, fine: float | None) -> bool:
        """第五十七条第二款: a fine from the bureau's threshold (a local setting; 200,000 by default) is the
        leaders' collective decision."""
        return bool(fine) and fine >= cases_config.discussion_threshold(self.bureau)[0] - 0.005

    async def penalty_decided(self, uscc: str | None = None, fine: float = 150000.0) -> dict:
        """A penalty case, step by step (evidence, investigation, review, notice, waiver), decided."""
        uscc = uscc or await self.enterprise()
        cid = (await self.file(uscc))["id"]
        await self.evidence(cid)
        await self.complete_investigation(cid)
        await self.review(cid)
        if self.needs_discussion(fine):
            await self.discuss(cid, "penalty")
        await self.notify(cid, fine)
        await self.waive(cid)
        return await self.decide(cid, {"type": "penalty", "fine_amount": fine,
                                       "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}})

    async def in_list_ready(self, uscc: str | None = None) -> str:
        """A case whose facts meet an in-list exemption item, reviewed and discussed: ready to decide."""
        uscc = uscc or await self.enterprise()
        cid = (await self.file(uscc))["id"]
        await self.evidence(cid)
        await self.complete_investigation(cid, IN_LIST_FACTS)
        await self.review(cid)
        await self.discuss(cid)
        return cid

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
        if decision_type in FLAGGED_DECISIONS or self.needs_discussion(fine):
            # 集体讨论 for every exemption and light penalty, and for a fine from the bureau's threshold
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
            body["correction_order"] = CORRECTION_ORDER  # 第二十八条第一款
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

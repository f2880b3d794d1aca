"""一案双查 (issue 27 item 3) through the HTTP API on both setups: a case whose facts record ecological damage opens
one damage-compensation matter (at filing or when the investigation records it; an officer may open one by hand),
idempotently and race-free; the claim runs 线索筛查 → 启动索赔 → 调查/鉴定评估 → 磋商 → 赔偿协议 → 司法确认 → 修复 →
修复效果评估, or 诉讼 when 磋商 fails, or stops at 不启动 on a recorded ground; an illegal step is a 409 naming the rule
and its source with nothing written; the matter shows on the case (the party's too) and its events reach the audit
log."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from services.cases.damage.models import DamageMatter
from services.testing.damage import CLAIM, matter, run_claim, step
from services.testing.factories import CASES, OTHER_BUREAU, CaseDriver, case_path

AUDIT = "/audit/v1"
OPENED = "ecocomply.case.damage_opened.v1"
STEP = "ecocomply.case.damage_step_recorded.v1"


async def rows(stack, case_id: str) -> list[DamageMatter]:
    async with stack.runtimes["cases"].sessionmaker() as s:
        return list((await s.scalars(select(DamageMatter).where(DamageMatter.case_id == case_id))).all())


async def opened_events(stack, case_id: str) -> int:
    rt = stack.runtimes["cases"]
    out = rt.tables.outbox
    async with rt.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(out).where(
            out.c.type == OPENED, out.c.key == case_id))).scalar_one()


async def test_damage_on_the_facts_opens_the_matter_and_the_claim_runs_to_the_restoration_assessment(stack):
    d = CaseDriver(stack)
    uscc = await d.enterprise()
    case = await d.file(uscc, facts={"ecological_damage": True})
    assert case["damage"]["status"] == "screening" and case["damage"]["status_cn"] == "线索筛查", case["damage"]
    assert case["damage"]["trigger"] == "facts" and case["damage"]["claim_started"] is False
    assert case["damage"]["allowed_actions"] == ["start", "not_start"]
    # A case without damage on its facts has none; the investigation recording it opens one, once.
    plain = await d.file(uscc)
    assert plain["damage"] is None
    await matter(stack, d.off, plain["id"], expect=404)
    await d.evidence(plain["id"])
    later = await d.complete_investigation(plain["id"], {"ecological_damage": True})
    assert later["damage"]["status"] == "screening"
    await d.post(plain["id"], "legal-review", d.rev, {"opinion": "return", "notes": "补充调查"})
    await d.complete_investigation(plain["id"], {"ecological_damage": True})
    assert len(await rows(stack, plain["id"])) == 1 and await opened_events(stack, plain["id"]) == 1

    out = await run_claim(stack, d.off, case["id"])
    assert [s["action"] for s in out["steps"]] == ["open", *[a for a, _ in CLAIM]]
    assert out["agreed_amount"] == 180000.0 and out["restoration_terms"].startswith("六个月内")
    assert out["simplified"] is True and out["assessed_amount"] == 180000.0 and out["allowed_actions"] == ["pay"]
    agree = out["steps"][4]
    assert agree["recorded_by"] == "officer-a" and agree["recorded_at"] and agree["paid_amount"] == 60000.0
    assert agree["document"] == {"number": "苏环赔协〔2026〕5号", "title": "生态环境损害赔偿协议"}
    failed = out["steps"][7]
    assert failed["status_from"] == "restoration" and failed["status_to"] == "restoration" and failed["passed"] is False

    # On the case, for the officer and for the enterprise itself (its own page reads the same case).
    ent = stack.auth("ent-1", "enterprise", uscc=uscc)
    for headers in (d.off, ent):
        seen = await d.get(case["id"], headers)
        assert seen["damage"]["status_cn"] == "修复效果评估通过" and seen["damage"]["paid_total"] == 180000.0
    assert (await matter(stack, ent, case["id"]))["status"] == "evaluated"

    # The audit log holds every step in the case's timeline.
    auditor = stack.auth("auditor-1", "auditor")

    async def logged():
        r = await d.c.get(f"{AUDIT}/log/entries", params={"case_id": case["id"]}, headers=auditor)
        assert r.status_code == 200, r.text
        kinds = [e["type"] for e in r.json()]
        return kinds if kinds.count(STEP) == len(CLAIM) and OPENED in kinds else None

    await stack.wait_for(logged, what="the damage steps in the audit log")


async def test_illegal_steps_are_refused_with_the_rule_and_its_source_and_nothing_written(stack):
    d = CaseDriver(stack)
    case = await d.file(await d.enterprise(), facts={"ecological_damage": True})
    cid = case["id"]

    async def refused(action: str, rule_code: str, **body) -> dict:
        before = [(m.status, m.row_version, m.paid_total) for m in await rows(stack, cid)]
        p = await step(stack, d.off, cid, action, expect=409, **body)
        assert p["code"] == "illegal_transition" and p["rule_code"] == rule_code, p
        assert p["article"] and p["article"] in p["rule"] and p["state"] and p["action"] == action, p
        assert [(m.status, m.row_version, m.paid_total) for m in await rows(stack, cid)] == before
        return p

    p = await refused("agree", "damage_claim_sequence", agreed_amount=1.0, restoration_terms="修复")
    assert p["allowed_actions"] == ["start", "not_start"] and "线索筛查" in p["detail"]
    p = await refused("not_start", "not_start_ground_required", note="无")
    assert "第十八条" in p["article"] and p["verified"] is False
    # 422 naming the field: an agreement without its amount, a payment before the agreement.
    r = await d.c.post(case_path(cid, "damage", "steps"), headers=d.off, json={"action": "agree"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "agreed_amount", r.text
    await step(stack, d.off, cid, "start")
    r = await d.c.post(case_path(cid, "damage", "steps"), headers=d.off,
                       json={"action": "assess", "assessed_amount": 1000.0, "paid_amount": 10.0})
    assert r.status_code == 422 and r.json()["code"] == "payment_before_agreement", r.text
    # Simplified assessment above the local limit (default 300,000 yuan, labelled as a local setting).
    p = await refused("assess", "simplified_assessment_limit", simplified=True, assessed_amount=300000.01)
    assert "本地设置" in p["detail"] and "30万元" in p["detail"] and "第二十条第二款" in p["article"]
    # At the limit it is allowed; a full assessment of any amount too.
    ok = await step(stack, d.off, cid, "assess", simplified=True, assessed_amount=300000.0)
    assert ok["status"] == "assessed" and ok["simplified_limit"]["amount_cny"] == 300000.0
    # 磋商 fails → 诉讼 → 修复.
    await step(stack, d.off, cid, "consult")
    await refused("confirm", "damage_claim_sequence")
    lit = await step(stack, d.off, cid, "consultation_failed", note="赔偿义务人拒绝磋商",
                     document={"number": "（2026）苏05民初88号", "title": "民事起诉状"})
    assert lit["status"] == "litigation" and lit["status_cn"] == "诉讼"
    assert (await step(stack, d.off, cid, "restore", paid_amount=50000.0))["paid_total"] == 50000.0


async def test_not_starting_needs_a_ground_from_the_sources(stack):
    d = CaseDriver(stack)
    cid = (await d.file(await d.enterprise(), facts={"ecological_damage": True}))["id"]
    out = await step(stack, d.off, cid, "not_start", ground="already_restored", note="责令改正期间已完成修复")
    assert out["status"] == "not_started" and out["claim_started"] is False and out["allowed_actions"] == []
    assert out["ground"]["code"] == "already_restored" and "环法规〔2025〕6号" in out["ground"]["source"]
    assert out["ground"]["verified"] is False and out["ground"]["url"].startswith("https://")
    # Nothing follows a matter not started.
    p = await step(stack, d.off, cid, "start", expect=409)
    assert p["rule_code"] == "damage_claim_sequence"


async def test_opening_by_hand_is_idempotent_and_race_free(stack):
    d = CaseDriver(stack)
    cid = (await d.file(await d.enterprise()))["id"]

    async def open_once():
        return await d.c.post(case_path(cid, "damage"), headers=d.off, json={"note": "现场检查发现厂区外河段鱼类死亡"})

    answers = await asyncio.gather(*(open_once() for _ in range(6)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] * 5 + [201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1 and answers[0].json()["trigger"] == "officer"
    assert answers[0].json()["steps"][0]["note"] == "现场检查发现厂区外河段鱼类死亡"
    r = await d.c.post(case_path(cid, "damage"), headers=d.off, json={})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note", r.text
    assert len(await rows(stack, cid)) == 1 and await opened_events(stack, cid) == 1
    # Facts recorded afterwards find the matter there.
    await d.evidence(cid)
    await d.complete_investigation(cid, {"ecological_damage": True})
    assert len(await rows(stack, cid)) == 1 and await opened_events(stack, cid) == 1


async def test_who_reads_and_who_records(stack):
    d = CaseDriver(stack)
    uscc = await d.enterprise()
    cid = (await d.file(uscc, facts={"ecological_damage": True}))["id"]
    other = CaseDriver(stack, OTHER_BUREAU)
    await other.certify()
    ocid = (await other.file(await other.enterprise(), facts={"ecological_damage": True}))["id"]
    ent = stack.auth("ent-1", "enterprise", uscc=uscc)
    # The enterprise reads its own matter, records nothing, and never sees another's.
    assert (await matter(stack, ent, cid))["status"] == "screening"
    await step(stack, ent, cid, "start", expect=403)
    await matter(stack, stack.auth("ent-2", "enterprise", uscc=(await other.get(ocid))["uscc"]), cid, expect=403)
    # Another bureau's officer neither reads nor records this bureau's matter.
    await matter(stack, other.off, cid, expect=403)
    await step(stack, other.off, cid, "start", expect=403)
    # The auditors' list has both bureaus; a bureau's officer lists its own only.
    auditor = stack.auth("auditor-1", "auditor")
    r = await d.c.get(f"{CASES}/damage-matters", headers=auditor, params={"status": "screening", "size": 200})
    assert r.status_code == 200 and {cid, ocid} <= {m["case_id"] for m in r.json()["items"]}, r.text
    r = await d.c.get(f"{CASES}/damage-matters", headers=d.off, params={"size": 200})
    assert r.status_code == 200 and {m["bureau"] for m in r.json()["items"]} == {d.bureau}
    r = await d.c.get(f"{CASES}/damage-matters", headers=d.off, params={"bureau": OTHER_BUREAU})
    assert r.status_code == 403, r.text


def test_the_transition_table_and_its_sources():
    from services.cases.damage import workflow as w
    from shared.rules import Refusal

    def nxt(status: str, action: str, **kw) -> str:
        return w.next_status(status, w.Step(action, **kw), simplified_max_cny=300000.0, simplified_basis="本地设置").value

    chain = ["screening", "started", "assessed", "consultation", "agreement", "confirmed", "restoration"]
    actions = ("start", "assess", "consult", "agree", "confirm", "restore")
    for a, b, action in zip(chain[:-1], chain[1:], actions, strict=True):
        assert nxt(a, action) == b
    assert nxt("restoration", "evaluate", passed=False) == "restoration"
    assert nxt("restoration", "evaluate", passed=True) == "evaluated"
    assert nxt("consultation", "consultation_failed") == "litigation" and nxt("litigation", "restore") == "restoration"
    assert nxt("screening", "not_start", ground="significantly_slight", in_red_line=False) == "not_started"
    # 司法确认 is optional (最高法规定第二十条: 可以申请): restoration may follow the agreement itself.
    assert nxt("agreement", "restore") == "restoration" and nxt("agreement", "confirm") == "confirmed"
    # 诉讼 when 磋商 fails, or when it cannot take place (第一条), the 说明 in the note (第五条第（三）项).
    assert nxt("assessed", "consultation_failed", note="赔偿义务人下落不明，无法磋商") == "litigation"
    assert nxt("evaluated", "pay", paid_amount=1.0) == "evaluated"
    for status, action, kw, rule in (("screening", "not_start", {}, "not_start_ground_required"),
                                     ("screening", "pay", {}, "damage_claim_sequence"),
                                     ("not_started", "start", {}, "damage_claim_sequence"),
                                     ("started", "assess", {"simplified": True, "assessed_amount": 300001.0},
                                      "simplified_assessment_limit"),
                                     ("consultation", "restore", {}, "damage_claim_sequence"),
                                     ("started", "consultation_failed", {"note": "无法磋商"}, "damage_claim_sequence"),
                                     ("assessed", "consultation_failed", {"note": " "}, "litigation_without_consultation"),
                                     # 显著轻微's exceptions: the red line unstated or in it, a repeat within two years
                                     ("screening", "not_start", {"ground": "significantly_slight"},
                                      "significantly_slight_exceptions"),
                                     ("screening", "not_start", {"ground": "significantly_slight", "in_red_line": True},
                                      "significantly_slight_exceptions"),
                                     ("screening", "not_start", {"ground": "significantly_slight", "in_red_line": False,
                                                                 "earlier_violations": ("苏环罚〔2026〕1号",)},
                                      "significantly_slight_exceptions")):
        try:
            nxt(status, action, **kw)
            raise AssertionError((status, action))
        except Refusal as e:
            assert e.rule.code == rule and e.extra["allowed_actions"] == w.allowed_actions(status)
    # Every ground names its source and says it was read only in an interpretation.
    assert all(g.source and g.url and g.verified is False for g in w.GROUNDS.values())
    assert w.RULES["damage_liability"].verified and w.RULES["damage_claim_sequence"].reading
    # The steps read in the Supreme People's Court's rules are quoted as verified, with where to read them.
    for code in ("judicial_confirmation_optional", "litigation_without_consultation"):
        assert w.RULES[code].verified and "最高人民法院" in w.RULES[code].article and "LawRefBook" in w.RULES[code].url
    assert w.RULES["significantly_slight_exceptions"].verified is False and w.RULES["significantly_slight_exceptions"].note



def test_when_the_matter_leaves_no_compensation_liability_for_the_decision_gate():
    """试点方案 三（七） as the case's decision gate reads the matter: not started on a recorded ground, or evaluated
    with the agreed amount paid in full; anything else (screening, 磋商, not fully paid, no agreed amount) is not."""
    from services.cases.damage.workflow import Standing, liability_performed, standing_cn
    from services.cases.workflow.rules import RULES

    for ground in ("significantly_slight", "already_restored"):
        assert "不启动索赔" in liability_performed(Standing("not_started", ground))
    assert "足额缴纳" in liability_performed(Standing("evaluated", None, 180000.0, 180000.0))
    assert liability_performed(Standing("evaluated", None, 180000.0, 180000.004))
    for m in (None, Standing("screening"), Standing("consultation", None, 180000.0, 180000.0),
              Standing("not_started", None), Standing("restoration", None, 180000.0, 180000.0),
              Standing("evaluated", None, 180000.0, 179999.99), Standing("evaluated", None, None, 50000.0)):
        assert liability_performed(m) == "", m
    assert standing_cn(Standing("evaluated", None, 180000.0, 60000.0)) == (
        "损害赔偿事项处于“修复效果评估通过”阶段，约定赔偿金180,000.00元，已缴纳60,000.00元")
    # The gate's rule states the three ways, each not-start ground with its own source and verified flag.
    rule = RULES["damage_compensation_required"]
    assert rule.reading and "三（七）" in rule.article
    assert "第十八条第一款第三项" in rule.text and "环法规〔2025〕6号" in rule.text and "verified: false" in rule.text
    assert "damage_compensation" in rule.remedy and "not_start" in rule.remedy and "pay" in rule.remedy

async def test_restoration_without_judicial_confirmation_and_litigation_without_consultation(stack):
    d = CaseDriver(stack)
    uscc = await d.enterprise()
    cid = (await d.file(uscc, facts={"ecological_damage": True}))["id"]
    for action, body in (("start", {}), ("assess", {"assessed_amount": 80000.0}), ("consult", {}),
                         ("agree", {"agreed_amount": 80000.0, "restoration_terms": "三个月内补植受损林地"})):
        await step(stack, d.off, cid, action, **body)
    out = await step(stack, d.off, cid, "restore", paid_amount=80000.0, note="协议未申请司法确认，按约履行")
    assert out["status"] == "restoration" and [s["action"] for s in out["steps"]][-2:] == ["agree", "restore"]
    # Before an agreement there is nothing to restore on.
    other = (await d.file(uscc, facts={"ecological_damage": True}))["id"]
    await step(stack, d.off, other, "start")
    await step(stack, d.off, other, "assess", assessed_amount=50000.0)
    p = await step(stack, d.off, other, "restore", expect=409)
    assert p["rule_code"] == "damage_claim_sequence", p
    # No consultation possible: 诉讼 straight after the assessment, with the 说明; without it, refused.
    p = await step(stack, d.off, other, "consultation_failed", expect=409)
    assert p["rule_code"] == "litigation_without_consultation" and "第二十条" not in p["article"], p
    assert "第一条" in p["article"] and p["verified"] is True, p
    lit = await step(stack, d.off, other, "consultation_failed", note="赔偿义务人已注销，因客观原因无法磋商")
    assert lit["status"] == "litigation" and lit["steps"][-1]["status_from"] == "assessed"


async def test_significantly_slight_does_not_hold_in_a_red_line_or_on_a_repeat_within_two_years(stack):
    from tests.cases.test_decision_gate import decided, driver, fine, notified, opened

    d = await driver(stack)
    uscc = await d.enterprise()
    earlier = await opened(d, uscc=uscc)
    await notified(d, earlier, 150000.0)
    number = (await decided(d, earlier, fine("penalty", 150000.0)))["number"]
    d.at(2026, 9, 1)
    cid = (await d.file(uscc, facts={"ecological_damage": True}))["id"]
    p = await step(stack, d.off, cid, "not_start", expect=409, ground="significantly_slight", in_red_line=False,
                   note="损害数额极小")
    assert p["rule_code"] == "significantly_slight_exceptions" and number in p["detail"], p
    assert "两年内再次违法" in p["detail"] and p["verified"] is False and "环法规〔2025〕6号" in p["article"], p
    assert (await matter(stack, d.off, cid))["status"] == "screening"
    # Another ground still serves; and once the earlier decision is more than two years before the filing, it holds.
    d.at(2028, 6, 2)
    later = (await d.file(uscc, facts={"ecological_damage": True}))["id"]
    out = await step(stack, d.off, later, "not_start", ground="significantly_slight", in_red_line=False,
                     note="损害数额极小，未造成明显影响")
    assert out["status"] == "not_started" and out["steps"][-1]["in_red_line"] is False
    # The red line: unstated or in it, refused; another enterprise, outside it, not started.
    fresh = (await d.file(await d.enterprise(), facts={"ecological_damage": True}))["id"]
    for extra in ({}, {"in_red_line": True}):
        p = await step(stack, d.off, fresh, "not_start", expect=409, ground="significantly_slight", **extra)
        assert p["rule_code"] == "significantly_slight_exceptions" and "生态保护红线" in p["detail"], p
    assert (await step(stack, d.off, fresh, "not_start", ground="already_restored"))["status"] == "not_started"


def test_the_simplified_limit_is_a_local_setting_applied_at_most_at_the_source_cap(monkeypatch):
    from services.cases.damage import settings

    monkeypatch.delenv("ECOCOMPLY_CASES_DAMAGE_SIMPLIFIED_MAX_CNY", raising=False)
    assert settings.simplified_max_cny() == 300000.0  # the default (30万元)
    monkeypatch.setenv("ECOCOMPLY_CASES_DAMAGE_SIMPLIFIED_MAX_CNY", "450000")
    assert settings.simplified_max_cny() == 450000.0  # a province's raise within the source
    monkeypatch.setenv("ECOCOMPLY_CASES_DAMAGE_SIMPLIFIED_MAX_CNY", "800000")
    assert settings.simplified_max_cny() == 500000.0  # 省级可调整至50万元: no further
    assert "50万元" in settings.SIMPLIFIED_SOURCE and "本地设置" in settings.SIMPLIFIED_SOURCE

"""Inbound risk warnings (风险预警) from the provincial platform: verified, idempotent, visible on the
enterprise with suggested guidance items; every refusal is a 4xx that stores nothing and is recorded;
an officer's inspection issues a compliance advice letter and opens no case."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from services.cases.models import AdviceLetter, Case, RiskWarning, RiskWarningRejection, webhook_tables
from services.testing.factories import CASES, OTHER_BUREAU, CaseDriver, new_uscc
from shared import signing
from tests.cases.helpers import snapshot
from tests.platform.conftest import PLATFORM_SECRET

INDICATOR = "危险废物识别标志"


def warning(uscc: str, warning_id: str = "JSZHJG-2026-000123", **over) -> dict:
    return {"warning_id": warning_id, "uscc": uscc, "level": "high",
            "indicators": [INDICATOR, "在线监测数据异常"], "source": "江苏省生态环境智慧监管平台·环保脸谱",
            "issued_at": "2026-07-01T09:30:00+08:00", **over}


def signed(body: dict | bytes, *, secret: str = PLATFORM_SECRET, now: float | None = None) -> tuple[bytes, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return raw, {**signing.sign(secret, raw, now=now), "Content-Type": "application/json"}


async def count(rt, model) -> int:
    async with rt.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def post(stack, body, platform, **kw):
    raw, headers = signed(body, **kw)
    return await stack.client.post(f"{CASES}/risk-warnings", content=raw, headers={**platform, **headers})


async def test_signed_warning_is_stored_once_visible_and_bad_ones_store_nothing(pstack):
    d = CaseDriver(pstack, auto_certify=False)
    d.at(2026, 7, 1)
    rt = pstack.runtimes["cases"]
    platform = pstack.auth("jiangsu-platform", "platform")
    uscc = await d.enterprise("苏州某某化工有限公司")

    r = await post(pstack, warning(uscc), platform)
    assert r.status_code == 201, r.text
    stored = r.json()
    assert stored["level"] == "high" and stored["bureau"] == d.bureau and stored["opens_case"] is False
    # Suggestions come from the checklist's search by the indicator text.
    found = await d.c.get("/checklist/v1/guidance-items", params={"q": INDICATOR}, headers=d.off)
    expected_codes = {i["code"] for i in found.json()["items"]}
    assert expected_codes and expected_codes & {s["code"] for s in stored["suggestions"]}
    assert all(s["indicator"] in stored["indicators"] for s in stored["suggestions"])

    r = await d.c.get(f"{CASES}/enterprises/{uscc}/risk-warnings", headers=d.off)
    assert r.status_code == 200 and [w["warning_id"] for w in r.json()] == [stored["warning_id"]]
    other = pstack.auth("officer-x", "officer", bureau=OTHER_BUREAU)
    assert (await d.c.get(f"{CASES}/enterprises/{uscc}/risk-warnings", headers=other)).status_code == 404  # not yours reads as not there (issue 25 S17)

    # The event is in the outbox for the platform and others.
    ob = rt.spec.tables.outbox
    async with rt.engine.connect() as conn:
        types = (await conn.execute(select(ob.c.type))).scalars().all()
    assert types.count("ecocomply.case.risk_warning_received.v1") == 1
    # … and reaches the cases service's webhook consumer (logged for pushes to the platform).
    log_t = webhook_tables.event_log

    async def logged():
        async with rt.engine.connect() as conn:
            return (await conn.execute(select(log_t.c.type).where(
                log_t.c.type == "ecocomply.case.risk_warning_received.v1"))).scalars().all()

    await pstack.wait_for(logged, timeout=60, what="the warning event at the webhook consumer")

    # Same id, same body: 200 with the stored warning, nothing written (signed again, later).
    before = await snapshot(pstack)
    r = await post(pstack, warning(uscc), platform)
    assert r.status_code == 200 and r.json() == stored
    assert await snapshot(pstack) == before

    bad = [
        ("bad signature", dict(body=warning(uscc, "W-2"), secret="另一个密钥-not-the-platform"), 401, "bad_signature"),
        ("stale timestamp", dict(body=warning(uscc, "W-3"), now=time.time() - 3600), 401, "stale_timestamp"),
        ("unknown enterprise", dict(body=warning(new_uscc(), "W-4")), 422, "unknown_enterprise"),
        ("malformed level", dict(body=warning(uscc, "W-5", level="severe")), 422, "malformed_warning"),
        ("no indicators", dict(body=warning(uscc, "W-6", indicators=[])), 422, "malformed_warning"),
        ("not JSON", dict(body=b"{not json"), 422, "malformed_warning"),
        ("bad check character", dict(body=warning(uscc[:-1] + ("0" if uscc[-1] != "0" else "1"), "W-7")), 422,
         "invalid_uscc"),
        ("id clash", dict(body=warning(uscc, level="low")), 409, "warning_id_conflict"),
    ]
    for n, (what, kw, status, code) in enumerate(bad, start=1):
        before = await snapshot(pstack)
        body = kw.pop("body")
        r = await post(pstack, body, platform, **kw)
        assert r.status_code == status and r.json()["code"] == code, (what, r.text)
        after = await snapshot(pstack)
        assert after.pop("cases.risk_warning_rejections") == before.pop("cases.risk_warning_rejections") + 1, what
        assert after == before, what  # nothing else stored: no warning, no event
        assert await count(rt, RiskWarningRejection) == n
    r = await post(pstack, warning(uscc, "W-8", level="severe"), platform)
    assert r.json()["errors"][0]["field"] == "level"
    r = await post(pstack, warning(uscc, "W-9", indicators=[]), platform)
    assert r.json()["errors"][0]["field"] == "indicators"
    async with rt.sessionmaker() as s:
        reasons = (await s.scalars(select(RiskWarningRejection.code).order_by(RiskWarningRejection.seq))).all()
    assert reasons[:len(bad)] == [b[3] for b in bad]
    assert await count(rt, RiskWarning) == 1
    # Only the platform sends warnings.
    raw, headers = signed(warning(uscc, "W-10"))
    r = await d.c.post(f"{CASES}/risk-warnings", content=raw, headers={**d.off, **headers})
    assert r.status_code == 403 and await count(rt, RiskWarning) == 1


async def test_inspection_from_a_warning_issues_an_advice_letter_and_no_case(pstack):
    d = CaseDriver(pstack, auto_certify=False)
    d.at(2026, 7, 1)
    rt = pstack.runtimes["cases"]
    platform = pstack.auth("jiangsu-platform", "platform")
    uscc = await d.enterprise("苏州某某电镀有限公司")
    wid = (await post(pstack, warning(uscc, "JSZHJG-2026-000777"), platform)).json()["warning_id"]
    cases_before = await count(rt, Case)
    body = {"findings": ["危险废物贮存场所未设置识别标志"], "requirements": ["按规定设置危险废物识别标志"],
            "due": "2026-07-31"}

    other = pstack.auth("officer-x", "officer", bureau=OTHER_BUREAU)
    before = await snapshot(pstack)
    assert (await d.c.post(f"{CASES}/risk-warnings/{wid}/inspection", headers=other, json=body)).status_code == 403
    r = await d.c.post(f"{CASES}/risk-warnings/{wid}/inspection", headers=d.off, json={**body, "due": "2026-06-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "due"
    assert await snapshot(pstack) == before

    r = await d.c.post(f"{CASES}/risk-warnings/{wid}/inspection", headers=d.off, json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    letter = out["advice_letter"]
    assert out["warning"]["advice_letter_id"] == letter["id"] and out["warning"]["inspected_by"] == "officer-a"
    assert letter["uscc"] == uscc and letter["case_id"] is None and letter["status"] == "issued"
    assert any(wid in b for b in letter["basis"]) and any("三（三）" in b for b in letter["basis"])
    r = await d.c.get(f"{CASES}/advice-letters/{letter['id']}", headers=d.off)
    assert r.status_code == 200 and r.json()["findings"] == body["findings"]
    assert await count(rt, Case) == cases_before  # never a case by itself
    assert await count(rt, AdviceLetter) == 1

    again = await d.c.post(f"{CASES}/risk-warnings/{wid}/inspection", headers=d.off, json=body)
    assert again.status_code == 409 and again.json()["advice_letter_id"] == letter["id"]
    assert await count(rt, AdviceLetter) == 1
    assert (await d.c.post(f"{CASES}/risk-warnings/no-such/inspection", headers=d.off, json=body)).status_code == 404

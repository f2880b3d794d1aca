"""自查自纠 and 典型案例 on both setups: questionnaires generated from the published items, risk
reports and history per USCC with an event, typical cases linked to items, searchable, counted per
bureau and year against the work point's target."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from services.checklist import loader
from services.checklist.models import SelfCheck, TypicalCase
from services.checklist.programme import selfcheck
from services.testing.factories import new_uscc
from shared.events import CloudEvent

API = "/checklist/v1"
ITEMS = {i.code: i for i in loader.bundled_guidance_items()}


async def test_self_check_questionnaire_report_history_and_event(stack):
    c = stack.client
    uscc = new_uscc()
    ent = stack.auth("ent-1", "enterprise", uscc=uscc)
    r = await c.get(f"{API}/self-checks/questionnaire", params={"industry": "污水处理"}, headers=ent)
    assert r.status_code == 200, r.text
    q = r.json()
    domains = selfcheck.domains_for("污水处理")
    expected = [(code, n) for code, i in sorted(ITEMS.items()) if i.domain in domains
                for n in range(1, len(i.common_violations) + 1)]
    assert [(x["item_code"], int(x["id"].split(":")[1])) for x in q["questions"]] == expected
    assert {x["domain"] for x in q["questions"]} == set(domains)
    # an industry not in the profiles gets every domain
    r = await c.get(f"{API}/self-checks/questionnaire", params={"industry": "其他行业"}, headers=ent)
    assert {x["item_code"] for x in r.json()["questions"]} == set(ITEMS)

    high = next(x for x in q["questions"] if x["risk_level"] == "high")
    low_or_medium = next(x for x in q["questions"] if x["risk_level"] != "high")
    answers = {x["id"]: "no" for x in q["questions"]} | {high["id"]: "yes", low_or_medium["id"]: True}
    unanswered = q["questions"][-1]["id"]
    answers.pop(unanswered)
    r = await c.post(f"{API}/self-checks", json={"uscc": uscc, "industry": "污水处理", "answers": answers}, headers=ent)
    assert r.status_code == 201, r.text
    out = r.json()
    assert [x["item_code"] for x in out["risks"]] == [high["item_code"], low_or_medium["item_code"]]  # high first
    assert out["risks"][0]["advice"] == ITEMS[high["item_code"]].advice
    assert out["unanswered"] == [unanswered] and 0 < out["score"] < 100 and out["questionnaire_version"] == q["version"]
    r = await c.post(f"{API}/self-checks", json={"uscc": uscc, "industry": "污水处理", "answers": {}}, headers=ent)
    assert r.json()["risks"] == [] and r.json()["score"] == 100

    r = await c.get(f"{API}/self-checks", params={"uscc": uscc}, headers=ent)
    assert [x["id"] for x in r.json()] == [r.json()[0]["id"], out["id"]] and len(r.json()) == 2

    # scope and bad input: another enterprise's USCC, a bad check character, unknown question/answer
    other = stack.auth("ent-2", "enterprise", uscc=new_uscc())
    r = await c.get(f"{API}/self-checks", params={"uscc": uscc}, headers=other)
    assert r.status_code == 403
    async with stack.runtimes["checklist"].sessionmaker() as s:
        before = await s.scalar(select(func.count()).select_from(SelfCheck))
    for body, field in (
        ({"uscc": uscc[:-1] + ("0" if uscc[-1] != "0" else "1"), "industry": "污水处理"}, "uscc"),
        ({"uscc": uscc, "industry": "污水处理", "answers": {"GI-NOPE:1": "yes"}}, "answers.GI-NOPE:1"),
        ({"uscc": uscc, "industry": "污水处理", "answers": {high["id"]: "maybe"}}, f"answers.{high['id']}"),
    ):
        r = await c.post(f"{API}/self-checks", json=body, headers=ent)
        assert r.status_code == 422 and field in r.json()["errors"][0]["field"], r.text
    async with stack.runtimes["checklist"].sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(SelfCheck)) == before
        rt = stack.runtimes["checklist"]
        rows = (await s.execute(select(rt.tables.outbox.c.envelope).where(
            rt.tables.outbox.c.type == "ecocomply.checklist.self_check_submitted.v1",
        ).order_by(rt.tables.outbox.c.seq))).all()  # in the order written: the first submission first
    events = [CloudEvent.model_validate(json.loads(x[0])) for x in rows]
    assert len(events) == 2 and events[0].subject == uscc
    assert [x["item_code"] for x in events[0].data["risks"]] == [x["item_code"] for x in out["risks"]]


CASE = {
    "code": "TC-2025-001",
    "bureau": "320509",
    "year": 2025,
    "title": "某印染企业废水超标排放从轻处罚案",
    "summary": "某印染企业（已隐去名称）出水化学需氧量超标，主动消除危害后果并完成合规整改。",
    "outcome": "依法从轻处罚",
    "lesson": "企业应按排污许可证开展自行监测",
    "item_codes": ["GI-WAT-001", "GI-MON-001"],
}


async def test_typical_cases_linked_searchable_and_counted(stack):
    c = stack.client
    officer = stack.auth("officer-1", "officer", bureau="320509")
    for i in range(4):
        body = CASE | {"code": f"TC-2025-00{i + 1}", "title": CASE["title"] if i == 0 else f"第{i + 1}个典型案例"}
        r = await c.post(f"{API}/typical-cases", json=body, headers=officer)
        assert r.status_code == 201, r.text
    r = await c.post(f"{API}/typical-cases", json=CASE | {"code": "TC-2024-001", "year": 2024}, headers=officer)
    assert r.status_code == 201
    r = await c.get(f"{API}/typical-cases/stats/320509/2025", headers=officer)
    assert (r.json()["count"], r.json()["target"], r.json()["meets_target"]) == (4, 4, True)
    assert "不少于4篇" in r.json()["basis"]
    r = await c.get(f"{API}/typical-cases/stats/320509/2024", headers=officer)
    assert (r.json()["count"], r.json()["meets_target"]) == (1, False)

    # searchable (2 characters), ranked title hits first, and linked to items
    r = await c.get(f"{API}/typical-cases", params={"q": "印染"}, headers=officer)
    assert [x["code"] for x in r.json()] == ["TC-2025-001", "TC-2024-001", "TC-2025-002", "TC-2025-003",
                                             "TC-2025-004"]
    r = await c.get(f"{API}/search", params={"q": "印染", "kind": "case"}, headers=officer)
    assert r.json()["total"] == 5 and r.json()["items"][0]["rank"] == 2
    r = await c.get(f"{API}/typical-cases", params={"item_code": "GI-MON-001", "year": 2024}, headers=officer)
    assert [x["code"] for x in r.json()] == ["TC-2024-001"]

    # refused: not anonymised, unknown item, other bureau, duplicate — nothing written
    async with stack.runtimes["checklist"].sessionmaker() as s:
        before = await s.scalar(select(func.count()).select_from(TypicalCase))
    for body, status, field in (
        (CASE | {"code": "TC-X-1", "summary": f"当事人统一社会信用代码{new_uscc()}"}, 422, "summary"),
        (CASE | {"code": "TC-X-2", "item_codes": ["GI-WAT-001", "GI-NOPE-1"]}, 422, "item_codes.1"),
        (CASE | {"code": "TC-X-3", "bureau": "320581"}, 403, None),
        (CASE, 409, None),
    ):
        r = await c.post(f"{API}/typical-cases", json=body, headers=officer)
        assert r.status_code == status, r.text
        if field:
            assert r.json()["errors"][0]["field"] == field
    async with stack.runtimes["checklist"].sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(TypicalCase)) == before

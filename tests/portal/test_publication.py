"""处罚决定公开 on both setups: only a penalty a bureau marks is published, redacted (the 双公示 items,
no personal data, none of the case file), and it leaves the public page when the credit record's
publicity ends, when credit is repaired, or when the bureau withdraws it (the reasons stand in its place)."""

from __future__ import annotations

import json
from datetime import date

from portal_helpers import PERSONAL, credit_record, fix_credit_clock, pay_fine, penalised_case

from services.cases import jobs
from services.credit import jobs as credit_jobs
from services.testing.factories import CASES, OTHER_BUREAU, CaseDriver, leader, officer


def _mark_body(**over) -> dict:
    return {"reason": "罚款数额较大，社会关注度高，属于具有一定社会影响的行政处罚决定", "redact": ["王某某"], **over}


async def _public(stack, path: str = f"{CASES}/public/decisions", **kw):
    return await stack.client.get(path, **kw)


async def test_marked_penalty_is_published_redacted_and_ends_with_its_publicity(stack):
    c = stack.client
    case = await penalised_case(stack)
    cid, uscc = case["id"], case["uscc"]
    assert (await _public(stack)).json()["total"] == 0, "nothing is public before the bureau marks it"

    # Only the bureau's officers and leaders mark; the party, another bureau and anonymous callers cannot.
    url = f"{CASES}/cases/{cid}/publication"
    assert (await c.post(url, json=_mark_body())).status_code == 401
    r = await c.post(url, json=_mark_body(), headers=stack.auth("ent", "enterprise", uscc=uscc))
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = await c.post(url, json=_mark_body(), headers=officer(stack, "officer-x", bureau=OTHER_BUREAU))
    assert r.status_code == 403
    r = await c.post(url, json={"reason": ""}, headers=officer(stack))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"

    r = await c.post(url, json=_mark_body(), headers=leader(stack))
    assert r.status_code == 201, r.text
    staff = r.json()
    assert staff["visible"] is True and staff["status"] == "published"
    assert staff["publish_until"] == "2031-06-15", "organisations: five years of website publication (a setting)"
    assert {x["rule"] for x in staff["redactions"]} >= {"id_number", "mobile", "email", "bank_account", "named_by_officer"}
    r = await c.post(url, json=_mark_body(), headers=officer(stack))
    assert r.status_code == 409 and r.json()["code"] == "already_marked"

    # The public list, without a token: the 双公示 items of this decision and nothing private.
    r = await _public(stack)
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
    body = r.json()
    assert body["total"] == 1 and "第四十八条" in body["basis"]
    [pub] = body["items"]
    assert pub["id"] == staff["id"] and pub["decision_number"] == case["decision"]["document_number"]
    assert (pub["party_category"], pub["party_name"], pub["party_uscc"]) == ("法人及非法人组织", "苏州某某环保科技有限公司", uscc)
    assert pub["fine_amount_wan_yuan"] == 15.0 and "罚款人民币150,000.00元" in pub["penalty_content"]
    assert pub["penalty_categories"] == ["罚款"] and pub["decision_date"] == "2026-06-15"
    assert pub["violation_type"] == [{"code": "GI-WAT-001", "title": "水污染物达标排放与重点污染物总量控制"}]
    assert "超过水污染物排放标准排放废水" in pub["violation_facts"] and "［电话号码已隐去］" in pub["violation_facts"]
    text = json.dumps(body, ensure_ascii=False)
    for secret in (*PERSONAL, "officer-a", "officer-b", "leader-1", "苏州市吴江区", staff["reason"], cid):
        assert secret not in text, f"{secret!r} is on the public page"
    for private_key in ("handlers", "facts", "records", "timeline", "evidence", "rectification", "reason", "address"):
        assert f'"{private_key}"' not in text, private_key

    # The credit record's maximum publicity period reaches the public page with the record's event ...
    record = await credit_record(stack, uscc)
    detail = f"{CASES}/public/decisions/{pub['id']}"

    async def publicity_end():
        return (await _public(stack, detail)).json().get("publicity_end_date")

    assert await stack.wait_for(publicity_end, what="the credit record's event") == record["publicity_max_until"]
    r = await _public(stack, detail)
    assert (await _public(stack, detail, headers={"If-None-Match": r.headers["etag"]})).status_code == 304

    # ... and when that period has run out, the decision leaves the public page.
    day_after = date.fromisoformat(record["publicity_max_until"]).toordinal() + 1
    assert await credit_jobs.expire_publicity(stack.runtimes["credit"], today=date.fromordinal(day_after)) == 1

    async def gone():
        r = await _public(stack, detail)
        return r if r.status_code == 410 else None

    r = await stack.wait_for(gone, what="the publication to end")
    assert r.json()["code"] == "publication_ended" and r.json()["ended_by"] == "publicity_expired"
    assert "苏州某某环保科技有限公司" not in r.text and case["number"] not in r.text
    assert (await _public(stack)).json() == {**body, "items": [], "total": 0}
    staff = (await c.get(url, headers=officer(stack))).json()
    assert (staff["status"], staff["withdrawal_kind"]) == ("withdrawn", "publicity_expired")
    assert "最长公示期" in staff["withdrawal_reason"]


async def test_repair_and_revocation_withdraw_and_an_exemption_is_never_published(stack):
    c = stack.client
    repaired = await penalised_case(stack, summary="超标排放废水。")
    revoked = await penalised_case(stack, summary="超标排放废水，拒不改正。")
    kept = await penalised_case(stack, summary="超标排放废水，已整改。")
    for case in (repaired, revoked, kept):
        r = await c.post(f"{CASES}/cases/{case['id']}/publication", json=_mark_body(), headers=officer(stack))
        assert r.status_code == 201, r.text
    assert (await _public(stack)).json()["total"] == 3

    # Credit repair approved (令第36号第三条 终止公示) → withdrawn from the page too (a labelled setting).
    record = await credit_record(stack, repaired["uscc"])
    await pay_fine(stack, repaired)
    fix_credit_clock(stack, date.fromisoformat(record["repair_available_from"]))
    ent = stack.auth("ent", "enterprise", uscc=repaired["uscc"])
    r = await c.post("/credit/v1/repair-applications", headers=ent, json={
        "record_id": record["id"], "commitment": "本单位承诺所提交材料真实有效，愿意承担违反承诺的相应责任。",
        "evidence": [{"kind": "identity", "description": "法定代表人身份证明书"},
                     {"kind": "fine_receipt", "description": "罚款缴纳收据"}]})
    assert r.status_code == 201, r.text
    off = officer(stack)
    # Two people, neither a handler of the case, accept and approve it (issue 25 S12).
    for action, by in (("accept", "officer-c"), ("approve", "officer-d")):
        r = await c.post(f"/credit/v1/repair-applications/{r.json()['id']}/{action}", headers=officer(stack, by),
                         json={})
        assert r.status_code == 200, r.text

    async def withdrawn():
        r = await c.get(f"{CASES}/cases/{repaired['id']}/publication", headers=off)
        return r.json() if r.json()["status"] == "withdrawn" else None

    staff = await stack.wait_for(withdrawn, what="the repair to withdraw the publication")
    assert staff["withdrawal_kind"] == "credit_repaired" and "第三条" in staff["withdrawal_rule"]
    r = await _public(stack, f"{CASES}/public/decisions/{staff['id']}")
    assert r.status_code == 410 and r.json()["ended_by"] == "credit_repaired"

    # The decision is revoked on review: withdrawn by the bureau, the reasons published in its place.
    url = f"{CASES}/cases/{revoked['id']}/publication/withdraw"
    r = await c.post(url, headers=off, json={"grounds": "revoked", "reason": "经行政复议决定撤销"})
    assert r.status_code == 200 and r.json()["withdrawal_kind"] == "legal_change"
    r = await _public(stack, f"{CASES}/public/decisions/{r.json()['id']}")
    assert r.status_code == 410 and r.json()["code"] == "decision_withdrawn"
    assert "依法撤销" in r.json()["reason"] and "经行政复议决定撤销" in r.json()["reason"]
    assert "第四十八条" in r.json()["rule"] and r.json()["decision_number"] == revoked["decision"]["document_number"]
    assert (await c.post(url, headers=off, json={"grounds": "revoked", "reason": "再次"})).status_code == 409
    assert [d["decision_number"] for d in (await _public(stack)).json()["items"]] == [kept["decision"]["document_number"]]

    # The job records the end of a publication whose credit period ran out before the credit event.
    max_until = date.fromisoformat((await credit_record(stack, kept["uscc"]))["publicity_max_until"])
    rt = stack.runtimes["cases"]
    assert await jobs.publication_expiry(rt, today=max_until) == 0, "the last day is still public"
    assert await jobs.publication_expiry(rt, today=date.fromordinal(max_until.toordinal() + 1)) == 1
    staff = (await c.get(f"{CASES}/cases/{kept['id']}/publication", headers=off)).json()
    assert (staff["status"], staff["withdrawal_kind"], staff["withdrawn_by"]) == ("withdrawn", "publicity_expired", "job")
    assert await jobs.publication_expiry(rt, today=date(2032, 1, 1)) == 0, "idempotent"
    assert (await _public(stack)).json()["total"] == 0

    # An exemption (不予行政处罚) is not a penalty decision: refused with the rule, nothing written.
    exempt = await CaseDriver(stack).decided_case("no_penalty")
    r = await c.post(f"{CASES}/cases/{exempt['id']}/publication", json=_mark_body(), headers=officer(stack))
    assert r.status_code == 409 and r.json()["code"] == "not_publishable" and "第四十八条" in r.json()["rule"]
    r = await c.get(f"{CASES}/cases/{exempt['id']}/publication", headers=officer(stack))
    assert r.status_code == 404


async def test_public_decisions_page_by_cursor_while_decisions_are_published(stack):
    async def publish() -> str:
        case = await penalised_case(stack)
        r = await stack.client.post(f"/cases/v1/cases/{case['id']}/publication", json=_mark_body(),
                                    headers=leader(stack))
        assert r.status_code == 201, r.text
        return r.json()["id"]

    original = {await publish() for _ in range(4)}
    first = (await _public(stack, params={"size": 2})).json()
    assert first["total"] == 4 and len(first["items"]) == 2 and first["next"]
    newer = await publish()  # published while a visitor reads page 1
    seen = [p["id"] for p in first["items"]]
    cursor = first["next"]
    for _ in range(20):
        if not cursor:
            break
        body = (await _public(stack, params={"size": 2, "cursor": cursor})).json()
        seen += [p["id"] for p in body["items"]]
        cursor = body["next"]
    assert len(seen) == len(set(seen)) and original <= set(seen)
    assert newer in {p["id"] for p in (await _public(stack, params={"size": 10})).json()["items"]}
    r = await _public(stack, params={"cursor": "%%%"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"


async def test_the_published_decision_carries_its_document_number_and_a_revoked_one_is_never_published(stack):
    """The public decision names the 决定书文号 and the authority the decision was issued under (the bureau's
    registry), not the case number and a code; a decision revoked before it was marked is refused
    (not_publishable, 第四十八条第二款) and nothing is published."""
    d = CaseDriver(stack)
    decided = await d.penalty_decided()
    mark = await stack.client.post(f"{CASES}/cases/{decided['id']}/publication", json=_mark_body(), headers=d.off)
    assert mark.status_code == 201, mark.text
    page = (await _public(stack)).json()["items"]
    row = next(i for i in page if i["party_uscc"] == decided["uscc"])
    assert row["decision_number"] == decided["decision"]["document_number"], row
    assert row["decision_number"].startswith("吴环罚字〔") and row["deciding_authority"] == "苏州市吴江生态环境局", row

    revoked = await d.penalty_decided()
    await d.change_decision(revoked["id"], "revoked", "reconsideration")
    r = await stack.client.post(f"{CASES}/cases/{revoked['id']}/publication", json=_mark_body(), headers=d.off)
    assert r.status_code == 409 and r.json()["code"] == "not_publishable", r.text
    assert "第四十八条" in r.json()["detail"]
    assert all(i["party_uscc"] != revoked["uscc"] for i in (await _public(stack)).json()["items"])

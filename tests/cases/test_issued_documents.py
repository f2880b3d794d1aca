"""Issued documents are immutable (issue 24 item 3): a document is rendered once when issued — by the cases
worker, off the request path — stored with its SHA-256, the hash appended to the audit log; every read serves
those bytes with a strong ETag (and 304 to If-None-Match), whatever the templates say since. A corrected
decision is a new 文号 naming the one it replaces. Through the HTTP API, on both setups."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time

from sqlalchemy import delete, func, select

from services.cases.documents import content, served
from services.cases.models import IssuedDocument
from services.testing.factories import CASES, CaseDriver
from tests.cases.helpers import documents_rendered
from tests.cases.test_decision_documents import _named_driver, pdftotext

AUDIT = "/audit/v1"
ISSUED = "ecocomply.case.document_issued.v1"


def flat(pdf: bytes) -> str:
    return re.sub(r"\s+", "", pdftotext(pdf))


async def _get(d: CaseDriver, url: str, **headers: str):
    return await d.c.get(url, headers={**d.off, **headers})


async def test_a_decision_is_served_as_issued_with_its_hash_in_the_audit_log(stack, monkeypatch):
    d = await _named_driver(stack)
    cid, body = await d.prepared_case("lighter")
    number = (await d.decide(cid, body))["decision"]["document_number"]
    url = f"{CASES}/cases/{cid}/documents/decision"
    first = await _get(d, url)
    assert first.status_code == 200, first.text
    sha = hashlib.sha256(first.content).hexdigest()
    assert first.headers["etag"] == f'"{sha}"'  # strong: the hash of exactly these bytes
    assert number in flat(first.content)

    again = await _get(d, url)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    unchanged = await _get(d, url, **{"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    other = await _get(d, url, **{"If-None-Match": '"0000"'})
    assert other.status_code == 200 and other.content == first.content

    # A template change after issue does not change what was issued.
    original = content.decision_doc

    def changed_template(*a, **kw):
        doc = original(*a, **kw)
        doc.title = "已改版的决定书"
        return doc

    monkeypatch.setattr(content, "decision_doc", changed_template)
    after = await _get(d, url)
    assert after.content == first.content and after.headers["etag"] == f'"{sha}"'

    # The hash is in the audit log (the log's entries of the case).
    auditor = stack.auth("auditor-1", "auditor")

    async def logged():
        r = await d.c.get(f"{AUDIT}/log/entries", params={"case_id": cid}, headers=auditor)
        assert r.status_code == 200, r.text
        return [e for e in r.json() if e["type"] == ISSUED and sha in str(e["data"])]

    entries = await stack.wait_for(logged, what="the decision's hash in the audit log")
    assert len(entries) == 1 and number in str(entries[0]["data"])

    listed = (await d.c.get(f"{CASES}/cases/{cid}/documents", headers=d.off)).json()
    decision = [x for x in listed if x["kind"] == "decision"]
    assert [(x["number"], x["sha256"], x["status"], x["replaces"]) for x in decision] == [(number, sha, "ready", None)]
    assert (await _get(d, decision[0]["url"].replace("/cases/v1", CASES, 1))).content == first.content
    assert {x["kind"] for x in listed} == {"decision", "notice"}  # the notice was issued with its step too


async def test_the_worker_renders_each_document_once_and_the_step_renders_nothing(stack, monkeypatch):
    d = await _named_driver(stack)
    rt = d.rt
    render_pending = served.render_pending

    async def paused(rt_, **kw) -> int:  # the background job does nothing: the test runs the workers
        return 0

    monkeypatch.setattr(served, "render_pending", paused)
    renders: list[str] = []
    real_render = content.render

    def counting(doc):
        renders.append(doc.title)
        time.sleep(0.02)  # long enough for the workers below to overlap
        return real_render(doc)

    monkeypatch.setattr(content, "render", counting)
    cid, body = await d.prepared_case("lighter")
    await d.decide(cid, body)
    assert renders == []  # the notice and the decision requests rendered nothing
    listed = (await d.c.get(f"{CASES}/cases/{cid}/documents", headers=d.off)).json()
    assert sorted((x["kind"], x["status"]) for x in listed) == [("decision", "pending"), ("notice", "pending")]

    # While pending, a read waits a bounded time, then asks to come back (problem+json, Retry-After).
    monkeypatch.setattr(served, "WAIT_SECONDS", 0.2)
    busy = await _get(d, f"{CASES}/cases/{cid}/documents/decision")
    assert busy.status_code == 503 and busy.headers["retry-after"] == str(served.RETRY_AFTER_SECONDS)
    assert busy.headers["content-type"].startswith("application/problem+json")
    assert busy.json()["detail"] == "文书正在生成，请稍后再试" and busy.json()["code"] == "document_rendering"

    # Four workers at once: every pending row is claimed and rendered by exactly one of them.
    done = await asyncio.gather(*(render_pending(rt) for _ in range(4)))
    assert sum(done) == 2 and sorted(renders) == ["行政处罚事先告知书", "行政处罚决定书"]
    async with rt.engine.connect() as conn:
        rows = (await conn.execute(select(IssuedDocument.status, func.count()).where(IssuedDocument.case_id == cid)
                                   .group_by(IssuedDocument.status))).all()
    assert rows == [("ready", 2)]
    assert await render_pending(rt) == 0  # nothing left, nothing rendered again
    r = await _get(d, f"{CASES}/cases/{cid}/documents/decision")
    assert r.status_code == 200 and len(renders) == 2


async def test_a_corrected_decision_is_a_new_number_naming_the_one_it_replaces(stack):
    d = await _named_driver(stack)
    cid, body = await d.prepared_case("lighter")
    original = (await d.decide(cid, body))["decision"]["document_number"]
    url = f"{CASES}/cases/{cid}/documents/decision"
    before = (await _get(d, url)).content

    case = await d.change_decision(cid, "changed", "bureau", fine=float(body["fine_amount"]) - 1000)
    change = case["decision_changes"][-1]
    corrected = change["document_number"]
    assert re.fullmatch(r"吴环罚字〔2026〕第\d+号", corrected) and corrected != original
    assert change["replaces"] == original

    newest = await _get(d, url)
    assert newest.status_code == 200
    text = flat(newest.content)
    assert corrected in text and f"本决定书替代{original}决定书" in text
    assert f"{float(body['fine_amount']) - 1000:,.2f}" in text

    earlier = await _get(d, f"{url}?number={original}")
    assert earlier.content == before and "替代" not in flat(earlier.content)  # the earlier one, as issued
    missing = await _get(d, f"{url}?number=吴环罚字〔2026〕第999号")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")

    listed = (await d.c.get(f"{CASES}/cases/{cid}/documents", headers=d.off)).json()
    decisions = [(x["number"], x["replaces"]) for x in listed if x["kind"] == "decision"]
    assert decisions == [(corrected, original), (original, None)]  # newest first

    # A change by the 复议机关 is that body's document: no new decision of the bureau's.
    await d.change_decision(cid, "upheld", "reconsideration")
    listed = (await d.c.get(f"{CASES}/cases/{cid}/documents", headers=d.off)).json()
    assert len([x for x in listed if x["kind"] == "decision"]) == 2


async def test_an_advice_letter_is_read_from_storage_after_issue(stack, monkeypatch):
    d = CaseDriver(stack)
    d.at(2026, 5, 11)
    uscc = await d.enterprise()
    r = await d.c.post(f"{CASES}/advice-letters", headers=d.off, json={
        "uscc": uscc, "findings": ["危废贮存场所标识不全"], "requirements": ["补齐危废贮存场所标识"], "due": "2026-07-31"})
    assert r.status_code == 201, r.text
    letter = r.json()
    url = f"{CASES}/advice-letters/{letter['id']}/document"
    first = await _get(d, url)  # waits for the worker if it has not finished yet
    assert first.status_code == 200 and letter["document_number"] in flat(first.content)
    assert first.headers["etag"] == f'"{hashlib.sha256(first.content).hexdigest()}"'

    def no_builder(*a, **kw):
        raise AssertionError("the advice letter was built again")

    monkeypatch.setattr(content, "compliance_advice_doc", no_builder)
    again = await _get(d, url)
    assert again.status_code == 200 and again.content == first.content  # served from storage, not built


async def test_a_case_decided_before_this_feature_is_issued_on_its_first_read(stack, monkeypatch):
    d = await _named_driver(stack)
    cid, body = await d.prepared_case("lighter")
    number = (await d.decide(cid, body))["decision"]["document_number"]
    await documents_rendered(stack)
    rt = d.rt
    async with rt.sessionmaker() as session, session.begin():  # as a case decided before issue 24 has no rows
        await session.execute(delete(IssuedDocument).where(IssuedDocument.case_id == cid))
    url = f"{CASES}/cases/{cid}/documents/decision"
    first = await _get(d, url)
    assert first.status_code == 200 and number in flat(first.content)
    listed = (await d.c.get(f"{CASES}/cases/{cid}/documents", headers=d.off)).json()
    assert [(x["kind"], x["number"], x["status"]) for x in listed] == [("decision", number, "ready")]
    monkeypatch.setattr(content, "decision_doc", lambda *a, **kw: (_ for _ in ()).throw(AssertionError("built again")))
    again = await _get(d, url)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    # A document not available is refused as before, and leaves nothing behind.
    r = await _get(d, f"{CASES}/cases/{cid}/documents/compliance_advice")
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json"), r.text
    listed = (await d.c.get(f"{CASES}/cases/{cid}/documents", headers=d.off)).json()
    assert [x["kind"] for x in listed] == ["decision"]

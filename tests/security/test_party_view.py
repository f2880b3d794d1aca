"""Issue 25 S6, what a party may see: an enterprise reading its own case — ``GET /cases/{id}`` and the
case-file export — gets its case's steps, documents, deadlines and decision (《行政处罚法》第四十四条、第五十九条),
not the bureau's internal deliberation: the legal review's notes (第五十八条), the collective discussion's
minutes, votes and participants (第五十七条第二款), the officers' certificate numbers kept on the case. The
bureau's officer still reads all of it, and the bureau's export is the full file."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator

import pytest

from services.testing.factories import CASES, CaseDriver
from services.testing.stack import SETUPS, Stack, build_stack

REVIEW_NOTES = "内部审核意见：证据链尚有瑕疵，罚款幅度偏高，建议集体讨论时重点考虑"
MINUTES = "集体讨论记录：副局长认为应从重，局长认为应从轻，最终多数同意。"
INTERNAL = (REVIEW_NOTES, MINUTES)
CERTS = ("JS3205090000", "JS3205090001", "JSL320509000", "JSL320509001", "JSL320509002")
INTERNAL_KEYS = ('"legal_reviews"', '"collective_discussions"', '"handler_certificates"', '"minutes"', '"votes"',
                 '"participants"', '"certificates"')


@pytest.fixture(params=SETUPS)
async def xstack(request, tmp_path) -> AsyncIterator[Stack]:
    s, cleanup = await build_stack(request.param, tmp_path, case_export_secret="案卷导出签名密钥-issue25-S6")
    try:
        await s.comp.start()
        yield s
    finally:
        await cleanup()


async def _deliberated_case(d: CaseDriver) -> dict:
    """A penalty reviewed with notes, discussed collectively (minutes, votes, participants), decided."""
    uscc = await d.enterprise()
    cid = (await d.file(uscc))["id"]
    await d.investigate(cid)
    await d.post(cid, "legal-review", d.rev, {"opinion": "approve", "notes": REVIEW_NOTES,
                                              "proposed_type": "penalty", "proposed_fine": 150000.0})
    await d.discuss(cid, "penalty", 150000.0, minutes=MINUTES, votes_for=2)
    await d.notice(cid, 150000.0, "penalty")
    return await d.decide(cid, {"type": "penalty", "fine_amount": 150000.0,
                                "basis": {"law_article": "《中华人民共和国水污染防治法》第八十三条"}})


def _internal_in(text: str) -> list[str]:
    return [s for s in (*INTERNAL, *CERTS, *INTERNAL_KEYS) if s in text]


async def test_the_party_reads_its_case_without_the_bureaus_deliberation(xstack):
    d = CaseDriver(xstack)
    case = await _deliberated_case(d)
    cid, uscc = case["id"], case["uscc"]
    party = xstack.auth("ent-1", "enterprise", uscc=uscc)

    r = await d.c.get(f"{CASES}/cases/{cid}", headers=party)
    assert r.status_code == 200, r.text
    assert _internal_in(r.text) == [], "the party reads the bureau's internal deliberation"
    mine = r.json()
    # what 第四十四条、第五十九条 entitle it to: steps, notice, deadlines, decision
    assert mine["state"] == "decided" and mine["decision"]["document_number"] == case["decision"]["document_number"]
    assert "legal_review" in mine["steps"] and "collective_discussion" in mine["steps"], "the steps stay"
    assert mine["records"]["notice"]["facts_and_reasons"] is not None and mine["due"], "notice and deadlines stay"
    assert [t["action"] for t in mine["timeline"]] == [t["action"] for t in case["timeline"]], "every step's time"
    internal = [t for t in mine["timeline"] if t["action"] in ("legal_review", "collective_discussion")]
    assert internal and {t["actor"] for t in internal} == {"本机关"}, internal  # the reviewer is not named

    # the positive: the bureau's officer reads all of it
    r = await d.c.get(f"{CASES}/cases/{cid}", headers=d.off)
    assert r.status_code == 200
    full = r.text
    for s in (*INTERNAL, "JS3205090000", '"collective_discussions"', '"votes"', '"participants"'):
        assert s in full, s


async def test_the_partys_export_is_its_file_the_bureaus_the_full_one(xstack):
    d = CaseDriver(xstack)
    case = await _deliberated_case(d)
    url = f"{CASES}/cases/{case['id']}/export"
    party = xstack.auth("ent-1", "enterprise", uscc=case["uscc"])

    r = await d.c.get(url, headers=party)
    assert r.status_code == 200, r.text
    z = zipfile.ZipFile(io.BytesIO(r.content))
    exported = z.read("case.json").decode()
    assert _internal_in(exported) == [], "the party's export holds the bureau's internal deliberation"
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["scope"] == "party"
    pdfs = {n for n in z.namelist() if n.startswith("documents/")}
    assert f"documents/{case['number']}-decision.pdf" in pdfs and f"documents/{case['number']}-notice.pdf" in pdfs
    assert json.loads(z.read("decision.json"))["document_number"] == case["decision"]["document_number"]

    r = await d.c.get(url, headers=d.off)
    assert r.status_code == 200, r.text
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert json.loads(z.read("manifest.json"))["scope"] == "bureau"
    full = z.read("case.json").decode()
    for s in (*INTERNAL, "JS3205090000", '"collective_discussions"'):
        assert s in full, s

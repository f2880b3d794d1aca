"""The signed case-file export for the case-quality system: a ZIP whose manifest lists every file with
its SHA-256 and whose signature (HMAC-SHA256 of manifest.json) verifies; any changed byte fails."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile

import pytest

from services.cases.case_file import bundle as case_file
from services.testing.factories import CASES, OTHER_BUREAU, CaseDriver
from tests.cases.helpers import snapshot
from tests.platform.conftest import EXPORT_SECRET


def rezip(data: bytes, path: str, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in src.namelist():
            body = src.read(name)
            z.writestr(name, change(body) if name == path else body)
    return out.getvalue()


def flip(body: bytes) -> bytes:
    i = len(body) // 2
    return body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1:]


async def test_export_of_a_decided_case_is_a_signed_verifiable_zip(pstack):
    d = CaseDriver(pstack, auto_certify=False)
    d.at(2026, 7, 1)
    await d.register_officers()
    case = await d.penalty_decided()
    cid = case["id"]
    before = await snapshot(pstack)

    r = await d.c.get(f"{CASES}/cases/{cid}/export", headers=d.off)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    data = r.content
    z = zipfile.ZipFile(io.BytesIO(data))
    names = set(z.namelist())
    pdfs = {n for n in names if n.startswith("documents/")}
    assert {"case.json", "decision.json", "manifest.json", "signature.json"} <= names
    assert f"documents/{case['number']}-decision.pdf" in pdfs and f"documents/{case['number']}-notice.pdf" in pdfs
    assert all(z.read(n).startswith(b"%PDF") for n in pdfs)

    exported = json.loads(z.read("case.json"))
    assert exported["case"]["id"] == cid and exported["case"]["state"] == "decided"
    assert [t["action"] for t in exported["case"]["timeline"]] == [t["action"] for t in case["timeline"]]
    decision = json.loads(z.read("decision.json"))
    assert decision["type"] == "penalty" and decision["articles"] and "versions" in decision

    manifest = json.loads(z.read("manifest.json"))
    assert manifest["case_id"] == cid and manifest["exported_by"] == "officer-a"
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == names - {"manifest.json", "signature.json"}
    for path, digest in listed.items():
        assert hashlib.sha256(z.read(path)).hexdigest() == digest, path
    omitted = {o["kind"] for o in manifest["omitted"]}
    assert "compliance_advice" in omitted  # a penalty case with no advice letter has none
    # The signature: HMAC-SHA256 with the shared key over manifest.json's exact bytes.
    sig = json.loads(z.read("signature.json"))
    assert sig["algorithm"] == "HMAC-SHA256" and sig["signed_file"] == "manifest.json"
    expected = hmac.new(EXPORT_SECRET.encode(), z.read("manifest.json"), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(sig["signature"], expected)
    assert case_file.verify_bundle(data, EXPORT_SECRET)["case_id"] == cid

    # A changed byte anywhere fails verification.
    with pytest.raises(case_file.BundleInvalid, match="case.json"):
        case_file.verify_bundle(rezip(data, "case.json", flip), EXPORT_SECRET)
    with pytest.raises(case_file.BundleInvalid, match="signature"):
        case_file.verify_bundle(rezip(data, "manifest.json", flip), EXPORT_SECRET)
    pdf = f"documents/{case['number']}-decision.pdf"
    with pytest.raises(case_file.BundleInvalid, match="decision.pdf"):
        case_file.verify_bundle(rezip(data, pdf, flip), EXPORT_SECRET)
    with pytest.raises(case_file.BundleInvalid, match="signature"):
        case_file.verify_bundle(data, "另一把密钥")

    # Object scope as for reading the case; an export writes nothing.
    other = pstack.auth("officer-x", "officer", bureau=OTHER_BUREAU)
    assert (await d.c.get(f"{CASES}/cases/{cid}/export", headers=other)).status_code == 403
    stranger = pstack.auth("ent-x", "enterprise", uscc="91320509MA1XXXXXX0")
    assert (await d.c.get(f"{CASES}/cases/{cid}/export", headers=stranger)).status_code == 403
    assert (await d.c.get(f"{CASES}/cases/no-such-case/export", headers=d.off)).status_code == 404
    auditor = pstack.auth("auditor-1", "auditor")
    assert (await d.c.get(f"{CASES}/cases/{cid}/export", headers=auditor)).status_code == 200
    assert await snapshot(pstack) == before

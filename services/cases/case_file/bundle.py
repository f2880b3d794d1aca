"""Case-file export (案卷) for the provincial case-quality system: one case's full file as a signed ZIP.

Bundle layout (``FORMAT`` = ``ecocomply.case-file.v1``):

* ``case.json`` — the case as ``GET /cases/{id}`` shows it (timeline included) plus the enterprise;
* ``decision.json`` — the decision with its basis, articles and the rule/list versions it used
  (``versions``: no-penalty item, list, discretion rule), or ``null`` while undecided;
* ``documents/<number>-<kind>.pdf`` — every document the case has (``documents.KINDS``); a kind the
  case does not have yet is listed in the manifest's ``omitted`` with the reason;
* ``manifest.json`` — format, case, export time and actor, ``scope`` (``bureau``: the full file; ``party``: the
  enterprise's own, without the bureau's internal deliberation — ``services.cases.case.party_view``), and for
  every other file its path, size
  and SHA-256;
* ``signature.json`` — ``{"algorithm": "HMAC-SHA256", "signed_file": "manifest.json", "signature": hex}``:
  HMAC-SHA256 with the shared key ``ECOCOMPLY_CASE_EXPORT_SECRET`` over the exact bytes of
  ``manifest.json``.

To verify (``verify_bundle``): recompute the HMAC over ``manifest.json`` and compare in constant
time, then recompute each listed file's SHA-256; any changed byte in any file fails one of the two.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

FORMAT = "ecocomply.case-file.v1"
ALGORITHM = "HMAC-SHA256"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
# Fixed ZIP entry time, so the same file content gives the same bytes.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class BundleInvalid(ValueError):
    """Why a bundle fails verification."""


@dataclass(frozen=True)
class CaseFile:
    case: dict[str, Any]
    enterprise: dict[str, Any]
    documents: dict[str, bytes]  # file name -> PDF
    omitted: list[dict[str, str]]  # [{kind, reason}]
    exported_at: datetime
    exported_by: str
    scope: str = "bureau"  # "party": the enterprise's own file, without the bureau's deliberation (party_view)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _mac(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def build_bundle(cf: CaseFile, secret: str) -> bytes:
    """The signed ZIP (pure: no I/O)."""
    files: dict[str, bytes] = {
        "case.json": _json({"case": cf.case, "enterprise": cf.enterprise}),
        "decision.json": _json(cf.case.get("decision")),
    }
    for name, pdf in sorted(cf.documents.items()):
        files[f"documents/{name}"] = pdf
    manifest = _json({
        "format": FORMAT,
        "case_id": cf.case["id"],
        "number": cf.case["number"],
        "exported_at": cf.exported_at.isoformat(),
        "exported_by": cf.exported_by,
        "scope": cf.scope,
        "files": [{"path": p, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for p, b in files.items()],
        "omitted": cf.omitted,
    })
    signature = _json({"algorithm": ALGORITHM, "signed_file": MANIFEST, "signature": _mac(secret, manifest)})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path, data in [*files.items(), (MANIFEST, manifest), (SIGNATURE, signature)]:
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


def verify_bundle(data: bytes, secret: str) -> dict[str, Any]:
    """The verified manifest, or ``BundleInvalid`` naming what failed."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        contents = {n: z.read(n) for n in z.namelist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as e:
        raise BundleInvalid(f"not a readable ZIP: {e}") from None
    for required in (MANIFEST, SIGNATURE):
        if required not in contents:
            raise BundleInvalid(f"{required} is missing")
    sig = json.loads(contents[SIGNATURE])
    if sig.get("algorithm") != ALGORITHM:
        raise BundleInvalid(f"unsupported algorithm {sig.get('algorithm')!r}")
    if not hmac.compare_digest(_mac(secret, contents[MANIFEST]), str(sig.get("signature", ""))):
        raise BundleInvalid("the signature does not match manifest.json")
    manifest = json.loads(contents[MANIFEST])
    for f in manifest["files"]:
        body = contents.get(f["path"])
        if body is None:
            raise BundleInvalid(f"{f['path']} is listed in the manifest but missing")
        if hashlib.sha256(body).hexdigest() != f["sha256"]:
            raise BundleInvalid(f"{f['path']} does not match its SHA-256 in the manifest")
    extra = set(contents) - {f["path"] for f in manifest["files"]} - {MANIFEST, SIGNATURE}
    if extra:
        raise BundleInvalid(f"files not in the manifest: {sorted(extra)}")
    return manifest

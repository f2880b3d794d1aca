"""评查案卷包 — a reviewed file as the provincial 案卷质量管理系统 would take it: the case's issued documents as PDF,
an index (the case, the campaign, the review item by item, the document list with 文号, size and SHA-256) and a
manifest of every file's SHA-256. The documents are the cases service's, as issued (``GET /cases/v1/cases/{id}/
documents/{kind}?number=``: bytes stored at issue, issue 24); the full signed case file stays the cases service's
``GET /cases/v1/cases/{id}/export``. The format is the project's (``FORMAT``): the provincial system's own exchange
format was not found."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

FORMAT = "ecocomply.casefile-review-bundle.v1"
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed entry time: the same content gives the same bytes


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(index: dict[str, Any], documents: dict[str, bytes]) -> bytes:
    """The ZIP (pure): ``index.json``, ``documents/*.pdf`` and ``manifest.json`` (path, size, SHA-256 of each)."""
    files = {"index.json": _json({"format": FORMAT, **index}),
             **{f"documents/{name}": pdf for name, pdf in sorted(documents.items())}}
    manifest = _json({"format": FORMAT, "files": [{"path": p, "size": len(b), "sha256": sha256(b)}
                                                  for p, b in files.items()]})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path, data in [*files.items(), ("manifest.json", manifest)]:
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()

"""审核附件 — documents an auditor attaches to a flag's review: PDF, images and office files, recognised
by their content (the name's extension must agree with it), bounded in size, stored with their SHA-256 in
the audit's database; each upload a flag-history entry, a ledger act and an event. Downloads carry a
``Content-Disposition: attachment`` whose file name cannot break the header."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.flags.review import refuse_involved
from services.audit.flags.service import Emit, add_history
from services.audit.log import ledger
from services.audit.models import Flag, FlagAttachment
from shared.contracts import AuditFlagAttachmentAdded
from shared.problems import Problem, invalid

# media type → the extensions a name of that type may carry
TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.ms-powerpoint": (".ppt",),
}
ACCEPTED = "PDF、图片（PNG、JPEG、GIF、WebP）或办公文档（Word、Excel、PowerPoint）"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc/.xls/.ppt: the name tells which
_OLE_BY_EXT = {".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint"}
_OOXML = {"word/": ".docx", "xl/": ".xlsx", "ppt/": ".pptx"}


def _ext(name: str) -> str:
    return ("." + name.rsplit(".", 1)[1].lower()) if "." in name else ""


def sniff(data: bytes, name: str) -> str | None:
    """The media type the bytes are (None: none we accept). Office files: an OOXML package is a zip whose
    parts say which (its names are read, nothing is decompressed); an old compound file is told apart by
    the name's extension."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(_OLE):
        return _OLE_BY_EXT.get(_ext(name))
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names:
            for prefix, ext in _OOXML.items():
                if any(n.startswith(prefix) for n in names):
                    return next(t for t, exts in TYPES.items() if ext in exts)
    return None


def safe_name(name: str | None) -> str:
    """The file's own name, without a path, control characters or quotes; at most 200 characters."""
    # Browsers send a name's quote and line breaks as %22, %0D, %0A (HTML's multipart encoding): dropped too.
    base = re.sub(r"%(22|0[dDaA])", "", re.split(r"[\\/]", name or "")[-1])
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch)[0] != "C" and ch not in '"<>|*?:;')
    base = base.strip(" .")
    if len(base) > 200:
        ext = _ext(base)[:10]
        base = base[: 200 - len(ext)] + ext
    return base or "附件"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the UTF-8 name (RFC 6266 / RFC 5987)."""
    ascii_name = "".join(ch if 32 < ord(ch) < 127 and ch not in '"\\%' else "_" for ch in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def check(data: bytes, name: str, *, limit: int) -> str:
    """The media type of an acceptable upload; else a 413 (too large) or a 422 naming ``file``."""
    if len(data) > limit:
        raise Problem(413, "attachment_too_large", f"附件超过 {limit // (1024 * 1024)} MB 的上限", limit_bytes=limit)
    if not data:
        raise invalid("file", "附件是空文件", code="empty_attachment")
    media_type = sniff(data, name)
    if media_type is None:
        raise invalid("file", f"附件须是{ACCEPTED}；按文件内容识别，该文件不是其中之一", code="unsupported_attachment")
    if _ext(name) not in TYPES[media_type]:
        raise invalid("file", f"文件名 {name} 的扩展名与其内容（{media_type}）不符", code="attachment_type_mismatch")
    return media_type


async def attach(session: AsyncSession, flag: Flag, *, data: bytes, filename: str | None, by: str, limit: int,
                 emit: Emit, now: datetime) -> FlagAttachment:
    """Attach a document to the flag's review (an auditor who took no part in the case)."""
    refuse_involved(flag, by, "附加材料到")
    name = safe_name(filename)
    media_type = check(data, name, limit=limit)
    att = FlagAttachment(id=str(uuid.uuid4()), flag_id=flag.id, filename=name, media_type=media_type,
                         size=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data,
                         uploaded_by=by, uploaded_at=now)
    session.add(att)
    add_history(session, flag, actor=by, action="attachment_added", status_from=flag.status,
                detail=f"附件 {name}（SHA-256 {att.sha256}）", now=now)
    await ledger.append_act(session, type_="audit.flag_attachment_added", case_id=flag.case_id, now=now, data={
        "flag_id": flag.id, "attachment_id": att.id, "filename": name, "media_type": media_type,
        "size": att.size, "sha256": att.sha256, "uploaded_by": by})
    await emit(session, AuditFlagAttachmentAdded(
        flag_id=flag.id, case_id=flag.case_id, bureau=flag.bureau, attachment_id=att.id, filename=name,
        media_type=media_type, size=att.size, sha256=att.sha256, uploaded_by=by, uploaded_at=now),
        subject=flag.case_id)
    await session.flush()
    return att


_LISTED = (FlagAttachment.id, FlagAttachment.filename, FlagAttachment.media_type, FlagAttachment.size,
           FlagAttachment.sha256, FlagAttachment.uploaded_by, FlagAttachment.uploaded_at)


async def listed(session: AsyncSession, flag_id: str) -> list:
    """The flag's attachments without their bytes, in upload order."""
    return list(await session.execute(select(*_LISTED).where(FlagAttachment.flag_id == flag_id)
                                      .order_by(FlagAttachment.uploaded_at, FlagAttachment.id)))


async def one(session: AsyncSession, flag_id: str, attachment_id: str) -> FlagAttachment | None:
    att = await session.get(FlagAttachment, attachment_id)
    return att if att is not None and att.flag_id == flag_id else None

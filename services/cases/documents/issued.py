"""Issuing a document (issue 24 item 3: issued documents are immutable): the step that issues a 文书 (the
decision, the 事先告知, the service of the three documents, an advice letter, a corrected decision) records it
here, ``pending``, in its own transaction — nothing is lost if the process dies before it is rendered. The
cases worker renders each once and every read serves the stored bytes (``documents.served``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.case.records import case_records
from services.cases.models import Case, IssuedDocument
from shared.db import dialect_insert
from shared.outbox import wake_at_commit

SERVICE = "cases"


async def issue(session: AsyncSession, *, kind: str, number: str, at: datetime, case_id: str | None = None,
                letter_id: str | None = None, replaces: str | None = None, data: dict[str, Any] | None = None) -> None:
    """Record a document as issued, ``pending`` until the worker renders it — in the caller's transaction, so
    a step and its document are written together or not at all. Issuing the same (owner, kind, 文号) twice
    is a no-op. The commit wakes the worker (``wake_at_commit``: the relay's followers)."""
    stmt = dialect_insert(session, IssuedDocument).values(
        case_id=case_id, letter_id=letter_id, kind=kind, number=number, replaces=replaces, data=data,
        status="pending", issued_at=at, attempts=0).on_conflict_do_nothing()
    await session.execute(stmt)
    await wake_at_commit(session, SERVICE)


def number_of(case: Case, kind: str) -> str:
    """The 文号 a case's document of ``kind`` carries, else the case number (a kind without a 文号 of its own)."""
    if kind == "decision" and (case.decision or {}).get("document_number"):
        return case.decision["document_number"]
    recs = case_records(case)
    if kind == "notice" and recs.notice is not None and recs.notice.number:
        return recs.notice.number
    if kind == "hearing_notice" and recs.hearing is not None and recs.hearing.number:
        return recs.hearing.number
    numbered = ((case.decision or {}).get("document_numbers") or {}).get(kind)  # 信用修复指引, an exemption's 合规建议书
    return numbered or case.number

"""The tamper-evident log over HTTP (``/v1/log``): verify, proofs, signed tree heads, a case's timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from services.audit import ledger
from services.audit.models import LogEntry, TreeHead
from services.audit.signing import public_pem, signer_for
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep

router = APIRouter(prefix="/log", tags=["log"])
_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}
# The provincial platform and outside auditors may check the log too.
LogReader = Annotated[Principal, require_roles("auditor", "admin", "platform")]


@router.get("/verify", responses=PROBLEMS)
async def verify_log(user: LogReader, rt: RuntimeDep, session: DbSession) -> dict[str, Any]:
    """Recompute the Merkle tree from every entry; ``ok`` is false on any edit, deletion, reordering,
    truncation or bad signature (``problems`` says which)."""
    signer = signer_for(rt)
    async with session.begin():
        result = await ledger.verify(session, signer.public if signer else None)
    return result.as_dict()


@router.get("/inclusion-proof", responses=PROBLEMS)
async def inclusion_proof(user: LogReader, session: DbSession, event_id: Annotated[str, Query(max_length=36)],
                          tree_size: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
    """RFC 6962 audit path of an event's leaf in the tree of ``tree_size`` leaves (default: now)."""
    async with session.begin():
        return await ledger.inclusion_proof(session, event_id=event_id, tree_size=tree_size)


@router.get("/consistency-proof", responses=PROBLEMS)
async def consistency_proof(user: LogReader, session: DbSession, first: Annotated[int, Query(ge=1)],
                            second: Annotated[int, Query(ge=1)]) -> dict[str, Any]:
    """RFC 6962 proof that the tree of ``first`` leaves is a prefix of the tree of ``second`` leaves."""
    async with session.begin():
        return await ledger.consistency_proof(session, first=first, second=second)


@router.get("/tree-heads", responses=PROBLEMS)
async def tree_heads(user: LogReader, rt: RuntimeDep, session: DbSession,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Signed tree heads, newest first, with the Ed25519 public key that verifies them."""
    signer = signer_for(rt)
    rows = list(await session.scalars(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(limit)))
    return {"public_key": public_pem(signer.public) if signer else None, "key_id": signer.key_id if signer else None,
            "message_format": 'b"ecocomply-audit-log/v1\\n" + f"{tree_size}\\n{root}\\n{timestamp_ms}"',
            "items": [{"tree_size": h.tree_size, "root": h.root, "timestamp_ms": h.timestamp_ms,
                       "key_id": h.key_id, "signature": h.signature} for h in rows]}


@router.get("/entries", responses=PROBLEMS)
async def entries(user: LogReader, session: DbSession, case_id: Annotated[str, Query(max_length=36)],
                  limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """A case's timeline as the log holds it (every event about the case, in log order)."""
    rows = await session.scalars(select(LogEntry).where(LogEntry.case_id == case_id).order_by(LogEntry.idx).limit(limit))
    return [{"index": e.idx, "event_id": e.event_id, "type": e.type, "appended_at": e.appended_at, "data": e.data}
            for e in rows]

"""The tamper-evident log over HTTP (``/v1/log``): verify, proofs, signed tree heads (also on demand),
the public keys that verify them, a case's timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from services.audit import jobs
from services.audit.log import ledger
from services.audit.log.signing import (
    MESSAGE_FORMAT,
    UNSIGNED_WARNING,
    load_public_key,
    public_jwk,
    public_pem,
    signer_for,
)
from services.audit.models import Flag, LogEntry, SigningKey, TreeHead
from shared import fields
from shared.auth import Principal, require_roles
from shared.problems import Problem, conflict, out_of_scope
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import Role

router = APIRouter(prefix="/log", tags=["log"])
_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}
# The provincial platform and outside auditors may check the log too.
LogReader = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN, Role.PLATFORM)]
# The timeline of a case also to its bureau's leaders (read-only, the flags they see).
TimelineReader = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN, Role.PLATFORM, Role.LEADER)]
HeadSigner = Annotated[Principal, require_roles(Role.AUDITOR, Role.ADMIN)]


@router.get("/verify", responses=PROBLEMS)
async def verify_log(user: LogReader, rt: RuntimeDep, session: DbSession) -> dict[str, Any]:
    """Recompute the Merkle tree from every entry; ``ok`` is false on any edit, deletion, reordering,
    truncation or bad signature (``problems`` says which). ``signed``/``key_id``: whether this service
    signs its heads and with which key now. A rewrite re-signed with a new key is caught only against
    heads kept outside: ``ecocomply audit verify --against FILE``."""
    signer = signer_for(rt)
    keys = await ledger.keyring(session, signer.public if signer else None)
    result = await ledger.verify(session, keys)
    return {**result.as_dict(), "signed": signer is not None, "key_id": signer.key_id if signer else None}


@router.get("/inclusion-proof", responses=PROBLEMS)
async def inclusion_proof(user: LogReader, session: DbSession, event_id: Annotated[str, Query(max_length=36)],
                          tree_size: Annotated[fields.Int64 | None, Query(ge=1)] = None) -> dict[str, Any]:
    """RFC 6962 audit path of an event's leaf in the tree of ``tree_size`` leaves (default: now)."""
    return await ledger.inclusion_proof(session, event_id=event_id, tree_size=tree_size)


@router.get("/consistency-proof", responses=PROBLEMS)
async def consistency_proof(user: LogReader, session: DbSession, first: Annotated[fields.Int64, Query(ge=1)],
                            second: Annotated[fields.Int64, Query(ge=1)]) -> dict[str, Any]:
    """RFC 6962 proof that the tree of ``first`` leaves is a prefix of the tree of ``second`` leaves."""
    return await ledger.consistency_proof(session, first=first, second=second)


@router.get("/tree-heads", responses=PROBLEMS)
async def tree_heads(user: LogReader, rt: RuntimeDep, session: DbSession,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Signed tree heads, newest first, with the Ed25519 public key that verifies them now (each head
    names its key: older keys are at ``/log/public-key``)."""
    signer = signer_for(rt)
    rows = list(await session.scalars(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(limit)))
    return {"public_key": public_pem(signer.public) if signer else None, "key_id": signer.key_id if signer else None,
            "message_format": MESSAGE_FORMAT, "items": [jobs.head_dict(h) for h in rows]}


@router.post("/tree-heads", status_code=201, responses={**PROBLEMS, 200: {"description": "nothing new to sign: "
             "the latest signed head"}, 409: _PROBLEM, 503: _PROBLEM})
async def sign_tree_head(user: HeadSigner, rt: RuntimeDep, session: DbSession, response: Response) -> dict[str, Any]:
    """Sign the log's head now (as the scheduled job does) and publish it as
    ``ecocomply.audit.tree_head_signed.v1``: 201 with the new head; 200 with the latest signed head
    when the log has not grown since (``new: false``)."""
    if signer_for(rt) is None:
        raise Problem(503, "unsigned_log", UNSIGNED_WARNING)
    head = await jobs.publish_tree_head(rt)
    if head is not None:
        return {**head, "new": True}
    latest = await session.scalar(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1))
    if latest is None:
        raise conflict("empty_log", "the audit log has no entries yet: there is no head to sign")
    response.status_code = 200
    return {**jobs.head_dict(latest), "new": False}


@router.get("/public-key", responses=PROBLEMS)
async def public_key(user: LogReader, rt: RuntimeDep, session: DbSession) -> dict[str, Any]:
    """The Ed25519 public key that signs tree heads now (PEM and RFC 8037 JWK, ``kid`` = the ``key_id``
    heads carry), and under ``keys``/``jwks`` every key that ever signed a head — after a rotation the
    old keys stay listed, so old heads keep verifying."""
    signer = signer_for(rt)
    rows = list(await session.scalars(select(SigningKey).order_by(SigningKey.registered_at, SigningKey.key_id)))
    usage = await ledger.key_usage(session)
    pems = {r.key_id: r.public_key for r in rows}
    registered = {r.key_id: r.registered_at for r in rows}
    if signer is not None and signer.key_id not in pems:  # not signed anything yet
        pems[signer.key_id] = public_pem(signer.public)
    keys = []
    for kid, pem in pems.items():
        jwk = public_jwk(load_public_key(pem.encode()))
        keys.append({"key_id": kid, "current": signer is not None and kid == signer.key_id, "public_key": pem,
                     "jwk": jwk, "registered_at": registered.get(kid),
                     **usage.get(kid, {"heads": 0, "first_tree_size": None, "last_tree_size": None})})
    return {"algorithm": "Ed25519", "signed": signer is not None, "key_id": signer.key_id if signer else None,
            "public_key": public_pem(signer.public) if signer else None,
            "jwk": public_jwk(signer.public) if signer else None, "message_format": MESSAGE_FORMAT,
            "keys": keys, "jwks": {"keys": [k["jwk"] for k in keys]}}


@router.get("/entries", responses=PROBLEMS)
async def entries(user: TimelineReader, session: DbSession, case_id: Annotated[str, Query(max_length=36)],
                  limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """A case's timeline as the log holds it (every event about the case, in log order). A bureau leader reads
    the timeline of a flagged case of their own bureau only (the flag's page in the workspace, issue 26)."""
    if not user.has(Role.AUDITOR, Role.ADMIN, Role.PLATFORM):
        flag = await session.scalar(select(Flag).where(Flag.case_id == case_id).limit(1))
        if flag is None or not user.can_see(bureau=flag.bureau, uscc=None):
            raise out_of_scope("a leader reads the timelines of their own bureau's flagged cases only")
    rows = await session.scalars(select(LogEntry).where(LogEntry.case_id == case_id).order_by(LogEntry.idx).limit(limit))
    return [{"index": e.idx, "event_id": e.event_id, "type": e.type, "appended_at": e.appended_at, "data": e.data}
            for e in rows]

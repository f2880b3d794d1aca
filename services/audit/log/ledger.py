"""The tamper-evident audit log (防篡改审计日志): every consumed event is a leaf of an RFC 6962 Merkle
tree; inclusion and consistency proofs; signed tree heads; full verification, also against the heads
a witness kept (``services.audit.log.witness``).

Storage: ``log_entries`` (leaf data = canonical JSON), ``log_nodes`` (every complete subtree's root,
so a proof reads O(log² n) rows), ``log_state`` (size, frontier, root — the row appenders lock),
``tree_heads`` (signed, each naming its key) and ``signing_keys`` (every key that signed a head).
Appending never commits: it runs in the consumer's transaction, so an event is logged exactly when
it is handled.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import and_, event, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.log import merkle, witness
from services.audit.log.signing import (
    Signer,
    key_id,
    load_public_key,
    public_pem,
    tree_head_message,
    verify_signature,
)
from services.audit.models import LogEntry, LogNode, LogState, SigningKey, TreeHead
from shared.db import dialect_insert
from shared.events import CloudEvent
from shared.problems import invalid, not_found

STATE_ID = 1


def canonical(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_data(event: CloudEvent) -> str:
    return canonical(event.model_dump(mode="json", exclude_none=True))


async def _state(session: AsyncSession, *, lock: bool) -> LogState:
    q = select(LogState).where(LogState.id == STATE_ID)
    if lock:
        q = q.with_for_update()
    state = await session.scalar(q)
    if state is None:  # created by the migration; only a wiped table gets here
        state = LogState(id=STATE_ID, size=0, peaks=[], root=merkle.EMPTY_ROOT.hex(), updated_at=None)
        session.add(state)
        await session.flush()
    return state


class _Pending:
    """Appends of one transaction, written in three statements just before it commits."""

    def __init__(self, txn, frontier: merkle.Frontier) -> None:
        self.txn = txn
        self.frontier = frontier
        self.entries: list[dict[str, Any]] = []
        self.nodes: list[dict[str, Any]] = []
        self.now: datetime | None = None


def _write_pending(sync_session) -> None:
    """``before_commit``: the transaction's log rows and the new head, in the same transaction."""
    pending: _Pending | None = sync_session.info.pop("audit_log_pending", None)
    if pending is None or not pending.entries:
        return
    f = pending.frontier
    sync_session.execute(insert(LogEntry.__table__), pending.entries)
    sync_session.execute(insert(LogNode.__table__), pending.nodes)
    sync_session.execute(update(LogState.__table__).where(LogState.__table__.c.id == STATE_ID).values(
        size=f.size, peaks=[p.hex() for p in f.peaks], root=f.root().hex(), updated_at=pending.now))


def _drop_pending(sync_session, *_args) -> None:
    sync_session.info.pop("audit_log_pending", None)


async def _pending(session: AsyncSession) -> _Pending:
    """The transaction's pending appends; the first append reads (and on PostgreSQL row-locks) the head."""
    txn = session.get_transaction()
    pending = session.info.get("audit_log_pending")
    if pending is not None and pending.txn is txn:
        return pending
    state = await _state(session, lock=True)
    pending = _Pending(txn, merkle.Frontier(state.size, [bytes.fromhex(p) for p in state.peaks]))
    session.info["audit_log_pending"] = pending
    sync = session.sync_session
    if not sync.info.get("audit_log_hooked"):
        event.listen(sync, "before_commit", _write_pending)
        event.listen(sync, "after_rollback", _drop_pending)
        sync.info["audit_log_hooked"] = True
    return pending


async def append(
    session: AsyncSession, *, event_id: str, type_: str, case_id: str | None, data: str, now: datetime
) -> int:
    """Append one leaf; returns its index. Runs in the caller's transaction and is written with it
    (never commits); a transaction's appends cost three statements however many there are."""
    pending = await _pending(session)
    index = pending.frontier.size
    created = pending.frontier.append(merkle.leaf_hash(data.encode()))
    pending.entries.append({"idx": index, "event_id": event_id, "type": type_[:200], "case_id": case_id,
                            "data": data, "appended_at": now})
    pending.nodes += [{"level": lv, "idx": i, "hash": h.hex()} for lv, i, h in created]
    pending.now = now
    return index


async def append_event(session: AsyncSession, event: CloudEvent, *, now: datetime) -> int:
    case_id = event.data.get("case_id") if isinstance(event.data.get("case_id"), str) else None
    return await append(session, event_id=event.id, type_=event.type, case_id=case_id, data=event_data(event),
                        now=now)


async def append_act(session: AsyncSession, *, type_: str, case_id: str | None, data: dict[str, Any],
                     now: datetime) -> int:
    """Log one of the audit service's own acts (a review, an interference record) like an event."""
    event_id = str(uuid.uuid4())
    envelope = {"id": event_id, "source": "/ecocomply/audit", "type": type_, "subject": case_id,
                "time": now.isoformat(), "data": data}
    return await append(session, event_id=event_id, type_=type_, case_id=case_id, data=canonical(envelope), now=now)


# -- proofs ----------------------------------------------------------------------------------------
async def _getter(session: AsyncSession, fn) -> merkle.NodeGetter:
    keys = merkle.needed_nodes(fn)
    found: dict[tuple[int, int], bytes] = {}
    if keys:
        by_level: dict[int, list[int]] = {}
        for lv, i in keys:
            by_level.setdefault(lv, []).append(i)
        # One primary-key range per level (a row-value IN list is not index-driven on SQLite).
        rows = await session.execute(select(LogNode.level, LogNode.idx, LogNode.hash).where(
            or_(*(and_(LogNode.level == lv, LogNode.idx.in_(ids)) for lv, ids in by_level.items()))))
        found = {(r.level, r.idx): bytes.fromhex(r.hash) for r in rows}

    def get(level: int, index: int) -> bytes:
        try:
            return found[(level, index)]
        except KeyError:
            raise LookupError(f"log node ({level}, {index}) is missing: run /log/verify") from None

    return get


async def size(session: AsyncSession) -> int:
    return (await _state(session, lock=False)).size


async def root_at(session: AsyncSession, tree_size: int) -> bytes:
    get = await _getter(session, lambda g: merkle.root(tree_size, g))
    return merkle.root(tree_size, get)


def _check_size(field_name: str, value: int, current: int) -> None:
    if not 1 <= value <= current:
        raise invalid(field_name, f"{field_name} must be between 1 and the log's size {current}", code="invalid_tree_size")


async def inclusion_proof(session: AsyncSession, *, event_id: str, tree_size: int | None = None) -> dict[str, Any]:
    entry = await session.scalar(select(LogEntry).where(LogEntry.event_id == event_id))
    if entry is None:
        raise not_found("log entry for event", event_id)
    current = await size(session)
    n = current if tree_size is None else tree_size
    _check_size("tree_size", n, current)
    if entry.idx >= n:
        raise invalid("tree_size", f"event {event_id} is leaf {entry.idx}, not in a tree of {n} leaves",
                      code="invalid_tree_size")

    def compute(g):
        return merkle.inclusion_path(entry.idx, n, g), merkle.root(n, g)

    path, r = compute(await _getter(session, compute))
    return {"event_id": event_id, "leaf_index": entry.idx, "tree_size": n,
            "leaf_hash": merkle.leaf_hash(entry.data.encode()).hex(), "leaf_data": entry.data,
            "audit_path": [p.hex() for p in path], "root": r.hex()}


async def consistency_proof(session: AsyncSession, *, first: int, second: int) -> dict[str, Any]:
    current = await size(session)
    _check_size("second", second, current)
    if not 1 <= first <= second:
        raise invalid("first", f"first must be between 1 and second ({second})", code="invalid_tree_size")

    def compute(g):
        return merkle.consistency_path(first, second, g), merkle.root(first, g), merkle.root(second, g)

    path, r1, r2 = compute(await _getter(session, compute))
    return {"first": first, "second": second, "first_root": r1.hex(), "second_root": r2.hex(),
            "proof": [p.hex() for p in path]}


# -- signing keys ----------------------------------------------------------------------------------
KeyRing = Mapping[str, Ed25519PublicKey]


async def register_key(session: AsyncSession, public: Ed25519PublicKey, *, now: datetime) -> None:
    """Record a signing key (once; concurrent signers insert it at most once)."""
    await session.execute(dialect_insert(session, SigningKey).values(
        key_id=key_id(public), public_key=public_pem(public), registered_at=now,
    ).on_conflict_do_nothing(index_elements=["key_id"]))


async def keyring(session: AsyncSession, *extra: Ed25519PublicKey | None) -> dict[str, Ed25519PublicKey]:
    """Every recorded signing key, plus ``extra`` keys (the one in use, not yet recorded)."""
    keys = {k: load_public_key(pem.encode()) for k, pem in (await session.execute(
        select(SigningKey.key_id, SigningKey.public_key))).all()}
    keys.update({key_id(k): k for k in extra if k is not None})
    return keys


async def key_usage(session: AsyncSession) -> dict[str, dict[str, int]]:
    """Per key id: how many heads it signed, the first and last tree size."""
    rows = await session.execute(select(TreeHead.key_id, func.count(), func.min(TreeHead.tree_size),
                                        func.max(TreeHead.tree_size)).group_by(TreeHead.key_id))
    return {k: {"heads": n, "first_tree_size": lo, "last_tree_size": hi} for k, n, lo, hi in rows}


# -- signed tree heads -----------------------------------------------------------------------------
async def sign_tree_head(session: AsyncSession, signer: Signer, *, now_ms: int) -> TreeHead | None:
    """Sign the current head, timestamped ``now_ms`` (ms since the epoch), if the log grew since the last
    signed one; None when nothing is new. The signing key is recorded with its first head (so it stays
    listed after a rotation)."""
    state = await _state(session, lock=True)
    if state.size == 0:
        return None
    last = await session.scalar(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1))
    if last is not None and last.tree_size >= state.size:
        return None
    await register_key(session, signer.public, now=datetime.fromtimestamp(now_ms / 1000, UTC))
    head = TreeHead(tree_size=state.size, root=state.root, timestamp_ms=now_ms, key_id=signer.key_id,
                    signature=signer.sign(tree_head_message(state.size, state.root, now_ms)))
    session.add(head)
    await session.flush()
    return head


# -- verification ----------------------------------------------------------------------------------
@dataclass
class Verification:
    ok: bool
    length: int
    head: str
    signed_heads: int = 0
    latest_signed_size: int | None = None
    latest_key_id: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)
    witness_heads: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {"ok": self.ok, "length": self.length, "head": self.head, "signed_heads": self.signed_heads,
               "latest_signed_size": self.latest_signed_size, "latest_key_id": self.latest_key_id,
               "problems": self.problems}
        if self.witness_heads is not None:
            out["witness_heads"] = self.witness_heads
        return out


def _as_keyring(keys: KeyRing | Ed25519PublicKey | None) -> KeyRing:
    if keys is None:
        return {}
    if isinstance(keys, Ed25519PublicKey):
        return {key_id(keys): keys}
    return keys


async def verify(session: AsyncSession, keys: KeyRing | Ed25519PublicKey | None, *,
                 against: Sequence[witness.WitnessHead] | None = None, max_problems: int = 50) -> Verification:
    """Recompute the whole tree from the leaf data and hold it against every stored node, the head
    row and every signed tree head (each checked with the key it names, from ``keys``). Any edit,
    deletion, reordering or truncation shows up here — unless whoever did it also recomputed the
    nodes and heads and signed them with a key of their own: only heads kept outside (``against``,
    see ``services.audit.log.witness``) catch that."""
    keys = _as_keyring(keys)
    problems: list[dict[str, Any]] = []

    def problem(code: str, detail: str, **extra: Any) -> None:
        if len(problems) < max_problems:
            problems.append({"code": code, "detail": detail, **extra})

    heads = list(await session.scalars(select(TreeHead).order_by(TreeHead.tree_size)))
    head_at = {h.tree_size: h for h in heads}
    frontier = merkle.Frontier()
    levels: list[list[bytes]] = []
    expected = 0
    stream = await session.stream(select(LogEntry.idx, LogEntry.data).order_by(LogEntry.idx).execution_options(yield_per=2000))
    async for idx, data in stream:
        if idx != expected:
            problem("sequence_broken", f"leaf {expected} expected, found leaf {idx} (deleted or reordered rows)", index=idx)
            expected = idx
        for lv, i, h in frontier.append(merkle.leaf_hash(data.encode())):
            while len(levels) <= lv:
                levels.append([])
            levels[lv].append(h)
            del i
        expected += 1
        h = head_at.get(frontier.size)
        if h is not None and h.root != frontier.root().hex():
            problem("signed_head_mismatch", f"signed tree head of size {h.tree_size} has root {h.root}, "
                    f"the log's first {h.tree_size} leaves give {frontier.root().hex()}", tree_size=h.tree_size)
    length = frontier.size
    root = frontier.root().hex()

    # Stored nodes (what proofs are built from) must be the recomputed ones, no more, no fewer.
    stored = 0
    nodes = await session.stream(select(LogNode.level, LogNode.idx, LogNode.hash)
                                 .order_by(LogNode.level, LogNode.idx).execution_options(yield_per=5000))
    async for lv, i, hx in nodes:
        stored += 1
        if lv >= len(levels) or i >= len(levels[lv]) or levels[lv][i].hex() != hx:
            problem("node_mismatch", f"stored node ({lv}, {i}) does not match the leaves", level=lv, index=i)
    if stored != sum(len(x) for x in levels):
        problem("node_count", f"{stored} stored nodes, the leaves give {sum(len(x) for x in levels)}")

    state = await session.scalar(select(LogState).where(LogState.id == STATE_ID))
    if state is None or state.size != length or state.root != root:
        problem("head_mismatch", f"the log head says size {state.size if state else None} root {state.root if state else None}, "
                f"the leaves give size {length} root {root}")
    for h in heads:
        if h.tree_size > length:
            problem("truncated", f"a signed tree head covers {h.tree_size} leaves, the log has {length}", tree_size=h.tree_size)
        key = keys.get(h.key_id)
        if key is None:
            problem("unknown_key", f"the tree head of size {h.tree_size} names key {h.key_id}, which is not known "
                    "here: its signature was not checked", tree_size=h.tree_size)
        elif not verify_signature(key, tree_head_message(h.tree_size, h.root, h.timestamp_ms), h.signature):
            problem("bad_signature", f"the signature of the tree head of size {h.tree_size} does not verify",
                    tree_size=h.tree_size)
    if against is not None:
        def get(level: int, index: int) -> bytes:
            return levels[level][index]

        for p in witness.check(against, keys, length=length, root=bytes.fromhex(root), get=get):
            problem(p.pop("code"), p.pop("detail"), **p)
    return Verification(ok=not problems, length=length, head=root, signed_heads=len(heads),
                        latest_signed_size=heads[-1].tree_size if heads else None,
                        latest_key_id=heads[-1].key_id if heads else None, problems=problems,
                        witness_heads=len(against) if against is not None else None)

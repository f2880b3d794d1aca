"""The tamper-evident log: every consumed event is a leaf of an RFC 6962 tree; proofs verify against
signed tree heads; and the mutation suite — edit, delete, reorder, truncate, forged head, forged
proof — is detected every time, by ``/log/verify`` and by ``ecocomply audit verify``."""

from __future__ import annotations

import asyncio
import json

from audit_helpers import auditor, consumed, emit
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.cli import main as verify_main
from services.audit.log import ledger, merkle
from services.audit.log.signing import load_public_key, tree_head_message, verify_signature
from services.audit.models import LogEntry, LogNode, LogState, TreeHead

H = bytes.fromhex


async def _logged(stack, decisions, n: int = 6) -> list:
    events = []
    for i in range(n):
        _, e = await decisions.emit(decision_type=["no_penalty", "penalty", "lighter"][i % 3],
                                    fine_amount=None if i % 3 == 0 else 20_000.0)
        events.append(e)
    for e in events:
        await consumed(stack, e)
    # Let the credit records of the penalties reach the log too, then sign the head.
    async def settled():
        r = await stack.client.get("/audit/v1/log/verify", headers=auditor(stack))
        return r.json() if r.json()["length"] >= n + (n - n // 3 - (1 if n % 3 else 0)) else None

    await stack.wait_for(settled, timeout=60, what="credit events in the log")
    await asyncio.sleep(0.3)
    head = await stack.runtimes["audit"].run_job("tree_head")
    assert head is not None and head["tree_size"] >= n
    return events


async def _verify_in(stack, mutate) -> dict:
    """Apply ``mutate(conn)`` in a transaction, verify inside it, roll back (the log is left intact)."""
    rt = stack.runtimes["audit"]
    from services.audit.log.signing import signer_for

    pub = signer_for(rt).public
    async with rt.engine.connect() as conn:
        tx = await conn.begin()
        try:
            await mutate(conn)
            session = AsyncSession(bind=conn)
            return (await ledger.verify(session, pub)).as_dict()
        finally:
            await tx.rollback()


async def test_proofs_verify_against_the_signed_tree_head(stack, decisions):
    events = await _logged(stack, decisions)
    c, h = stack.client, auditor(stack)
    r = await c.get("/audit/v1/log/verify", headers=h)
    ok = r.json()
    assert r.status_code == 200 and ok["ok"] is True and ok["signed_heads"] == 1 and ok["problems"] == []
    heads = (await c.get("/audit/v1/log/tree-heads", headers=h)).json()
    sth = heads["items"][0]
    pub = load_public_key(heads["public_key"].encode())
    assert verify_signature(pub, tree_head_message(sth["tree_size"], sth["root"], sth["timestamp_ms"]), sth["signature"])
    # An outsider checks an event's inclusion with nothing but the proof and the signed head.
    for e in (events[0], events[-1]):
        p = (await c.get("/audit/v1/log/inclusion-proof", params={"event_id": e.id, "tree_size": sth["tree_size"]},
                         headers=h)).json()
        assert json.loads(p["leaf_data"])["id"] == e.id
        leaf = merkle.leaf_hash(p["leaf_data"].encode())
        path = [H(x) for x in p["audit_path"]]
        assert p["root"] == sth["root"]
        assert merkle.verify_inclusion(leaf, p["leaf_index"], sth["tree_size"], path, H(sth["root"]))
        # Forged proofs: another leaf, a changed path node, a wrong index — all refused.
        assert not merkle.verify_inclusion(merkle.leaf_hash(b'{"id":"forged"}'), p["leaf_index"],
                                           sth["tree_size"], path, H(sth["root"]))
        forged = [bytes(32), *path[1:]]
        assert not merkle.verify_inclusion(leaf, p["leaf_index"], sth["tree_size"], forged, H(sth["root"]))
        assert not merkle.verify_inclusion(leaf, (p["leaf_index"] + 1) % sth["tree_size"], sth["tree_size"],
                                           path, H(sth["root"]))
    # The log grows; the new head is consistent with the signed one.
    more = await emit(stack, decisions.payload(decision_type="mitigated"))
    await consumed(stack, more)
    size = (await c.get("/audit/v1/log/verify", headers=h)).json()["length"]
    cp = (await c.get("/audit/v1/log/consistency-proof", params={"first": sth["tree_size"], "second": size},
                      headers=h)).json()
    assert cp["first_root"] == sth["root"]
    proof = [H(x) for x in cp["proof"]]
    assert merkle.verify_consistency(sth["tree_size"], size, H(sth["root"]), H(cp["second_root"]), proof)
    assert not merkle.verify_consistency(sth["tree_size"], size, H(sth["root"]), H(cp["second_root"]),
                                         [bytes(32), *proof[1:]])
    # Bad input: named fields, problem+json, never a 500.
    for params, field in (({"first": 0, "second": size}, "first"), ({"first": 1, "second": size + 5}, "second"),
                          ({"first": 3, "second": 2}, "first")):
        r = await c.get("/audit/v1/log/consistency-proof", params=params, headers=h)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["field"] == field
    r = await c.get("/audit/v1/log/inclusion-proof", params={"event_id": "no-such-event"}, headers=h)
    assert r.status_code == 404
    r = await c.get("/audit/v1/log/verify", headers=stack.auth("off", "officer", bureau="320509"))
    assert r.status_code == 403


async def test_every_mutation_of_the_log_is_detected(stack, decisions):
    await _logged(stack, decisions)

    async def edit(conn):  # one character of one event changed
        await conn.execute(update(LogEntry).where(LogEntry.idx == 2).values(
            data=LogEntry.data.op("||")(text("' '"))))

    async def edit_and_rehash(conn):  # …and its stored leaf hash "fixed" by the forger
        data = (await conn.execute(select(LogEntry.data).where(LogEntry.idx == 2))).scalar() + " "
        await conn.execute(update(LogEntry).where(LogEntry.idx == 2).values(data=data))
        await conn.execute(update(LogNode).where(LogNode.level == 0, LogNode.idx == 2)
                           .values(hash=merkle.leaf_hash(data.encode()).hex()))

    async def delete_one(conn):
        await conn.execute(delete(LogEntry).where(LogEntry.idx == 3))

    async def reorder(conn):
        a = (await conn.execute(select(LogEntry.data).where(LogEntry.idx == 1))).scalar()
        b = (await conn.execute(select(LogEntry.data).where(LogEntry.idx == 4))).scalar()
        await conn.execute(update(LogEntry).where(LogEntry.idx == 1).values(data=b))
        await conn.execute(update(LogEntry).where(LogEntry.idx == 4).values(data=a))

    async def truncate(conn):  # the last two entries gone, nodes and head rewritten to match
        size = (await conn.execute(select(LogState.size))).scalar()
        await conn.execute(delete(LogEntry).where(LogEntry.idx >= size - 2))
        leaves = [merkle.leaf_hash(d.encode()) for d in (await conn.execute(
            select(LogEntry.data).order_by(LogEntry.idx))).scalars()]
        f = merkle.Frontier()
        await conn.execute(delete(LogNode))
        for leaf in leaves:
            for lv, i, hh in f.append(leaf):
                await conn.execute(LogNode.__table__.insert().values(level=lv, idx=i, hash=hh.hex()))
        await conn.execute(update(LogState).values(size=f.size, peaks=[p.hex() for p in f.peaks], root=f.root().hex()))

    async def forge_head(conn):  # the signed head rewritten to another root
        await conn.execute(update(TreeHead).values(root="00" * 32))

    expected = {
        edit: {"node_mismatch", "signed_head_mismatch", "head_mismatch"},
        edit_and_rehash: {"node_mismatch", "signed_head_mismatch", "head_mismatch"},
        delete_one: {"sequence_broken"},
        reorder: {"node_mismatch", "signed_head_mismatch"},
        truncate: {"truncated"},
        forge_head: {"bad_signature", "signed_head_mismatch"},
    }
    for mutate, codes in expected.items():
        result = await _verify_in(stack, mutate)
        found = {p["code"] for p in result["problems"]}
        assert result["ok"] is False and codes <= found, (mutate.__name__, found)
    # Rolled back: intact again.
    r = await stack.client.get("/audit/v1/log/verify", headers=auditor(stack))
    assert r.json()["ok"] is True


async def test_ecocomply_audit_verify_exits_non_zero_on_any_change(sqlite_stack, tmp_path):
    from services.testing.decisions import Decisions

    stack = sqlite_stack
    await _logged(stack, Decisions(stack), n=3)
    data_dir = tmp_path / "data"
    assert await asyncio.to_thread(verify_main, data_dir, None) == 0
    rt = stack.runtimes["audit"]
    async with rt.engine.begin() as conn:
        original = (await conn.execute(select(LogEntry.data).where(LogEntry.idx == 1))).scalar()
        await conn.execute(update(LogEntry).where(LogEntry.idx == 1).values(data=original.replace("320509", "320581")))
    assert await asyncio.to_thread(verify_main, data_dir, None) == 1
    r = await stack.client.get("/audit/v1/log/verify", headers=auditor(stack))
    assert r.json()["ok"] is False and r.json()["problems"][0]["code"] in {"node_mismatch", "signed_head_mismatch"}
    async with rt.engine.begin() as conn:
        await conn.execute(update(LogEntry).where(LogEntry.idx == 1).values(data=original))
    assert await asyncio.to_thread(verify_main, data_dir, None) == 0
    assert await asyncio.to_thread(verify_main, tmp_path / "nowhere", None) == 2

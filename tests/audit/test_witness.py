"""The audit log witnessed outside the bureau: every signed tree head reaches the platform's webhook
subscription as ``ecocomply.audit.tree_head_signed.v1``, and ``ecocomply audit verify --against`` the
heads the platform kept catches what no local check can — a rewrite by whoever administers the audit
database, with every node and head recomputed and re-signed with a key of their own — as well as a
truncated log and heads of another log. Key rotation keeps old heads verifiable."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from audit_helpers import auditor, consumed
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update

from services.audit.jobs import publish_tree_head
from services.audit.log import merkle
from services.audit.log.signing import (
    Signer,
    key_id,
    load_public_key,
    public_pem,
    signer_for,
    tree_head_message,
)
from services.audit.models import LogEntry, LogNode, LogState, SigningKey, TreeHead
from services.cli import main as cli
from services.testing.factories import BUREAU, CASES
from tests.platform.conftest import WEBHOOK_SECRET, Receiver

HEAD_TYPE = "ecocomply.audit.tree_head_signed.v1"
T0 = 1_780_000_000_000  # fixed head timestamps (ms): the tests never read the wall clock
NO_PENALTY = '"decision_type":"no_penalty"'


async def grow(stack, decisions, n: int) -> None:
    """``n`` exemptions decided and in the log (an exemption creates no credit record, so nothing
    else reaches the log meanwhile)."""
    events = [(await decisions.emit(decision_type="no_penalty", fine_amount=None))[1] for _ in range(n)]
    for e in events:
        await consumed(stack, e)


async def sign(stack, at: int) -> dict:
    head = await publish_tree_head(stack.runtimes["audit"], now_ms=T0 + at)
    assert head is not None
    return head


async def emitted_heads(stack) -> list[dict]:
    """The tree-head events in the audit outbox, as CloudEvents (what the relay publishes)."""
    rt = stack.runtimes["audit"]
    o = rt.tables.outbox
    async with rt.engine.connect() as conn:
        rows = (await conn.execute(select(o.c.envelope).where(o.c.type == HEAD_TYPE).order_by(o.c.seq))).scalars()
        return [json.loads(r) for r in rows]


def write_lines(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


async def verify(capsys, stack, monkeypatch, *args: str) -> tuple[int, str]:
    """``ecocomply audit verify ARGS`` against this stack's audit database (SQLite or PostgreSQL)."""
    monkeypatch.setenv("ECOCOMPLY_DATABASE_URL", stack.runtimes["audit"].settings.database_url)
    capsys.readouterr()
    code = await asyncio.to_thread(cli, ["audit", "verify", *args])
    return code, capsys.readouterr().err


def _leaves(data: list[str]) -> list[bytes]:
    return [merkle.leaf_hash(d.encode()) for d in data]


async def rebuild(conn, data: list[str], head_sizes: list[int], signer: Signer) -> None:
    """What an administrator of the audit database can do: store ``data`` as the leaves, recompute
    every node and the head, and sign new heads of ``head_sizes`` with their own key."""
    await conn.execute(delete(LogNode))
    f = merkle.Frontier()
    for leaf in _leaves(data):
        for lv, i, h in f.append(leaf):
            await conn.execute(LogNode.__table__.insert().values(level=lv, idx=i, hash=h.hex()))
    await conn.execute(update(LogState).values(size=f.size, peaks=[p.hex() for p in f.peaks], root=f.root().hex()))
    await conn.execute(delete(TreeHead))
    for n in head_sizes:
        root = merkle.reference_root(_leaves(data[:n])).hex()
        ts = T0 + 10_000 + n
        await conn.execute(TreeHead.__table__.insert().values(
            tree_size=n, root=root, timestamp_ms=ts, key_id=signer.key_id,
            signature=signer.sign(tree_head_message(n, root, ts))))
    # …and list their key, so the log's own checks accept the new signatures.
    if (await conn.execute(select(SigningKey.key_id).where(SigningKey.key_id == signer.key_id))).first() is None:
        await conn.execute(SigningKey.__table__.insert().values(
            key_id=signer.key_id, public_key=public_pem(signer.public), registered_at=datetime(2026, 7, 1, tzinfo=UTC)))


async def log_data(conn) -> list[str]:
    return list((await conn.execute(select(LogEntry.data).order_by(LogEntry.idx))).scalars())


async def test_a_re_signed_rewrite_passes_locally_but_not_against_the_platforms_heads(
        stack, decisions, tmp_path, monkeypatch, capsys):
    c, admin = stack.client, stack.auth("admin-1", "admin")
    receiver = Receiver(WEBHOOK_SECRET)
    receiver.start()
    try:
        # The platform subscribes scoped to its bureau: the heads (no bureau's data) still reach it.
        r = await c.post(f"{CASES}/webhooks/subscriptions", headers=admin, json={
            "url": receiver.url, "event_types": ["ecocomply.audit.*"], "bureaus": [BUREAU], "secret": WEBHOOK_SECRET,
            "description": "江苏省生态环境智慧监管平台（见证）"})
        assert r.status_code == 201, r.text
        for i, n in enumerate((2, 2, 3)):
            await grow(stack, decisions, n)
            await sign(stack, i)
        cases = stack.runtimes["cases"]

        async def delivered():
            await cases.run_job("webhook_delivery")
            heads = [e for e in receiver.stored if e["type"] == HEAD_TYPE]
            return heads if len(heads) == 3 else None

        heads = await stack.wait_for(delivered, timeout=60, what="three tree heads at the platform")
    finally:
        await asyncio.to_thread(receiver.stop)
    assert receiver.rejected == [] and [h["data"]["tree_size"] for h in heads] == [2, 4, 7]
    assert all(h["subject"] == "audit-log" and h["data"]["key_id"] == signer_for(stack.runtimes["audit"]).key_id
               for h in heads)
    # The platform keeps every event as delivered (the flags too); verify reads the heads among them.
    kept = write_lines(tmp_path / "platform-events.jsonl", list(receiver.stored))
    line_of = {e["data"].get("tree_size"): n for n, e in enumerate(receiver.stored, 1) if e["type"] == HEAD_TYPE}
    assert len(receiver.stored) > 3

    code, err = await verify(capsys, stack, monkeypatch, "--against", str(kept))
    assert code == 0, err
    assert "consistent extension of all 3 witness head(s)" in err

    # The administrator turns the third exemption (leaf 2) into a penalty, recomputes every node
    # and the head, and re-signs all heads with a new key of their own.
    rt = stack.runtimes["audit"]
    own = Signer(Ed25519PrivateKey.generate())
    async with rt.engine.begin() as conn:
        data = await log_data(conn)
        assert NO_PENALTY in data[2]
        data[2] = data[2].replace(NO_PENALTY, '"decision_type":"penalty"')
        await conn.execute(update(LogEntry).where(LogEntry.idx == 2).values(data=data[2]))
        await rebuild(conn, data, [2, 4, 7], own)

    # Nothing local notices: leaves, nodes, head and signatures all agree.
    code, err = await verify(capsys, stack, monkeypatch)
    assert code == 0, err
    r = await c.get("/audit/v1/log/verify", headers=auditor(stack))
    assert r.json()["ok"] is True and r.json()["latest_key_id"] == own.key_id

    # The platform's heads do: sizes 4 and 7 cover the changed leaf, size 2 does not.
    code, err = await verify(capsys, stack, monkeypatch, "--against", str(kept))
    assert code == 1
    assert f"witness head on line {line_of[4]} (size 4" in err and f"witness head on line {line_of[7]} (size 7" in err
    assert "rewritten or forked" in err and f"line {line_of[2]} (size 2" not in err
    assert "审计日志校验失败" in err


async def test_a_truncated_log_is_caught_against_the_witness(stack, decisions, tmp_path, monkeypatch, capsys):
    await grow(stack, decisions, 3)
    await sign(stack, 0)
    await grow(stack, decisions, 2)
    await sign(stack, 1)
    kept = write_lines(tmp_path / "heads.jsonl", [e["data"] for e in await emitted_heads(stack)])  # just the data
    code, err = await verify(capsys, stack, monkeypatch, "--against", str(kept))
    assert code == 0, err

    # The last two entries removed, nodes and head recomputed, the head that covered them dropped.
    rt = stack.runtimes["audit"]
    async with rt.engine.begin() as conn:
        data = (await log_data(conn))[:3]
        await conn.execute(delete(LogEntry).where(LogEntry.idx >= 3))
        await rebuild(conn, data, [3], signer_for(rt))  # embedded: the key is in the data directory
    code, err = await verify(capsys, stack, monkeypatch)
    assert code == 0, err  # a consistent shorter log, as far as it can tell
    code, err = await verify(capsys, stack, monkeypatch, "--against", str(kept))
    assert code == 1
    assert "witness head on line 2 (size 5" in err and "the witness saw 5 leaves, the local log has 3" in err
    assert "line 1 (size 3" not in err


async def test_heads_of_another_log_are_refused(stack, decisions, tmp_path, monkeypatch, capsys):
    await grow(stack, decisions, 3)
    await sign(stack, 0)
    ours = [e["data"] for e in await emitted_heads(stack)]
    assert len(ours) == 1 and ours[0]["tree_size"] == 3
    other = Signer(Ed25519PrivateKey.generate())
    foreign_root = merkle.reference_root([merkle.leaf_hash(b"another bureau's log %d" % i) for i in range(3)]).hex()

    def head(signer: Signer, root: str, *, claimed_key: str | None = None, ts: int = T0 + 5) -> dict:
        return {"tree_size": 3, "root": root, "timestamp_ms": ts, "key_id": claimed_key or signer.key_id,
                "signature": signer.sign(tree_head_message(3, root, ts))}

    cases = {
        "unknown key": (head(other, foreign_root), "which this log does not know"),
        "forged signature under our key id": (head(other, foreign_root, claimed_key=ours[0]["key_id"]),
                                              "signature does not verify"),
    }
    for what, (foreign, message) in cases.items():
        f = write_lines(tmp_path / "mixed.jsonl", [*ours, foreign])
        code, err = await verify(capsys, stack, monkeypatch, "--against", str(f))
        assert code == 1, what
        assert "witness head on line 2 (size 3" in err and message in err and "refused" in err, (what, err)
        assert "line 1 " not in err, what

    # Our own key signing another root of the same size: a fork, whichever head is the real one.
    fork = head(signer_for(stack.runtimes["audit"]), foreign_root)
    f = write_lines(tmp_path / "fork.jsonl", [*ours, fork])
    code, err = await verify(capsys, stack, monkeypatch, "--against", str(f))
    assert code == 1 and "this log signed two different roots of size 3" in err
    assert "witness head on line 2 (size 3" in err and "rewritten or forked" in err

    # A file that is not heads is a usage error naming the line, not a verdict on the log.
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(ours[0]) + "\n" + json.dumps({**ours[0], "root": "zz"}) + "\n", encoding="utf-8")
    code, err = await verify(capsys, stack, monkeypatch, "--against", str(bad))
    assert code == 2 and "line 2: field 'root'" in err
    (tmp_path / "none.jsonl").write_text(json.dumps({"specversion": "1.0", "type": "ecocomply.case.filed.v1",
                                                     "data": {}}) + "\n", encoding="utf-8")
    code, err = await verify(capsys, stack, monkeypatch, "--against", str(tmp_path / "none.jsonl"))
    assert code == 2 and "holds no tree heads (1 other event(s) skipped)" in err


async def test_public_key_on_demand_heads_and_rotation(stack, decisions, tmp_path, monkeypatch, capsys):
    c, h = stack.client, auditor(stack)
    rt = stack.runtimes["audit"]
    data_dir = rt.settings.data_dir
    # A fresh log: the key is served and verify names it, there is nothing to sign yet.
    first = (await c.get("/audit/v1/log/public-key", headers=h)).json()
    pub = load_public_key(first["public_key"].encode())
    assert first["algorithm"] == "Ed25519" and first["key_id"] == key_id(pub)
    assert first["jwk"]["kty"] == "OKP" and first["jwk"]["crv"] == "Ed25519" and first["jwk"]["kid"] == first["key_id"]
    assert [k["key_id"] for k in first["keys"]] == [first["key_id"]] and first["keys"][0]["current"] is True
    v = (await c.get("/audit/v1/log/verify", headers=h)).json()
    assert v["ok"] is True and v["signed"] is True and v["key_id"] == first["key_id"]
    r = await c.post("/audit/v1/log/tree-heads", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "empty_log"
    r = await c.post("/audit/v1/log/tree-heads", headers=stack.auth("p", "platform"))
    assert r.status_code == 403  # the platform reads heads; signing is the bureau's auditors' or admins'

    # The CLI prints the same key (PEM and JWK) from the data directory.
    capsys.readouterr()
    assert await asyncio.to_thread(cli, ["audit", "public-key", "--data-dir", str(data_dir)]) == 0
    assert capsys.readouterr().out == first["public_key"]
    assert await asyncio.to_thread(cli, ["audit", "public-key", "--data-dir", str(data_dir), "--jwk"]) == 0
    assert json.loads(capsys.readouterr().out) == first["jwk"]
    assert await asyncio.to_thread(cli, ["audit", "public-key", "--data-dir", str(tmp_path / "nowhere")]) == 2

    # Signed on demand: 201 with the new head (published like the scheduled ones), 200 with it
    # unchanged for whoever asks at the same moment or later.
    await grow(stack, decisions, 2)
    rs = await asyncio.gather(*(c.post("/audit/v1/log/tree-heads", headers=h) for _ in range(4)))
    assert sorted(r.status_code for r in rs) == [200, 200, 200, 201], [r.text for r in rs]
    r = next(r for r in rs if r.status_code == 201)
    assert r.json()["new"] is True and r.json()["tree_size"] == 2 and r.json()["key_id"] == first["key_id"]
    assert all(x.json() == {**r.json(), "new": False} for x in rs if x is not r)
    again = await c.post("/audit/v1/log/tree-heads", headers=stack.auth("a", "admin"))
    assert again.status_code == 200 and again.json() == {**r.json(), "new": False}
    assert [e["data"]["tree_size"] for e in await emitted_heads(stack)] == [2]

    # Rotation: a new key in place; the running service signs its next head with it.
    capsys.readouterr()
    assert await asyncio.to_thread(cli, ["audit", "rotate-key", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr()
    new_id = key_id(load_public_key(out.out.encode()))
    assert new_id != first["key_id"] and f"replaces key {first['key_id']}" in out.err
    assert (Path(data_dir) / "audit_signing_key.pem").stat().st_mode & 0o077 == 0
    await grow(stack, decisions, 1)
    head = await sign(stack, 1)
    assert head["key_id"] == new_id and head["tree_size"] == 3
    keys = (await c.get("/audit/v1/log/public-key", headers=h)).json()
    assert keys["key_id"] == new_id
    listed = {k["key_id"]: k for k in keys["keys"]}
    assert set(listed) == {first["key_id"], new_id} and listed[new_id]["current"] is True
    assert listed[first["key_id"]]["current"] is False and listed[first["key_id"]]["last_tree_size"] == 2
    assert listed[first["key_id"]]["public_key"] == first["public_key"]
    assert {j["kid"] for j in keys["jwks"]["keys"]} == {first["key_id"], new_id}
    # Old and new heads verify, locally and against a witness that kept both.
    v = (await c.get("/audit/v1/log/verify", headers=h)).json()
    assert v["ok"] is True and v["signed_heads"] == 2 and v["latest_key_id"] == new_id
    kept = write_lines(tmp_path / "heads.jsonl", await emitted_heads(stack))
    code, err = await verify(capsys, stack, monkeypatch, "--against", str(kept))
    assert code == 0, err
    # Pinning only the new key: the old head's key is no longer trusted, and verify says which head.
    pinned = tmp_path / "new.pem"
    pinned.write_text(keys["public_key"], encoding="utf-8")
    code, err = await verify(capsys, stack, monkeypatch, "--public-key", str(pinned), "--against", str(kept))
    assert code == 1 and f"names key {first['key_id']}, which is not known" in err
    # --if-missing keeps an existing key (the deployment's key-init step).
    assert await asyncio.to_thread(cli, ["audit", "rotate-key", "--data-dir", str(data_dir), "--if-missing"]) == 0
    assert signer_for(rt).key_id == new_id

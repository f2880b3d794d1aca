"""Secrets at rest (issue 13): a webhook subscription's secret is stored as a Fernet token under the
key from the environment (embedded: the data directory's generated key), returned only by the create
call, never logged; the migration encrypts secrets stored in clear before it; ``ecocomply secrets
rotate`` re-encrypts every one under a new key."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select

from services import cli
from services.cases.models import webhook_tables
from services.testing.factories import CASES, CaseDriver
from services.testing.stack import build_stack
from shared.db import make_engine
from shared.migrations import downgrade
from shared.secrets import SecretBox, SecretUnreadable, new_key
from tests.platform.conftest import WEBHOOK_SECRET

SUBS = webhook_tables.subscriptions


async def stored_secrets(rt) -> list[str]:
    async with rt.engine.connect() as conn:
        return list((await conn.execute(select(SUBS.c.secret).order_by(SUBS.c.url))).scalars())


async def test_secret_is_encrypted_never_returned_nor_logged_and_the_migration_encrypts_clear_ones(
    pstack, receiver, caplog
):
    caplog.set_level(logging.DEBUG)
    d = CaseDriver(pstack, auto_certify=False)
    d.at(2026, 7, 1)
    rt = pstack.runtimes["cases"]
    admin = pstack.auth("admin-1", "admin")
    r = await d.c.post(f"{CASES}/webhooks/subscriptions", headers=admin, json={
        "url": receiver.url, "event_types": ["ecocomply.case.filed.v1"], "secret": WEBHOOK_SECRET})
    assert r.status_code == 201 and r.json()["secret"] == WEBHOOK_SECRET  # shown once, to its creator
    sub_id = r.json()["id"]
    generated = (await d.c.post(f"{CASES}/webhooks/subscriptions", headers=admin, json={
        "url": receiver.url + "/b", "event_types": ["ecocomply.audit.*"], "active": False})).json()["secret"]

    (stored, stored_generated) = await stored_secrets(rt)
    for clear, token in ((WEBHOOK_SECRET, stored), (generated, stored_generated)):
        assert clear not in token and rt.secret_box.decrypt(token) == clear
    # The box is the data directory's key (both setups run with embedded settings): another key reads nothing.
    with pytest.raises(SecretUnreadable):
        SecretBox([new_key()]).decrypt(stored)

    listed = await d.c.get(f"{CASES}/webhooks/subscriptions", headers=admin)
    patched = await d.c.patch(f"{CASES}/webhooks/subscriptions/{sub_id}", headers=admin,
                              json={"description": "省平台"})
    short = await d.c.post(f"{CASES}/webhooks/subscriptions", headers=admin, json={
        "url": receiver.url, "event_types": ["ecocomply.case.*"], "secret": "太短的密钥-short"[:10]})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "secret"
    for resp in (listed, patched, short):
        for clear, token in ((WEBHOOK_SECRET, stored), (generated, stored_generated), ("太短的密钥-short"[:10], "")):
            assert clear not in resp.text and (not token or token not in resp.text), resp.text

    def assert_never_logged() -> None:  # at every level, any logger (the database driver's DEBUG too)
        logged = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
        for secret in (WEBHOOK_SECRET, generated):
            assert secret not in logged and secret not in caplog.text

    assert_never_logged()
    # A database from before this version holds the secrets in clear (revision 0004); migrating to
    # head encrypts them, and the deliverer signs with the same secret as before.
    await downgrade(rt.engine, rt.spec.migrations_dir, "0004", secret_box=rt.secret_box)
    assert await stored_secrets(rt) == [WEBHOOK_SECRET, generated]
    await rt.migrate()
    (again, _) = await stored_secrets(rt)
    assert again != WEBHOOK_SECRET and rt.secret_box.decrypt(again) == WEBHOOK_SECRET
    caplog.clear()  # the downgrade above wrote clear values, as the old version did

    await d.register_officers()
    case = await d.file(await d.enterprise())

    async def delivered():
        await rt.run_job("webhook_delivery")
        return [e for e in receiver.stored if e.get("subject") == case["id"]]

    await pstack.wait_for(delivered, timeout=60, what="the filed event at the receiver")
    assert receiver.rejected == []  # the signature verified with the secret given at creation
    assert_never_logged()


def test_rotate_reencrypts_every_secret_under_a_new_key_embedded_and_distributed(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"

    async def subscribe() -> None:
        s, cleanup = await build_stack("sqlite-local", tmp_path)
        try:
            await s.comp.start()
            for i in range(3):
                r = await s.client.post(f"{CASES}/webhooks/subscriptions", headers=s.auth("admin-1", "admin"),
                                        json={"url": f"https://platform.example/{i}",
                                              "event_types": ["ecocomply.case.*"], "secret": f"{WEBHOOK_SECRET}-{i}"})
                assert r.status_code == 201, r.text
        finally:
            await cleanup()

    asyncio.run(subscribe())
    key_file = data / "secrets_key"
    old_key = key_file.read_text()
    assert key_file.stat().st_mode & 0o077 == 0
    before = asyncio.run(_read(data))

    # Embedded: a new key is generated into the file, every secret moves to it, the old key is dropped.
    assert cli.main(["secrets", "rotate", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "cases: 3 secret(s) re-encrypted" in out and old_key not in out
    new_key_ = key_file.read_text()
    assert new_key_ != old_key and "," not in new_key_ and key_file.stat().st_mode & 0o077 == 0
    after = asyncio.run(_read(data))
    assert [SecretBox([new_key_]).decrypt(t) for t in after] == [f"{WEBHOOK_SECRET}-{i}" for i in range(3)]
    with pytest.raises(SecretUnreadable):
        SecretBox([old_key]).decrypt(after[0])
    assert set(after).isdisjoint(before)

    # Distributed: the old key from ECOCOMPLY_SECRETS_KEY, the new one given — one that begins with "-" (1 key in
    # 64 does; `--new-key KEY` then reads as an option, which made this test fail at random), so `--new-key=KEY`.
    given = next(k for k in iter(new_key, None) if k.startswith("-"))
    monkeypatch.setenv("ECOCOMPLY_DATABASE_URL", f"sqlite+aiosqlite:///{(data / 'cases.db').resolve()}")
    monkeypatch.setenv("ECOCOMPLY_SECRETS_KEY", new_key())  # a key that reads none of them: refused
    assert cli.main(["secrets", "rotate", "--service", "cases", f"--new-key={given}"]) == 1
    assert "nothing of cases was changed" in capsys.readouterr().err
    assert asyncio.run(_read(data)) == after
    monkeypatch.setenv("ECOCOMPLY_SECRETS_KEY", new_key_)
    assert cli.main(["secrets", "rotate", "--service", "cases", f"--new-key={given}"]) == 0
    out = capsys.readouterr().out
    assert "cases: 3 secret(s) re-encrypted" in out and "now set ECOCOMPLY_SECRETS_KEY" in out and given not in out
    moved = asyncio.run(_read(data))
    assert [SecretBox([given]).decrypt(t) for t in moved] == [f"{WEBHOOK_SECRET}-{i}" for i in range(3)]


async def _read(data) -> list[str]:
    """The stored secrets of the embedded cases database in ``data``."""
    engine = make_engine(f"sqlite+aiosqlite:///{(data / 'cases.db').resolve()}")
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(select(SUBS.c.secret).order_by(SUBS.c.url))).scalars())
    finally:
        await engine.dispose()


def test_a_distributed_cases_service_refuses_to_start_without_a_well_formed_key(tmp_path):
    from services.composition import single
    from shared.config import Settings

    base = dict(service="cases", database_url=f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}", event_bus="kafka",
                kafka_bootstrap="127.0.0.1:9", jwt_secret="s" * 40, data_dir=tmp_path)
    with pytest.raises(RuntimeError, match="missing configuration: ECOCOMPLY_SECRETS_KEY"):
        single(Settings(**base))
    bad = "not-a-fernet-key-but-secret-anyway"
    with pytest.raises(RuntimeError, match="key 2 of ECOCOMPLY_SECRETS_KEY is not a Fernet key") as e:
        single(Settings(**base, secrets_key=f"{new_key()},{bad}"))
    assert bad not in str(e.value)
    # Services without encrypted columns need no key.
    single(Settings(**{**base, "service": "credit"}))

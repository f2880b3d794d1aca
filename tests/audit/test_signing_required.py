"""A distributed audit service signs its tree heads or says loudly that it does not: without a key
file it refuses to start unless ``ECOCOMPLY_AUDIT_UNSIGNED=true``, and then ``/readyz`` says so."""

from __future__ import annotations

import os

import httpx
import pytest

from services import cli
from services.composition import single
from shared.auth import mint_token
from shared.config import Settings

SECRET = "distributed-test-secret-" + "y" * 32


def distributed(tmp_path, monkeypatch, **audit_env: str) -> Settings:
    """An audit process configured from the environment as in a container (PostgreSQL is not needed
    to start: the engine connects lazily; Kafka is not contacted before the workers start)."""
    for key in list(os.environ):
        if key.upper().startswith("ECOCOMPLY_"):
            monkeypatch.delenv(key)
    env = {"ECOCOMPLY_SERVICE": "audit", "ECOCOMPLY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}",
           "ECOCOMPLY_EVENT_BUS": "kafka", "ECOCOMPLY_KAFKA_BOOTSTRAP": "127.0.0.1:9", "ECOCOMPLY_JWT_SECRET": SECRET,
           "ECOCOMPLY_RUN_WORKERS": "false", **audit_env}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return Settings()


async def _close(comp) -> None:
    for rt in comp.runtimes.values():
        await rt.http.aclose()
        await rt.engine.dispose()


def test_a_distributed_audit_service_without_a_key_refuses_to_start(tmp_path, monkeypatch, capsys):
    settings = distributed(tmp_path, monkeypatch)
    with pytest.raises(RuntimeError) as e:
        single(settings)
    assert "ECOCOMPLY_AUDIT_SIGNING_KEY_FILE" in str(e.value) and "ECOCOMPLY_AUDIT_UNSIGNED=true" in str(e.value)

    import uvicorn

    def never(*a, **k):  # the refusal must come before the server starts
        raise AssertionError("the audit service started without a signing key")

    monkeypatch.setattr(uvicorn, "run", never)
    assert cli.main(["serve", "--service", "audit"]) == 2
    assert "refusing to start the audit service without a signing key" in capsys.readouterr().err

    # A key file that is not there is refused too, naming it.
    distributed(tmp_path, monkeypatch, ECOCOMPLY_AUDIT_SIGNING_KEY_FILE=str(tmp_path / "missing.pem"))
    assert cli.main(["serve", "--service", "audit"]) == 2
    assert f"{tmp_path / 'missing.pem'} does not exist" in capsys.readouterr().err
    # …and so is a file that is not an Ed25519 private key.
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key", encoding="utf-8")
    distributed(tmp_path, monkeypatch, ECOCOMPLY_AUDIT_SIGNING_KEY_FILE=str(bad))
    assert cli.main(["serve", "--service", "audit"]) == 2
    assert "is not an unencrypted PEM private key" in capsys.readouterr().err


def not_ready_but_for_the_bus(r: httpx.Response) -> bool:
    checks = r.json()["checks"]
    return (r.status_code == 503 and checks.pop("bus").startswith("unreachable: not connected")
            and set(checks.values()) == {"ok"})


async def test_with_a_key_file_it_starts_and_signs(tmp_path, monkeypatch, capsys):
    key = tmp_path / "keys" / "audit.pem"
    distributed(tmp_path, monkeypatch, ECOCOMPLY_AUDIT_SIGNING_KEY_FILE=str(key))
    # The deployment's key step: `ecocomply audit rotate-key --if-missing` makes the first key once.
    assert cli.main(["audit", "rotate-key", "--if-missing"]) == 0
    made = capsys.readouterr()
    assert "first key" in made.err and key.stat().st_mode & 0o077 == 0
    assert cli.main(["audit", "rotate-key", "--if-missing"]) == 0
    assert "kept at" in capsys.readouterr().err and key.exists()
    assert cli.main(["audit", "public-key"]) == 0
    assert capsys.readouterr().out == made.out
    comp = single(Settings())
    try:
        rt = comp.runtimes["audit"]
        assert rt.warnings == []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=comp.apps["audit"]), base_url="http://t") as c:
            await rt.migrate()
            r = await c.get("/readyz")
            # Not started here, so the bus is not connected (tests/test_readiness.py); nothing else fails.
            assert "warnings" not in r.json() and not_ready_but_for_the_bus(r)
            auth = {"Authorization": f"Bearer {mint_token(SECRET, sub='a', roles=['auditor'])}"}
            keys = (await c.get("/v1/log/public-key", headers=auth)).json()
            assert keys["signed"] is True and keys["public_key"] == made.out
    finally:
        await _close(comp)


async def test_unsigned_must_be_explicit_and_readyz_says_so(tmp_path, monkeypatch):
    distributed(tmp_path, monkeypatch, ECOCOMPLY_AUDIT_UNSIGNED="true")
    comp = single(Settings())
    try:
        rt = comp.runtimes["audit"]
        await rt.migrate()
        auth = {"Authorization": f"Bearer {mint_token(SECRET, sub='a', roles=['auditor'])}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=comp.apps["audit"]), base_url="http://t") as c:
            r = await c.get("/readyz")
            body = r.json()
            assert not_ready_but_for_the_bus(r)
            assert len(body["warnings"]) == 1 and "tree heads are not signed" in body["warnings"][0]
            assert "ECOCOMPLY_AUDIT_UNSIGNED=true" in body["warnings"][0]
            v = (await c.get("/v1/log/verify", headers=auth)).json()
            assert v["ok"] is True and v["signed"] is False and v["key_id"] is None
            r = await c.post("/v1/log/tree-heads", headers=auth)
            assert r.status_code == 503 and r.json()["code"] == "unsigned_log"
            assert r.headers["content-type"] == "application/problem+json"
            keys = (await c.get("/v1/log/public-key", headers=auth)).json()
            assert keys["signed"] is False and keys["keys"] == []
        assert await rt.run_job("tree_head") is None
        # Other services know nothing of audit keys and start as before.
        monkeypatch.delenv("ECOCOMPLY_AUDIT_UNSIGNED")
        other = single(Settings(service="credit", database_url=f"sqlite+aiosqlite:///{tmp_path / 'credit.db'}"))
        assert other.runtimes["credit"].warnings == []
        await _close(other)
    finally:
        await _close(comp)

"""Readiness that means it (issue 13): ``/readyz`` answers 503 with the reason while the schema is
behind the code's head migration revision, the bus is unreachable, or the checklist's catalog is not
seeded — and 200 once each is put right. A service started before ``ecocomply migrate`` says so in
one log line naming the command."""

from __future__ import annotations

import logging

from alembic.script import ScriptDirectory

from services.composition import Composition, embedded_settings
from services.testing.stack import SECRET, Stack, build_stack
from shared.bus.kafka import KafkaBus
from shared.migrations import alembic_config, upgrade
from shared.testing import kafka as kafka_infra


async def readyz(stack, service: str) -> tuple[int, dict]:
    r = await stack.client.get(f"/{service}/readyz")
    return r.status_code, r.json()


async def test_schema_behind_and_missing_seed_are_503_with_the_reason_then_200(tmp_path, caplog):
    s, cleanup = await build_stack("sqlite-local", tmp_path, run_workers=False)
    try:
        with caplog.at_level(logging.WARNING, logger="ecocomply.composition"):
            await s.comp.start(migrate=False, seed=False)  # as `serve --service` before `migrate`
        lines = [r.getMessage() for r in caplog.records if r.name == "ecocomply.composition"]
        assert len(lines) == 4, lines  # one line per service, naming the command
        assert any("checklist: the database schema is behind" in m and "run `ecocomply migrate --service checklist`"
                   in m for m in lines), lines

        status, body = await readyz(s, "checklist")
        assert status == 503 and body["ready"] is False
        assert body["checks"]["schema"].startswith("behind: database at no revision (never migrated)")
        assert "ecocomply migrate --service checklist" in body["detail"]
        assert "seed" not in body["checks"]  # the seed check waits for a schema to read

        # One revision short of the code's head is behind too.
        cases = s.runtimes["cases"]
        script = ScriptDirectory.from_config(alembic_config(cases.spec.migrations_dir))
        (head,) = script.get_heads()
        previous = script.get_revision(head).down_revision
        await upgrade(cases.engine, cases.spec.migrations_dir, previous)
        status, body = await readyz(s, "cases")
        assert status == 503 and f"database at {previous}, code at {head}" in body["checks"]["schema"]
        await cases.migrate()
        assert await readyz(s, "cases") == (200, {"ready": True, "checks": {
            "database": "ok", "schema": "ok", "bus": "ok"}})

        checklist = s.runtimes["checklist"]
        await checklist.migrate()
        status, body = await readyz(s, "checklist")
        assert status == 503 and body["checks"]["schema"] == "ok"
        assert body["checks"]["seed"] == ("failed: guidance_items, no_penalty_items empty; "
                                          "run `ecocomply seed --service checklist`")
        await checklist.seed()
        status, body = await readyz(s, "checklist")
        assert status == 200 and body["checks"]["seed"] == "ok", body
    finally:
        await cleanup()


async def test_an_unreachable_bus_is_503_naming_the_brokers(tmp_path):
    # A private mock cluster (Kafka protocol, librdkafka's mock cluster) that this test can take away.
    _mode, bootstrap, proc, _ = kafka_infra.start_mock_cluster()
    settings = embedded_settings(tmp_path / "data", jwt_secret=SECRET, run_workers=False)
    bus = KafkaBus(bootstrap, service="readiness-test", **kafka_infra.MOCK_BUS_OPTIONS)
    comp = Composition({"credit": settings["credit"]}, bus=bus, secret=SECRET, transport_to_self=True)
    stack = Stack(comp, "sqlite-kafka")
    try:
        await comp.start(seed=False)
        status, body = await readyz(stack, "credit")
        assert status == 200 and body["checks"]["bus"] == "ok", body
        kafka_infra.stop_mock_cluster(proc)
        status, body = await readyz(stack, "credit")
        assert status == 503, body
        assert body["checks"]["bus"].startswith(f"unreachable: brokers at {bootstrap} unreachable"), body
        assert body["checks"]["database"] == "ok" and body["checks"]["schema"] == "ok"
    finally:
        kafka_infra.stop_mock_cluster(proc)
        await stack.close()

"""The test infrastructure itself: throwaway PostgreSQL databases and the Kafka bus on the Kafka
protocol (librdkafka's mock cluster (Kafka protocol), or the broker in ECOCOMPLY_TEST_KAFKA_BOOTSTRAP)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shared.bus.base import Message
from shared.bus.kafka import KafkaBus
from shared.testing import kafka as kafka_infra
from shared.testing import postgres as pg_infra


async def wait_until(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


# -- PostgreSQL -------------------------------------------------------------------------------------------


async def test_database_is_utf8_with_trigram_support_for_chinese():
    t0 = time.monotonic()
    url = await pg_infra.create_database(f"infra_{uuid.uuid4().hex}")
    create_s = time.monotonic() - t0
    try:
        u = make_url(url)
        assert u.drivername == "postgresql+asyncpg"
        assert u.database.startswith("infra_") and len(u.database) <= 63
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                row = (
                    await conn.execute(
                        text(
                            "SELECT pg_encoding_to_char(encoding), datctype, datcollate "
                            "FROM pg_database WHERE datname = current_database()"
                        )
                    )
                ).one()
                assert tuple(row) == ("UTF8", "C.UTF-8", "C.UTF-8")
                trigrams = (await conn.execute(text("SELECT show_trgm('排放标准')"))).scalar_one()
                assert len(trigrams) > 0
                await conn.execute(text("CREATE TABLE t (id serial PRIMARY KEY, body text NOT NULL)"))
                body = "企业排放标准：《大气污染物综合排放标准》（GB 16297-1996）"
                await conn.execute(text("INSERT INTO t (body) VALUES (:b)"), {"b": body})
                assert (await conn.execute(text("SELECT body FROM t"))).scalar_one() == body
                hit = (
                    await conn.execute(text("SELECT count(*) FROM t WHERE body LIKE '%排放标准%'"))
                ).scalar_one()
                assert hit == 1
        finally:
            await engine.dispose()
    finally:
        await pg_infra.drop_database(url)
    server = pg_infra.get_server()
    admin = await asyncpg.connect(**server.connect_kwargs(server.admin_db))
    try:
        assert await admin.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", u.database) == 0
    finally:
        await admin.close()
    print(f"[{pg_infra.describe()}] first create_database {create_s:.3f}s (includes discovery)")


def test_database_names_are_sanitised():
    assert pg_infra.sanitize_name("T1234_Checklist-DB") == "t1234_checklist_db"
    assert pg_infra.sanitize_name("9lives") == "t_9lives"
    long = pg_infra.sanitize_name("x" * 100)
    assert len(long) == 63 and long != pg_infra.sanitize_name("x" * 99)


# -- Kafka bus ------------------------------------------------------------------------------------------


def new_bus() -> KafkaBus:
    return KafkaBus(kafka_infra.bootstrap(), service="test-infra", **kafka_infra.bus_options())


def topic_name() -> str:
    return f"infra.{uuid.uuid4().hex}"


async def test_kafka_round_trip_keeps_per_key_order_and_headers():
    bus = new_bus()
    topic, group = topic_name(), f"g-{uuid.uuid4().hex}"
    got: list[Message] = []

    async def handler(batch: list[Message]) -> None:
        got.extend(batch)

    try:
        await bus.start()
        t0 = time.monotonic()
        await bus.subscribe(group, [topic], handler)  # before the topic exists
        join_s = time.monotonic() - t0
        keys = [f"key-{i % 5}" for i in range(50)]
        t0 = time.monotonic()
        await bus.publish(
            [
                Message(topic, k, f"{i}".encode(), [("seq", str(i).encode()), ("ce_type", b"infra.test")])
                for i, k in enumerate(keys)
            ]
        )
        await wait_until(lambda: len(got) >= 50, what="50 messages")
        trip_s = time.monotonic() - t0
        await asyncio.sleep(0.3)  # nothing more may arrive
        assert len(got) == 50, f"{len(got)} deliveries"
        assert sorted(int(m.value) for m in got) == list(range(50))
        per_key: dict[str, list[int]] = defaultdict(list)
        for m in got:
            assert m.header("seq") == m.value.decode()
            assert m.header("ce_type") == "infra.test"
            assert m.key == keys[int(m.value)]
            per_key[m.key].append(int(m.value))
        for k, seqs in per_key.items():
            assert seqs == sorted(seqs), f"{k} out of order: {seqs}"
            assert len({m.partition for m in got if m.key == k}) == 1
        print(f"[{kafka_infra.describe()}] join {join_s:.3f}s, 50-message round trip {trip_s:.3f}s")
    finally:
        await bus.stop()


async def test_kafka_handler_failure_redelivers_without_losing_others():
    bus = new_bus()
    topic, group = topic_name(), f"g-{uuid.uuid4().hex}"
    attempts: dict[str, int] = defaultdict(int)
    handled: list[str] = []

    async def handler(batch: list[Message]) -> None:
        for msg in batch:
            v = msg.value.decode()
            attempts[v] += 1
            if v == "5" and attempts[v] == 1:
                raise RuntimeError("boom (first attempt)")
            if v not in handled:  # what the consumer's inbox does for a redelivered message
                handled.append(v)

    try:
        await bus.subscribe(group, [topic], handler)
        await bus.publish([Message(topic, "same-key", str(i).encode()) for i in range(10)])
        await wait_until(lambda: len(set(handled)) == 10, what="all 10 handled")
        assert attempts["5"] == 2
        # One partition (one key): strict order, and the failed message before its successors.
        assert handled == [str(i) for i in range(10)]
        # The failed batch came back whole (at least once); nothing was delivered a third time.
        assert all(1 <= attempts[str(i)] <= 2 for i in range(10))
    finally:
        await bus.stop()


async def test_kafka_committed_offsets_survive_resubscribe():
    bus = new_bus()
    topic, group = topic_name(), f"g-{uuid.uuid4().hex}"
    first: list[str] = []
    second: list[str] = []

    async def h1(batch: list[Message]) -> None:
        first.extend(m.value.decode() for m in batch)

    async def h2(batch: list[Message]) -> None:
        second.extend(m.value.decode() for m in batch)

    try:
        await bus.subscribe(group, [topic], h1)
        await bus.publish([Message(topic, f"k{i}", f"a{i}".encode()) for i in range(20)])
        await wait_until(lambda: len(first) == 20, what="first 20")
        await bus.unsubscribe(group)  # graceful: the last batch is committed before leaving
        t0 = time.monotonic()
        await bus.subscribe(group, [topic], h2)
        rejoin_s = time.monotonic() - t0
        await bus.publish([Message(topic, f"k{i}", f"b{i}".encode()) for i in range(8)])
        await wait_until(lambda: len(second) >= 8, what="8 new messages")
        await asyncio.sleep(0.5)  # an uncommitted old message would show up by now
        assert sorted(second) == sorted(f"b{i}" for i in range(8)), second
        print(f"[{kafka_infra.describe()}] rejoin after leave {rejoin_s:.3f}s")
    finally:
        await bus.stop()

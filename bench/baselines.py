"""Baselines on the same machine, database kind and Kafka-protocol endpoint as the product run.

* ``bare_insert``: a bare FastAPI app (built here, not part of the product) with one endpoint that
  does one INSERT into a one-table database of the setup's kind, through the same engine settings
  (``shared.db.make_engine``), driven through ``httpx.ASGITransport`` with the same concurrency;
* ``raw_kafka``: aiokafka alone — idempotent producer with ``acks=all`` and a consumer group on a
  fresh topic, with the consumer settings ``KafkaBus`` uses, committing after every batch as
  ``KafkaBus`` does; messages/s and produce→consume latency.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, insert

from bench.decisions import cpu_seconds
from bench.stats import BenchError, pool, summary_ms
from shared.bus.kafka import KafkaBus
from shared.db import make_engine
from shared.testing import postgres as pg_infra

WARMUP = 50
PAYLOAD = b"x" * 1024  # about the size of a case.decided envelope


class Item(BaseModel):
    body: str


def bare_app(engine) -> tuple[FastAPI, MetaData]:
    meta = MetaData()
    items = Table("items", meta, Column("id", String(36), primary_key=True), Column("body", Text),
                  Column("created_at", DateTime(timezone=True)))
    app = FastAPI()

    @app.post("/items", status_code=201)
    async def create(item: Item) -> dict:
        id_ = str(uuid.uuid4())
        async with engine.begin() as conn:
            await conn.execute(insert(items).values(id=id_, body=item.body, created_at=datetime.now(UTC)))
        return {"id": id_}

    return app, meta


async def bare_insert(setup: str, n: int, concurrency: int, tmp: Path) -> dict:
    if setup == "sqlite-local":
        url, drop = f"sqlite+aiosqlite:///{(tmp / 'bare.db').resolve()}", None
    else:
        url = await pg_infra.create_database(f"bench_bare_{uuid.uuid4().hex[:10]}")
        drop = url
    engine = make_engine(url)
    try:
        app, meta = bare_app(engine)
        async with engine.begin() as conn:
            await conn.run_sync(meta.create_all)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bare", timeout=30) as client:
            async def one(i: int, times: list | None = None) -> None:
                t0 = time.perf_counter()
                r = await client.post("/items", json={"body": f"item {i}"})
                if r.status_code != 201:
                    raise BenchError(f"bare insert answered {r.status_code}: {r.text[:300]}")
                if times is not None:
                    times.append(time.perf_counter() - t0)

            await pool(range(WARMUP), one, concurrency)
            times: list[float] = []
            t0, cpu0 = time.perf_counter(), cpu_seconds()
            await pool(range(n), lambda i: one(i, times), concurrency)
            elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
        return {"database": "SQLite file (WAL)" if drop is None else "PostgreSQL (fresh database)",
                "n": n, "requests_per_s": n / elapsed, "http": summary_ms(times),
                "cpu_ms_per_request": cpu / n * 1000}
    finally:
        await engine.dispose()
        if drop:
            await pg_infra.drop_database(drop)


async def raw_kafka(bootstrap: str, n: int, concurrency: int, *, timeout: float) -> dict:
    ref = KafkaBus(bootstrap)  # only read for its settings; never started
    topic = f"bench-raw-{uuid.uuid4().hex[:10]}"
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"{topic}.g", enable_auto_commit=False,
        auto_offset_reset="earliest", metadata_max_age_ms=ref.metadata_max_age_ms,
        session_timeout_ms=ref.session_timeout_ms, heartbeat_interval_ms=ref.heartbeat_interval_ms,
        fetch_max_wait_ms=ref.fetch_max_wait_ms, max_poll_records=500,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=2,
                                request_timeout_ms=ref.request_timeout_ms)
    sent: dict[int, float] = {}
    received: dict[int, float] = {}
    total = n + 1  # message 0 is a warm-up, not counted
    started: list = []
    try:
        await asyncio.wait_for(consumer.start(), 30)
        started.append(consumer)
        await producer.start()
        started.append(producer)

        async def consume() -> None:
            while len(received) < total:
                batches = await consumer.getmany(timeout_ms=200, max_records=500)
                t = time.perf_counter()
                for records in batches.values():
                    for rec in records:
                        received.setdefault(int(rec.key), t)
                if batches:
                    await consumer.commit({tp: recs[-1].offset + 1 for tp, recs in batches.items()})

        task = asyncio.create_task(consume())
        try:
            await producer.send_and_wait(topic, PAYLOAD, key=b"0")
            deadline = time.monotonic() + 30
            while 0 not in received:
                if time.monotonic() > deadline or task.done():
                    raise BenchError("raw aiokafka: the warm-up message was never consumed")
                await asyncio.sleep(0.01)

            async def one(i: int) -> None:
                sent[i] = time.perf_counter()
                await producer.send_and_wait(topic, PAYLOAD, key=str(i).encode())

            await pool(range(1, total), one, concurrency)
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout)
            except TimeoutError:
                raise BenchError(f"raw aiokafka: only {len(received) - 1} of {n} messages consumed "
                                 f"{timeout:.0f}s after the last produce") from None
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    finally:
        for client in reversed(started):
            await client.stop()
    first, last = min(sent.values()), max(received[i] for i in sent)
    return {"topic": topic, "n": n, "payload_bytes": len(PAYLOAD), "messages_per_s": n / (last - first),
            "produce_to_consume": summary_ms([received[i] - sent[i] for i in sent]),
            "fetch_max_wait_ms": ref.fetch_max_wait_ms}

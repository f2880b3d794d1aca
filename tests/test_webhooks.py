"""Outbound webhooks to the provincial platform (issue 7), as a component, on SQLite and PostgreSQL.

The harness is this module's own (no service uses the component yet): a metadata with the webhook
tables plus the outbox/inbox tables the real ``shared.consumer.Consumer`` needs, a real consumer on an
in-process bus, the admin router in a tiny FastAPI app, and a REAL HTTP receiver — uvicorn on a free
loopback port in a thread — that verifies every signature with the example client's verifier and can
fail, hang past the client timeout, answer slowly, or be stopped and restarted on the same port.

The tables are made with ``metadata.create_all`` HERE ONLY, because no service migration contains
them yet; the lead adds the Alembic revision when wiring the component into the cases service.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import random
import re
import socket
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY as METRICS
from sqlalchemy import MetaData, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.testing.factories import BUREAU, OTHER_BUREAU, new_uscc
from shared import signing
from shared.auth import TokenVerifier, mint_token
from shared.bus.base import Message
from shared.bus.local import LocalBus
from shared.clock import Clock
from shared.consumer import Consumer, bind_runtime
from shared.contracts import CaseClosed, CaseDecided, CaseFiled, CaseServed, CreditRecordCreated
from shared.db import make_engine, make_sessionmaker
from shared.events import CloudEvent, EventPayload, topic_for
from shared.outbox import OutboxTables, envelope_json
from shared.problems import install_problem_handlers
from shared.secrets import SecretBox, new_key
from shared.testing.postgres import create_database, drop_database
from shared.testing.statements import compiled_anew, statements
from shared.webhooks import Deliverer, WebhookTables, webhook_consumer, webhook_router
from shared.webhooks.matching import backoff_delay, bureau_in_scope, pattern_problem, type_matches

_spec = importlib.util.spec_from_file_location(
    "platform_client", Path(__file__).resolve().parents[1] / "examples" / "platform_client.py"
)
platform_client = importlib.util.module_from_spec(_spec)
sys.modules["platform_client"] = platform_client
_spec.loader.exec_module(platform_client)

SECRET = "吴江平台共享密钥-2026-webhooks"
JWT_SECRET = "webhook-component-test-jwt-secret-0123456789"
BOX = SecretBox([new_key()])  # secrets at rest (shared.secrets)
LOOPBACK = "127.0.0.0/8"  # the receivers listen here: allowed, as ECOCOMPLY_WEBHOOK_ALLOWED_NETWORKS would
T0 = datetime(2026, 6, 15, 1, 0, tzinfo=UTC)
CLIENT_TIMEOUT = 0.5
DEADLINE = 20.0


# -- a real HTTP receiver ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Arrival:
    path: str
    key: str
    subject: str
    type: str
    attempt: int
    answer: int  # what the receiver answered (0: hung past the client's timeout)
    body: bytes
    headers: dict[str, str]


class Receiver:
    """The platform's endpoint: verifies (example client), stores each key once, records every arrival."""

    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.secrets: dict[str, str] = defaultdict(lambda: SECRET)  # path -> subscription secret
        self.arrivals: list[Arrival] = []  # every verified request, duplicates included
        self.stored: dict[str, list[str]] = defaultdict(list)  # path -> event ids, first arrival only
        self.rejected: list[str] = []
        self.fail_next = 0  # answer 500 to the next N requests
        self.fail_keys: set[str] = set()  # answer 500 for these event ids, forever
        self.hang_next = 0  # store, then answer only after the client's timeout, N times
        self.slow_seconds = 0.0  # every answer takes this long (within the client's timeout)
        self.fault_path = "/a"  # fail_next and hang_next apply to this path only
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def __call__(self, scope, receive, send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        try:
            event = platform_client.verify_delivery(self.secrets[path], headers, body)
        except platform_client.DeliveryRejected as e:
            with self.lock:
                self.rejected.append(e.reason)
            await self._answer(send, e.status, {"reason": e.reason})
            return
        key = headers["idempotency-key"]
        with self.lock:
            faulty = path == self.fault_path
            if key in self.fail_keys or (faulty and self.fail_next > 0):
                self.fail_next = max(0, self.fail_next - (key not in self.fail_keys))
                answer = 500
            elif faulty and self.hang_next > 0:
                self.hang_next -= 1
                answer = 0
            else:
                answer = 200
            self.arrivals.append(Arrival(path, key, event.get("subject") or "", event["type"],
                                         int(headers["x-ecocomply-attempt"]), answer, body, headers))
            if answer != 500 and key not in self.stored[path]:
                self.stored[path].append(key)
        if answer == 500:
            await self._answer(send, 500, {"reason": "接收方数据库故障"})
        elif answer == 0:
            await asyncio.sleep(CLIENT_TIMEOUT + 0.4)
            await self._answer(send, 200, {"status": "stored late"})
        else:
            await asyncio.sleep(self.slow_seconds)
            await self._answer(send, 200, {"status": "accepted"})

    @staticmethod
    async def _answer(send, status: int, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": raw})

    def start(self) -> None:
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "receiver did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = None

    def keys(self, path: str, answer: int | None = None) -> list[str]:
        return [a.key for a in self.arrivals if a.path == path and (answer is None or a.answer == answer)]


# -- the component harness --------------------------------------------------------------------------
@dataclass
class Harness:
    kind: str
    url: str
    engine: AsyncEngine
    tables: WebhookTables
    outbox: OutboxTables
    bus: LocalBus
    service: str
    sessions: Any = None
    consumer: Consumer | None = None
    api: httpx.AsyncClient | None = None
    app: FastAPI | None = None
    deliverers: list[Deliverer] = field(default_factory=list)

    async def start(self) -> None:
        self.sessions = make_sessionmaker(self.engine)
        spec = webhook_consumer(self.tables)
        runtime = SimpleNamespace(verifier=TokenVerifier(secret=JWT_SECRET), sessionmaker=self.sessions, clock=Clock(),
                                  secret_box=BOX, settings=SimpleNamespace(webhook_allowed_networks=LOOPBACK))
        self.consumer = Consumer(
            name=f"{self.service}.{spec.name}", service=self.service, group=f"{self.service}.{spec.name}",
            topics=[f"ecocomply.{t}" for t in spec.topics],
            handlers=bind_runtime(spec.handlers, runtime),
            sessionmaker=self.sessions, tables=self.outbox, bus=self.bus, max_attempts=3, retry_base_seconds=0.01,
            clock=runtime.clock,
        )
        await self.consumer.start()
        self.app = FastAPI()
        self.app.state.runtime = runtime
        install_problem_handlers(self.app)
        self.app.include_router(webhook_router(self.tables), prefix="/v1")
        self.api = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://cases")

    async def stop(self) -> None:
        for d in self.deliverers:
            await d.aclose()
        self.deliverers.clear()
        await self.consumer.stop()
        await self.api.aclose()
        await self.engine.dispose()

    async def restart(self) -> None:
        """A service restart: every in-memory object gone, a new engine on the same database."""
        await self.stop()
        self.engine = make_engine(self.url)
        await self.start()

    def deliverer(self, **overrides: Any) -> Deliverer:
        settings: dict[str, Any] = dict(
            service=self.service, secrets=BOX, timeout_seconds=CLIENT_TIMEOUT, max_attempts=10, backoff_base_seconds=0.02,
            backoff_max_seconds=0.2, concurrency=4, lease_seconds=1.5, rng=random.Random(7),
            allowed_networks=LOOPBACK,  # the receivers here listen on loopback
        )
        settings.update(overrides)
        d = Deliverer(self.tables, **settings)
        self.deliverers.append(d)
        return d

    def admin(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + mint_token(JWT_SECRET, sub="admin-1", roles=["admin"])}

    async def subscribe(self, url: str, types: list[str], **extra: Any) -> dict[str, Any]:
        r = await self.api.post("/v1/webhooks/subscriptions", headers=self.admin(),
                                json={"url": url, "event_types": types, **extra})
        assert r.status_code == 201, r.text
        return r.json()

    async def publish(self, events: list[CloudEvent]) -> None:
        """Events as the relay hands them to the bus (one batch)."""
        await self.bus.publish([
            Message(topic=topic_for(e.type), key=e.subject or "", value=envelope_json(e).encode(),
                    headers=[("ce_id", e.id.encode()), ("ce_type", e.type.encode())])
            for e in events
        ])

    async def rows(self, **where: Any) -> list[Any]:
        d = self.tables.deliveries
        async with self.sessions() as s:
            q = select(d).where(*(d.c[k] == v for k, v in where.items())).order_by(d.c.seq)
            return list((await s.execute(q)).all())

    async def count(self, table) -> int:
        async with self.sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(table)))

    async def drain(self, deliverer: Deliverer, until=None, timeout: float = DEADLINE) -> None:
        """Run the deliverer (as its periodic job would) until ``until()`` holds; default: nothing pending."""

        async def nothing_pending() -> bool:
            return not await self.rows(status="pending")

        until = until or nothing_pending
        deadline = time.monotonic() + timeout
        while True:
            await deliverer.run(self.sessions)
            if await until():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"not done after {timeout}s: {[tuple(r)[:12] for r in await self.rows()]}")
            await asyncio.sleep(0.02)


@pytest.fixture(params=["sqlite", "postgresql"])
async def h(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
    else:
        url = await create_database(f"webhooks_{uuid.uuid4().hex[:12]}")
    metadata = MetaData()
    tables, outbox = WebhookTables.on(metadata), OutboxTables.on(metadata)
    engine = make_engine(url)
    async with engine.begin() as conn:  # component test only: no service migration has these tables yet
        await conn.run_sync(metadata.create_all)
    harness = Harness(request.param, url, engine, tables, outbox, LocalBus(),
                      service=f"webhooks-test-{uuid.uuid4().hex[:8]}")
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        if request.param == "postgresql":
            await drop_database(url)


@pytest.fixture
def receiver():
    r = Receiver()
    r.start()
    try:
        yield r
    finally:
        r.stop()


# -- events of fixed shapes and times ---------------------------------------------------------------
def event(payload: EventPayload, subject: str, at: datetime) -> CloudEvent:
    return CloudEvent(id=str(uuid.uuid4()), source="/ecocomply/cases", type=type(payload).__event_type__,
                      subject=subject, time=at, data=payload.model_dump(mode="json"))


def case_events(n: int, bureau: str = BUREAU, start: datetime = T0) -> list[CloudEvent]:
    """立案 → 决定 → 送达 → 结案 of one case, a minute apart."""
    case_id, number, code = str(uuid.uuid4()), f"苏吴环罚〔2026〕{n}号", new_uscc()
    t = [start + timedelta(minutes=i) for i in range(4)]
    return [
        event(CaseFiled(case_id=case_id, number=number, uscc=code, bureau=bureau, violations=["JS-WATER-001"],
                        handlers=["officer-a", "officer-b"], filed_by="officer-a", filed_at=t[0]), case_id, t[0]),
        event(CaseDecided(case_id=case_id, number=number, uscc=code, bureau=bureau, decision_type="penalty",
                          fine_amount=50_000.0, steps=["filed", "investigated", "legal_review", "notice"],
                          decided_by="leader-1", decided_at=t[1]), case_id, t[1]),
        event(CaseServed(case_id=case_id, number=number, uscc=code, bureau=bureau, decision_type="penalty",
                         documents=["行政处罚决定书", "信用修复告知书", "合规建议书"], served_at=t[2]), case_id, t[2]),
        event(CaseClosed(case_id=case_id, number=number, uscc=code, bureau=bureau, closed_at=t[3]), case_id, t[3]),
    ]


def metric(name: str, **labels: str) -> float:
    return METRICS.get_sample_value(name, labels) or 0.0


def assert_in_order_once(receiver: Receiver, path: str, streams: list[list[CloudEvent]]) -> None:
    """Every event stored exactly once, each case's events stored in their order, and no event of a
    case ever SENT before its predecessor was acknowledged (raw arrivals never go backwards)."""
    stored = receiver.stored[path]
    assert sorted(stored) == sorted(e.id for s in streams for e in s)
    for stream in streams:
        ids = [e.id for e in stream]
        assert [k for k in stored if k in ids] == ids
        position = {k: i for i, k in enumerate(ids)}
        sent = [position[k] for k in receiver.keys(path) if k in position]
        assert sent == sorted(sent), f"case {stream[0].subject} sent out of order: {sent}"


# -- end to end over real HTTP -----------------------------------------------------------------------
async def test_every_event_arrives_once_in_order_through_failures_timeouts_and_slow_answers(h, receiver):
    a = await h.subscribe(receiver.url("/a"), ["ecocomply.case.*", "ecocomply.credit.*"], secret=SECRET,
                          description="江苏省生态环境智慧监管平台")
    b = await h.subscribe(receiver.url("/b"), ["ecocomply.case.decided.v1"], bureaus=[OTHER_BUREAU])
    receiver.secrets["/b"] = b["secret"]  # generated, returned once
    await h.subscribe(receiver.url("/c"), ["ecocomply.*"], secret=SECRET, active=False)
    cases = [case_events(1), case_events(2), case_events(3, bureau=OTHER_BUREAU)]
    credit = event(CreditRecordCreated(record_id="CR-1", case_id=cases[0][0].subject, uscc=new_uscc(),
                                       severity="general", published=True, criterion="一般失信",
                                       publicity_from=T0.date()), "CR-1", T0 + timedelta(minutes=5))
    for i in range(4):  # interleaved, as the bus would carry three cases' progress
        await h.publish([c[i] for c in cases])
    await h.publish([credit])
    await h.publish([cases[0][0], cases[1][0]])  # the bus delivers a batch again: the inbox drops it

    receiver.fail_next, receiver.hang_next, receiver.slow_seconds = 3, 1, 0.05
    failures_before = {r: metric("ecocomply_webhook_failures_total", service=h.service, reason=r)
                       for r in ("http_status", "timeout")}
    await h.drain(h.deliverer())

    assert_in_order_once(receiver, "/a", [*cases, [credit]])
    assert receiver.stored["/b"] == [cases[2][1].id]  # decided, other bureau only
    assert receiver.keys("/c") == []  # inactive
    assert receiver.rejected == []
    assert len(receiver.keys("/a", answer=500)) == 3
    hung = receiver.keys("/a", answer=0)
    assert len(hung) == 1  # stored, then timed out on our side: sent again, and deduplicated by its key
    assert [x.answer for x in receiver.arrivals if x.key == hung[0]][-2:] == [0, 200]

    rows = await h.rows(subscription_id=a["id"])
    assert len(rows) == 13 and {r.status for r in rows} == {"delivered"}
    first = next(x for x in receiver.arrivals if x.key == cases[0][1].id)
    stored_row = next(r for r in rows if r.event_id == cases[0][1].id)
    assert first.body == stored_row.envelope.encode()  # the envelope, byte for byte
    assert first.headers["content-type"] == "application/cloudevents+json"
    assert first.headers["ce-id"] == cases[0][1].id and first.headers["ce-type"] == "ecocomply.case.decided.v1"
    assert json.loads(first.body)["data"]["number"] == "苏吴环罚〔2026〕1号"
    for r in rows:  # every attempt reached the receiver once, and was counted
        assert r.attempts == len([x for x in receiver.arrivals if x.key == r.event_id and x.path == "/a"])
        assert r.last_status_code == 200 and r.last_error is None and r.delivered_at is not None
        attempts = [x.attempt for x in receiver.arrivals if x.key == r.event_id and x.path == "/a"]
        assert attempts == list(range(1, r.attempts + 1))  # X-EcoComply-Attempt
    assert metric("ecocomply_webhook_failures_total", service=h.service, reason="http_status") \
        == failures_before["http_status"] + 3
    assert metric("ecocomply_webhook_failures_total", service=h.service, reason="timeout") \
        == failures_before["timeout"] + 1
    assert metric("ecocomply_webhook_pending", service=h.service) == 0
    assert metric("ecocomply_webhook_lag_seconds", service=h.service) == 0


async def test_receiver_outage_and_service_restart_lose_nothing(h, receiver):
    sub = await h.subscribe(receiver.url("/a"), ["ecocomply.case.*"], secret=SECRET)
    c1, c2, c3 = case_events(1), case_events(2), case_events(3)
    await h.publish(c1[:2])
    await h.drain(h.deliverer())
    assert receiver.stored["/a"] == [e.id for e in c1[:2]]

    receiver.stop()  # outage: nothing listens on the port
    await h.publish(c1[2:] + c2)
    first = h.deliverer()

    async def heads_failed() -> bool:
        heads = [r for r in await h.rows(status="pending") if r.event_id in (c1[2].id, c2[0].id)]
        return len(heads) == 2 and all(r.attempts >= 2 for r in heads)

    await h.drain(first, until=heads_failed)
    for r in await h.rows(status="pending"):
        if r.event_id in (c1[2].id, c2[0].id):
            assert "ConnectError" in r.last_error and r.last_status_code is None
        else:
            assert r.attempts == 0  # later events of a case wait for the earlier one
    assert len(receiver.stored["/a"]) == 2

    await asyncio.sleep(0.25)  # back-off elapsed: the heads are due again
    claimed = await first.claim(h.sessions)  # ... claimed, and the process dies before sending them
    assert {c.event_id for c in claimed} == {c1[2].id, c2[0].id}
    await h.restart()
    receiver.start()  # the receiver is back, on the same port
    await h.publish(c3)  # through the new consumer
    second = h.deliverer()
    await h.drain(second)  # the dead process's lease expires; its claim is sent again

    assert_in_order_once(receiver, "/a", [c1, c2, c3])
    rows = await h.rows(subscription_id=sub["id"])
    assert len(rows) == 12 and all(r.status == "delivered" for r in rows)


async def test_two_deliverers_at_once_never_send_a_delivery_twice_nor_out_of_order(h, receiver):
    """Two replicas' deliverers on one database (PostgreSQL: FOR UPDATE SKIP LOCKED claims)."""
    await h.subscribe(receiver.url("/a"), ["ecocomply.case.*"], secret=SECRET)
    cases = [case_events(n) for n in range(1, 6)]
    for i in range(4):
        await h.publish([c[i] for c in cases])
    receiver.slow_seconds = 0.03
    one, two = h.deliverer(concurrency=3), h.deliverer(concurrency=3)
    await asyncio.gather(h.drain(one), h.drain(two))
    assert_in_order_once(receiver, "/a", cases)
    sent = receiver.keys("/a")
    assert len(sent) == len(set(sent)) == 20  # no failure, so no delivery may arrive twice


async def test_dead_letter_then_manual_redelivery(h, receiver):
    await h.subscribe(receiver.url("/a"), ["ecocomply.case.*"], secret=SECRET)
    c1 = case_events(1)
    poisoned = c1[1].id
    receiver.fail_keys = {poisoned}  # the receiver answers 500 to this event, forever
    dead_before = metric("ecocomply_webhook_dead_total", service=h.service)
    await h.publish(c1)
    await h.drain(h.deliverer(max_attempts=3))

    sent = receiver.keys("/a")
    assert sent.count(poisoned) == 3
    assert sent.index(c1[2].id) > max(i for i, k in enumerate(sent) if k == poisoned)  # waited, then unblocked
    assert receiver.stored["/a"] == [c1[0].id, c1[2].id, c1[3].id]
    assert metric("ecocomply_webhook_dead_total", service=h.service) == dead_before + 1

    r = await h.api.get("/v1/webhooks/deliveries", params={"status": "dead"}, headers=h.admin())
    assert r.status_code == 200 and r.json()["total"] == 1
    dead = r.json()["items"][0]
    assert dead["event_id"] == poisoned and dead["attempts"] == 3 and dead["last_status_code"] == 500
    # status and timing are kept, not what the receiver answered (issue 25 S2: the log reads no internal page)
    assert re.fullmatch(r"HTTP 500 after \d+ ms", dead["last_error"]) and "接收方数据库故障" not in dead["last_error"]

    receiver.fail_keys = set()  # the receiver recovers
    r = await h.api.post(f"/v1/webhooks/deliveries/{dead['id']}/redeliver", headers=h.admin())
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and r.json()["attempts"] == 0
    assert "was dead after 3 attempt(s)" in r.json()["note"] and "admin-1" in r.json()["note"]
    before = await h.rows()
    again = await h.api.post(f"/v1/webhooks/deliveries/{dead['id']}/redeliver", headers=h.admin())
    assert again.status_code == 409 and again.json()["code"] == "delivery_pending"
    missing = await h.api.post("/v1/webhooks/deliveries/999999/redeliver", headers=h.admin())
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert await h.rows() == before  # refusals wrote nothing

    await h.drain(h.deliverer())
    assert receiver.stored["/a"][-1] == poisoned
    row = (await h.rows(event_id=poisoned))[0]
    assert row.status == "delivered" and row.attempts == 1 and "was dead" in row.note

    delivered = (await h.rows(event_id=c1[0].id))[0]  # an already delivered one can be sent again too
    r = await h.api.post(f"/v1/webhooks/deliveries/{delivered.seq}/redeliver", headers=h.admin())
    assert r.status_code == 200 and "was delivered" in r.json()["note"]
    await h.drain(h.deliverer())
    assert receiver.keys("/a").count(c1[0].id) == 2 and receiver.stored["/a"].count(c1[0].id) == 1


async def test_replay_from_a_point_in_time_resends_exactly_the_later_events(h, receiver):
    s1 = await h.subscribe(receiver.url("/a"), ["ecocomply.case.*"], secret=SECRET)
    c1, c2 = case_events(1, start=T0), case_events(2, start=T0 + timedelta(minutes=10))
    await h.publish(c1 + c2)
    await h.drain(h.deliverer())
    assert len(receiver.keys("/a")) == 8

    r = await h.api.post(f"/v1/webhooks/subscriptions/{s1['id']}/replay", headers=h.admin(),
                         json={"from": (T0 + timedelta(minutes=2)).isoformat()})
    assert r.status_code == 200, r.text
    assert r.json() | {"from": None} == {"subscription_id": s1["id"], "from": None, "matched": 6, "created": 0,
                                         "requeued": 6, "already_pending": 0}
    await h.drain(h.deliverer())
    sent = receiver.keys("/a")
    assert [sent.count(e.id) for e in c1 + c2] == [1, 1, 2, 2, 2, 2, 2, 2]
    for stream in (c1[2:], c2):  # each case's replayed events again in order
        ids = [e.id for e in stream]
        assert [k for k in sent[8:] if k in ids] == ids

    # A subscription created after the events: replay creates its deliveries from the event log.
    s2 = await h.subscribe(receiver.url("/b"), ["ecocomply.case.*"], secret=SECRET)
    since = (T0 + timedelta(minutes=1)).astimezone(ZoneInfo("Asia/Shanghai")).isoformat()  # 09:01+08:00
    r = await h.api.post(f"/v1/webhooks/subscriptions/{s2['id']}/replay", headers=h.admin(), json={"from": since})
    assert (r.json()["matched"], r.json()["created"], r.json()["requeued"]) == (7, 7, 0)
    r = await h.api.post(f"/v1/webhooks/subscriptions/{s2['id']}/replay", headers=h.admin(), json={"from": since})
    assert (r.json()["created"], r.json()["already_pending"]) == (0, 7)

    before = await h.rows()
    bad = [
        ("/v1/webhooks/subscriptions/nope/replay", {"from": since}, 404, None),
        (f"/v1/webhooks/subscriptions/{s2['id']}/replay", {"from": "2026-06-15T09:00:00"}, 422, "from"),
        (f"/v1/webhooks/subscriptions/{s2['id']}/replay", {}, 422, "from"),
        (f"/v1/webhooks/subscriptions/{s2['id']}/replay", {"from": "昨天"}, 422, "from"),
    ]
    for path, body, status, fld in bad:
        r = await h.api.post(path, headers=h.admin(), json=body)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        if fld:
            assert r.json()["errors"][0]["field"] == fld
    await h.api.patch(f"/v1/webhooks/subscriptions/{s1['id']}", headers=h.admin(), json={"active": False})
    r = await h.api.post(f"/v1/webhooks/subscriptions/{s1['id']}/replay", headers=h.admin(), json={"from": since})
    assert r.status_code == 409 and r.json()["code"] == "subscription_inactive"
    assert await h.rows() == before

    await h.drain(h.deliverer())
    assert_in_order_once(receiver, "/b", [c1[1:], c2])


async def test_admin_api_refuses_bad_input_naming_the_field_and_never_reveals_secrets(h):
    api, admin = h.api, h.admin()
    good = {"url": "https://platform.jiangsu.example/ecocomply/events", "event_types": ["ecocomply.case.*"]}
    cases = [
        ({"url": "ftp://platform.example/x"}, "url"),
        ({"url": "不是网址"}, "url"),
        ({"url": "https://user:pw@platform.example/x"}, "url"),
        ({"url": "https:///path-only"}, "url"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["ecocomply.case.decided.v1", "ecocomply.case.nonexistent.v1"]}, "event_types.1"),
        ({"event_types": ["ecocomply.nothing.*"]}, "event_types.0"),
        ({"event_types": ["case.*"]}, "event_types.0"),
        ({"bureaus": [""]}, "bureaus.0"),
        ({"bureaus": [BUREAU, BUREAU]}, "bureaus.1"),
        ({"secret": "太短的密钥"}, "secret"),
        ({"colour": "绿"}, "colour"),
    ]
    for change, fld in cases:
        r = await api.post("/v1/webhooks/subscriptions", headers=admin, json=good | change)
        assert r.status_code == 422, (change, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["field"] == fld, (change, r.json())
    officer = mint_token(JWT_SECRET, sub="officer-a", roles=["officer"], bureau=BUREAU)
    r = await api.post("/v1/webhooks/subscriptions", headers={"Authorization": f"Bearer {officer}"}, json=good)
    assert r.status_code == 403
    assert (await api.get("/v1/webhooks/subscriptions")).status_code == 401
    assert await h.count(h.tables.subscriptions) == 0

    created = (await api.post("/v1/webhooks/subscriptions", headers=admin, json=good)).json()
    assert created["secret_generated"] and len(created["secret"]) >= 16
    listed = await api.get("/v1/webhooks/subscriptions", headers=admin)
    assert listed.json()["total"] == 1 and "secret" not in listed.json()["items"][0]
    assert created["secret"] not in listed.text

    sid = created["id"]
    for body, status, fld in [
        ({"url": "gopher://x"}, 422, "url"),
        ({"event_types": ["ecocomply.case.*", "nonsense"]}, 422, "event_types.1"),
        ({}, 422, "body"),
        ({"secret": "a-new-secret-of-enough-length"}, 422, "secret"),
    ]:
        r = await api.patch(f"/v1/webhooks/subscriptions/{sid}", headers=admin, json=body)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (status, fld), r.text
    assert (await api.patch("/v1/webhooks/subscriptions/nope", headers=admin, json={"active": False})).status_code == 404
    assert (await api.get("/v1/webhooks/subscriptions", headers=admin)).json() == listed.json()  # unchanged

    r = await api.patch(f"/v1/webhooks/subscriptions/{sid}", headers=admin,
                        json={"active": False, "event_types": ["ecocomply.audit.flag_raised.v1"], "bureaus": [BUREAU]})
    assert r.status_code == 200
    assert (r.json()["active"], r.json()["event_types"], r.json()["bureaus"]) == (
        False, ["ecocomply.audit.flag_raised.v1"], [BUREAU])
    assert "secret" not in r.json()

    r = await api.get("/v1/webhooks/deliveries", headers=admin, params={"status": "lost"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    r = await api.get("/v1/webhooks/deliveries", headers=admin, params={"subscription_id": "nope"})
    assert r.status_code == 404


async def test_events_reach_only_matching_active_subscriptions_and_are_logged_once(h):
    on = await h.subscribe("https://platform.example/a", ["ecocomply.case.decided.v1"], bureaus=[BUREAU])
    await h.subscribe("https://platform.example/off", ["ecocomply.case.*"], active=False)
    ours, theirs = case_events(1), case_events(2, bureau=OTHER_BUREAU)
    credit = event(CreditRecordCreated(record_id="CR-9", case_id=ours[0].subject, uscc=new_uscc(), severity="minor",
                                       published=False, criterion="轻微", publicity_from=T0.date()), "CR-9", T0)
    await h.publish(ours + theirs + [credit])
    await h.publish(ours)  # redelivered by the bus
    rows = await h.rows()
    assert [(r.subscription_id, r.event_id, r.subject, r.bureau) for r in rows] == [
        (on["id"], ours[1].id, ours[1].subject, BUREAU)]  # a bureau-scoped subscription gets no bureau-less event
    assert await h.count(h.tables.event_log) == 9


async def test_a_batch_records_what_one_event_at_a_time_records(h):
    """The consumer hands a whole bus batch to the recorder's set-based ``many`` (issue 12): the log and
    deliveries equal those of the same events published one at a time, in the events' order per subscription."""
    every = await h.subscribe("https://platform.example/all", ["ecocomply.case.*", "ecocomply.credit.*"])
    decided = await h.subscribe("https://platform.example/decided", ["ecocomply.case.decided.v1"], bureaus=[BUREAU])
    batch = case_events(1) + case_events(2, bureau=OTHER_BUREAU) + case_events(3)
    single = case_events(4) + case_events(5, bureau=OTHER_BUREAU) + case_events(6)
    await h.publish(batch)
    for e in single:
        await h.publish([e])

    def shape(events: list[CloudEvent], sub: dict[str, Any], rows: list[Any]) -> list[tuple]:
        index = {e.id: i for i, e in enumerate(events)}
        return [(index[r.event_id], r.event_type, r.bureau, r.status) for r in rows
                if r.subscription_id == sub["id"] and r.event_id in index]

    rows = await h.rows()
    for sub, expected in ((every, 12), (decided, 2)):
        assert len(shape(batch, sub, rows)) == expected
        assert shape(batch, sub, rows) == shape(single, sub, rows)
    assert [i for i, *_ in shape(batch, every, rows)] == list(range(12))
    assert await h.count(h.tables.event_log) == 24
    await h.publish(batch)  # redelivered: nothing twice
    assert len(await h.rows()) == len(rows) and await h.count(h.tables.event_log) == 24


async def test_a_batch_of_fifty_takes_the_statements_of_one(h):
    """Issue 28: the consumer and recorder write a batch in a fixed number of statements (inbox check, inbox rows,
    log rows, active subscriptions, deliveries), each from the compiled cache once warm, whatever its length —
    no per-statement parameter limit splits the rows (each insert is run with its list of rows)."""
    await h.subscribe("https://platform.example/all", ["ecocomply.case.*"])

    async def sent(events: list[CloudEvent]) -> list[tuple[str, Any]]:
        with statements(h.engine) as seen:
            await h.publish(events)
        return seen

    def cases(n: int) -> list[CloudEvent]:
        return [e for i in range(n) for e in case_events(100 + i)]

    for events in (cases(1)[:1], cases(2)):  # warm the compiled cache: with one row, and with several
        await sent(events)
    one, fifty = await sent(cases(1)[:1]), await sent(cases(13)[:50])
    assert 5 <= len(one) == len(fifty) <= 6, ([s[:40] for s, _ in one], [s[:40] for s, _ in fifty])
    assert compiled_anew(one + fifty) == []
    assert await h.count(h.tables.event_log) == 1 + 8 + 1 + 50
    assert len(await h.rows()) == 1 + 8 + 1 + 50


# -- the example client's verifier (what the platform team runs) -------------------------------------
def signed(body: bytes, *, secret: str = SECRET, now: float | None = None, **extra: str) -> dict[str, str]:
    event_id = json.loads(body)["id"]
    return {"Content-Type": "application/cloudevents+json", "Idempotency-Key": event_id,
            **signing.sign(secret, body, now=now), **extra}


def test_example_client_accepts_our_signature_and_rejects_a_bad_one():
    body = envelope_json(case_events(1)[1]).encode()
    now = 1_781_500_000
    assert platform_client.verify_delivery(SECRET, signed(body, now=now), body, now=now + 10)["type"] \
        == "ecocomply.case.decided.v1"
    lower = {k.lower(): v for k, v in signed(body, now=now).items()}
    assert platform_client.verify_delivery(SECRET, lower, body, now=now)
    rotated = signed(body, now=now)
    rotated["X-EcoComply-Signature"] = signing.signature("旧密钥-old-secret-0001", now, body) + "," + \
        rotated["X-EcoComply-Signature"]
    assert platform_client.verify_delivery(SECRET, rotated, body, now=now)

    refusals = [
        (signed(body, now=now), body.replace("苏吴".encode(), "苏常".encode()), now, 401, "does not match"),
        (signed(body, secret="另一个订阅的密钥-0000", now=now), body, now, 401, "does not match"),
        (signed(body, now=now), body, now + 301, 401, "window"),
        (signed(body, now=now) | {"X-EcoComply-Signature": ""}, body, now, 401, "missing"),
        (signed(body, now=now) | {"Idempotency-Key": "another"}, body, now, 400, "does not match the event id"),
        (signed(body, now=now) | {"Content-Type": "application/json"}, body, now, 415, "Content-Type"),
    ]
    for headers, received, at, status, fragment in refusals:
        with pytest.raises(platform_client.DeliveryRejected, match=fragment) as e:
            platform_client.verify_delivery(SECRET, headers, received, now=at)
        assert e.value.status == status

    seen: list[str] = []
    app = platform_client.PlatformReceiver(SECRET, on_event=lambda ev: seen.append(ev["id"]))
    headers = signed(body)
    assert app.accept(headers, body)[1]["status"] == "accepted"
    assert app.accept(headers, body)[1]["status"] == "duplicate"
    assert app.accept(headers, body + b" ")[0] == 401
    assert seen == [json.loads(body)["id"]]


@given(st.binary(min_size=0, max_size=200), st.text(min_size=16, max_size=40), st.integers(0, 2_000_000_000))
def test_example_verifier_agrees_with_the_signer_on_any_body(payload, secret, ts):
    body = json.dumps({"id": "e-1", "type": "ecocomply.case.closed.v1", "source": "/ecocomply/cases",
                       "data": {"raw": payload.hex()}}).encode()
    headers = signed(body, secret=secret, now=ts)
    assert platform_client.verify_delivery(secret, headers, body, now=ts)["id"] == "e-1"
    with pytest.raises(platform_client.DeliveryRejected):
        platform_client.verify_delivery(secret + "x", headers, body, now=ts)


# -- pure rules ----------------------------------------------------------------------------------------
def test_type_patterns_and_bureau_scope():
    assert type_matches(["ecocomply.case.*"], "ecocomply.case.decided.v1")
    assert not type_matches(["ecocomply.case.*"], "ecocomply.caseload.decided.v1")
    assert type_matches(["ecocomply.*"], "ecocomply.audit.flag_raised.v1")
    assert not type_matches(["ecocomply.case.decided.v1"], "ecocomply.case.decided.v2")
    assert bureau_in_scope([], None) and bureau_in_scope([BUREAU], BUREAU)
    assert not bureau_in_scope([BUREAU], OTHER_BUREAU) and not bureau_in_scope([BUREAU], None)
    known = ["ecocomply.case.decided.v1", "ecocomply.audit.flag_raised.v1"]
    assert pattern_problem("ecocomply.case.*", known) is None
    assert "matches no known" in pattern_problem("ecocomply.credit.*", known)
    assert "prefix" in pattern_problem("ecocomply.case*", known)
    assert "unknown event type" in pattern_problem("ecocomply.case.decided", known)


@given(st.integers(1, 10_000), st.floats(0.01, 10), st.floats(10, 7200), st.sampled_from(["full", "decorrelated"]),
       st.one_of(st.none(), st.floats(0, 10_000)), st.integers(0, 2**32))
def test_backoff_stays_within_its_bounds(attempts, base, cap, jitter, previous, seed):
    delay = backoff_delay(attempts, base=base, cap=cap, jitter=jitter, previous=previous, rng=random.Random(seed))
    assert 0 <= delay <= cap
    if jitter == "full":
        assert delay <= base * 2 ** min(attempts - 1, 60)


def test_backoff_grows_exponentially_on_average():
    rng = random.Random(1)
    means = [sum(backoff_delay(n, base=1, cap=10_000, rng=rng) for _ in range(400)) / 400 for n in (1, 4, 8)]
    assert means[0] < 1 < means[1] < 8 < means[2] < 128


async def test_deliveries_page_by_cursor_while_a_replay_inserts_old_events(h, receiver):
    """A replay adds deliveries of old events in the middle of the send order: a client paging with the
    ``next`` cursor still sees every delivery that existed when it started exactly once."""
    await h.subscribe(receiver.url("/a"), ["ecocomply.case.*"], secret=SECRET)
    await h.publish(case_events(1, start=T0) + case_events(2, start=T0 + timedelta(minutes=10)))
    await h.drain(h.deliverer())

    async def page(**params) -> dict:
        r = await h.api.get("/v1/webhooks/deliveries", headers=h.admin(), params={"limit": 3, **params})
        assert r.status_code == 200, r.text
        return r.json()

    first = await page()
    assert first["total"] == 8 and len(first["items"]) == 3 and first["next"]
    original = {d["id"] for d in (await page(limit=100))["items"]}
    s2 = await h.subscribe(receiver.url("/b"), ["ecocomply.case.*"], secret=SECRET)
    r = await h.api.post(f"/v1/webhooks/subscriptions/{s2['id']}/replay", headers=h.admin(),
                         json={"from": T0.isoformat()})
    assert r.json()["created"] == 8
    seen = [d["id"] for d in first["items"]]
    cursor = first["next"]
    for _ in range(20):  # a cursor that does not advance must not loop forever
        if not cursor:
            break
        body = await page(cursor=cursor)
        seen += [d["id"] for d in body["items"]]
        cursor = body["next"]
    assert len(seen) == len(set(seen)) and original <= set(seen)
    r = await h.api.get("/v1/webhooks/deliveries", headers=h.admin(), params={"cursor": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
    # An offset past any list (and past SQLite's 64-bit integers, found by the fuzzer as a 500) is a 422.
    r = await h.api.get("/v1/webhooks/deliveries", headers=h.admin(), params={"offset": 10**20})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "offset"


# -- issue 25 S2: no request to an internal address -------------------------------------------------------------
INTERNAL = ["http://127.0.0.1:{port}/a", "http://localhost:{port}/a", "http://[::1]:{port}/a", "http://0.0.0.0:{port}/a",
            "http://169.254.169.254/latest/meta-data/", "http://2130706433:{port}/a", "http://127.1:{port}/a",
            "http://0x7f.1:{port}/a", "http://[::ffff:127.0.0.1]:{port}/a", "http://10.0.0.5/a", "http://192.168.1.1/a",
            "http://172.16.0.1/a", "http://100.64.0.1/a", "http://[fd00::1]/a", "http://224.0.0.1/a"]


async def test_a_subscription_to_an_internal_address_is_refused_at_subscription_and_at_delivery(h, receiver):
    h.app.state.runtime.settings.webhook_allowed_networks = ""  # a deployment: public receivers only
    try:
        for template in INTERNAL:
            url = template.format(port=receiver.port)
            r = await h.api.post("/v1/webhooks/subscriptions", headers=h.admin(),
                                 json={"url": url, "event_types": ["ecocomply.case.*"], "secret": SECRET})
            assert r.status_code == 422, (url, r.status_code, r.text)
            assert r.json()["code"] == "forbidden_destination" and r.json()["errors"][0]["field"] == "url", r.text
            assert "公网" in r.json()["detail"]
        r = await h.api.get("/v1/webhooks/subscriptions", headers=h.admin())
        assert r.json()["total"] == 0  # nothing stored
        # the positive: a public address is accepted (numeric: no resolver needed here)
        r = await h.api.post("/v1/webhooks/subscriptions", headers=h.admin(),
                             json={"url": "https://93.184.216.34/hooks/ecocomply", "event_types": ["ecocomply.case.*"],
                                   "secret": SECRET, "active": False})
        assert r.status_code == 201, r.text
    finally:
        h.app.state.runtime.settings.webhook_allowed_networks = LOOPBACK

    # Subscribed while the network was allowed; the deliverer of a deployment without that allowance sends nothing.
    await h.subscribe(receiver.url("/a"), ["ecocomply.case.*"], secret=SECRET)
    await h.publish(case_events(1)[:1])
    await h.drain(h.deliverer(allowed_networks="", max_attempts=1))
    assert receiver.arrivals == []
    dead = (await h.api.get("/v1/webhooks/deliveries", params={"status": "dead"}, headers=h.admin())).json()["items"]
    assert len(dead) == 1 and dead[0]["last_error"].startswith("未发送") and "本机回环地址" in dead[0]["last_error"]
    # the positive: with the allowance the same delivery goes out
    r = await h.api.post(f"/v1/webhooks/deliveries/{dead[0]['id']}/redeliver", headers=h.admin())
    assert r.status_code == 200
    await h.drain(h.deliverer())
    assert len(receiver.keys("/a")) == 1

"""Sends due webhook deliveries: CloudEvents structured JSON over HTTP, signed, retried, ordered.

Each attempt is one ``POST <subscription url>`` with

* ``Content-Type: application/cloudevents+json`` and the stored envelope as the body, byte for byte;
* ``X-EcoComply-Timestamp`` / ``X-EcoComply-Signature`` (``shared.signing``, signed at send time so
  a retry is never outside the receiver's replay window);
* ``Idempotency-Key`` = the event id (the same on every retry, redelivery and replay), ``ce-id``,
  ``ce-type``, ``X-EcoComply-Delivery`` (delivery number) and ``X-EcoComply-Attempt``.

Any 2xx marks the delivery ``delivered``. Anything else — another status (redirects are not
followed), a connection error, or no complete answer within ``timeout_seconds`` — records the error
and status code, and schedules the next attempt after an exponential back-off with jitter
(``matching.backoff_delay``); the ``max_attempts``-th failure makes it ``dead`` (dead letter), where
it stays, with its last error, until an admin redelivers it.

Order: per (subscription, subject) — a case's events — a delivery is sent only when no earlier one
(by event time, then arrival) is still pending, so a receiver sees a case's events in order even
across retries. A ``dead`` delivery no longer blocks its successors: one poisoned event must not stop
a case's stream forever; its dead state is visible (metric, ``GET /deliveries?status=dead``).

Concurrency: a claim sets a lease (``next_attempt_at`` pushed ``lease_seconds`` ahead, plus a token)
in a short transaction, and the HTTP call happens outside any transaction. On PostgreSQL the claim
reads with ``FOR UPDATE SKIP LOCKED``, so several deliverers (replicas) never send the same row at the
same time; a deliverer that dies mid-send leaves a lease that expires, and the delivery is sent again
(receivers de-duplicate by ``Idempotency-Key``). On SQLite (embedded mode, one deliverer) the
claim's ``BEGIN IMMEDIATE`` serialises claims anyway.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from prometheus_client import Counter, Gauge
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import signing
from shared.clock import Clock
from shared.secrets import SecretBox, SecretUnreadable
from shared.service import PeriodicJob
from shared.webhooks import destinations
from shared.webhooks.matching import Jitter, backoff_delay
from shared.webhooks.recording import utc
from shared.webhooks.tables import WebhookTables

log = logging.getLogger("ecocomply.webhooks")

CONTENT_TYPE = "application/cloudevents+json"
DELIVERY_HEADER = "X-EcoComply-Delivery"
ATTEMPT_HEADER = "X-EcoComply-Attempt"

WEBHOOK_PENDING = Gauge(
    "ecocomply_webhook_pending", "webhook deliveries waiting to be sent (active subscriptions)", ["service"]
)
WEBHOOK_LAG_SECONDS = Gauge(
    "ecocomply_webhook_lag_seconds", "time the oldest pending webhook delivery has been waiting", ["service"]
)
WEBHOOK_DELIVERED = Counter(
    "ecocomply_webhook_delivered_total", "webhook deliveries acknowledged with a 2xx", ["service"]
)
WEBHOOK_FAILURES = Counter(
    "ecocomply_webhook_failures_total",
    "failed webhook delivery attempts (reason: http_status | timeout | connection | forbidden_destination | error)",
    ["service", "reason"],
)
WEBHOOK_DEAD = Counter(
    "ecocomply_webhook_dead_total", "webhook deliveries given up on (dead letters; alert on any increase)", ["service"]
)

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Claimed:
    seq: int
    subscription_id: str
    event_id: str
    event_type: str
    envelope: str
    attempts: int
    retry_delay_seconds: float | None
    url: str
    stored_secret: str  # encrypted (shared.secrets); decrypted only to sign
    token: str


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    reason: str = "ok"  # ok | http_status | timeout | connection | forbidden_destination | error


@dataclass
class RunSummary:
    rounds: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    pending: int = 0
    lag_seconds: float = 0.0


class Deliverer:
    """Sends due deliveries. One instance per process; use ``job()`` in ``ServiceSpec.jobs`` or
    ``await run(sessionmaker)`` (drains what is due now) from a loop of your own."""

    def __init__(
        self,
        tables: WebhookTables,
        *,
        service: str,
        secrets: SecretBox,
        timeout_seconds: float = 10.0,
        max_attempts: int = 12,
        backoff_base_seconds: float = 5.0,
        backoff_max_seconds: float = 3600.0,
        jitter: Jitter = "full",
        concurrency: int = 8,
        lease_seconds: float | None = None,
        max_rounds: int = 200,
        user_agent: str = "EcoComply-Webhooks/1",
        rng: random.Random | None = None,
        client_factory: Callable[[], httpx.AsyncClient] | None = None,
        clock: Clock | None = None,
        allowed_networks: str = "",
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if timeout_seconds <= 0 or backoff_base_seconds <= 0 or backoff_max_seconds < backoff_base_seconds:
            raise ValueError("timeouts and back-off must be positive, with backoff_max_seconds ≥ backoff_base_seconds")
        if jitter not in ("full", "decorrelated"):
            raise ValueError(f"jitter must be 'full' or 'decorrelated', got {jitter!r}")
        self.tables = tables
        self.service = service
        self.secrets = secrets
        self.clock = clock or Clock()
        self.timeout_seconds = timeout_seconds
        self.max_attempts = max_attempts
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.jitter: Jitter = jitter
        self.concurrency = max(1, concurrency)
        # A claimed row is sent at once (at most ``concurrency`` per round, all in parallel) and the
        # whole attempt is bounded by ``timeout_seconds``, so a lease longer than that is never
        # stolen from a live deliverer.
        self.lease_seconds = lease_seconds if lease_seconds is not None else timeout_seconds + 30.0
        if self.lease_seconds <= timeout_seconds:
            raise ValueError("lease_seconds must exceed timeout_seconds")
        self.max_rounds = max_rounds
        self.user_agent = user_agent
        self.rng = rng or random.Random()
        self._client_factory = client_factory
        self._client: httpx.AsyncClient | None = None
        self.allowed_networks = allowed_networks  # non-public networks a receiver may be in (destinations)

    # -- wiring ------------------------------------------------------------------------------------
    def job(self, *, name: str = "webhook_delivery", every_seconds: float = 2.0) -> PeriodicJob:
        """A ``PeriodicJob`` draining due deliveries every ``every_seconds`` (with the runtime's sessions)."""

        async def _run(runtime: Any) -> RunSummary:
            return await self.run(runtime.sessionmaker)

        return PeriodicJob(name=name, every_seconds=every_seconds, run=_run)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = (
                self._client_factory()
                if self._client_factory
                else httpx.AsyncClient(timeout=httpx.Timeout(self.timeout_seconds), follow_redirects=False)
            )
        return self._client

    # -- one pass ----------------------------------------------------------------------------------
    async def run(self, sessions: Sessions) -> RunSummary:
        """Send everything due now, round after round (a case's next event becomes due in the round
        after its predecessor was delivered), then update the metrics."""
        summary = RunSummary()
        for _ in range(self.max_rounds):
            claimed = await self.claim(sessions)
            if not claimed:
                break
            summary.rounds += 1
            results = await asyncio.gather(*(self._attempt(sessions, c) for c in claimed), return_exceptions=True)
            for c, r in zip(claimed, results, strict=True):
                if isinstance(r, BaseException):
                    # Not recorded (database gone?): the lease expires and the delivery is sent again.
                    log.error("webhooks %s: recording delivery %s failed: %s", self.service, c.seq, r)
                elif r == "delivered":
                    summary.delivered += 1
                elif r == "dead":
                    summary.dead += 1
                elif r == "failed":
                    summary.failed += 1
        summary.pending, summary.lag_seconds = await self.report(sessions)
        return summary

    async def claim(self, sessions: Sessions) -> list[Claimed]:
        d, s = self.tables.deliveries, self.tables.subscriptions
        e = d.alias("earlier")
        earlier_pending = exists().where(
            e.c.subscription_id == d.c.subscription_id,
            e.c.subject == d.c.subject,
            e.c.status == "pending",
            or_(e.c.event_time < d.c.event_time, and_(e.c.event_time == d.c.event_time, e.c.seq < d.c.seq)),
        )
        now = self.clock.now()
        q = (
            select(d.c.seq, d.c.subscription_id, d.c.event_id, d.c.event_type, d.c.envelope, d.c.attempts,
                   d.c.retry_delay_seconds, s.c.url, s.c.secret)
            .join(s, s.c.id == d.c.subscription_id)
            .where(d.c.status == "pending", d.c.next_attempt_at <= now, s.c.active.is_(True), ~earlier_pending)
            .order_by(d.c.event_time, d.c.seq)
            .limit(self.concurrency)
        )
        token = str(uuid.uuid4())
        async with sessions() as session, session.begin():
            if session.bind.dialect.name == "postgresql":
                q = q.with_for_update(of=d, skip_locked=True)
            rows = (await session.execute(q)).all()
            if not rows:
                return []
            await session.execute(
                update(d)
                .where(d.c.seq.in_([r.seq for r in rows]))
                .values(next_attempt_at=now + timedelta(seconds=self.lease_seconds), lease_token=token)
            )
        return [
            Claimed(r.seq, r.subscription_id, r.event_id, r.event_type, r.envelope, r.attempts,
                    r.retry_delay_seconds, r.url, r.secret, token)
            for r in rows
        ]

    async def send(self, c: Claimed) -> Outcome:
        body = c.envelope.encode()
        try:
            secret = self.secrets.decrypt(c.stored_secret)
        except SecretUnreadable as e:
            return Outcome(False, None, f"not sent: the subscription's {e}", "error")
        headers = {
            "Content-Type": CONTENT_TYPE,
            **signing.sign(secret, body),
            signing.IDEMPOTENCY_HEADER: c.event_id,
            "ce-id": c.event_id,
            "ce-type": c.event_type,
            DELIVERY_HEADER: str(c.seq),
            ATTEMPT_HEADER: str(c.attempts + 1),
            "User-Agent": self.user_agent,
        }
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                # Checked again now, and the connection made to the address checked (issue 25 S2: no request
                # to an internal address, whatever the name resolves to today).
                pinned = await destinations.check(c.url, self.allowed_networks)
                resp = await self._http().post(
                    pinned.url, content=body, headers={**headers, "Host": pinned.host_header},
                    extensions={"sni_hostname": pinned.sni_hostname} if pinned.sni_hostname else None)
        except destinations.ForbiddenDestination as e:
            return Outcome(False, None, f"未发送：{e}", "forbidden_destination")
        except (TimeoutError, httpx.TimeoutException) as e:
            return Outcome(False, None, f"timeout: no complete answer within {self.timeout_seconds:g}s ({type(e).__name__})",
                           "timeout")
        except httpx.HTTPError as e:
            return Outcome(False, None, f"{type(e).__name__}: {e}"[:2000], "connection")
        except Exception as e:  # e.g. a URL httpx refuses: recorded like any failure, never crashes the batch
            return Outcome(False, None, f"{type(e).__name__}: {e}"[:2000], "error")
        took = f"{(time.monotonic() - started) * 1000:.0f} ms"
        if 200 <= resp.status_code < 300:
            return Outcome(True, resp.status_code)
        # Status and timing only: the receiver's reply body is not kept (an internal page must not be readable
        # through the delivery log).
        return Outcome(False, resp.status_code, f"HTTP {resp.status_code} after {took}", "http_status")

    async def _attempt(self, sessions: Sessions, c: Claimed) -> str:
        outcome = await self.send(c)
        return await self.record(sessions, c, outcome)

    async def record(self, sessions: Sessions, c: Claimed, outcome: Outcome) -> str:
        """Write an attempt's outcome; returns delivered | failed | dead | lost (lease taken over)."""
        d = self.tables.deliveries
        now = self.clock.now()
        attempts = c.attempts + 1
        values: dict[str, Any] = dict(
            attempts=attempts, last_status_code=outcome.status_code, last_attempt_at=now, lease_token=None,
        )
        if outcome.ok:
            result = "delivered"
            values.update(status="delivered", delivered_at=now, next_attempt_at=None, last_error=None)
        elif attempts >= self.max_attempts:
            result = "dead"
            values.update(status="dead", next_attempt_at=None, last_error=outcome.error)
        else:
            result = "failed"
            delay = backoff_delay(attempts, base=self.backoff_base_seconds, cap=self.backoff_max_seconds,
                                  jitter=self.jitter, previous=c.retry_delay_seconds, rng=self.rng)
            values.update(next_attempt_at=now + timedelta(seconds=delay), retry_delay_seconds=delay,
                          last_error=outcome.error)
        async with sessions() as session, session.begin():
            done = await session.execute(
                update(d).where(d.c.seq == c.seq, d.c.lease_token == c.token, d.c.status == "pending").values(**values)
            )
        if done.rowcount != 1:
            log.warning("webhooks %s: delivery %s was taken over before its outcome (%s) was recorded",
                        self.service, c.seq, result)
            return "lost"
        if outcome.ok:
            WEBHOOK_DELIVERED.labels(self.service).inc()
            return result
        WEBHOOK_FAILURES.labels(self.service, outcome.reason).inc()
        if result == "dead":
            WEBHOOK_DEAD.labels(self.service).inc()
            log.error("webhooks %s: delivery %s of %s %s to subscription %s is dead after %d attempts: %s",
                      self.service, c.seq, c.event_type, c.event_id, c.subscription_id, attempts, outcome.error)
        else:
            log.info("webhooks %s: delivery %s attempt %d failed (%s); next at %s",
                     self.service, c.seq, attempts, outcome.error, values["next_attempt_at"].isoformat())
        return result

    # -- metrics -----------------------------------------------------------------------------------
    async def report(self, sessions: Sessions) -> tuple[int, float]:
        """Pending deliveries of active subscriptions and how long the oldest has waited; sets the gauges."""
        d, s = self.tables.deliveries, self.tables.subscriptions
        async with sessions() as session:
            row = (await session.execute(
                select(func.count(), func.min(d.c.queued_at))
                .select_from(d.join(s, s.c.id == d.c.subscription_id))
                .where(d.c.status == "pending", s.c.active.is_(True))
            )).one()
        pending = int(row[0])
        lag = max(0.0, (self.clock.now() - utc(row[1])).total_seconds()) if row[1] is not None else 0.0
        WEBHOOK_PENDING.labels(self.service).set(pending)
        WEBHOOK_LAG_SECONDS.labels(self.service).set(lag)
        return pending, lag

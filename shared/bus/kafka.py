"""Kafka backend (aiokafka).

Producer: idempotent, ``acks="all"``; ``publish`` awaits every ack and raises on any failure or
timeout (aiokafka does not retry a timed-out produce, so delivery may be unknown: the relay re-sends
and the consumers' inbox de-duplicates).
Consumers: one task per group, ``enable_auto_commit=False``; offsets are committed explicitly after
the handler's transaction, and a ``CommitFailedError`` after a rebalance is logged and accepted
(the batch is redelivered and de-duplicated). A handler that raises leaves its offset uncommitted:
the consumer seeks back and retries after a back-off.

``subscribe`` returns once the group join has completed and the consumer holds its partition
assignment (bounded by ``join_timeout_s``; on timeout it raises ``TimeoutError``). Topics are
auto-created by the consumer's own metadata request, so a consumer may subscribe before the first
message is produced and, starting from ``earliest``, still receives it. Against a broker with
``auto.create.topics.enable=false`` the topics must be created beforehand (aiokafka then fails
``subscribe`` with ``UnknownTopicOrPartitionError`` after the consumer's request timeout, 40 s).
``unsubscribe`` is graceful: the batch in hand finishes and is committed (bounded by
``stop_grace_s``) before the consumer leaves the group.

Timing knobs are constructor arguments, set from ``Settings`` (``ECOCOMPLY_KAFKA_SESSION_TIMEOUT_MS``
10000, ``…_HEARTBEAT_INTERVAL_MS`` 3000, ``…_FETCH_MAX_WAIT_MS`` 100, ``…_JOIN_TIMEOUT_S`` 30) by
``shared.bus.make_bus``; the test infrastructure passes shorter ones for the mock cluster
(``shared.testing.kafka.bus_options``).

Behaviour of librdkafka's mock cluster (Kafka protocol), which the tests use when no broker is
configured (measured with aiokafka 0.14 / librdkafka 2.16):

* no CreateTopics API; a Metadata request for an unknown topic auto-creates it with 4 partitions,
  from the producer *or* the consumer, so nothing needs to be pre-created;
* a group's first join waits ``group.initial.rebalance.delay.ms``, 3000 ms by default; it can only
  be changed through the C mock API (the test infrastructure sets it to 0);
* after a member leaves (or times out) the group waits ``session_timeout_ms - 1000`` before it
  completes the next join, even if a new member is already waiting (a broker completes it as soon
  as the known members rejoined): resubscribing a group costs that long, hence the short session
  timeout for tests (a broker refuses sessions below its ``group.min.session.timeout.ms``, 6 s by
  default, so production keeps 10 s);
* a Fetch with no data is answered after ``fetch_max_wait_ms`` even when a message arrives
  meanwhile, so end-to-end latency is about ``fetch_max_wait_ms`` (500 ms with aiokafka's
  default; 100 ms here). A broker answers as soon as data arrives; the cost of 100 ms is only
  more idle fetch requests;
* it returns at most one message set per partition per fetch; idempotent producer + ``acks=all``
  work, but the mock does not de-duplicate a plain idempotent producer's retries;
* ``metadata_max_age_ms`` does not matter for correctness there (the subscribing consumer's own
  metadata request creates the topic with all its partitions before the join); it only bounds how
  soon a real cluster's new partitions or late-created topics are noticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from shared.bus.base import Bus, Handler, Message
from shared.observability import CONSUMER_LAG

log = logging.getLogger("ecocomply.bus.kafka")
# A backlog is gathered into batches of at most this many records, or what arrives within this time (``_gather``).
GATHER_RECORDS = 500
GATHER_MS = 250
GATHER_MIN_LAG = 16  # … and only when at least this many records wait (a backlog, not a live event or two)


class _Subscription:
    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.consumer = consumer
        self.stopping = asyncio.Event()
        self.busy = False  # handling a batch or committing it (not just waiting for records)
        self.task: asyncio.Task | None = None


class KafkaBus(Bus):
    name = "kafka"

    def __init__(
        self,
        bootstrap: str,
        *,
        service: str = "",
        request_timeout_ms: int = 15000,
        metadata_max_age_ms: int = 5000,
        session_timeout_ms: int = 10000,
        heartbeat_interval_ms: int = 3000,
        fetch_max_wait_ms: int = 100,
        join_timeout_s: float = 30.0,
        stop_grace_s: float = 5.0,
    ) -> None:
        if not bootstrap:
            raise ValueError("the Kafka bus needs bootstrap servers (ECOCOMPLY_KAFKA_BOOTSTRAP)")
        self.bootstrap = bootstrap
        self.service = service
        self.request_timeout_ms = request_timeout_ms
        self.metadata_max_age_ms = metadata_max_age_ms
        self.session_timeout_ms = int(session_timeout_ms)
        self.heartbeat_interval_ms = int(heartbeat_interval_ms)
        if self.heartbeat_interval_ms >= self.session_timeout_ms:
            self.heartbeat_interval_ms = max(1, self.session_timeout_ms // 3)
        self.fetch_max_wait_ms = int(fetch_max_wait_ms)
        self.join_timeout_s = float(join_timeout_s)
        self.stop_grace_s = stop_grace_s
        self._producer: AIOKafkaProducer | None = None
        self._consumers: dict[str, _Subscription] = {}
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    enable_idempotence=True,
                    acks="all",
                    linger_ms=2,
                    request_timeout_ms=self.request_timeout_ms,
                    metadata_max_age_ms=self.metadata_max_age_ms,
                )
                await producer.start()
                self._producer = producer

    async def stop(self) -> None:
        await asyncio.gather(*(self.unsubscribe(group) for group in list(self._consumers)))
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def health(self, timeout: float = 3.0) -> str | None:
        """The cluster's metadata fetched within ``timeout`` over the producer's connections."""
        producer = self._producer
        if producer is None:
            return f"not connected to {self.bootstrap} (the bus was not started)"
        try:
            async with asyncio.timeout(timeout):
                await producer.client.fetch_all_metadata()
        except Exception as e:
            return f"brokers at {self.bootstrap} unreachable: {type(e).__name__}: {e}"[:500]
        return None

    async def publish(self, messages: Sequence[Message]) -> None:
        if self._producer is None:
            await self.start()
        assert self._producer is not None
        futures = [
            await self._producer.send(m.topic, value=m.value, key=m.key.encode(), headers=m.headers)
            for m in messages
        ]
        # Every ack or the first failure; the caller keeps the rows unpublished on failure.
        await asyncio.gather(*futures)

    async def dead_letter(self, message: Message, error: str) -> None:
        headers = [
            *message.headers,
            ("dlq-error", error[:2000].encode()),
            ("dlq-topic", message.topic.encode()),
        ]
        await self.publish([Message(message.topic + ".dlq", message.key, message.value, headers)])

    async def subscribe(self, group: str, topics: Sequence[str], handler: Handler) -> None:
        if group in self._consumers:
            raise ValueError(f"consumer group {group} already subscribed")
        consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=self.bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=self.metadata_max_age_ms,
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=self.heartbeat_interval_ms,
            fetch_max_wait_ms=self.fetch_max_wait_ms,
            max_poll_records=500,
        )
        t0 = time.monotonic()
        try:
            # aiokafka's start() bootstraps, waits for the topics' metadata (auto-creating them) and,
            # with a subscription, for the first partition assignment: unbounded, hence wait_for.
            await asyncio.wait_for(consumer.start(), self.join_timeout_s)
        except BaseException as e:
            with contextlib.suppress(Exception):
                await consumer.stop()
            if isinstance(e, TimeoutError):
                raise TimeoutError(
                    f"consumer group {group} got no partition assignment for {list(topics)} from "
                    f"{self.bootstrap} within {self.join_timeout_s:g}s"
                ) from None
            raise
        log.debug(
            "consumer %s joined in %.3fs, assignment %s",
            group,
            time.monotonic() - t0,
            sorted((tp.topic, tp.partition) for tp in consumer.assignment()),
        )
        sub = _Subscription(consumer)
        sub.task = asyncio.create_task(self._run(group, sub, handler), name=f"kafka-consumer:{group}")
        self._consumers[group] = sub

    async def unsubscribe(self, group: str) -> None:
        sub = self._consumers.pop(group, None)
        if sub is None:
            return
        sub.stopping.set()
        task = sub.task
        assert task is not None
        # Let a batch in hand finish and commit (bounded), then cancel: a fetch or back-off is
        # cancelled at once, since nothing uncommitted is lost by that.
        if sub.busy:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(task), self.stop_grace_s)
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await sub.consumer.stop()  # leaves the group

    async def _pause(self, sub: _Subscription, seconds: float) -> None:
        """Sleep, but wake up at once when the subscription is being stopped."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):  # not wait_for: 3.11's can lose a cancellation (shared/relay.py)
                await sub.stopping.wait()

    async def _run(self, group: str, sub: _Subscription, handler: Handler) -> None:
        consumer = sub.consumer
        backoff = 0.1
        while not sub.stopping.is_set():
            try:
                batches = await consumer.getmany(timeout_ms=200, max_records=500)
            except KafkaError as e:
                log.warning("consumer %s fetch failed: %s", group, e)
                await self._pause(sub, backoff)
                continue
            sub.busy = True
            if batches:
                batches = await self._gather(consumer, sub, batches)
            offsets: dict[TopicPartition, int] = {}
            failed = False
            runs = [(tp, records) for tp, records in batches.items() if records]
            if runs and not sub.stopping.is_set():  # unsubscribing: nothing new is started; all is redelivered
                # One handler call for what every partition brought, the partitions interleaved by the records'
                # timestamps (each partition's own order kept): the consumer takes it in one transaction, in about
                # the order the events were published — a handler that re-checks what came "later" (the audit's
                # history rules) is not handed whole partitions one after the other.
                batch = [
                    Message(
                        topic=rec.topic,
                        key=(rec.key or b"").decode(),
                        value=rec.value or b"",
                        headers=list(rec.headers or []),
                        offset=rec.offset,
                        partition=rec.partition,
                    )
                    for rec in heapq.merge(*(records for _, records in runs), key=lambda r: r.timestamp or 0)
                ]
                try:
                    await handler(batch)
                except Exception:
                    log.exception("consumer %s: handler failed on %s; will retry", group,
                                  ", ".join(f"{tp}@{records[0].offset}..{records[-1].offset}" for tp, records in runs))
                    for tp, records in runs:
                        try:
                            consumer.seek(tp, records[0].offset)
                        except Exception as e:  # partition revoked meanwhile: its new owner resumes it
                            log.warning("consumer %s: cannot seek %s back (%s)", group, tp, e)
                    failed = True
                else:
                    offsets = {tp: records[-1].offset + 1 for tp, records in runs}
            if offsets:
                try:
                    await consumer.commit(offsets)
                except (CommitFailedError, KafkaError) as e:
                    # Rebalanced away mid-batch: the new owner gets the batch again; the inbox de-duplicates.
                    log.warning(
                        "consumer %s: offset commit failed (%s); redelivery will be de-duplicated", group, e
                    )
            sub.busy = False
            try:
                await self._report_lag(group, consumer)
            except Exception as e:  # metrics must never stop consumption
                log.debug("consumer %s: lag report failed: %s", group, e)
            if failed:
                await self._pause(sub, backoff)
                backoff = min(backoff * 2, 5.0)
            else:
                backoff = 0.1

    async def _gather(self, consumer: AIOKafkaConsumer, sub: _Subscription, batches: dict) -> dict:
        """While the broker holds more for these partitions (a backlog: the high watermark of the last fetch is
        past the position by ``GATHER_MIN_LAG``), take what the next fetches bring, up to ``GATHER_RECORDS`` records or
        ``GATHER_MS``: a backlog is then handled in batches of hundreds of events (a fixed number of statements
        each, e.g. the audit's) rather than one transaction per fetch. A fetch from librdkafka's mock cluster
        returns one message set per partition — one event, as the relays publish them — so a drain took one
        transaction per event, ~25 statements each (issue 28). Caught up, nothing waits here."""
        total = sum(len(r) for r in batches.values())
        if await self._lag(consumer) < GATHER_MIN_LAG:
            return batches  # caught up, or nearly: a live event is not held back waiting for a fetch
        deadline = time.monotonic() + GATHER_MS / 1000
        while total < GATHER_RECORDS and not sub.stopping.is_set() and await self._lag(consumer) > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                more = await consumer.getmany(timeout_ms=max(1, int(left * 1000)), max_records=GATHER_RECORDS - total)
            except KafkaError as e:  # hand over what was gathered; the loop's next fetch meets the error as before
                log.warning("consumer: a fetch while gathering a backlog failed: %s", e)
                break
            if not more:
                break
            for tp, records in more.items():
                batches.setdefault(tp, []).extend(records)
                total += len(records)
        return batches

    @staticmethod
    async def _lag(consumer: AIOKafkaConsumer) -> int:
        """Records the last fetches saw past what was handed out, over the assigned partitions."""
        lag = 0
        for tp in consumer.assignment():
            hw = consumer.highwater(tp)
            try:
                if hw is not None:
                    lag += max(0, hw - await consumer.position(tp))
            except Exception:  # revoked meanwhile
                continue
        return lag

    async def _report_lag(self, group: str, consumer: AIOKafkaConsumer) -> None:
        lag = 0
        for tp in consumer.assignment():
            hw = consumer.highwater(tp)
            if hw is None:
                continue
            try:
                lag += max(0, hw - await consumer.position(tp))
            except KafkaError:
                continue
        CONSUMER_LAG.labels(self.service or "kafka", group).set(lag)

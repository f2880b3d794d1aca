"""In-process bus for the embedded mode: the relay hands each message to the subscribers of its
topic, which run the same inbox-guarded handlers as Kafka consumers. ``publish`` raises if any
subscriber failed, so the outbox row stays unpublished until every subscriber has committed."""

from __future__ import annotations

from collections.abc import Sequence

from shared.bus.base import Bus, Handler, Message


class LocalBus(Bus):
    name = "local"

    def __init__(self) -> None:
        self._subs: dict[str, tuple[frozenset[str], Handler]] = {}

    async def publish(self, messages: Sequence[Message]) -> None:
        for topics, handler in list(self._subs.values()):
            batch = [m for m in messages if m.topic in topics]
            if batch:
                await handler(batch)

    async def subscribe(self, group: str, topics: Sequence[str], handler: Handler) -> None:
        if group in self._subs:
            raise ValueError(f"consumer group {group} already subscribed on the local bus")
        self._subs[group] = (frozenset(topics), handler)

    async def unsubscribe(self, group: str) -> None:
        self._subs.pop(group, None)

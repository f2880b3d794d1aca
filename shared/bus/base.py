"""Bus interface. ``publish`` returns only when every message is acknowledged (Kafka: acks=all;
local: every subscriber's handler committed) and raises otherwise, so the relay never marks an
unacknowledged row as published."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    topic: str
    key: str
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    offset: int | None = None
    partition: int | None = None

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v.decode()
        return None


# A consumer's handler takes a batch of messages (in order, one topic-partition's worth on Kafka) and
# returns once all of them are processed; raising means "none of them acknowledged": the batch is
# delivered again, and the inbox recognises the ones that were processed.
Handler = Callable[[Sequence[Message]], Awaitable[None]]


class Bus(ABC):
    name: str = "bus"

    async def start(self) -> None:  # noqa: B027 - optional hook
        pass

    async def stop(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    async def publish(self, messages: Sequence[Message]) -> None: ...

    @abstractmethod
    async def subscribe(self, group: str, topics: Sequence[str], handler: Handler) -> None:
        """Deliver every message of ``topics`` to ``handler`` at least once for consumer ``group``,
        in batches. ``handler`` raising means "not processed": the batch is delivered again later."""

    @abstractmethod
    async def unsubscribe(self, group: str) -> None: ...

    async def health(self) -> str | None:
        """Why the bus cannot carry messages now (a broker unreachable), or None when it can."""
        return None

    async def dead_letter(self, message: Message, error: str) -> None:  # noqa: B027
        """Publish a message that its consumer gave up on to ``<topic>.dlq`` (where the bus has topics)."""

"""The event bus: one interface, two backends (in-process for the embedded mode, Kafka for deployment)."""

from shared.bus.base import Bus, Handler, Message

__all__ = ["Bus", "Handler", "Message", "make_bus"]


def make_bus(settings) -> Bus:
    if settings.event_bus == "kafka":
        from shared.bus.kafka import KafkaBus

        return KafkaBus(
            settings.kafka_bootstrap,
            service=settings.service or "",
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
            fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
            join_timeout_s=settings.kafka_join_timeout_s,
        )
    from shared.bus.local import LocalBus

    return LocalBus()

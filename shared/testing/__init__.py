"""Test infrastructure: a PostgreSQL server to create throwaway databases on (``postgres``) and a
Kafka-protocol endpoint (``kafka``: librdkafka's mock cluster unless a real broker is configured).

Nothing here is imported by production code. Both modules discover or start their server once per
process and raise ``RuntimeError`` naming what is missing; they never skip.
"""

"""Test and benchmark tooling that knows the whole system: a running composition of the services
(``stack``), one case driver (``factories``) and decided-case events of exact shapes (``decisions``). It lives
beside the composition root (``services/composition.py``) because it composes services; ``shared/testing``
holds only infrastructure (PostgreSQL, the Kafka protocol, clock edges)."""

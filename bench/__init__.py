"""Benchmarks of the decision → audit-flag path (``python -m bench``); not part of the product."""

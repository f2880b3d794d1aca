"""节假日安排 — the holiday calendar as data (router, service, store)."""

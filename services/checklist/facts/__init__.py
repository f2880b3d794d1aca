"""事实词汇 — one vocabulary of the fact keys a case records (GET /checklist/v1/facts)."""

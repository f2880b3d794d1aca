"""公开 — the checklist's reads without a token (``/public/...``)."""

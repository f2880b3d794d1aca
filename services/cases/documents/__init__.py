"""文书 — official documents as PDF (router, service, content: the pure builders)."""

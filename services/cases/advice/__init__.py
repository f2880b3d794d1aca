"""合规建议书 — compliance advice letters (router, service)."""

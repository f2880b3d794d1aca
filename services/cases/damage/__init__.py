"""一案双查 — the ecological-damage compensation matter linked to a penalty case (models, workflow, service, router)."""

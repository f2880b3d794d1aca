"""合规指导清单 — the versioned guidance checklist: reads, admin workflow, search, import/export."""

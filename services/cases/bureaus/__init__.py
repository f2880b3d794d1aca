"""执法机关 — the registry of enforcement bodies (the bureau as data) and the 文号 each issues."""

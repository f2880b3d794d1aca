"""Who may use the supervision workspace (``/workspace``): local accounts and signed-in sessions, kept by the
audit service and reached only by EcoComply's own components (the workspace app calls with its service token)."""

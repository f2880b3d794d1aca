"""自查自纠 (self-checks) and 典型案例 (typical cases) around the checklist."""

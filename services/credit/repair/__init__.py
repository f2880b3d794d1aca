"""信用修复申请 — repair applications: rules, use cases, HTTP API and shapes."""

"""裁量基准 — discretion rule sets and the fine calculator (``POST /discretion/calculate``)."""

"""案卷 — the signed case-file export (router, service, bundle: the pure ZIP and signature)."""

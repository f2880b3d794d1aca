"""Scheduled jobs of the audit service (run by its workers; ``runtime.run_job`` on demand)."""

from __future__ import annotations

import logging

from services.audit import ledger, reconciliation
from services.audit.config import AuditSettings
from services.audit.signing import public_pem, signer_for
from shared.contracts import AuditTreeHeadSigned
from shared.service import PeriodicJob, Runtime

log = logging.getLogger("ecocomply.audit.jobs")


async def publish_tree_head(rt: Runtime) -> dict | None:
    """Sign the log's head if it grew, store it and publish it (``ecocomply.audit.tree_head_signed.v1``)."""
    signer = signer_for(rt)
    if signer is None:
        log.warning("audit: no signing key (ECOCOMPLY_AUDIT_SIGNING_KEY_FILE): tree heads are not signed")
        return None
    async with rt.sessionmaker() as session, session.begin():
        head = await ledger.sign_tree_head(session, signer)
        if head is None:
            return None
        await rt.emit(session, AuditTreeHeadSigned(
            tree_size=head.tree_size, root=head.root, timestamp_ms=head.timestamp_ms, key_id=head.key_id,
            signature=head.signature, public_key=public_pem(signer.public)), subject="audit-log")
        return {"tree_size": head.tree_size, "root": head.root, "signature": head.signature}


def jobs() -> list[PeriodicJob]:
    cfg = AuditSettings()
    return [
        PeriodicJob("tree_head", cfg.tree_head_every_seconds, publish_tree_head),
        PeriodicJob("reconciliation", cfg.reconcile_every_seconds, reconciliation.scheduled),
    ]

"""Scheduled jobs of the audit service (run by its workers; ``runtime.run_job`` on demand)."""

from __future__ import annotations

import logging

from services.audit.config import AuditSettings
from services.audit.log import ledger
from services.audit.log.signing import public_pem, signer_for
from services.audit.models import TreeHead
from services.audit.reports import reconciliation
from shared.contracts import AuditTreeHeadSigned
from shared.service import PeriodicJob, Runtime

log = logging.getLogger("ecocomply.audit.jobs")


def head_dict(head: TreeHead) -> dict:
    return {"tree_size": head.tree_size, "root": head.root, "timestamp_ms": head.timestamp_ms,
            "key_id": head.key_id, "signature": head.signature}


async def publish_tree_head(rt: Runtime, *, now_ms: int | None = None) -> dict | None:
    """Sign the log's head if it grew, store it and publish it (``ecocomply.audit.tree_head_signed.v1``,
    through the outbox, so the platform's webhook subscription receives it: the witness's copy).
    None when nothing is new, or when the service runs unsigned (``ECOCOMPLY_AUDIT_UNSIGNED=true``)."""
    signer = signer_for(rt)
    if signer is None:
        log.debug("audit: unsigned (ECOCOMPLY_AUDIT_UNSIGNED=true): no tree head signed")
        return None
    if now_ms is None:
        now_ms = int(rt.clock.now().timestamp() * 1000)
    async with rt.sessionmaker() as session, session.begin():  # a job: its own transaction
        head = await ledger.sign_tree_head(session, signer, now_ms=now_ms)
        if head is None:
            return None
        await rt.emit(session, AuditTreeHeadSigned(
            tree_size=head.tree_size, root=head.root, timestamp_ms=head.timestamp_ms, key_id=head.key_id,
            signature=head.signature, public_key=public_pem(signer.public)), subject="audit-log")
        return head_dict(head)


def jobs() -> list[PeriodicJob]:
    cfg = AuditSettings()
    return [
        PeriodicJob("tree_head", cfg.tree_head_every_seconds, publish_tree_head),
        PeriodicJob("reconciliation", cfg.reconcile_every_seconds, reconciliation.scheduled),
    ]

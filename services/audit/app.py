"""The audit service's specification: tables, migrations, routes, the events it consumes and its jobs."""

from __future__ import annotations

from pathlib import Path

from services.audit import jobs
from services.audit.accountability import router as accountability_router
from services.audit.casefile_review import router as casefile_review_router
from services.audit.complaints import models as _complaint_models  # noqa: F401  (tables in the metadata)
from services.audit.complaints import router as complaints_router
from services.audit.consumers import handlers_for
from services.audit.flags.router import router
from services.audit.log import router as log_router
from services.audit.log import signing
from services.audit.models import Base, tables
from services.audit.reports import dashboard
from services.audit.reports import router as reports_router
from services.audit.workspace import router as workspace_router
from shared.service import ConsumerSpec, ServiceSpec

spec = ServiceSpec(
    name="audit",
    title="EcoComply audit",
    description=(
        "Supervision of every exemption and light penalty (加强对免罚、轻罚案件的监督审核): flags with "
        "integrity-risk rules and their review, the tamper-evident log (RFC 6962 Merkle tree, signed tree "
        "heads published to the platform as witness copies), reconciliation with the cases service, "
        "statistics, the annual report and the dashboard."
    ),
    metadata=Base.metadata,
    tables=tables,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[router, log_router.router, reports_router.router, workspace_router.router,
             accountability_router.router, casefile_review_router.router, complaints_router.router],
    consumers=[
        ConsumerSpec(name="case-events", topics=["case-events"], handlers=handlers_for("case")),
        ConsumerSpec(name="credit-events", topics=["credit-events"], handlers=handlers_for("credit")),
    ],
    jobs=jobs.jobs(),
    extra_routes=dashboard.install,
    preflight=signing.preflight,
)

"""The audit service's specification: tables, migrations, routes and the events it consumes."""

from __future__ import annotations

from pathlib import Path

from services.audit.consumers import on_case_decided
from services.audit.models import Base, tables
from services.audit.router import router
from shared.service import ConsumerSpec, ServiceSpec

spec = ServiceSpec(
    name="audit",
    title="EcoComply audit",
    description=(
        "Supervision of every exemption and light penalty (加强对免罚、轻罚案件的监督审核): flags with "
        "integrity-risk rules, and their review by supervision auditors."
    ),
    metadata=Base.metadata,
    tables=tables,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[router],
    consumers=[
        ConsumerSpec(
            name="case-events",
            topics=["case-events"],
            handlers={"ecocomply.case.decided.v1": on_case_decided},
        )
    ],
)

"""The credit service's specification: tables, migrations, routes and the events it consumes."""

from __future__ import annotations

from pathlib import Path

from services.credit.consumers import HANDLERS
from services.credit.jobs import JOBS
from services.credit.models import Base, tables
from services.credit.positive.router import router as positive_router
from services.credit.records.router import router as records_router
from services.credit.repair.router import router as repair_router
from shared.service import ConsumerSpec, ServiceSpec

spec = ServiceSpec(
    name="credit",
    title="EcoComply credit",
    description=(
        "Administrative-penalty credit records (行政处罚信用信息) with cited, dated classification and publicity "
        "periods (NDRC Order 58 (2023) / Order 36 (2025)), the credit record notice and credit-repair guidance, "
        "repair applications, the positive list (正面清单) and Jiangsu credit grades as received."
    ),
    metadata=Base.metadata,
    tables=tables,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[records_router, repair_router, positive_router],
    consumers=[
        ConsumerSpec(
            name="case-events",
            topics=["case-events"],
            handlers=dict(HANDLERS),
        )
    ],
    jobs=JOBS,
)

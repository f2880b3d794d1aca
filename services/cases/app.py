"""The cases service's spec: tables, migrations, routes (consumers come with the credit notice)."""

from pathlib import Path

from services.cases.models import Base, tables
from services.cases.router import router
from shared.service import ServiceSpec

spec = ServiceSpec(
    name="cases",
    title="EcoComply cases service",
    description="企业、行政处罚案件办理流程（立案→调查→法制审核→集体讨论→告知→决定）及其事件。",
    metadata=Base.metadata,
    tables=tables,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[router],
)

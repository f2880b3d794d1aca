"""The checklist service: 合规指导清单, 免罚清单 and the statutory grounds of 《行政处罚法》第三十二、三十三条."""

from __future__ import annotations

from pathlib import Path

from services.checklist.loader import seed
from services.checklist.models import Base, tables
from services.checklist.router import router
from shared.service import ServiceSpec

spec = ServiceSpec(
    name="checklist",
    title="EcoComply checklist",
    description=(
        "合规指导清单 (compliance guidance checklist, versioned, with provenance), 免罚清单 (no-penalty "
        "list items) and the grounds of 《中华人民共和国行政处罚法》第三十三条 (不予行政处罚) with "
        "machine-checkable conditions, and the mitigating circumstances of 第三十二条 (从轻/减轻)."
    ),
    metadata=Base.metadata,
    tables=tables,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[router],
    seed=seed,
    openapi_tags=[
        {"name": "guidance", "description": "合规指导清单 — compliance guidance items"},
        {"name": "no-penalty", "description": "免罚清单 and 《行政处罚法》第三十三条 grounds"},
        {"name": "discretion", "description": "circumstances of 《行政处罚法》第三十二条"},
    ],
)

"""The checklist service: 合规指导清单, 免罚清单 and the statutory grounds of 《行政处罚法》第三十二、三十三条."""

from __future__ import annotations

from pathlib import Path

from services.checklist.decision_context.router import router as decision_context_router
from services.checklist.discretion.router import router as discretion_router
from services.checklist.discretion.service import default_rule_set
from services.checklist.facts.router import router as facts_router
from services.checklist.guidance.router import router as guidance_router
from services.checklist.inprocess import ROUTES as LOCAL_ROUTES
from services.checklist.loader import seed, seed_missing
from services.checklist.models import Base, tables
from services.checklist.no_penalty.router import router as no_penalty_router
from services.checklist.programme.router import router as programme_router
from services.checklist.public.router import router as public_router
from shared.service import Runtime, ServiceSpec


def preflight(_rt: Runtime) -> list[str]:
    """Load the discretion rule sets now, not on the first calculation (a YAML parse of ~0.1-1 s that the
    first decision paid), and refuse to start on a broken data file or an unknown
    ``ECOCOMPLY_CHECKLIST_DISCRETION_RULE_SET``."""
    try:
        default_rule_set()
    except Exception as e:  # noqa: BLE001 — any data or setting error refuses the start, named
        raise RuntimeError(f"refusing to start: the discretion rule sets do not load: {e}") from e
    return []

spec = ServiceSpec(
    name="checklist",
    title="EcoComply checklist",
    description=(
        "合规指导清单 (compliance guidance checklist, versioned, with provenance), 免罚清单 (no-penalty "
        "list items) and the grounds of 《中华人民共和国行政处罚法》第三十三条 (不予行政处罚) with "
        "machine-checkable conditions, the mitigating circumstances of 第三十二条 (从轻/减轻), "
        "discretion rule sets (裁量基准) with the fine calculator, self-checks (自查自纠), typical cases "
        "(典型案例) and Chinese substring search."
    ),
    metadata=Base.metadata,
    tables=tables,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[guidance_router, no_penalty_router, discretion_router, decision_context_router, facts_router, programme_router,
             public_router],
    seed=seed,
    preflight=preflight,
    ready_checks={"seed": seed_missing},
    local_routes=LOCAL_ROUTES,
    openapi_tags=[
        {"name": "guidance", "description": "合规指导清单 — compliance guidance items"},
        {"name": "no-penalty", "description": "免罚清单 and 《行政处罚法》第三十三条 grounds"},
        {"name": "discretion", "description": "裁量基准: rule sets, the fine calculator, circumstances"},
        {"name": "decision", "description": "a decision's questions in one request: the no-penalty evaluation, "
         "every violation's calculation, the must items (the cases service's decision gate)"},
        {"name": "facts", "description": "事实词汇表 — every fact key a case may record: Chinese label, type, sources"},
        {"name": "self-check", "description": "自查自纠 — questionnaires and results per enterprise"},
        {"name": "typical-cases", "description": "典型案例 — anonymised cases for 以案释法"},
        {"name": "public", "description": "公开 — no token: the published checklist with search, the no-penalty "
         "list, the benchmarks in force, typical cases and a self-check that stores nothing (ETag, "
         "Cache-Control; rate-limited per client address, 429 past it)"},
    ],
)

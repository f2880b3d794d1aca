"""The cases service's spec: tables, migrations, routes, the holiday-calendar seed and the overdue scan."""

from pathlib import Path

from services.cases import admin_router
from services.cases.calendar import service as calendar_service
from services.cases.case import execution
from services.cases.case.router import router
from services.cases.models import Base, tables
from services.cases.platform import router as platform_router
from services.cases.platform import webhooks as platform
from services.cases.publication import router as publication_router
from services.cases.publication import service as publication
from shared.service import PeriodicJob, ServiceSpec

spec = ServiceSpec(
    name="cases",
    title="EcoComply cases service",
    description="企业、执法人员、行政处罚案件办理流程（立案→调查→法制审核→集体讨论→告知→决定→送达→执行→结案）、期限与节假日、"
                "合规整改与跟踪、合规建议书、经济影响评估、文书；省平台风险预警、签名推送（webhooks）、案卷导出；"
                "处罚决定公开（/public/decisions，无需令牌）。",
    metadata=Base.metadata,
    tables=tables,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[router, admin_router.router, platform_router.router, platform.router, publication_router.router],
    consumers=[platform.consumer, publication.consumer],
    seed=calendar_service.seed,
    jobs=[PeriodicJob("overdue", 3600.0, execution.emit_overdue), platform.delivery_job, publication.job],
)

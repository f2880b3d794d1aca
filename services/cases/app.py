"""The cases service's spec: tables, migrations, routes, consumers, jobs and the holiday-calendar seed —
composition only (the module shape: README "Architecture")."""

from pathlib import Path

from services.cases.advice import router as advice
from services.cases.bureaus import router as bureaus
from services.cases.bureaus import service as bureaus_service
from services.cases.calendar import router as calendar
from services.cases.calendar import service as calendar_service
from services.cases.case import router as case
from services.cases.case_file import router as case_file
from services.cases.consumers import consumers
from services.cases.damage import router as damage
from services.cases.documents import router as documents
from services.cases.jobs import jobs
from services.cases.models import Base, tables, webhook_tables
from services.cases.platform import router as platform
from services.cases.publication import router as publication
from shared.service import ServiceSpec


async def seed(rt) -> None:
    """The holiday calendar from the library, and the example bureaus (示例数据)."""
    await calendar_service.seed(rt)
    await bureaus_service.seed(rt)


spec = ServiceSpec(
    name="cases",
    title="EcoComply cases service",
    description="企业、执法人员、行政处罚案件办理流程（立案→调查→法制审核→集体讨论→告知→决定→送达→执行→结案）、期限与节假日、"
                "合规整改与跟踪、合规建议书、经济影响评估、文书；省平台风险预警、签名推送（webhooks）、案卷导出；"
                "处罚决定公开（/public/decisions，无需令牌）。",
    metadata=Base.metadata,
    tables=tables,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[case.router, bureaus.router, calendar.router, advice.router, documents.router, platform.router, case_file.router,
             platform.webhooks, publication.router, damage.router],
    consumers=consumers,
    seed=seed,
    jobs=jobs,
    encrypted_columns=[webhook_tables.subscriptions.c.secret],  # shared.secrets
)

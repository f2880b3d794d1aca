from services.audit.accountability import models as _accountability  # noqa: F401  (its tables on Base)
from services.audit.complaints import models as _complaint_models  # noqa: F401
from services.audit.models import Base
from shared.migrations import run_env

run_env(Base.metadata)

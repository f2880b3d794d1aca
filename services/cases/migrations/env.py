from services.cases.damage import models as damage_models  # noqa: F401 - its table is on the same metadata
from services.cases.models import Base
from services.cases.publication import models as publication_models  # noqa: F401 - its tables are on the same metadata
from shared.migrations import run_env

run_env(Base.metadata)

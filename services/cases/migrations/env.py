from services.cases.models import Base
from services.cases.publication import models as publication_models  # noqa: F401 - its tables are on the same metadata
from shared.migrations import run_env

run_env(Base.metadata)

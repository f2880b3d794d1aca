from services.cases import publication_models  # noqa: F401 - its tables are on the same metadata
from services.cases.models import Base
from shared.migrations import run_env

run_env(Base.metadata)

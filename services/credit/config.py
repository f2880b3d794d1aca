"""Credit settings. Every number here is a *local setting* (本地设置): the law fixes none of them."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class RepairSettings(BaseSettings):
    """Local settings (本地设置) for repair applications; calendar days. The defaults are this project's,
    not the law's: the data holds no time limits for handling repair applications."""

    model_config = SettingsConfigDict(env_prefix="ECOCOMPLY_CREDIT_REPAIR_", extra="ignore")

    accept_days: int = 5
    decide_days: int = 15

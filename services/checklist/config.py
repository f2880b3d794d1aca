"""Settings of the checklist service itself (env prefix ``ECOCOMPLY_CHECKLIST_``).

``ECOCOMPLY_CHECKLIST_DISCRETION_RULE_SET``: the rule set used by bureaus that have not chosen one
(``PUT /discretion/bureau-settings/{bureau}``). Unset: the data's labelled default
(``data/discretion_rule_sets.yaml`` → ``default_rule_set``, a setting, not law).
"""

from __future__ import annotations

import functools

from pydantic_settings import BaseSettings, SettingsConfigDict


class ChecklistSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOCOMPLY_CHECKLIST_", extra="ignore")

    discretion_rule_set: str | None = None


@functools.cache
def checklist_settings() -> ChecklistSettings:
    """Read from the environment once per process: on every calculation it cost more than the calculation
    (issue 12's profile)."""
    return ChecklistSettings()

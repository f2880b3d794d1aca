"""Audit settings (env prefix ``ECOCOMPLY_AUDIT_``). Every number here is a *local setting* (本地设置):
the law fixes none of them; each default says what it rests on."""

from __future__ import annotations

import weakref
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AuditSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOCOMPLY_AUDIT_", extra="ignore")

    # Review SLA (审核时限): days from assignment (or from the flag, if never assigned) to the outcome.
    review_sla_days: int = Field(default=15, ge=1, le=365)
    # The queue's "due soon" (``GET /flags?sla=due``): not reviewed and due within this many days.
    sla_due_soon_days: int = Field(default=3, ge=0, le=365)
    # A review's attachment (审核附件): at most this many bytes (5 MB), PDF, image or office file.
    attachment_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=5 * 1024 * 1024)
    # Window for "repeated exemptions of one enterprise" (首违不罚 that is not the first offence).
    # 《行政处罚法》第三十三条 does not define 初次; the default of two years follows the historical
    # Jiangsu discretion rule's factor 两年内因类似环境违法行为受过环保行政处罚 (domain/discretion.yaml).
    repeat_window_days: int = Field(default=730, ge=1)
    # "Unusual share of exemptions" by one decider/handler: look-back, minimum decisions, z threshold.
    share_window_days: int = Field(default=365, ge=1)
    share_min_decisions: int = Field(default=5, ge=2)
    share_z: float = Field(default=2.0, gt=0)
    # 类案不同罚: look-back, minimum similar cases, robust z (MAD) and relative-gap thresholds.
    similar_window_days: int = Field(default=1095, ge=1)
    similar_min_peers: int = Field(default=5, ge=3)
    similar_robust_z: float = Field(default=3.5, gt=0)
    similar_min_relative_gap: float = Field(default=0.5, gt=0)
    # Signed tree heads: how often a new head is signed, and the Ed25519 key (PEM, PKCS#8),
    # ECOCOMPLY_AUDIT_SIGNING_KEY_FILE. Without a key file the embedded mode generates one into the
    # data directory; a distributed service refuses to start without one unless
    # ECOCOMPLY_AUDIT_UNSIGNED=true says explicitly that its tree heads go unsigned (/readyz says so).
    tree_head_every_seconds: float = Field(default=60.0, gt=0)
    signing_key_file: Path | None = None
    unsigned: bool = False
    # 多次被拒的免罚轻罚尝试 (repeated_refused_exemption_attempts): an officer whose exemption or light-penalty
    # attempts the decision gate refused reach this many within this window is flagged. LOCAL SETTINGS, NOT LAW:
    # 试点方案 三（十） asks that exemptions and light penalties be supervised (加强对免罚、轻罚案件的监督审核)
    # and fixes no number; 3 in 30 days is the project's default (项目默认值, set by no bureau), to be tuned by each bureau's supervisors.
    refused_exemption_threshold: int = Field(default=3, ge=1)
    refused_exemption_window_days: int = Field(default=30, ge=1)
    # Reconciliation with the cases service: how often, and how many days back.
    reconcile_every_seconds: float = Field(default=3600.0, gt=0)
    reconcile_lookback_days: int = Field(default=31, ge=1)
    # Workspace sessions (issue 26): minutes without a request after which a signed-in session ends, and the
    # longest a session lasts (a working day). Local settings (common practice for intranet case systems).
    workspace_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    workspace_session_hours: int = Field(default=10, ge=1, le=24)
    # 案卷评查 (issue 27): the draw per bureau and the pass mark. LOCAL SETTINGS, NOT LAW: 工作要点（十九） asks to
    # 组织开展全市生态环境系统行政执法案卷评查 and fixes no sample; 《环境行政处罚案卷评查指南》（环办〔2012〕98号）'s scoring
    # annexes were not found. Defaults are the project's (项目默认值): a tenth of each bureau's decided files, at least
    # two, and a file passes at 60 % of the standard's points unless a veto item fails — no source for a pass mark was
    # found (the guide's 附二/附三 are “（略）”; the scoring table read gives none): 60 is the project's choice.
    # A campaign may set its own ratio and minimum; the pass mark in force is fixed on the campaign when it is created.
    casefile_sample_ratio: float = Field(default=0.1, gt=0, le=1)
    casefile_sample_minimum: int = Field(default=2, ge=0, le=1000)
    casefile_pass_mark: float = Field(default=60.0, gt=0, le=100)
    # 投诉举报 (工作要点（二十一）) periods, in 日 (calendar days) as 《信访工作条例》（2022） counts them. LOCAL SETTINGS
    # bounded by the 条例's ceilings (a bureau may shorten, never lengthen them); each default's source, read in the
    # 条例's text, is in services/audit/complaints/workflow.PERIOD_SOURCES.
    complaint_accept_days: int = Field(default=15, ge=1, le=15)  # 第二十三条第二款 15日内书面告知
    complaint_conclude_days: int = Field(default=60, ge=1, le=60)  # 第三十四条 自受理之日起60日内办结
    complaint_extension_days: int = Field(default=30, ge=1, le=30)  # 第三十四条 经负责人批准延长不得超过30日
    # The bureau whose supervision office handles complaints (besides auditors of no bureau). LOCAL SETTING: the
    # 2023 工作要点（二十一） names the municipal bureau's 执法监督处 (with 执法局、机关纪委) as 责任单位.
    complaint_handling_bureau: str = Field(default="320500", min_length=6, max_length=12)


_of_runtime: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def audit_settings(runtime: object) -> AuditSettings:
    """The audit settings of ``runtime``, read from the environment once (not once per event: reading
    them cost ~35 µs of every consumed event, issue 12's profile)."""
    cfg = _of_runtime.get(runtime)
    if cfg is None:
        cfg = _of_runtime[runtime] = AuditSettings()
    return cfg

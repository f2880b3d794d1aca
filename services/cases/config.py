"""Numbers the law leaves to local rules — documented settings of the cases service, labelled as such
in the API. Configured from the environment (``ECOCOMPLY_CASES_*``); the defaults are stated here.

* ``HEARING_FINE_THRESHOLDS`` — 较大数额罚款 (《行政处罚法》第六十三条第一款第（一）项) per bureau, in yuan.
  The Jiangsu eco-environment threshold was NOT FOUND in the domain data (procedure.yaml), so no
  bureau has one by default; without a threshold every intended fine is notified with the hearing
  right (the party is never deprived of a right it may have).
* ``DISCUSSION_QUORUM`` — collective discussion (第五十七条第二款): minimum participants (default 3).
* ``DISCUSSION_FINE_THRESHOLDS`` — fines from which a penalty counts as a 重大违法行为 whose decision the
  leaders take in collective discussion (第五十七条第二款), per bureau, in yuan. No national number
  exists (the article names no amount); the default is the bureau's hearing threshold (较大数额, above),
  and without either no fine alone requires the discussion (the penalty kinds and every exemption or
  light penalty still do).
* ``FOLLOW_UP_DAYS`` — follow-up checks after closing a rectified case (试点方案 三（七）跟踪管理):
  default 30 and 180 days after closing.
"""

from __future__ import annotations

import json
import os

LABEL = "本地设置（法律未规定具体数值）"


def _json_env(name: str, default):
    raw = os.environ.get(name)
    if not raw:
        return default
    return json.loads(raw)


def hearing_threshold(bureau: str) -> float | None:
    return _json_env("ECOCOMPLY_CASES_HEARING_FINE_THRESHOLDS", {}).get(bureau)


DISCUSSION_THRESHOLD_BASIS = (f"{LABEL}：第五十七条第二款未规定数额；"
                              "默认取本局听证“较大数额”标准（第六十三条第一款第（一）项）")


def discussion_fine_threshold(bureau: str) -> float | None:
    """The fine from which the decision needs the leaders' collective discussion (None: no fine threshold)."""
    own = _json_env("ECOCOMPLY_CASES_DISCUSSION_FINE_THRESHOLDS", {}).get(bureau)
    return float(own) if own is not None else hearing_threshold(bureau)


def discussion_quorum() -> int:
    return int(os.environ.get("ECOCOMPLY_CASES_DISCUSSION_QUORUM", "3"))


# 初次违法 (《行政处罚法》第三十三条第一款) is checked against the enterprise's earlier decisions for the same
# violation. The law sets no look-back period; the default follows the window the old Jiangsu coefficient
# rule names for its repeat-offence factor (“两年内因类似环境违法行为受过环保行政处罚”, discretion rule set
# ``jiangsu-coefficient-historical``) — a local setting, labelled as such.
FIRST_OFFENCE_BASIS = "回溯期限为本地设置，默认730日（参照江苏省旧裁量系数规则“两年内因类似环境违法行为受过环保行政处罚”）"


def first_offence_window_days() -> int:
    return int(os.environ.get("ECOCOMPLY_CASES_FIRST_OFFENCE_WINDOW_DAYS", "730"))


def reconsideration_body(bureau: str) -> str | None:
    """The bureau's 行政复议机关, stated in its decisions (第五十九条): ``ECOCOMPLY_CASES_RECONSIDERATION_BODIES``,
    a JSON object bureau → name. Not configured: the decision names "the competent reconsideration body"."""
    return _json_env("ECOCOMPLY_CASES_RECONSIDERATION_BODIES", {}).get(bureau)


def follow_up_days() -> list[int]:
    return list(_json_env("ECOCOMPLY_CASES_FOLLOW_UP_DAYS", [30, 180]))


# Penalties of 第六十三条 items (二)–(四) that always carry the hearing right.
# 责令停产整治 (suspend_for_rectification) is read as a form of 责令停产停业 (our reading); 责令关闭 is item (三).
HEARING_KINDS = frozenset({"confiscation", "suspend_production", "suspend_for_rectification", "close_down",
                           "revoke_permit", "restrict_practice"})


def hearing_right(bureau: str, *, intended_fine: float | None, kinds: list[str]) -> tuple[bool, str]:
    """Whether the 事先告知 includes the right to request a hearing, and why."""
    art = "《中华人民共和国行政处罚法》第六十三条"
    if HEARING_KINDS & set(kinds):
        return True, f"{art}：拟作出的处罚属于第六十三条第一款第（二）至（四）项"
    threshold = hearing_threshold(bureau)
    if intended_fine is None and not kinds:
        return True, f"{art}：拟作出的处罚内容未载明，告知听证权利"
    if intended_fine:
        if threshold is None:
            return True, f"{art}：较大数额罚款的标准未配置（{LABEL}；江苏省标准未取得），告知听证权利"
        if intended_fine >= threshold:
            return True, f"{art}：拟罚款{intended_fine:g}元，达到较大数额标准{threshold:g}元（{LABEL}）"
        return False, f"{art}：拟罚款{intended_fine:g}元，低于较大数额标准{threshold:g}元（{LABEL}）"
    return False, f"{art}：拟作出的处罚不属于应当告知听证权利的情形"

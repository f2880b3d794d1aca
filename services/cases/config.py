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
  and without either 200,000 yuan: 《生态环境行政处罚办法》(2023) 第八十九条 as a published commentary
  reads it (较大数额 for an organisation: 20万元以上, 不包括本数 — the article's own text was not read, so
  ``verified: false``); the system takes 200,000 itself too (stricter than the source: more discussions,
  never fewer). The default fails closed: a bureau that sets nothing still has its large fines discussed.
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


DEFAULT_DISCUSSION_FINE_THRESHOLD = 200_000.0
DISCUSSION_THRESHOLD_SOURCE = ("《生态环境行政处罚办法》（2023）第八十九条：对法人或者其他组织“较大数额”罚款为二十万元以上"
                               "（据公开解读材料，条文原文未核实，verified: false）")


def discussion_threshold(bureau: str) -> tuple[float, str]:
    """The fine from which the decision needs the leaders' collective discussion, and where that number comes
    from: the bureau's own setting, else its hearing threshold (较大数额), else the default above."""
    own = _json_env("ECOCOMPLY_CASES_DISCUSSION_FINE_THRESHOLDS", {}).get(bureau)
    if own is not None:
        return float(own), f"{LABEL}：第五十七条第二款未规定数额；本局设定（ECOCOMPLY_CASES_DISCUSSION_FINE_THRESHOLDS）"
    hearing = hearing_threshold(bureau)
    if hearing is not None:
        return float(hearing), f"{LABEL}：第五十七条第二款未规定数额；取本局听证“较大数额”标准（第六十三条第一款第（一）项）"
    return DEFAULT_DISCUSSION_FINE_THRESHOLD, (f"{LABEL}：第五十七条第二款未规定数额；本局未设定，默认取"
                                               f"{DISCUSSION_THRESHOLD_SOURCE}，含本数")


def discussion_quorum() -> int:
    return int(os.environ.get("ECOCOMPLY_CASES_DISCUSSION_QUORUM", "3"))


# 初次违法 (《行政处罚法》第三十三条第一款) is checked against the enterprise's earlier decisions for the same
# violation. The law sets no look-back period; the default follows the window the old Jiangsu coefficient
# rule names for its repeat-offence factor (“两年内因类似环境违法行为受过环保行政处罚”, discretion rule set
# ``jiangsu-coefficient-historical``) — a local setting, labelled as such.
FIRST_OFFENCE_BASIS = "回溯期限为本地设置，默认730日（参照江苏省旧裁量系数规则“两年内因类似环境违法行为受过环保行政处罚”）"


def first_offence_window_days() -> int:
    return int(os.environ.get("ECOCOMPLY_CASES_FIRST_OFFENCE_WINDOW_DAYS", "730"))


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

"""The one number of the damage matter the law leaves to local rules (README "Settings").

``ECOCOMPLY_CASES_DAMAGE_SIMPLIFIED_MAX_CNY`` — the damage amount up to which a simplified assessment (简化鉴定评估,
《生态环境损害赔偿管理规定》第二十条第二款, known only by reference) is allowed. Default 300,000 yuan: 环法规〔2025〕6号 as a
secondary summary reports it (简单案件损害数额不超过30万元，省级可调整至50万元; the opinion's own text was not read —
``verified: false``). A local setting, labelled as such wherever it is applied.
"""

from __future__ import annotations

import os

DEFAULT_SIMPLIFIED_MAX_CNY = 300_000.0
SIMPLIFIED_SOURCE = ("本地设置（ECOCOMPLY_CASES_DAMAGE_SIMPLIFIED_MAX_CNY），默认30万元取自环法规〔2025〕6号的解读摘要"
                     "（简单案件损害数额不超过30万元，省级可调整至50万元；原文未核实，verified: false）")


def simplified_max_cny() -> float:
    return float(os.environ.get("ECOCOMPLY_CASES_DAMAGE_SIMPLIFIED_MAX_CNY", DEFAULT_SIMPLIFIED_MAX_CNY))

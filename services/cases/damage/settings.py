"""The one number of the damage matter the law leaves to local rules (README "Settings").

``ECOCOMPLY_CASES_DAMAGE_SIMPLIFIED_MAX_CNY`` — the damage amount up to which a simplified assessment (简化鉴定评估,
《生态环境损害赔偿管理规定》第二十条第二款, known only by reference) is allowed. Default 300,000 yuan: 环法规〔2025〕6号 as a
secondary summary reports it (简单案件损害数额不超过30万元，省级可调整至50万元; the opinion's own text was not read —
``verified: false``). A local setting, labelled as such wherever it is applied. The same summary caps what a province
may raise it to at 500,000 yuan, so a setting above that is applied as 500,000 (the matter's ``simplified_limit`` and
the refusal show the amount applied).
"""

from __future__ import annotations

import os

DEFAULT_SIMPLIFIED_MAX_CNY = 300_000.0
SOURCE_CAP_CNY = 500_000.0  # 省级可调整至50万元 (the same summary)
SIMPLIFIED_SOURCE = ("本地设置（ECOCOMPLY_CASES_DAMAGE_SIMPLIFIED_MAX_CNY），默认30万元取自环法规〔2025〕6号的解读摘要"
                     "（简单案件损害数额不超过30万元，省级可调整至50万元；原文未核实，verified: false）；"
                     "设置超过50万元的按50万元适用")


def simplified_max_cny() -> float:
    configured = float(os.environ.get("ECOCOMPLY_CASES_DAMAGE_SIMPLIFIED_MAX_CNY", DEFAULT_SIMPLIFIED_MAX_CNY))
    return min(configured, SOURCE_CAP_CNY)

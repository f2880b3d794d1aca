"""Local settings of 处罚决定公开 (no national rule sets them; publication.yaml), from the environment:

* ``ECOCOMPLY_CASES_PUBLICATION_RETENTION_YEARS`` — how long a marked decision stays on the public page,
  ``{"organisation": 5, "natural_person": 2}`` by default. 《行政处罚法》 and 《政府信息公开条例》 set no
  website retention (NOT_FOUND); the default follows a district's published procedure (石家庄市裕华区:
  "公开满5年或者行政相对人是自然人的，公开满2年…撤下" — a comparable, not Jiangsu law) and
  《个人信息保护法》第十九条 (保存期限应当为实现处理目的所必要的最短时间).
* ``ECOCOMPLY_CASES_PUBLICATION_FOLLOWS_CREDIT`` — ``true`` (default): a published decision is withdrawn
  when its credit record's publicity ends (repair approved, 令第36号第三条 终止公示; or the maximum period
  run out). Whether repair also requires removal from the bureau's own website is NOT_FOUND
  (publication.yaml ``early_end.credit_repair.website_effect``): this is the programme's choice (the issue
  asks for it), labelled as a setting; ``false`` keeps the two channels independent.
"""

from __future__ import annotations

import json
import os

LABEL = "本地设置（法律未规定网站公开期限；默认值参照石家庄市裕华区公开程序，非江苏规定）"


def retention_years() -> dict[str, int]:
    raw = os.environ.get("ECOCOMPLY_CASES_PUBLICATION_RETENTION_YEARS")
    years = {"organisation": 5, "natural_person": 2}
    if raw:
        years.update({k: int(v) for k, v in json.loads(raw).items()})
    return years


def follows_credit() -> bool:
    return os.environ.get("ECOCOMPLY_CASES_PUBLICATION_FOLLOWS_CREDIT", "true").strip().lower() not in ("0", "false", "no")

"""The words every service shares, defined once: case states, decision types, roles.

They are ``StrEnum`` members, so they compare equal to, serialise as and validate from the plain strings
the API, the events and the database carry (``DecisionType.EXEMPTION == "no_penalty"``). Contracts,
schemas and rule modules derive their types and sets from here; no module spells the lists again."""

from __future__ import annotations

from enum import StrEnum


class CaseState(StrEnum):
    """Where a case stands in the procedure (《中华人民共和国行政处罚法》第五章; DESIGN §3)."""

    FILED = "filed"                  # 立案
    INVESTIGATED = "investigated"    # 调查终结
    REVIEWED = "reviewed"            # 法制审核
    DISCUSSED = "discussed"          # 集体讨论
    NOTIFIED = "notified"            # 告知
    DECIDED = "decided"              # 决定
    SERVED = "served"                # 送达
    EXECUTING = "executing"          # 执行
    CLOSED = "closed"                # 结案
    WITHDRAWN = "withdrawn"          # 撤销立案
    TRANSFERRED = "transferred"      # 移送
    TERMINATED = "terminated"        # 终止（如当事人主体资格消灭）


OPEN_STATES = frozenset({CaseState.FILED, CaseState.INVESTIGATED, CaseState.REVIEWED, CaseState.DISCUSSED,
                         CaseState.NOTIFIED})


class DecisionType(StrEnum):
    """How a case is decided: a penalty (ordinary, 从轻, 减轻, 从重) or an exemption (不予行政处罚)."""

    PENALTY = "penalty"
    EXEMPTION = "no_penalty"     # 不予行政处罚（第三十三条）
    LIGHTER = "lighter"          # 从轻（第三十二条）
    MITIGATED = "mitigated"      # 减轻（第三十二条）
    HEAVIER = "heavier"          # 从重


# 从轻/减轻 — the light penalties.
LIGHT_PENALTIES = frozenset({DecisionType.LIGHTER, DecisionType.MITIGATED})
# Decisions that impose a penalty (and so create a credit record); an exemption creates none.
PENALTIES = frozenset({DecisionType.PENALTY, DecisionType.LIGHTER, DecisionType.MITIGATED, DecisionType.HEAVIER})
# Every exemption and light penalty goes to supervision review (试点方案 三（十）: 加强对免罚、轻罚案件的监督审核).
FLAGGED_DECISIONS = frozenset({DecisionType.EXEMPTION} | LIGHT_PENALTIES)


class Role(StrEnum):
    """Token roles (DESIGN §6)."""

    OFFICER = "officer"
    LEGAL_REVIEWER = "legal_reviewer"
    LEADER = "leader"
    AUDITOR = "auditor"
    ENTERPRISE = "enterprise"
    PLATFORM = "platform"
    ADMIN = "admin"
    SERVICE = "service"


# Roles that act for a bureau: they see only that bureau's objects.
BUREAU_ROLES = frozenset({Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER})
# Roles whose reads span bureaus: supervision auditors, administrators, the provincial platform and other
# EcoComply services calling on a user's behalf.
GLOBAL_ROLES = frozenset({Role.AUDITOR, Role.ADMIN, Role.PLATFORM, Role.SERVICE})

"""Names, not codes, on the workspace's pages: people by their registered names (the officers register through
``shared.registry``; the signed-in person by the name their session carries), enterprises by the name the cases
service holds for their 统一社会信用代码."""

from __future__ import annotations

import asyncio
from typing import Any

from services.portal.client import ServiceError
from services.workspace import api
from services.workspace.session import WorkspaceUser
from shared.problems import Problem
from shared.registry import UNREGISTERED_REVIEWER, officer_names, person

ENTERPRISE_TTL = 300.0  # seconds: an enterprise's name changes rarely


async def people(request: Any, user: WorkspaceUser) -> dict[str, str]:
    """Login id → name: the officers register, the workspace's own people (auditors, leaders, administrators by
    their accounts or identity-provider sign-ins), and the person signed in."""
    staff = {p["sub"]: p["name"] for p in await api.workspace_people(request, user)}
    return {**staff, **await officer_names(request.app.state.http), user.sub: user.name}


def reviewer(sub: str | None, names: dict[str, str]) -> str:
    """An auditor as a reader sees them ("未分派" for nobody)."""
    return person(sub, names, UNREGISTERED_REVIEWER) if sub else "未分派"


async def _enterprise(request: Any, user: WorkspaceUser, uscc: str) -> str | None:
    http = request.app.state.http

    async def fetch() -> str | None:
        try:
            body = await request.app.state.api.get("cases", f"/enterprises/{uscc}", token=user.token)
        except (ServiceError, Problem):
            return None
        return body.get("name") or None

    return await http.cached(f"workspace:enterprise:{uscc}", ENTERPRISE_TTL, fetch)


async def enterprises(request: Any, user: WorkspaceUser, usccs: list[str]) -> dict[str, str]:
    """USCC → the enterprise's name, for the enterprises the cases service knows (and the person may see)."""
    wanted = sorted(set(usccs))
    found = await asyncio.gather(*(_enterprise(request, user, u) for u in wanted))
    return {u: n for u, n in zip(wanted, found, strict=True) if n}

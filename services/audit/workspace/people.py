"""The workspace's people by name: the enabled local accounts, and the people the bureau's identity provider
signed in (the name and roles of their latest session). The workspace names auditors, leaders and
administrators with this — the officers register (``shared.registry``) knows only enforcement staff — and offers
the auditors when a flag is assigned, so that nobody has to know a login id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.models import WorkspaceAccount, WorkspaceSession

MAX_SIGNED_IN = 5000  # the most recent identity-provider sessions read for names


@dataclass(frozen=True)
class Person:
    sub: str
    name: str
    roles: tuple[str, ...]
    bureau: str | None


async def known(session: AsyncSession) -> list[Person]:
    """Every person the workspace knows, local accounts first, each once, sorted by name."""
    people: dict[str, Person] = {}
    for a in await session.scalars(select(WorkspaceAccount).where(WorkspaceAccount.disabled.is_(False))):
        people[a.username] = Person(a.username, a.name, tuple(a.roles), a.bureau)
    rows = await session.execute(
        select(WorkspaceSession.sub, WorkspaceSession.name, WorkspaceSession.roles, WorkspaceSession.bureau)
        .where(WorkspaceSession.via == "oidc").order_by(WorkspaceSession.created_at.desc()).limit(MAX_SIGNED_IN))
    for sub, name, roles, bureau in rows:
        people.setdefault(sub, Person(sub, name, tuple(roles), bureau))
    return sorted(people.values(), key=lambda p: (p.name, p.sub))

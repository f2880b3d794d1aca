"""Workspace sessions: opened after a sign-in (a local account's password, or the bureau's identity provider),
resolved on every page, ended by logout, by ``workspace_idle_minutes`` without a request, or by
``workspace_session_hours`` after sign-in. The browser holds a random value; only its SHA-256 is stored, so the
database never holds a usable session."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.models import WorkspaceSession

# The roles the workspace serves (issue 26 point 5: an officer sees nothing of it).
WORKSPACE_ROLES = ("auditor", "leader", "admin")


@dataclass(frozen=True)
class Identity:
    sub: str
    name: str
    roles: tuple[str, ...]
    bureau: str | None


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def open_session(session: AsyncSession, who: Identity, *, via: str, now: datetime,
                       hours: int) -> str:
    """A new session for ``who``; returns the value the browser keeps (never stored)."""
    value = secrets.token_urlsafe(32)
    session.add(WorkspaceSession(
        id_hash=_hash(value), sub=who.sub, name=who.name, roles=list(who.roles), bureau=who.bureau, via=via,
        created_at=now, last_seen_at=now, expires_at=now + timedelta(hours=hours), ended_at=None))
    await session.flush()
    return value


async def resolve(session: AsyncSession, value: str, *, now: datetime, idle_minutes: int) -> WorkspaceSession | None:
    """The live session the value names (its last request moved to ``now``), or None when it is unknown, ended,
    idle too long or past its end."""
    row = await session.get(WorkspaceSession, _hash(value))
    if row is None or row.ended_at is not None:
        return None
    if now >= row.expires_at or now - row.last_seen_at > timedelta(minutes=idle_minutes):
        row.ended_at = now
        return None
    row.last_seen_at = now
    return row


async def end(session: AsyncSession, value: str, *, now: datetime) -> bool:
    result = await session.execute(
        update(WorkspaceSession).where(WorkspaceSession.id_hash == _hash(value), WorkspaceSession.ended_at.is_(None))
        .values(ended_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def end_all_of(session: AsyncSession, sub: str, *, now: datetime) -> int:
    """Every live session of ``sub`` (an account disabled or its password changed)."""
    result = await session.execute(
        update(WorkspaceSession).where(WorkspaceSession.sub == sub, WorkspaceSession.ended_at.is_(None))
        .values(ended_at=now).execution_options(synchronize_session=False))
    return result.rowcount or 0


async def live_count(session: AsyncSession, sub: str) -> int:
    return len(list(await session.scalars(
        select(WorkspaceSession.id_hash).where(WorkspaceSession.sub == sub, WorkspaceSession.ended_at.is_(None)))))

"""Signing in with a local account: the password checked (``accounts``), failures counted under the username
typed and under the address it came from; five failures within a minute under either slow the next attempt —
it is refused without the password being checked until the oldest of those five is a minute old (issue 26
point 1; the numbers are a local setting, not law). Unknown user, wrong password and disabled account answer
alike and take alike long.

Race-free: the attempts under one username or one address are serialised (a transaction-scoped lock on
PostgreSQL; SQLite's transactions begin IMMEDIATE), so ten at once cannot all pass the count before any failure
is recorded."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.models import SignInFailure, WorkspaceAccount
from services.audit.workspace import accounts, sessions
from shared.db import lock_key

FAILURES_ALLOWED = 5  # local setting: "five failures in a minute slow the next"
WINDOW = timedelta(minutes=1)
KEEP = timedelta(days=1)  # failures older than this are deleted


@dataclass(frozen=True)
class Slowed:
    retry_after: int  # seconds


def keys(username: str, address: str) -> list[str]:
    """The keys an attempt is counted under (sorted: the order the locks are taken in, so two attempts that
    share one key never wait on each other crosswise)."""
    return sorted({f"user:{username.strip().casefold()}"[:200], f"addr:{address.strip()}"[:200]})


async def _slowed(session: AsyncSession, key: str, now: datetime) -> int:
    """Seconds until fewer than ``FAILURES_ALLOWED`` failures under ``key`` lie within the window (0: not slowed)."""
    recent = list(await session.scalars(
        select(SignInFailure.at).where(SignInFailure.key == key, SignInFailure.at > now - WINDOW)
        .order_by(SignInFailure.at.desc()).limit(FAILURES_ALLOWED)))
    if len(recent) < FAILURES_ALLOWED:
        return 0
    return max(1, math.ceil((recent[-1] + WINDOW - now).total_seconds()))


async def sign_in(session: AsyncSession, username: str, password: str, address: str, *,
                  now: datetime) -> sessions.Identity | Slowed | None:
    """The account's identity when the password is right and the account enabled; ``Slowed`` when the attempt
    comes too soon after five failures (the password is not checked); None otherwise (the failure recorded —
    the caller must commit it, not roll it back)."""
    counted = keys(username, address)
    for key in counted:
        await lock_key(session, "ws-signin:" + key)
    wait = max([await _slowed(session, key, now) for key in counted])
    if wait:
        return Slowed(wait)
    row = await session.get(WorkspaceAccount, username)
    ok, renew = await accounts.check_password(row.password_hash if row is not None else None, password)
    if row is not None and ok and not row.disabled:
        if renew:
            row.password_hash = await accounts.hash_password(password)
        await session.execute(delete(SignInFailure).where(SignInFailure.key == _user_key(counted))
                              .execution_options(synchronize_session=False))
        return sessions.Identity(sub=row.username, name=row.name, roles=tuple(row.roles), bureau=row.bureau)
    session.add_all([SignInFailure(key=key, at=now) for key in counted])
    await session.execute(delete(SignInFailure).where(SignInFailure.at < now - KEEP)
                          .execution_options(synchronize_session=False))
    await session.flush()
    return None


def _user_key(counted: list[str]) -> str:
    return next(k for k in counted if k.startswith("user:"))

"""Local accounts of the supervision workspace (the embedded default; a bureau with an identity provider signs
its people in by OpenID Connect instead): created, disabled and given a new password with ``ecocomply users``,
checked at sign-in. Passwords are kept only as argon2id hashes (argon2-cffi, RFC 9106 parameters); hashing and
checking take tens of milliseconds of CPU on purpose, so they run in a worker thread, never on the event loop.

Password rules — a local setting, not law: at least ``MIN_PASSWORD_LENGTH`` characters, not the username."""

from __future__ import annotations

import asyncio
import functools
import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.models import WorkspaceAccount
from services.audit.workspace import sessions

MIN_PASSWORD_LENGTH = 12  # local setting (common practice for staff accounts of government systems)
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")
ROLE_CN = {"auditor": "监督审核人员", "leader": "局领导", "admin": "系统管理员"}

_hasher = PasswordHasher()


class AccountError(Exception):
    """A request about an account that cannot be done; the message is Chinese, for the person at the command."""


@functools.cache
def _dummy_hash() -> str:
    """A hash no password is known for: an unknown username is checked against it, so that it takes as long as
    a known one and the answer cannot tell which half was wrong."""
    return _hasher.hash("ecocomply-no-such-account")


def _verify(stored: str | None, password: str) -> tuple[bool, bool]:
    try:
        ok = _hasher.verify(stored or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    return ok and stored is not None, bool(stored) and _hasher.check_needs_rehash(stored or "")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def check_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """(whether ``password`` matches ``stored`` — None: no such account, checked against a dummy hash all the
    same —, whether the hash should be renewed with today's parameters)."""
    return await asyncio.to_thread(_verify, stored, password)


def password_problem(username: str, password: str) -> str | None:
    """Why ``password`` may not be used (Chinese), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少{MIN_PASSWORD_LENGTH}个字符（本地设置）。"
    if password.strip().casefold() == username.strip().casefold():
        return "密码不得与用户名相同。"
    return None


def check_new_account(username: str, name: str, roles: list[str], bureau: str | None) -> tuple[str, ...]:
    """The account's workspace roles, or ``AccountError`` (Chinese) when it may not be created as asked."""
    if not USERNAME.match(username):
        raise AccountError("用户名须为2至100个字母、数字或 . _ @ -，并以字母或数字开头。")
    if not name.strip() or len(name) > 100:
        raise AccountError("请填写姓名（不超过100个字符）。")
    others = [r for r in roles if r not in sessions.WORKSPACE_ROLES]
    if others or not roles:
        raise AccountError(f"监督审核工作台的账户只能是监督审核人员（auditor）、局领导（leader）或系统管理员（admin），"
                           f"不能是：{'、'.join(others) or '（未指定角色）'}。执法人员和企业不使用工作台。")
    if "leader" in roles and "auditor" in roles:
        raise AccountError("监督审核人员不得同时是被监督机关的局领导：请为两种身份分别建账户"
                           "（试点方案三（十）：免罚、轻罚案件的监督审核由被监督机关以外的人员进行）。")
    if "leader" in roles and not bureau:
        raise AccountError("局领导账户须用 --bureau 指定所在机关（局领导只能查看本机关的审核标记）。")
    if bureau is not None and not (1 <= len(bureau) <= 40):
        raise AccountError("机关代码须为1至40个字符。")
    return tuple(dict.fromkeys(roles))


@dataclass(frozen=True)
class AccountView:
    username: str
    name: str
    roles: tuple[str, ...]
    bureau: str | None
    disabled: bool
    created_at: datetime
    password_changed_at: datetime


def _view(row: WorkspaceAccount) -> AccountView:
    return AccountView(row.username, row.name, tuple(row.roles), row.bureau, row.disabled, row.created_at,
                       row.password_changed_at)


async def create(session: AsyncSession, *, username: str, name: str, roles: list[str], bureau: str | None,
                 password: str, now: datetime) -> AccountView:
    kept = check_new_account(username, name, roles, bureau)
    problem = password_problem(username, password)
    if problem:
        raise AccountError(problem)
    if await session.get(WorkspaceAccount, username) is not None:
        raise AccountError(f"用户名 {username} 已存在。")
    row = WorkspaceAccount(username=username, name=name.strip(), roles=list(kept), bureau=bureau,
                           password_hash=await hash_password(password), disabled=False, created_at=now,
                           password_changed_at=now)
    session.add(row)
    await session.flush()
    return _view(row)


async def _existing(session: AsyncSession, username: str) -> WorkspaceAccount:
    row = await session.get(WorkspaceAccount, username, with_for_update=True)
    if row is None:
        raise AccountError(f"没有用户名为 {username} 的账户。")
    return row


async def set_password(session: AsyncSession, username: str, password: str, *, now: datetime) -> int:
    """A new password; every live session of the account ends (returns how many)."""
    row = await _existing(session, username)
    problem = password_problem(username, password)
    if problem:
        raise AccountError(problem)
    row.password_hash = await hash_password(password)
    row.password_changed_at = now
    return await sessions.end_all_of(session, username, now=now)


async def disable(session: AsyncSession, username: str, *, now: datetime) -> int:
    """The account can no longer sign in; its live sessions end (returns how many)."""
    row = await _existing(session, username)
    row.disabled = True
    return await sessions.end_all_of(session, username, now=now)


async def all_accounts(session: AsyncSession) -> list[AccountView]:
    return [_view(r) for r in await session.scalars(select(WorkspaceAccount).order_by(WorkspaceAccount.username))]


async def any_enabled(session: AsyncSession) -> bool:
    return (await session.scalar(select(WorkspaceAccount.username).where(WorkspaceAccount.disabled.is_(False))
                                 .limit(1))) is not None

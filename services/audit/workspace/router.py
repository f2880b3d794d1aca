"""The workspace's sessions, for EcoComply's own components only (role ``service``: the workspace app calls with
its service token; no person's token reaches these). Mounted under ``/v1/workspace``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from services.audit.config import audit_settings
from services.audit.workspace import people, sessions, signin
from shared.auth import Principal, require_roles
from shared.problems import Problem, forbidden, problem_response, unauthorized
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import Role

router = APIRouter(prefix="/workspace", tags=["workspace"])
Component = Annotated[Principal, require_roles(Role.SERVICE)]
WorkspaceReader = Annotated[Principal, require_roles(Role.AUDITOR, Role.LEADER, Role.ADMIN)]
_PROBLEM = {"content": {"application/problem+json": {}}}
SessionValue = Annotated[str, Field(min_length=20, max_length=100)]


class IdentityIn(BaseModel):
    sub: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    roles: Annotated[list[Annotated[str, Field(max_length=20)]], Field(min_length=1, max_length=10)]
    bureau: Annotated[str | None, Field(max_length=40)] = None
    via: Annotated[str, Field(pattern="^(local|oidc)$")] = "oidc"


class SessionRef(BaseModel):
    session: SessionValue


class Opened(BaseModel):
    session: str
    expires_at: datetime


class SignInIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=200)]
    address: Annotated[str, Field(min_length=1, max_length=100)]  # the browser's, as the workspace app saw it


class SignedIn(BaseModel):
    sub: str
    name: str
    roles: list[str]
    bureau: str | None
    via: str
    expires_at: datetime


def workspace_roles(roles: list[str]) -> tuple[str, ...]:
    """The roles of ``roles`` the workspace serves; 403 when none (an officer or enterprise has no workspace)."""
    kept = tuple(r for r in roles if r in sessions.WORKSPACE_ROLES)
    if not kept:
        raise forbidden("监督审核工作台仅供监督审核人员、局领导和管理员使用。", "not_a_workspace_role",
                        roles=list(roles))
    return kept


@router.post("/sessions", response_model=Opened, status_code=201, responses={401: _PROBLEM, 403: _PROBLEM})
async def open_session(body: IdentityIn, user: Component, session: DbSession, rt: RuntimeDep) -> Opened:
    """Open a session for a person the workspace has signed in (by the bureau's identity provider)."""
    cfg = audit_settings(rt)
    who = sessions.Identity(sub=body.sub, name=body.name, roles=workspace_roles(body.roles), bureau=body.bureau)
    now = rt.clock.now()
    value = await sessions.open_session(session, who, via=body.via, now=now, hours=cfg.workspace_session_hours)
    row = await sessions.resolve(session, value, now=now, idle_minutes=cfg.workspace_idle_minutes)
    assert row is not None
    return Opened(session=value, expires_at=row.expires_at)


# One answer for an unknown user, a wrong password and a disabled account (issue 26: a failed sign-in says why
# without telling which half was wrong).
SIGN_IN_FAILED = "用户名或密码不正确，或账户已停用。"


class OpenedFor(Opened):
    sub: str
    name: str
    roles: list[str]
    bureau: str | None


@router.post("/sign-in", response_model=OpenedFor, status_code=201,
             responses={401: _PROBLEM, 403: _PROBLEM, 429: _PROBLEM})
async def sign_in(body: SignInIn, user: Component, session: DbSession, rt: RuntimeDep):
    """Sign in with a local account: a session opened (``via`` local) when the password is right; 401 — one
    message whatever was wrong — otherwise; 429 with ``Retry-After``, the password not checked, after five
    failures within a minute for the username or for the address. The failure is recorded (the transaction
    commits: the 401 is returned, not raised)."""
    cfg = audit_settings(rt)
    now = rt.clock.now()
    outcome = await signin.sign_in(session, body.username.strip(), body.password, body.address, now=now)
    if isinstance(outcome, signin.Slowed):
        return problem_response(Problem(
            429, "sign_in_slowed", f"登录失败次数过多，请在{outcome.retry_after}秒后再试。",
            headers={"Retry-After": str(outcome.retry_after)}, retry_after=outcome.retry_after,
            rule=f"一分钟内失败{signin.FAILURES_ALLOWED}次后放慢下一次登录（本地设置）"))
    if outcome is None:
        return problem_response(Problem(401, "sign_in_failed", SIGN_IN_FAILED))
    value = await sessions.open_session(session, outcome, via="local", now=now, hours=cfg.workspace_session_hours)
    row = await sessions.resolve(session, value, now=now, idle_minutes=cfg.workspace_idle_minutes)
    assert row is not None
    return OpenedFor(session=value, expires_at=row.expires_at, sub=row.sub, name=row.name, roles=list(row.roles),
                     bureau=row.bureau)


@router.post("/sessions/resolve", response_model=SignedIn, responses={401: _PROBLEM, 403: _PROBLEM})
async def resolve_session(body: SessionRef, user: Component, session: DbSession, rt: RuntimeDep) -> SignedIn:
    """Who a session value belongs to (its idle time restarts); 401 ``session_ended`` once it has ended."""
    row = await sessions.resolve(session, body.session, now=rt.clock.now(),
                                 idle_minutes=audit_settings(rt).workspace_idle_minutes)
    if row is None:
        raise unauthorized("登录已失效，请重新登录。")
    return SignedIn(sub=row.sub, name=row.name, roles=list(row.roles), bureau=row.bureau, via=row.via,
                    expires_at=row.expires_at)


@router.post("/sessions/end", status_code=204, responses={401: _PROBLEM, 403: _PROBLEM})
async def end_session(body: SessionRef, user: Component, session: DbSession, rt: RuntimeDep) -> Response:
    """Logout: the session ends now (ending one already ended changes nothing)."""
    await sessions.end(session, body.session, now=rt.clock.now())
    return Response(status_code=204)


class PersonRead(BaseModel):
    sub: str
    name: str
    roles: list[str]
    bureau: str | None


@router.get("/people", response_model=list[PersonRead], responses={401: _PROBLEM, 403: _PROBLEM})
async def list_people(user: WorkspaceReader, session: DbSession) -> list[PersonRead]:
    """The workspace's people by name (local accounts, and those the identity provider signed in): the pages name
    auditors with it and offer them when a flag is assigned. A bureau leader sees the auditors and their own
    bureau's people."""
    out = [PersonRead(sub=p.sub, name=p.name, roles=list(p.roles), bureau=p.bureau) for p in await people.known(session)]
    if user.has(Role.AUDITOR, Role.ADMIN):
        return out
    return [p for p in out if "auditor" in p.roles or p.bureau == user.bureau]

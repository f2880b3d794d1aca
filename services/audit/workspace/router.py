"""The workspace's sessions, for EcoComply's own components only (role ``service``: the workspace app calls with
its service token; no person's token reaches these). Mounted under ``/v1/workspace``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from services.audit.config import audit_settings
from services.audit.workspace import sessions
from shared.auth import Principal, require_roles
from shared.problems import forbidden, unauthorized
from shared.service import DbSession, RuntimeDep
from shared.vocabulary import Role

router = APIRouter(prefix="/workspace", tags=["workspace"])
Component = Annotated[Principal, require_roles(Role.SERVICE)]
_PROBLEM = {"content": {"application/problem+json": {}}}
SessionValue = Annotated[str, Field(min_length=20, max_length=100)]


class IdentityIn(BaseModel):
    sub: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    roles: Annotated[list[str], Field(min_length=1, max_length=10)]
    bureau: Annotated[str | None, Field(max_length=40)] = None
    via: Annotated[str, Field(pattern="^(local|oidc)$")] = "oidc"


class SessionRef(BaseModel):
    session: SessionValue


class Opened(BaseModel):
    session: str
    expires_at: datetime


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

"""The workspace's ASGI app, mounted at ``/workspace``: the embedded mode's composition mounts it beside the
services and the portal; distributed, ``ecocomply portal`` serves it beside the portal. Pages need a signed-in
auditor, bureau leader or administrator; anyone else is sent to the sign-in page (never a raw 401)."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from services.portal.app import TITLES, RegistryNames
from services.portal.client import PortalAPI, ServiceError
from services.workspace import (
    accountability,
    casefile_review,
    complaints,
    dashboard,
    flag,
    oidc,
    queue,
    report,
    session,
    signin,
)
from services.workspace.web import STATIC, PageError, make_templates, render
from shared.clock import Clock
from shared.config import Settings
from shared.http import ServiceClient
from shared.problems import Problem
from shared.security_headers import SecurityHeaders

log = logging.getLogger("ecocomply.workspace")
ECHARTS = Path(__file__).parents[1] / "audit" / "static" / "echarts.min.js"  # one vendored copy (deploy/fetch-echarts.sh)


async def _user_or_none(request: Request):
    try:
        return await session.current(request)
    except Exception:  # the error page itself must not fail when the audit service does not answer
        return None


async def _error_page(request: Request, err: PageError) -> Response:
    resp = render(request, "ws_error.html", title=err.title, user=await _user_or_none(request), crumbs=[(err.title, None)],
                  err=err, status=err.status)
    if err.retry_after:
        resp.headers["Retry-After"] = str(err.retry_after)
    return resp


error_page = _error_page  # for the handlers that render the error page themselves (services.workspace.oidc)


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return await _error_page(request, exc)


async def _sign_in_needed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, session.SignInNeeded)
    out = RedirectResponse(session.login_url(exc.next_path, exc.reason), status_code=303)
    if exc.reason:
        session.clear_cookie(out, request)
    return out


async def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    status = exc.status if exc.status in TITLES else 502
    if status >= 500:
        return await _error_page(request, PageError(503, TITLES[503], "相关服务暂时无法应答，请稍后再试。"))
    return await _error_page(request, PageError(status, TITLES.get(status, "无法办理"),
                                                str(exc.problem.get("detail", "")), rule=exc.problem.get("rule")))


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    status = exc.status if exc.status in TITLES else 500
    message = "相关服务暂时无法应答，请稍后再试。" if status >= 500 else exc.detail
    return await _error_page(request, PageError(status, TITLES[status], message))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    msg = {404: "您访问的页面不存在，请从工作台首页重新进入。", 405: "此页面不支持该操作。"}.get(exc.status_code, str(exc.detail))
    return await _error_page(request, PageError(exc.status_code, TITLES.get(exc.status_code, "出错了"), msg))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("workspace: unhandled error on %s %s", request.method, request.url.path)
    return await _error_page(request, PageError(500, TITLES[500], "页面出现了意外错误，您的操作没有被保存。请稍后再试。"))


async def home(request: Request) -> Response:
    user = await session.require(request)
    return render(request, "ws_home.html", title="工作台", user=user)


async def echarts(request: Request) -> Response:
    """The audit dashboard's vendored Apache ECharts, served here too (no CDN: bureaus run on closed intranets)."""
    return FileResponse(ECHARTS, media_type="text/javascript")


def routes() -> list:
    """Every workspace route (the pages' modules add theirs here)."""
    return [
        Route("/", home),
        Route("/login", signin.login_form),
        Route("/login", signin.login, methods=["POST"]),
        Route("/login/oidc", oidc.start),
        Route("/login/oidc/callback", oidc.callback),
        Route("/logout", signin.logout, methods=["POST"]),
        Route("/flags", queue.flags),
        Route("/flags/assign", queue.bulk_assign, methods=["POST"]),
        Route("/flags/export.{fmt}", queue.export),
        Route("/flags/{flag_id}", flag.flag_page),
        Route("/flags/{flag_id}/assign", flag.assign, methods=["POST"]),
        Route("/flags/{flag_id}/start", flag.start, methods=["POST"]),
        Route("/flags/{flag_id}/review", flag.review, methods=["POST"]),
        Route("/flags/{flag_id}/reopen", flag.reopen, methods=["POST"]),
        Route("/flags/{flag_id}/attachments/{attachment_id}", flag.attachment),
        Route("/cases/{case_id}/documents/{kind}", flag.case_document),
        Route("/dashboard", dashboard.dashboard),
        Route("/report", report.report),
        Route("/report/download", report.download),
        Route("/flags/{flag_id}/trace", flag.trace, methods=["POST"]),
        Route("/traces/{trace_id}", accountability.trace_page),
        Route("/traces/{trace_id}/responsibilities", accountability.record_finding, methods=["POST"]),
        Route("/traces/{trace_id}/excuses", accountability.decide_excuse, methods=["POST"]),
        Route("/people", accountability.people_page),
        Route("/people/{person}", accountability.person_page),
        *casefile_review.routes(),  # 案卷评查 (issue 27)
        Route("/complaints", complaints.queue),
        Route("/complaints/{complaint_id}", complaints.complaint_page),
        Route("/complaints/{complaint_id}/{action}", complaints.act, methods=["POST"]),
        Route("/static/echarts.min.js", echarts),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def create_workspace(http: ServiceClient, settings: Settings, *, clock: Clock | None = None) -> Starlette:
    app = Starlette(routes=routes(), exception_handlers={
        PageError: _page_error, session.SignInNeeded: _sign_in_needed, ServiceError: _service_error,
        Problem: _problem, HTTPException: _http, Exception: _unexpected,
    })
    app.state.http = http
    app.state.api = PortalAPI(http)
    app.state.settings = settings
    app.state.clock = clock or Clock()
    app.state.templates = make_templates()
    app.state.oidc = oidc.from_settings(settings)  # the bureau's identity provider, when ECOCOMPLY_OIDC_* say one
    app.add_middleware(RegistryNames, http=http)
    app.add_middleware(SecurityHeaders)
    return app

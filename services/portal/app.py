"""The portal's ASGI app: routes, static files, the visitor rate limit and the error page.

Composed at ``/`` by the composition root in the embedded mode (after the services' prefixes), or run
alone by ``ecocomply portal`` in the distributed one (the proxy sends ``/`` to it). It reaches the services
only through ``shared.http.ServiceClient`` — it imports none of them."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from services.portal import complaints, my, pages
from services.portal.client import PortalAPI, ServiceError
from services.portal.web import STATIC, PageError, make_templates, render
from shared.auth import TokenVerifier
from shared.clock import Clock
from shared.config import Settings
from shared.http import ServiceClient
from shared.problems import Problem
from shared.public import RateLimiter, client_address
from shared.registry import bureau_names
from shared.security_headers import SecurityHeaders

log = logging.getLogger("ecocomply.portal")

TITLES = {400: "请求有误", 401: "需要登录", 403: "无权访问", 404: "页面不存在", 405: "不支持的操作", 409: "无法办理",
          410: "已不再公开", 413: "提交的内容过长", 422: "填写有误", 429: "访问过于频繁", 500: "出错了",
          502: "服务暂时不可用", 503: "服务暂时不可用", 504: "服务暂时不可用"}


class VisitorLimit:
    """Pages (not static files) count against ``public_rate_limit`` per visitor address."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, trust_forwarded_for: bool, trusted_proxies: str) -> None:
        self.app, self.limiter, self.trust, self.proxies = app, limiter, trust_forwarded_for, trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(("/static/", "/healthz")):
            request = Request(scope)
            retry = self.limiter.hit(client_address(request, trust_forwarded_for=self.trust,
                                                     trusted_proxies=self.proxies))
            if retry:
                err = PageError(429, TITLES[429], f"您的访问过于频繁，请在{retry}秒后再试。", retry_after=retry)
                response = _error_page(request, err)
                response.headers["Retry-After"] = str(retry)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RegistryNames:
    """Each page's bureau names from the cases service's registry (``shared.registry``, cached), in the
    request's state for the templates' ``bureau`` filter."""

    def __init__(self, app: ASGIApp, http: ServiceClient) -> None:
        self.app, self.http = app, http

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(("/static/", "/healthz")):
            scope.setdefault("state", {})["bureau_names"] = await bureau_names(self.http)
        await self.app(scope, receive, send)


def _error_page(request: Request, err: PageError) -> HTMLResponse:
    return render(request, "error.html", title=err.title, crumbs=[(err.title, None)], err=err, status=err.status)


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return _error_page(request, exc)


async def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    status = exc.status if exc.status in TITLES else 502
    if status >= 500:
        return _error_page(request, PageError(503, TITLES[503], "相关服务暂时无法应答，请稍后再试。"))
    return _error_page(request, PageError(status, TITLES.get(status, "无法办理"), str(exc.problem.get("detail", "")),
                                          rule=exc.problem.get("rule")))


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)  # e.g. a service did not answer (ServiceClient's 503)
    status = exc.status if exc.status in TITLES else 500
    message = "相关服务暂时无法应答，请稍后再试。" if status >= 500 else exc.detail
    return _error_page(request, PageError(status, TITLES[status], message))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    msg = {404: "您访问的页面不存在，请从首页或导航重新进入。", 405: "此页面不支持该操作。"}.get(exc.status_code, str(exc.detail))
    return _error_page(request, PageError(exc.status_code, TITLES.get(exc.status_code, "出错了"), msg))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("portal: unhandled error on %s %s", request.method, request.url.path)
    return _error_page(request, PageError(500, TITLES[500], "页面出现了意外错误，您的操作没有被保存。请稍后再试。"))


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "service": "portal"})


def create_portal(http: ServiceClient, verifier: TokenVerifier, settings: Settings, *, clock: Clock | None = None) -> Starlette:
    routes = [
        Route("/", pages.index),
        Route("/items", pages.items),
        Route("/items/{code}", pages.item),
        Route("/no-penalty", pages.no_penalty),
        Route("/benchmarks", pages.benchmarks),
        Route("/typical-cases", pages.typical_cases),
        Route("/decisions", pages.decisions),
        Route("/decisions/{id}", pages.decision),
        Route("/self-check", pages.self_check),
        Route("/self-check/report", pages.self_check_report, methods=["POST"]),
        Route("/self-check/report.pdf", pages.self_check_pdf, methods=["POST"]),
        Route("/my", my.my),
        Route("/my/login", my.login_form),
        Route("/my/login", my.login, methods=["POST"]),
        Route("/my/logout", my.logout, methods=["POST"]),
        Route("/my/cases/{case_id}", my.case_detail),
        Route("/my/cases/{case_id}/documents/{kind}", my.case_document),
        Route("/my/advice-letters/{letter_id}/feedback", my.advice_feedback, methods=["POST"]),
        Route("/my/repair-applications", my.repair_application, methods=["POST"]),
        Route("/complaints", complaints.form),
        Route("/complaints", complaints.submit, methods=["POST"]),
        Route("/complaints/follow", complaints.follow, methods=["GET", "POST"]),
        Route("/my/complaints", complaints.my_form),
        Route("/my/complaints", complaints.my_submit, methods=["POST"]),
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={
        PageError: _page_error, ServiceError: _service_error, Problem: _problem, HTTPException: _http,
        Exception: _unexpected,
    })
    app.state.api = PortalAPI(http)
    app.state.verifier = verifier
    app.state.settings = settings  # the complaint form's per-address limit reads it
    app.state.clock = clock or Clock()  # the dates the portal prints (the composition passes its runtimes' clock)
    app.state.templates = make_templates()
    app.add_middleware(RegistryNames, http=http)
    app.add_middleware(VisitorLimit, limiter=RateLimiter(settings.public_rate_limit),
                       trust_forwarded_for=settings.public_trust_forwarded_for,
                       trusted_proxies=settings.public_trusted_proxies)
    app.add_middleware(SecurityHeaders)  # outermost: CSP, frame-ancestors, nosniff; no-store under /my (S14)
    return app

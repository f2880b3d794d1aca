"""The workspace's templates and rendering: the portal's filters (names from the registry, Chinese dates,
Beijing time marked, yuan), its own navigation, and the signed-in person on every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from services.portal import web as portal_web
from services.portal.web import PageError, first, form_of  # noqa: F401  (one form parser, one page error)

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SITE = "生态环境免罚轻罚监督审核工作台"

# (key, href, text, roles that see it)
NAV = [
    ("flags", "/workspace/flags", "审核标记", ("auditor", "leader", "admin")),
    ("dashboard", "/workspace/dashboard", "统计看板", ("auditor", "leader", "admin")),
    ("report", "/workspace/report", "年度报告", ("auditor", "leader", "admin")),
    ("people", "/workspace/people", "责任倒查", ("auditor", "leader", "admin")),
    ("casefile", "/workspace/casefile-reviews", "案卷评查", ("auditor", "admin")),
    ("complaints", "/workspace/complaints", "投诉举报", ("auditor", "leader", "admin")),
]


def ws_query(changes: dict[str, str], filters: dict[str, str]) -> str:
    """The queue's query string with ``changes`` applied (empty values dropped)."""
    return urlencode({k: v for k, v in {**filters, **changes}.items() if v})


def make_templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=[str(TEMPLATES), str(portal_web.TEMPLATES)])
    base = portal_web.make_templates().env
    env = t.env
    env.filters.update(base.filters)
    env.tests.update(base.tests)
    env.globals.update(base.globals)
    env.globals.update(SITE=SITE, WS_NAV=NAV)
    env.filters["ws_query"] = ws_query
    env.trim_blocks = env.lstrip_blocks = True
    return t


def render(request: Request, name: str, *, title: str, user: Any = None, nav: str | None = None,
           crumbs: list[tuple[str, str | None]] | None = None, status: int = 200, **ctx: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    context = {"title": title, "user": user, "nav": nav,
               "crumbs": [("工作台", "/workspace/"), *(crumbs or [])] if crumbs is not None else None, **ctx}
    return templates.TemplateResponse(request, name, context, status_code=status)

"""What every page handler shares: the templates (Jinja2, autoescaped), rendering with the page's title,
breadcrumbs and navigation, form parsing, and the errors a page shows (``PageError``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from services.portal import labels, plain
from shared.chinese_dates import beijing_time, cn_date

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SITE = "生态环境涉企行政合规公开服务"
MAX_FORM_BYTES = 200_000

NAV = [
    ("items", "/items", "合规指导清单"),
    ("no-penalty", "/no-penalty", "免罚清单"),
    ("benchmarks", "/benchmarks", "裁量基准"),
    ("typical-cases", "/typical-cases", "典型案例"),
    ("decisions", "/decisions", "处罚决定公开"),
    ("self-check", "/self-check", "企业自查"),
    ("my", "/my", "我的企业"),
    ("complaints", "/complaints", "投诉举报"),
]


class PageError(Exception):
    """An error shown as the error page: status, a title and a message in Chinese, optional detail."""

    def __init__(self, status: int, title: str, message: str, *, detail: str | None = None,
                 rule: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message
        self.detail, self.rule, self.retry_after = detail, rule, retry_after


def _highlight(text: Any, q: str | None) -> Markup:
    """``text`` escaped, with each occurrence of ``q`` wrapped in ``<mark>``."""
    s = str(text or "")
    if not q:
        return escape(s)
    parts = re.split(f"({re.escape(q)})", s, flags=re.IGNORECASE)
    return Markup("").join(Markup("<mark>{}</mark>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts))


def _yuan(v: Any) -> str:
    if v is None:
        return "—"
    v = float(v)
    if v >= 10_000 and v % 10_000 == 0:
        return f"{v / 10_000:g}万元"
    return f"{v:,.2f}元".replace(".00元", "元")


@pass_context
def _bureau(ctx: Any, code: str | None) -> str:
    """A bureau's name from the registry (``RegistryNames`` put them in the request's state)."""
    request = ctx.get("request")
    names = getattr(request.state, "bureau_names", None) if request is not None else None
    return labels.bureau_name(code, names)


def make_templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(TEMPLATES))
    env = t.env
    env.filters["highlight"] = _highlight
    env.filters["yuan"] = _yuan
    env.filters["cn_date"] = cn_date
    env.filters["beijing"] = beijing_time
    env.filters["bureau"] = _bureau
    env.filters["clean"] = plain.clean
    env.tests["from_reading"] = plain.from_reading
    env.globals.update(SITE=SITE, NAV=NAV, L=labels, label=labels.label, P=plain)
    env.trim_blocks = env.lstrip_blocks = True
    return t


def render(request: Request, name: str, *, title: str, crumbs: list[tuple[str, str | None]] | None = None,
           nav: str | None = None, status: int = 200, **ctx: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    context = {"title": title, "crumbs": [("首页", "/"), *(crumbs or [])] if crumbs is not None else None,
               "nav": nav, **ctx}
    return templates.TemplateResponse(request, name, context, status_code=status)


async def form_of(request: Request) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body (the pages' forms), bounded in size."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise PageError(413, "提交的内容过长", f"表单内容不能超过{MAX_FORM_BYTES // 1000}KB。")
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError as e:
        raise PageError(400, "无法读取提交的内容", "表单须以 UTF-8 编码提交。") from e


def first(form: dict[str, list[str]], key: str, default: str = "") -> str:
    return (form.get(key) or [default])[0]

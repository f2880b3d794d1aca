"""Printable documents as PDF with Chinese text that extracts back exactly (RECIPES §4): reportlab with
the embedded WQY Zen Hei TTC (``fonts-wqy-zenhei``, installed by ``deploy/system-deps.sh``). A ``Doc`` is
pure data — title, number, sections of paragraphs, the articles it relies on; ``render`` makes bytes.
Used by the cases service's 文书 and the portal's self-check report."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from typing import Any

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT = "WQYZenHei"
_font_lock = threading.Lock()
_font_ready = False


@dataclass
class Doc:
    title: str
    number: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    articles_heading: str = "所依据的条款"
    authority: str | None = None  # the issuing authority's name, printed above the title
    seal: list[str] = field(default_factory=list)  # the seal block: authority name, "（印章）", the date

    def text(self) -> str:
        """The document's text as it is printed (what a reader extracts back from the PDF)."""
        lines = [*([self.authority] if self.authority else []), self.title, self.number]
        for heading, paras in self.sections:
            lines.append(heading)
            lines += paras
        lines.append(self.articles_heading)
        lines += self.articles
        lines += self.seal
        return "\n".join(lines)


def _ensure_font() -> None:
    global _font_ready
    with _font_lock:
        if _font_ready:
            return
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
        _font_ready = True


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(doc: Doc) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    _ensure_font()
    title = ParagraphStyle("t", fontName=FONT, fontSize=18, leading=26, alignment=1, wordWrap="CJK")
    sub = ParagraphStyle("n", fontName=FONT, fontSize=11, leading=18, alignment=1, wordWrap="CJK")
    head = ParagraphStyle("h", fontName=FONT, fontSize=12, leading=20, spaceBefore=8, wordWrap="CJK",
                          keepWithNext=1)  # a heading never ends a page alone
    body = ParagraphStyle("b", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
    flow: list[Any] = []
    if doc.authority:
        flow.append(Paragraph(_esc(doc.authority), title))
    flow += [Paragraph(_esc(doc.title), title), Paragraph(_esc(doc.number), sub), Spacer(1, 8)]
    for heading, paras in doc.sections:
        flow.append(Paragraph(_esc(heading), head))
        flow += [Paragraph(_esc(p), body) for p in paras]
    articles = [Paragraph(_esc(doc.articles_heading), head), *[Paragraph(_esc(a), body) for a in doc.articles]]
    if doc.seal:
        # The seal block never stands on a page of its own: it keeps the last lines of text with it (and the
        # heading, when only a line or two follow it — reportlab's keepWithNext does not reach into a KeepTogether).
        right = ParagraphStyle("s", parent=body, alignment=2, rightIndent=24)
        tail = 3 if len(articles) <= 3 else 2
        flow += articles[:-tail]
        flow.append(KeepTogether([*articles[-tail:], Spacer(1, 28), *[Paragraph(_esc(line), right) for line in doc.seal]]))
    else:
        flow += articles
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=doc.title, author=doc.authority or "EcoComply").build(
        flow, canvasmaker=_numbered_canvas())
    return buf.getvalue()


def _numbered_canvas():
    """A canvas that prints "第 n 页 共 m 页" at the foot of every page (the total known once all are laid out)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    class Numbered(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(FONT, 9)
                self.drawCentredString(A4[0] / 2, 28, f"第 {self._pageNumber} 页 共 {total} 页")
                super().showPage()
            super().save()

    return Numbered

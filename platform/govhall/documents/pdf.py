"""Documents as PDF (reportlab): the item's Jinja2 template rendered with the case,
then laid out with an embedded CJK TrueType font (WenQuanYi Micro Hei, from PyPI),
the tenant's seal, a QR code of the public verification address and the short
code printed beside it.

Templates are a small HTML subset — ``h1``, ``h2``, ``p``, ``ol``/``ul``/``li``,
``br``, ``strong``/``b`` — turned into reportlab paragraphs by a few lines of
``html.parser``: HTML-to-PDF libraries either cannot embed a CJK font or need
system libraries the embedded default does not have.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from importlib import resources
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

FONT = "GovhallCJK"


@lru_cache(maxsize=1)
def register_font() -> str:
    path = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FONT


class _Blocks(HTMLParser):
    """The template's HTML as (tag, inline markup) blocks for paragraphs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self._tag = ""
        self._text: list[str] = []
        self._number = 0
        self._lists: list[str] = []

    def _flush(self) -> None:
        text = "".join(self._text).strip()
        if text:
            self.blocks.append((self._tag or "p", text))
        self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "p", "li"):
            self._flush()
            # Notices right-align their signature and centre their number (class names
            # from the built-in templates).
            css = dict(attrs).get("class") or ""
            self._tag = {"notice-sign": "sign", "notice-number": "number"}.get(css, tag)
            if tag == "li":
                self._number += 1
                marker = f"{self._number}. " if self._lists and self._lists[-1] == "ol" else "• "
                self._text.append(marker)
        elif tag in ("ol", "ul"):
            self._flush()
            self._lists.append(tag)
            self._number = 0
        elif tag == "br":
            self._text.append("<br/>")
        elif tag in ("strong", "b"):
            self._text.append("<b>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "p", "li"):
            self._flush()
            self._tag = ""
        elif tag in ("ol", "ul") and self._lists:
            self._lists.pop()
        elif tag in ("strong", "b"):
            self._text.append("</b>")

    def handle_data(self, data: str) -> None:
        self._text.append(escape(data))


class Seal(Flowable):
    """The tenant's seal (公章): a red ring, a star and the issuing body's name."""

    def __init__(self, name: str, size: float = 42 * mm) -> None:
        super().__init__()
        self.name = name
        self.size = size
        self.width = self.height = size
        self.hAlign = "RIGHT"

    def draw(self) -> None:
        canvas: Canvas = self.canv
        radius = self.size / 2
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#d32f2f"))
        canvas.setFillColor(colors.HexColor("#d32f2f"))
        canvas.setLineWidth(2.5)
        canvas.circle(radius, radius, radius - 2, stroke=1, fill=0)
        star = canvas.beginPath()

        for i in range(10):
            r = radius * (0.28 if i % 2 == 0 else 0.11)
            angle = math.pi / 2 + i * math.pi / 5
            point = (radius + r * math.cos(angle), radius + r * math.sin(angle))
            star.moveTo(*point) if i == 0 else star.lineTo(*point)
        star.close()
        canvas.drawPath(star, stroke=0, fill=1)
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(radius, radius * 0.45, self.name[:14])
        canvas.restoreState()


def _qr(value: str, size: float = 30 * mm) -> Drawing:
    widget = QrCodeWidget(value)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    return drawing


def render_pdf(
    *,
    body_html: str,
    title: str,
    issuer: str,
    verify_url: str,
    code: str,
    code_label: str,
    metadata: dict[str, Any],
) -> bytes:
    font = register_font()
    heading = ParagraphStyle(
        "h1", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=8
    )
    subheading = ParagraphStyle("h2", fontName=font, fontSize=13, leading=20, alignment=1)
    body = ParagraphStyle("p", fontName=font, fontSize=12, leading=20, spaceAfter=6)
    item = ParagraphStyle("li", parent=body, leftIndent=14)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=13, textColor=colors.grey)
    sign = ParagraphStyle("sign", parent=body, alignment=2)
    number = ParagraphStyle("number", parent=body, alignment=1)
    styles = {
        "h1": heading,
        "h2": subheading,
        "p": body,
        "li": item,
        "sign": sign,
        "number": number,
    }
    parser = _Blocks()
    parser.feed(body_html)
    parser.close()
    story: list[Any] = [Paragraph(escape(title), heading)]
    story += [Paragraph(text, styles.get(tag, body)) for tag, text in parser.blocks]
    # The seal sits over the signature, as a stamped one would.
    story += [Spacer(1, -24 * mm), Seal(issuer), Spacer(1, 6 * mm), _qr(verify_url)]
    story.append(Paragraph(escape(f"{code_label}：{code}　{verify_url}"), small))
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        title=title,
        author=issuer,
        subject=code,
        creator="govhall",
        keywords=metadata.get("serial_number", ""),
    ).build(story)
    return out.getvalue()

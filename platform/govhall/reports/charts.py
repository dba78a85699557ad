"""Charts for reports and the dashboard, drawn once with reportlab's chart
library and output either as SVG (inline on the page: no script, works on an
intranet, prints) or into the PDF export — the same drawing both ways."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from govhall.documents.pdf import register_font

PALETTE = [
    colors.HexColor(c)
    for c in ("#1f5fa8", "#c0392b", "#2e8b57", "#d4a017", "#6a4c93", "#17808a", "#8c564b")
]
WIDTH, HEIGHT = 560, 260


def _label(text: str, limit: int = 8) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chart(
    kind: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | int | None]]],
) -> Drawing:
    """A bar, line or pie chart of ``series`` (name, one value per category); a pie
    shows the first series only."""
    font = register_font()
    # The title is the figure's caption (page) or heading (PDF), not drawn twice.
    drawing = Drawing(WIDTH, HEIGHT)
    data = [[float(v or 0) for v in values] for _, values in series]
    if not categories or not data:
        drawing.add(String(10, HEIGHT / 2, "—", fontName=font, fontSize=14))
        return drawing
    if kind == "pie":
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 30, 20, 210, 210
        pie.data = data[0] if any(data[0]) else [1.0]
        pie.labels = None
        for i in range(len(pie.data)):
            pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
            pie.slices[i].strokeColor = colors.white
        drawing.add(pie)
        legend = Legend()
        legend.x, legend.y = 270, HEIGHT - 30
        legend.fontName = font
        legend.fontSize = 13
        legend.alignment = "right"
        legend.colorNamePairs = [
            (PALETTE[i % len(PALETTE)], f"{_label(c, 14)}  {data[0][i]:g}")
            for i, c in enumerate(categories)
        ]
        drawing.add(legend)
        return drawing
    plot: Any = VerticalBarChart() if kind == "bar" else HorizontalLineChart()
    plot.x, plot.y, plot.width, plot.height = 50, 50, WIDTH - 200, HEIGHT - 70
    plot.data = data
    plot.categoryAxis.categoryNames = [_label(c) for c in categories]
    plot.categoryAxis.labels.fontName = font
    plot.categoryAxis.labels.fontSize = 12
    plot.categoryAxis.labels.angle = 30 if len(categories) > 6 else 0
    plot.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 6 else "n"
    plot.valueAxis.labels.fontName = font
    plot.valueAxis.labels.fontSize = 12
    plot.valueAxis.valueMin = 0
    top = max((max(d) for d in data if d), default=0)
    plot.valueAxis.valueMax = top * 1.15 if top > 0 else 1
    for i in range(len(data)):
        if kind == "bar":
            plot.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        else:
            plot.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
            plot.lines[i].strokeWidth = 2
            # A single month is one point: markers keep it visible.
            plot.lines[i].symbol = makeMarker("FilledCircle")  # type: ignore[no-untyped-call]
    drawing.add(plot)
    legend = Legend()
    legend.x, legend.y = WIDTH - 135, HEIGHT - 30
    legend.fontName = font
    legend.fontSize = 13
    legend.colorNamePairs = [
        (PALETTE[i % len(PALETTE)], _label(name, 12)) for i, (name, _) in enumerate(series)
    ]
    drawing.add(legend)
    return drawing


def to_svg(drawing: Drawing, title: str) -> str:
    """The drawing as an inline ``<svg>`` with an accessible name (the data is
    also in the table beside it)."""
    svg = renderSVG.drawToString(drawing)
    start = svg.index("<svg")
    # The embedded PDF font is not a web font: let the browser pick its CJK font.
    body = svg[start:].replace("GovhallCJK", "sans-serif")
    return body.replace(
        "<svg ", f'<svg role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" ', 1
    )

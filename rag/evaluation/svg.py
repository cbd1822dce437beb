"""Small inline SVG charts for the HTML eval report, drawn in Python (no chart library, no script).

Does: horizontal bars against a threshold tick, stacked bars of counts, and per-case columns with
an overlaid part (time to first token inside the total time). Every label is HTML-escaped here, so
a caller may pass text from any corpus or question file.
Does not: decide what is plotted or whether a value passes (`rag.evaluation.html` does), or lay out
the page.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Sequence

PASS, FAIL, NEUTRAL, LIGHT, GRID = "#2f855a", "#c53030", "#4a6fa5", "#b8c7de", "#d9dde3"
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: `ok` colours it (None: neutral); `mark` draws a threshold tick there."""

    label: str
    value: float | None
    text: str
    ok: bool | None = None
    mark: float | None = None


@dataclass(frozen=True)
class Column:
    """One case's column: `value` is the full height, `inner` the darker part drawn inside it."""

    label: str
    value: float | None
    inner: float | None = None


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg class="chart" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
            + "".join(body) + "</svg>")


def hbars(bars: Sequence[Bar], title: str, scale: float = 1.0, width: int = 360) -> str:
    """Horizontal bars on a 0..scale axis; a missing value is written 'not measured'."""
    label_w, row_h, text_w = 140, 20, 64
    plot_w = width - label_w - text_w
    body = []
    for i, b in enumerate(bars):
        y = 4 + i * row_h
        body.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" {_FONT}>{escape(b.label)}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{plot_w}" height="12" fill="{GRID}" opacity="0.5"/>')
        if b.value is not None:
            w = max(0.0, min(1.0, b.value / scale if scale else 0.0)) * plot_w
            colour = NEUTRAL if b.ok is None else PASS if b.ok else FAIL
            body.append(f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="12" fill="{colour}"/>')
        if b.mark is not None and scale:
            x = label_w + max(0.0, min(1.0, b.mark / scale)) * plot_w
            body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 18}" stroke="#1a202c" stroke-width="2"/>')
        body.append(f'<text x="{label_w + plot_w + 6}" y="{y + 13}" {_FONT}>{escape(b.text)}</text>')
    return _svg(width, 8 + row_h * len(bars), body, title)


def stacked(rows: Sequence[tuple[str, Sequence[tuple[str, int]]]], colours: dict[str, str], title: str,
            width: int = 560) -> str:
    """One bar per row, split into counted segments (e.g. outcomes per case type), with a legend."""
    label_w, row_h = 110, 22
    plot_w = width - label_w - 40
    most = max((sum(n for _, n in segs) for _, segs in rows), default=0) or 1
    body = []
    for i, (label, segs) in enumerate(rows):
        y, x = 4 + i * row_h, float(label_w)
        body.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" {_FONT}>{escape(label)}</text>')
        for name, n in segs:
            if n <= 0:
                continue
            w = n / most * plot_w
            body.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="14" fill="{colours.get(name, GRID)}">'
                        f'<title>{escape(name)}: {n}</title></rect>')
            if w >= 14:
                body.append(f'<text x="{x + w / 2:.1f}" y="{y + 14}" text-anchor="middle" fill="#fff" {_FONT}>{n}</text>')
            x += w
        body.append(f'<text x="{x + 4:.1f}" y="{y + 14}" {_FONT}>{sum(n for _, n in segs)}</text>')
    legend_y = 8 + row_h * len(rows)
    x = float(label_w)
    for name, colour in colours.items():
        body.append(f'<rect x="{x:.0f}" y="{legend_y}" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{x + 14:.0f}" y="{legend_y + 9}" {_FONT}>{escape(name)}</text>')
        x += 22 + 6.5 * len(name)
    return _svg(max(width, int(x)), legend_y + 18, body, title)


def columns(cols: Sequence[Column], title: str, unit: str, legend: tuple[str, str] | None = None,
            height: int = 180) -> str:
    """A column per case (label rotated below it); `inner` is drawn darker inside the column."""
    left, step, bottom = 44, 18, 96
    top = max((c.value or 0.0 for c in cols), default=0.0) or 1.0
    plot_h = height - 14
    width = left + step * len(cols) + 10
    body = [f'<text x="4" y="10" {_FONT}>{escape(f"{top:.1f}" if top < 100 else f"{top:.0f}")} {escape(unit)}</text>',
            f'<line x1="{left}" x2="{width}" y1="{plot_h + 4}" y2="{plot_h + 4}" stroke="{GRID}"/>']
    for i, c in enumerate(cols):
        x = left + i * step
        if c.value is not None:
            h = c.value / top * (plot_h - 14)
            body.append(f'<rect x="{x}" y="{plot_h + 4 - h:.1f}" width="{step - 4}" height="{h:.1f}" fill="{LIGHT}">'
                        f'<title>{escape(c.label)}: {c.value:.1f} {escape(unit)}</title></rect>')
        if c.inner is not None:
            h = c.inner / top * (plot_h - 14)
            body.append(f'<rect x="{x}" y="{plot_h + 4 - h:.1f}" width="{step - 4}" height="{h:.1f}" fill="{NEUTRAL}">'
                        f'<title>{escape(c.label)}: {c.inner:.1f} {escape(unit)}</title></rect>')
        body.append(f'<text transform="translate({x + 10},{plot_h + 10}) rotate(60)" {_FONT}>'
                    f'{escape(c.label[:16])}</text>')
    if legend:
        body.append(f'<rect x="{left + 80}" y="2" width="10" height="10" fill="{NEUTRAL}"/>'
                    f'<text x="{left + 94}" y="11" {_FONT}>{escape(legend[0])}</text>'
                    f'<rect x="{left + 220}" y="2" width="10" height="10" fill="{LIGHT}"/>'
                    f'<text x="{left + 234}" y="11" {_FONT}>{escape(legend[1])}</text>')
    return _svg(width, height + bottom, body, title)

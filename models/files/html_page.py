"""Self-contained HTML pieces: the page shell with its print CSS, tables and inline SVG charts.

No external script, style, font or image: the page works offline and prints.
Every text goes through :func:`esc` (a name from the input may hold ``<``).
Charts are inline SVG with a ``<title>`` and ``<desc>`` and each mark with
its own ``<title>``; a table beside each chart holds the same figures.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from string import Template

BAR, CAP_LINE = "bar", "cap-line"

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>$title</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1f24;
       margin: 0 auto; max-width: 1100px; padding: 1.5rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #c9d3e0; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
.sub { color: #4a5563; margin: 0 0 1rem; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.card { border: 1px solid #c9d3e0; border-radius: 6px; padding: .6rem .9rem; min-width: 9rem; background: #f6f8fb; }
.card .figure { font-size: 1.7rem; font-weight: 700; display: block; }
.card .label { font-size: .85rem; color: #4a5563; }
.card.bad { background: #fdeeee; border-color: #e3a3a3; }
.card.good { background: #edf7ee; border-color: #9fcea5; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d5dbe3; padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #e8edf4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.mark-at { background: #f8c8c8; font-weight: 700; }
.mark-near { background: #fce8b0; font-weight: 700; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: inherit; font-size: 12px; fill: #1b1f24; }
.bar { fill: #4f7cb3; } .bar.near { fill: #d9a21b; } .bar.at { fill: #b8322a; }
.cap-line { stroke: #1b1f24; stroke-width: 1.5; stroke-dasharray: 4 3; }
.axis { stroke: #8a94a3; stroke-width: 1; }
.curve { fill: none; stroke: #4f7cb3; stroke-width: 2.5; } .point { fill: #4f7cb3; }
.legend { font-size: .85rem; color: #4a5563; }
ul.notes li { margin: .2rem 0; }
footer { margin-top: 2rem; font-size: .8rem; color: #4a5563; word-break: break-all; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure, .cards, tr { break-inside: avoid; page-break-inside: avoid; }
  .card, th, .mark-at, .mark-near { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 1.5cm; }
</style>
</head>
<body>
$body
</body>
</html>
""")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, body: str) -> str:
    return _PAGE.substitute(title=esc(title), body=body)


def cards(items: Iterable[tuple[str, object, str]]) -> str:
    """Headline figures: (label, figure, tone '' | 'good' | 'bad')."""
    parts = [f'<div class="card {esc(tone)}"><span class="figure">{esc(figure)}</span>'
             f'<span class="label">{esc(label)}</span></div>' for label, figure, tone in items]
    return '<div class="cards">' + "".join(parts) + "</div>"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Iterable[int] = (),
          row_class: Sequence[str] | None = None, caption: str = "") -> str:
    nums = set(numeric)
    head = "".join(f'<th scope="col"{" class=num" if i in nums else ""}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{esc(row_class[r])}"' if row_class and row_class[r] else ""
        cells = "".join(f'<td{" class=num" if i in nums else ""}>{esc(v)}</td>' for i, v in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def bar_chart(chart_id: str, title: str, desc: str, bars: Sequence[tuple[str, float, str, str]],
              reference: float = 1.0, reference_label: str = "100%") -> str:
    """Horizontal bars: (label, value, css tone '' | 'near' | 'at', tooltip); a dashed line at ``reference``."""
    label_w, plot_w, row_h, top = 230, 560, 22, 26
    top_value = max([reference * 1.2, *(v for _, v, _, _ in bars)]) or 1.0
    height = top + row_h * len(bars) + 24
    x = lambda v: label_w + plot_w * v / top_value  # noqa: E731 - a scale, read like the axis it draws
    parts = [f'<svg id="{esc(chart_id)}" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="0 0 {label_w + plot_w + 60} {height}" width="{label_w + plot_w + 60}" height="{height}" '
             f'aria-labelledby="{esc(chart_id)}-t {esc(chart_id)}-d">',
             f'<title id="{esc(chart_id)}-t">{esc(title)}</title><desc id="{esc(chart_id)}-d">{esc(desc)}</desc>']
    for i, (label, value, tone, tip) in enumerate(bars):
        y = top + i * row_h
        width = max(x(value) - label_w, 0.0)
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{esc(label)}</text>')
        parts.append(f'<rect class="{BAR} {esc(tone)}" x="{label_w}" y="{y + 3}" width="{width:.1f}" height="16">'
                     f"<title>{esc(tip)}</title></rect>")
        parts.append(f'<text x="{label_w + width + 4:.1f}" y="{y + 15}">{value:.0%}</text>')
    bottom = top + row_h * len(bars)
    ref_x = x(reference)
    parts.append(f'<line class="axis" x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{bottom}"/>')
    parts.append(f'<line class="{CAP_LINE}" x1="{ref_x:.1f}" y1="{top - 8}" x2="{ref_x:.1f}" y2="{bottom + 2}">'
                 f"<title>{esc(reference_label)}</title></line>")
    parts.append(f'<text x="{ref_x:.1f}" y="{top - 12}" text-anchor="middle">{esc(reference_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(chart_id: str, title: str, desc: str, points: Sequence[tuple[float, float, str]],
               x_label: str, y_label: str) -> str:
    """A curve through (x, y, tooltip) points, with its axes labelled."""
    left, width, top, height = 60, 600, 20, 240
    xs = [p[0] for p in points] or [0.0]
    ys = [p[1] for p in points] or [0.0]
    x_top, y_top = max(max(xs), 1.0), max(max(ys), 1.0)
    px = lambda v: left + width * v / x_top  # noqa: E731
    py = lambda v: top + height - height * v / y_top  # noqa: E731
    parts = [f'<svg id="{esc(chart_id)}" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="0 0 {left + width + 40} {top + height + 50}" width="{left + width + 40}" '
             f'height="{top + height + 50}" aria-labelledby="{esc(chart_id)}-t {esc(chart_id)}-d">',
             f'<title id="{esc(chart_id)}-t">{esc(title)}</title><desc id="{esc(chart_id)}-d">{esc(desc)}</desc>',
             f'<line class="axis" x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}"/>',
             f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + height}"/>',
             f'<text x="{left + width / 2}" y="{top + height + 40}" text-anchor="middle">{esc(x_label)}</text>',
             f'<text x="14" y="{top + height / 2}" transform="rotate(-90 14 {top + height / 2})" '
             f'text-anchor="middle">{esc(y_label)}</text>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{y_top:g}</text>',
             f'<text x="{left - 6}" y="{top + height + 4}" text-anchor="end">0</text>']
    if points:
        path = " ".join(f"{'M' if i == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for i, (x, y, _) in enumerate(points))
        parts.append(f'<path class="curve" d="{path}"/>')
    for x_value, y_value, tip in points:
        parts.append(f'<circle class="point" cx="{px(x_value):.1f}" cy="{py(y_value):.1f}" r="5">'
                     f"<title>{esc(tip)}</title></circle>")
        parts.append(f'<text x="{px(x_value):.1f}" y="{top + height + 18}" text-anchor="middle">{x_value:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def figure(chart: str, caption: str) -> str:
    return f"<figure>{chart}<figcaption class=legend>{esc(caption)}</figcaption></figure>"

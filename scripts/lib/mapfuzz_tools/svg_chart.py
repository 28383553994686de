"""Charts as inline SVG markup (no script, no external reference, no xmlns
needed inside HTML): line_chart() for series over time, hbar_chart() for
stacked horizontal bars, plus the number and duration formats and tick
choice they use. Every text is HTML-escaped; every call returns a complete
<svg> element, with a "no data" message when there is nothing to draw."""

import html
import math
import re

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#8c8c8c"]
DASHES = ["", "6 3", "2 3", "8 3 2 3"]
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\""
_TIME_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800,
               3600, 7200, 10800, 21600, 43200, 86400]


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def esc(text):
    """text (any value) as HTML/SVG text with & < > " ' escaped and control
    characters other than tab and newline shown as U+FFFD."""
    return html.escape(_CONTROL.sub("\ufffd", str(text)), quote=True)


def fmt_num(v):
    """A count or rate for a label: 950, 12.3k, 4.5M, 1.2G, 3.4T; floats
    under 10 with one decimal; '—' for None."""
    if v is None:
        return "—"
    a = abs(v)
    for size, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= size:
            s = f"{v / size:.1f}".rstrip("0").rstrip(".")
            return s + suffix
    if isinstance(v, float) and not v.is_integer() and a < 10:
        return f"{v:.1f}"
    return str(int(round(v)))


def fmt_duration(s):
    """Seconds as 45s, 2m30s, 1h05m, 2d03h; '—' for None."""
    if s is None:
        return "—"
    s = int(round(s))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m" + (f"{s % 60:02d}s" if s % 60 else "")
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600:02d}h"


def nice_ticks(hi, count=5, integer=False):
    """Tick values 0, step, 2*step, ... covering [0, hi] with about `count`
    steps of 1, 2 or 5 times a power of ten (whole numbers if integer)."""
    hi = hi if hi and hi > 0 else 1
    raw = hi / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    if integer:
        step = max(1, round(step))
    n = math.ceil(hi / step - 1e-9)
    return [i * step for i in range(n + 1)]


def time_ticks(hi, count=6):
    """Tick values in seconds covering [0, hi], at steps people read easily
    (10 s, 1 min, 5 min, 1 h, ...)."""
    hi = hi if hi and hi > 0 else 1
    step = next((s for s in _TIME_STEPS if hi / s <= count), _TIME_STEPS[-1])
    n = math.ceil(hi / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _text_width(text, size=12):
    """Estimated width in px of text at font size `size` (no font metrics here)."""
    return len(str(text)) * size * 0.62


def _svg_open(width, height, title):
    """The <svg> start tag and its accessible <title>."""
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{esc(title)}" {FONT}>'
            f'<title>{esc(title)}</title>'
            f'<text x="0" y="16" font-size="14" font-weight="600" fill="#222">{esc(title)}</text>')


def empty_chart(title, message, width=560, height=120):
    """A chart-sized <svg> that shows only its title and `message`."""
    return (_svg_open(width, height, title)
            + f'<rect x="0.5" y="28.5" width="{width - 1}" height="{height - 30}" fill="#fafafa" '
              f'stroke="#ddd" rx="4"/>'
            + f'<text x="{width / 2}" y="{(height + 28) / 2 + 4}" text-anchor="middle" '
              f'font-size="13" fill="#777">{esc(message)}</text></svg>')


def legend(items, x0, y0, width):
    """Legend entries (label, color, dash, shape 'line'|'box') laid out in
    rows from (x0, y0) within `width`. Returns (markup, height used)."""
    parts, x, y = [], x0, y0
    for label, color, dash, shape in items:
        w = 26 + _text_width(label) + 16
        if x > x0 and x + w > x0 + width:
            x, y = x0, y + 20
        if shape == "box":
            parts.append(f'<rect x="{x}" y="{y - 9}" width="12" height="12" fill="{color}" rx="2"/>')
        else:
            d = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<line x1="{x}" y1="{y - 3}" x2="{x + 20}" y2="{y - 3}" stroke="{color}" '
                         f'stroke-width="2.5"{d}/>')
        parts.append(f'<text x="{x + 26 - (8 if shape == "box" else 0)}" y="{y + 1}" font-size="12" '
                     f'fill="#333">{esc(label)}</text>')
        x += w
    return "".join(parts), (y - y0 + 20 if items else 0)


def _axes(box, xticks, yticks, xscale, yscale, xfmt, yfmt):
    """Grid lines, both axes and their tick labels for a plot area `box`
    = (left, top, width, height)."""
    left, top, w, h = box
    out = []
    for v in yticks:
        y = yscale(v)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + w}" y2="{y:.1f}" stroke="#e6e6e6"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                   f'fill="#555">{esc(yfmt(v))}</text>')
    for v in xticks:
        x = xscale(v)
        out.append(f'<line x1="{x:.1f}" y1="{top + h}" x2="{x:.1f}" y2="{top + h + 4}" stroke="#555"/>'
                   f'<text x="{x:.1f}" y="{top + h + 17}" text-anchor="middle" font-size="11" '
                   f'fill="#555">{esc(xfmt(v))}</text>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + h}" stroke="#555"/>'
               f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#555"/>')
    return "".join(out)


def series_style(i):
    """Color and dash pattern of the i-th series (colors first, then dashes)."""
    return PALETTE[i % len(PALETTE)], DASHES[(i // len(PALETTE)) % len(DASHES)]


def _polyline(points, xscale, yscale, color, dash, label, yfmt):
    """One series: its line (a dot when it has one point), a dot on its last
    point, and a hover title with the last value."""
    coords = " ".join(f"{xscale(x):.1f},{yscale(y):.1f}" for x, y in points)
    lx, ly = points[-1]
    d = f' stroke-dasharray="{dash}"' if dash else ""
    tip = f"<title>{esc(label)}: {esc(yfmt(ly))} at {esc(fmt_duration(lx))}</title>"
    line = (f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2" '
            f'stroke-linejoin="round"{d}>{tip}</polyline>') if len(points) > 1 else ""
    return line + (f'<circle cx="{xscale(lx):.1f}" cy="{yscale(ly):.1f}" r="3" fill="{color}">'
                   f'{tip}</circle>')


def line_chart(series, title, y_label, x_label="time since start", width=560, height=300,
               y_format=fmt_num, empty_message="no data", y_max=None):
    """A line chart of series [{"label": str, "points": [(seconds, value), ...]}]
    sharing one time axis from 0 and one value axis from 0, with ticks, axis
    labels and a legend below; y_max fixes the value axis's top (e.g. 100
    for percentages). Points with a None value are dropped; series
    left empty are listed in the legend only. Returns <svg> markup; an
    empty_chart(empty_message) when no series has a point."""
    clean = [(s["label"], [(float(x), float(y)) for x, y in s["points"]
                           if x is not None and y is not None]) for s in series]
    if not any(p for _, p in clean):
        return empty_chart(title, empty_message, width)
    items = [(label, *series_style(i), "line") for i, (label, _) in enumerate(clean)]
    legend_svg, legend_h = legend(items, 64, 8, width - 74)
    left, top, right = 64, 34, 16
    plot_h = height - top - 48
    xmax = max(x for _, p in clean for x, _ in p)
    ymax = max(y for _, p in clean for _, y in p)
    xticks = time_ticks(xmax)
    yticks = nice_ticks(y_max if y_max else ymax * 1.05 if ymax > 0 else 1)
    box = (left, top, width - left - right, plot_h)
    xscale = lambda v: left + box[2] * v / xticks[-1]
    yscale = lambda v: top + plot_h - plot_h * v / yticks[-1]
    out = [_svg_open(width, height + legend_h, title), _axes(box, xticks, yticks, xscale, yscale,
                                                             fmt_duration, y_format)]
    out.append(f'<text x="{left + box[2] / 2}" y="{top + plot_h + 34}" text-anchor="middle" '
               f'font-size="12" fill="#333">{esc(x_label)}</text>')
    out.append(f'<text transform="translate(14 {top + plot_h / 2}) rotate(-90)" text-anchor="middle" '
               f'font-size="12" fill="#333">{esc(y_label)}</text>')
    for i, (label, pts) in enumerate(clean):
        if pts:
            out.append(_polyline(sorted(pts), xscale, yscale, *series_style(i), label, y_format))
    out.append(f'<g transform="translate(0 {height})">{legend_svg}</g></svg>')
    return "".join(out)


def _label_fit(text, px):
    """text cut with an ellipsis so it fits in about px pixels at 12px."""
    n = max(4, int(px / (12 * 0.62)))
    return text if len(text) <= n else text[:n - 1] + "…"


def hbar_chart(rows, keys, title, x_label, colors=None, width=560, empty_message="nothing to show"):
    """Stacked horizontal bars: rows [(label, {key: value})], stacked in the
    order of `keys` (colors[i] for keys[i], else the palette), total at the
    bar's end, legend on top. Long row labels are cut (full text in a hover
    title). Returns <svg> markup; an empty_chart(empty_message) when every
    value is 0 or there is no row."""
    totals = [sum(v.get(k, 0) or 0 for k in keys) for _, v in rows]
    if not rows or not any(totals):
        return empty_chart(title, empty_message, width)
    colors = colors or [PALETTE[i % len(PALETTE)] for i in range(len(keys))]
    label_w = min(230, max(60, max(_text_width(label) for label, _ in rows) + 16))
    legend_svg, legend_h = legend([(k, c, "", "box") for k, c in zip(keys, colors)],
                                  label_w, 40, width - label_w - 10)
    left, top, bar_h, gap = label_w, 28 + legend_h + 8, 18, 8
    plot_w = width - left - 56
    ticks = nice_ticks(max(totals), count=5, integer=True)
    plot_h = len(rows) * (bar_h + gap)
    scale = lambda v: left + plot_w * v / ticks[-1]
    height = top + plot_h + 44
    out = [_svg_open(width, height, title), legend_svg]
    for v in ticks:
        x = scale(v)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#e6e6e6"/>'
                   f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11" '
                   f'fill="#555">{esc(fmt_num(v))}</text>')
    for r, ((label, values), total) in enumerate(zip(rows, totals)):
        y = top + r * (bar_h + gap) + gap / 2
        out.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" font-size="12" fill="#333">'
                   f'<title>{esc(label)}</title>{esc(_label_fit(label, label_w - 10))}</text>')
        x = left
        for k, c in zip(keys, colors):
            v = values.get(k, 0) or 0
            if v:
                w = scale(v) - left
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{c}">'
                           f'<title>{esc(label)} — {esc(k)}: {esc(fmt_num(v))}</title></rect>')
                x += w
        out.append(f'<text x="{x + 5:.1f}" y="{y + 13}" font-size="12" fill="#333">{esc(fmt_num(total))}</text>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#555"/>')
    out.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h + 34}" text-anchor="middle" '
               f'font-size="12" fill="#333">{esc(x_label)}</text></svg>')
    return "".join(out)

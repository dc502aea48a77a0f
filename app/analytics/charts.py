"""Charts drawn on the server as SVG: nothing to load from a CDN, and readable without script.

Every label is escaped; the markup is ours alone, so a page may place it inline.
"""

import math

from markupsafe import escape

WIDTH, HEIGHT = 720, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 20, 36
# Gridlines the y axis is read by: about this many, at round values.
Y_TICKS = 4
# Polaris-like data colours, distinguishable in greyscale too by their dash patterns.
LINES = (("#2c6ecb", ""), ("#c05717", "6 3"), ("#1f7a4d", "2 3"), ("#8a3ffc", "8 3 2 3"))


def line_chart(
    title: str, days: list[str], series: dict[str, list[float]], partial_last: bool = False
) -> str:
    """One line per series over the days, read against round gridlines, with the legend inside
    the plot. partial_last marks the last day as still running, so its low figures are not
    read as a drop."""
    # A fifth of headroom above the highest value: the legend sits there, over no data.
    largest = max([max(values, default=0) for values in series.values()] + [1])
    ticks = nice_ticks(largest * 1.25)
    top = ticks[-1]
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(days) - 1, 1)

    def point(n: int, value: float) -> str:
        x = PAD_LEFT + n * step
        y = PAD_TOP + plot_h - (value / top) * plot_h
        return f"{x:.1f},{y:.1f}"

    parts = [_open(title), _axes(plot_h)]
    for value in ticks:
        y = PAD_TOP + plot_h - (value / top) * plot_h
        if value:
            parts.append(
                f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - PAD_RIGHT}" y2="{y:.1f}"'
                ' stroke="#f1f1f1" class="grid"/>'
            )
        parts.append(_y_label(_number(value), y + 4))
    if partial_last and len(days) > 1:
        x = PAD_LEFT + (len(days) - 2) * step
        parts.append(
            f'<rect x="{x:.1f}" y="{PAD_TOP}" width="{step:.1f}" height="{plot_h}"'
            ' fill="#f7f7f7" class="partial"><title>Today, so far</title></rect>'
            f'<text x="{WIDTH - PAD_RIGHT - 2}" y="{PAD_TOP - 4}" text-anchor="end"'
            ' class="tick">today, so far</text>'
        )
    for n in _tick_indexes(len(days)):
        x = PAD_LEFT + n * step
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle" class="tick">'
            f"{escape(days[n][5:])}</text>"
        )
    for (name, values), (colour, dash) in zip(series.items(), LINES, strict=False):
        points = " ".join(point(n, value) for n, value in enumerate(values))
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dashes} points="{points}">'
            f"<title>{escape(name)}</title></polyline>"
        )
    parts.append(_legend(list(series), LINES, PAD_LEFT + 8, PAD_TOP + 8))
    parts.append("</svg>")
    return "".join(parts)


def funnel_chart(title: str, steps: list[tuple[str, float]]) -> str:
    """Horizontal bars, each step's width against the first, with counts and step rates."""
    top = max([value for _, value in steps] + [1])
    bar_h, gap = 24, 8
    height = PAD_TOP + len(steps) * (bar_h + gap) + 8
    label_w, plot_w = 130, WIDTH - 130 - 150
    parts = [_open(title, height)]
    previous = None
    for n, (label, value) in enumerate(steps):
        y = PAD_TOP + n * (bar_h + gap)
        width = max(plot_w * value / top, 1)
        rate = f" · {value / previous:.0%} of the step before" if previous else ""
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" class="label">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y}" width="{width:.1f}" height="{bar_h}" rx="4"'
            f' fill="#2c6ecb"><title>{escape(label)}: {_number(value)}</title></rect>'
            f'<text x="{label_w + width + 6:.1f}" y="{y + 16}" class="value">'
            f"{_number(value)}{escape(rate)}</text>"
        )
        previous = value or None
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' role="img" aria-label="{escape(title)}" class="chart">'
        "<style>.tick,.label,.value,.legend{font:12px sans-serif;fill:#616161}"
        ".label{fill:#303030}</style>"
        f"<title>{escape(title)}</title>"
    )


def _axes(plot_h: int) -> str:
    bottom = PAD_TOP + plot_h
    return (
        f'<line x1="{PAD_LEFT}" y1="{bottom}" x2="{WIDTH - PAD_RIGHT}" y2="{bottom}"'
        ' stroke="#e3e3e3"/>'
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{bottom}" stroke="#e3e3e3"/>'
    )


def _y_label(text: str, y: float) -> str:
    return (
        f'<text x="{PAD_LEFT - 6}" y="{y:.1f}" text-anchor="end" class="tick">{escape(text)}</text>'
    )


def _legend(names: list[str], styles, left: float, top: float) -> str:
    """A key in the plot's top-left corner, on white so the lines behind it do not show."""
    item_w = 130
    parts = [
        f'<g class="legend-box"><rect x="{left}" y="{top}" width="{item_w * len(names) + 8}"'
        ' height="22" rx="4" fill="#fff" fill-opacity=".92"/>'
    ]
    for n, (name, (colour, dash)) in enumerate(zip(names, styles, strict=False)):
        x = left + 8 + n * item_w
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{x}" y1="{top + 11}" x2="{x + 24}" y2="{top + 11}" stroke="{colour}"'
            f' stroke-width="2"{dashes}/>'
            f'<text x="{x + 30}" y="{top + 15}" class="legend">{escape(name)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def nice_ticks(largest: float, count: int = Y_TICKS) -> list[float]:
    """0 and round steps (1, 2 or 5 times a power of ten) up to the first at or above largest."""
    raw = max(largest, 1) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    # The series are counts: a step below one would label the axis 0.5.
    step = max(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw), 1)
    return [step * n for n in range(math.ceil(largest / step) + 1)] or [0, step]


def _tick_indexes(count: int) -> list[int]:
    if count <= 1:
        return list(range(count))
    every = max(count // 6, 1)
    return sorted(set(range(0, count, every)) | {count - 1})


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"

"""Charts drawn on the server as SVG: nothing to load from a CDN, and readable without script.

Every label is escaped; the markup is ours alone, so a page may place it inline.
"""

from markupsafe import escape

WIDTH, HEIGHT = 720, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 16, 28, 36
# Polaris-like data colours, distinguishable in greyscale too by their dash patterns.
LINES = (("#2c6ecb", ""), ("#c05717", "6 3"), ("#1f7a4d", "2 3"), ("#8a3ffc", "8 3 2 3"))


def line_chart(title: str, days: list[str], series: dict[str, list[float]]) -> str:
    """One line per series over the days, with a legend and the y axis' top value."""
    top = max([max(values, default=0) for values in series.values()] + [1])
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(days) - 1, 1)

    def point(n: int, value: float) -> str:
        x = PAD_LEFT + n * step
        y = PAD_TOP + plot_h - (value / top) * plot_h
        return f"{x:.1f},{y:.1f}"

    parts = [_open(title), _axes(plot_h), _y_label(_number(top), PAD_TOP + 4)]
    parts.append(_y_label("0", PAD_TOP + plot_h + 4))
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
    parts.append(_legend(list(series), LINES))
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


def _legend(names: list[str], styles) -> str:
    parts = []
    for n, (name, (colour, dash)) in enumerate(zip(names, styles, strict=False)):
        x = PAD_LEFT + n * 150
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{x}" y1="4" x2="{x + 24}" y2="4" stroke="{colour}" stroke-width="2"'
            f"{dashes}/>"
            f'<text x="{x + 30}" y="8" class="legend">{escape(name)}</text>'
        )
    return "".join(parts)


def _tick_indexes(count: int) -> list[int]:
    if count <= 1:
        return list(range(count))
    every = max(count // 6, 1)
    return sorted(set(range(0, count, every)) | {count - 1})


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"

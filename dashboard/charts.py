"""Charts drawn on the server as SVG: columns over time, ranked bars, and columns with a
running line. Pure drawing, no queries: callers pass the figures.

Each chart is an <svg role="img"> named by its <title> and <desc>, sized by its viewBox to
the width it is given (readable from 390 px up), styled by presentation attributes only (the
CSP allows no style attributes), with every text escaped. The same figures go in a table
beside it (`Chart.columns` and `Chart.rows`), and `Chart.svg(standalone=True)` is the file
to download. What every chart has, whatever its shape, comes in one ChartSpec; each builder
takes the spec and the figures of its own shape.
"""

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 340, 220
LEFT, RIGHT, TOP, BOTTOM = 46, 10, 28, 34  # the plot's margins
ROW = 36  # one bar of a ranked chart, with its label above it
INK, MUTED, GRID = "#1f2328", "#57606a", "#d8dee4"
BAR, LINE = "#0b5d5b", "#a34700"
FONT = 13
MAX_X_LABELS = 5
MAX_NAME = 42  # characters of a bar's label before it is cut short

type Number = Decimal | int
type Table = tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]  # (columns, rows)


@dataclass(frozen=True)
class Chart:
    name: str  # in ids and file names: "sales", "top-products", …
    title: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    width: int
    height: int
    body: str  # the drawing, its texts escaped

    def svg(self, *, standalone: bool = False) -> SafeString:
        """The chart as inline SVG for a page, or as a file of its own."""
        title_id, desc_id = f"chart-{self.name}-title", f"chart-{self.name}-desc"
        prolog = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
        namespace = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
        size = (f' width="{self.width}" height="{self.height}"' if standalone
                else ' width="100%" class="chart"')
        return mark_safe(  # noqa: S308  every text in it went through escape()
            f'{prolog}<svg{namespace} role="img" viewBox="0 0 {self.width} {self.height}"'
            f'{size} aria-labelledby="{title_id} {desc_id}" font-family="system-ui, sans-serif"'
            f' font-size="{FONT}">'
            f'<title id="{title_id}">{escape(self.title)}</title>'
            f'<desc id="{desc_id}">{escape(self.description)}</desc>'
            f'<rect width="{self.width}" height="{self.height}" fill="#ffffff"/>'
            f"{self.body}</svg>\n"
        )

    def table_rows(self) -> SafeString:
        """The figures' table body: a row each, its first cell the row's heading. Written
        here rather than in a template loop, which cost a twelve months' page more than its
        charts."""
        if not self.rows:
            return mark_safe(  # noqa: S308  fixed markup and a number
                f'<tr><td colspan="{len(self.columns)}">Nothing in this period.</td></tr>\n'
            )
        return mark_safe("".join(  # noqa: S308  every cell went through escape()
            f'<tr><th scope="row">{escape(first)}</th>'
            + "".join(f'<td class="num">{escape(cell)}</td>' for cell in rest) + "</tr>\n"
            for first, *rest in self.rows
        ))


@dataclass(frozen=True)
class ChartSpec:
    """What a chart says, whatever its shape: its name, its accessible title and
    description, a label per value, how a value is written, the same figures as a table, and
    what it says when there is nothing to draw."""

    name: str  # in ids and file names: "sales", "top-products", …
    title: str
    description: str
    labels: Sequence[str]
    fmt: Callable[[Number], str]
    table: Table
    empty: str

    def drawn(self, width: int, height: int, body: str) -> Chart:
        return Chart(self.name, self.title, self.description, *self.table, width, height, body)


def columns(spec: ChartSpec, *, values: Sequence[Number], unit: str = "") -> Chart:
    """Columns over time, one per label, on an axis marked with `unit`."""
    top, ticks = scale(max(values, default=0))
    plot = _Plot(LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM)
    parts = [_y_axis(plot, top, ticks, unit), *_x_labels(plot, spec.labels)]
    parts.append(_columns(plot, values, top, spec.labels, spec.fmt, BAR))
    if not any(values):
        parts.append(_empty(plot, spec.empty))
    return spec.drawn(WIDTH, HEIGHT, "".join(parts))


def columns_and_line(
    spec: ChartSpec, *, bars: Sequence[int], line: Sequence[int], bar_name: str,
    line_name: str,
) -> Chart:
    """Columns on the left axis and a running line on the right one, with a legend."""
    bar_top, bar_ticks = scale(max(bars, default=0))
    line_top, line_ticks = scale(max(line, default=0))
    plot = _Plot(LEFT, WIDTH - LEFT, TOP, HEIGHT - BOTTOM)
    parts = [
        _y_axis(plot, bar_top, bar_ticks, ""),
        _right_axis(plot, line_top, line_ticks),
        *_x_labels(plot, spec.labels),
        _columns(plot, bars, bar_top, spec.labels, spec.fmt, BAR),
        _line(plot, line, line_top, spec.labels, spec.fmt),
        _legend(((bar_name, BAR, "bar"), (line_name, LINE, "line"))),
    ]
    if not any(bars) and not any(line):
        parts.append(_empty(plot, spec.empty))
    return spec.drawn(WIDTH, HEIGHT, "".join(parts))


def ranked_bars(spec: ChartSpec, *, values: Sequence[Number]) -> Chart:
    """Horizontal bars, largest first, each named above its bar and valued at its end."""
    height = TOP + max(len(values), 1) * ROW + 8
    top = max(values, default=0) or 1
    room = WIDTH - 8 - 8 - 80  # the longest bar leaves room for its value
    parts = []
    for index, (label, value) in enumerate(zip(spec.labels, values, strict=True)):
        y = TOP + index * ROW
        length = max(float(value) / float(top) * room, 1)
        text = escape(f"{label}: {spec.fmt(value)}")
        parts.append(
            f'<text x="8" y="{y + 12}" fill="{INK}">{escape(_shorten(label))}</text>'
            f'<rect x="8" y="{y + 17}" width="{length:.1f}" height="13" fill="{BAR}">'
            f"<title>{text}</title></rect>"
            f'<text x="{8 + length + 6:.1f}" y="{y + 28}" fill="{MUTED}">'
            f"{escape(spec.fmt(value))}</text>"
        )
    if not values:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{TOP + 20}" text-anchor="middle" fill="{MUTED}">'
            f"{escape(spec.empty)}</text>"
        )
    return spec.drawn(WIDTH, height, "".join(parts))


# --- scales and axes ----------------------------------------------------------------------


def scale(largest: Number) -> tuple[Decimal, list[Decimal]]:
    """A round top for an axis from 0 to at least `largest`, and its ticks: at most 5 steps
    of 1, 2, 2.5 or 5 times a power of ten."""
    largest = Decimal(largest)
    if largest <= 0:
        return Decimal(4), [Decimal(n) for n in range(5)]
    rough = largest / 5
    magnitude = Decimal(10) ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, Decimal("2.5"), 5, 10) if m * magnitude >= rough)
    if step < 1 and largest.as_integer_ratio()[1] == 1:
        step = Decimal(1)  # whole numbers (counts) get whole steps
    count = math.ceil(largest / step)
    return step * count, [step * n for n in range(count + 1)]


def compact(value: Number) -> str:
    """An axis label: 950, 1.5k, 12k, 2.5M."""
    value = Decimal(value)
    for size, suffix in ((Decimal(10) ** 6, "M"), (Decimal(1000), "k")):
        if abs(value) >= size:
            return f"{(value / size).normalize():f}".rstrip(".") + suffix
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class _Plot:
    left: float
    right: float
    top: float
    bottom: float

    def slot(self, count: int) -> float:
        return (self.right - self.left) / max(count, 1)

    def y(self, value: Number, top: Number) -> float:
        return self.bottom - float(value) / float(top) * (self.bottom - self.top)


def _y_axis(plot: _Plot, top: Decimal, ticks: list[Decimal], unit: str) -> str:
    parts = []
    for tick in ticks:
        y = plot.y(tick, top)
        parts.append(
            f'<line x1="{plot.left}" x2="{plot.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{plot.left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(compact(tick))}</text>"
        )
    if unit:
        parts.append(f'<text x="{plot.left - 6}" y="{plot.top - 12}" text-anchor="end" '
                     f'fill="{MUTED}">{escape(unit)}</text>')
    return "".join(parts)


def _right_axis(plot: _Plot, top: Decimal, ticks: list[Decimal]) -> str:
    return "".join(
        f'<text x="{plot.right + 6}" y="{plot.y(tick, top) + 4:.1f}" fill="{LINE}">'
        f"{escape(compact(tick))}</text>"
        for tick in ticks
    )


def _x_labels(plot: _Plot, labels: Sequence[str]) -> list[str]:
    every = max(math.ceil(len(labels) / MAX_X_LABELS), 1)
    slot = plot.slot(len(labels))
    return [
        f'<text x="{plot.left + slot * (index + 0.5):.1f}" y="{plot.bottom + 18}" '
        f'text-anchor="middle" fill="{MUTED}">{escape(label)}</text>'
        for index, label in enumerate(labels)
        if index % every == 0
    ] + [f'<line x1="{plot.left}" x2="{plot.right}" y1="{plot.bottom}" y2="{plot.bottom}" '
         f'stroke="{MUTED}" stroke-width="1"/>']


def _columns(
    plot: _Plot, values: Sequence[Number], top: Number, labels: Sequence[str],
    fmt: Callable[[Number], str], colour: str,
) -> str:
    slot = plot.slot(len(values))
    width = max(slot * 0.7, 0.5)
    parts = []
    for index, value in enumerate(values):
        y = plot.y(max(value, 0), top)
        parts.append(
            f'<rect x="{plot.left + slot * index + (slot - width) / 2:.2f}" y="{y:.1f}" '
            f'width="{width:.2f}" height="{plot.bottom - y:.1f}" fill="{colour}">'
            f"<title>{escape(f'{labels[index]}: {fmt(value)}')}</title></rect>"
        )
    return "".join(parts)


def _line(
    plot: _Plot, values: Sequence[Number], top: Number, labels: Sequence[str],
    fmt: Callable[[Number], str],
) -> str:
    slot = plot.slot(len(values))
    points = [(plot.left + slot * (index + 0.5), plot.y(value, top))
              for index, value in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{LINE}">'
        f"<title>{escape(f'{labels[index]}: {fmt(values[index])}')}</title></circle>"
        for index, (x, y) in enumerate(points)
    )
    return (f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>'
            f"{dots}" if points else "")


def _legend(entries: Iterable[tuple[str, str, str]]) -> str:
    parts, x = [], LEFT
    for label, colour, shape in entries:
        if shape == "bar":
            parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>')
        else:
            parts.append(f'<line x1="{x}" x2="{x + 12}" y1="11" y2="11" stroke="{colour}" '
                         'stroke-width="2"/>')
        parts.append(f'<text x="{x + 16}" y="15" fill="{INK}">{escape(label)}</text>')
        x += 16 + len(label) * 8 + 18
    return "".join(parts)


def _empty(plot: _Plot, message: str) -> str:
    return (f'<text x="{(plot.left + plot.right) / 2}" y="{(plot.top + plot.bottom) / 2}" '
            f'text-anchor="middle" fill="{MUTED}">{escape(message)}</text>')


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1].rstrip() + "…"

"""The reports' pictures as plain shapes, laid out here and drawn as inline SVG by
``templates/admin/bookings/reports/charts/chart.html``.

Two kinds are enough for a small clinic: horizontal bars (a row per week or category,
stacked when split, so a long range grows down the page rather than squeezing across a
phone) and a weekday × hour grid. The drawing is 400 units wide, so 14-unit text is
still 12.5 pixels on a 360-pixel phone; the page's CSS lets it grow to at most 30rem on
a desktop. Colours are the Okabe–Ito palette, told apart by colour-blind eyes,
and every figure is also written beside its bar, so print and grey scale lose nothing.
Only presentation attributes are used (``fill``, ``fill-opacity``): the site's CSP
allows no inline style. Values arrive already suppressed (``numbers``): a hidden count
is None and draws nothing.
"""

from dataclasses import dataclass, field

WIDTH = 400
FONT = 14
SMALL = 13
TEXT_SPACE = 104  # right of the longest bar, for its figure ("fewer than 5")
BAR = 15
CHAR = 0.56  # a character's width in ems, for laying out legends

BLUE, ORANGE, GREEN, PINK = "#0072B2", "#E69F00", "#009E73", "#CC79A7"
SKY, VERMILLION, PURPLE, GREY = "#56B4E9", "#D55E00", "#7A5195", "#8A8A8A"
HIDDEN = ("Fewer than 5 each (not drawn apart)", "#D4D4D4")


@dataclass(frozen=True)
class Shape:
    x: float
    y: float
    width: float
    height: float
    fill: str
    opacity: float = 1.0
    title: str = ""
    dashed: bool = False  # a dashed outline: a cell outside the opening hours


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"
    size: int = FONT
    bold: bool = False
    fill: str = "currentColor"


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    height: float = 0
    width: int = WIDTH
    shapes: list[Shape] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {round(self.height) + 2}"


def _r(value: float) -> float:
    return round(value, 1)


def legend(chart: Chart, items: list[tuple[str, str]], y: float) -> float:
    """Swatches and their names, flowed across the width from ``y``; returns the y
    below them."""
    x, line = 0.0, 18
    for text, colour in items:
        width = 12 + 5 + len(text) * SMALL * CHAR + 14
        if x and x + width > chart.width:
            x, y = 0.0, y + line
        chart.shapes.append(Shape(x, y, 12, 12, colour))
        chart.labels.append(Label(_r(x + 17), y + 11, text, size=SMALL))
        x += width
    return y + line + 4 if items else y


# --- Bars -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One row: its name, its parts in order ((legend key, value or None), None: not
    drawn), and the figure written after it."""

    label: str
    parts: tuple[tuple[str, float | None], ...]
    text: str


def bars(
    *,
    slug: str,
    title: str,
    description: str,
    rows: list[Bar],
    colours: dict[str, tuple[str, str]],
    label_width: int = 0,
    maximum: float | None = None,
) -> Chart:
    """Horizontal bars, stacked by part. ``colours``: legend key -> (name, colour), in
    legend order (shown when more than one key is drawn). ``label_width``: a column for
    short row names (weeks) at the left; 0 puts each name above its bar."""
    chart = Chart(slug, title, description)
    used = {key for row in rows for key, value in row.parts if value}
    shown = [colours[key] for key in colours if key in used]
    y = legend(chart, shown, 0) if len(used) > 1 or "hidden" in used else 0
    left = label_width + 6 if label_width else 0
    area = chart.width - left - TEXT_SPACE
    scale = maximum or max((sum(v or 0 for _, v in row.parts) for row in rows), default=0) or 1
    row_height, bar_top = (24, 4) if label_width else (42, 20)
    top = y
    for row in rows:
        if label_width:
            chart.labels.append(Label(label_width, y + 16.5, row.label, anchor="end"))
        else:
            chart.labels.append(Label(0, y + 15, row.label))
        x = float(left)
        for key, value in row.parts:
            if not value:
                continue
            width = max(value / scale * area, 1)
            name = colours[key][0]
            chart.shapes.append(
                Shape(_r(x), y + bar_top, _r(width), BAR, colours[key][1], title=name)
            )
            x += width
        chart.labels.append(Label(_r(x + 5), y + bar_top + 12, row.text, size=SMALL))
        y += row_height
    chart.rules.append(Rule(left, top, left, y))
    chart.height = y + 2
    return chart


# --- Weekday × hour grid ---------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """``value``: 0–1 for the colour's strength, None for nothing to draw; ``text``
    written in the cell; ``open``: the clinic takes bookings then."""

    value: float | None
    text: str
    open: bool
    title: str = ""


def heatmap(
    *,
    slug: str,
    title: str,
    description: str,
    columns: list[str],
    rows: list[str],
    cells: list[list[Cell]],
    colour: str = BLUE,
    low: str = "Fewer",
    high: str = "More",
) -> Chart:
    """A grid: a row per hour, a column per weekday, each cell stronger with its value.
    Hours the clinic is closed have a dashed outline (pale grey when empty)."""
    chart = Chart(slug, title, description)
    label_width, header = 50, 22
    width = (chart.width - label_width) / max(len(columns), 1)
    height = 26
    for n, name in enumerate(columns):
        x = label_width + n * width + width / 2
        chart.labels.append(Label(_r(x), 15, name, anchor="middle", bold=True))
    for r, name in enumerate(rows):
        y = header + r * height
        chart.labels.append(Label(label_width - 6, y + 18, name, anchor="end"))
        for c, cell in enumerate(cells[r]):
            x = label_width + c * width
            if cell.open or cell.value:
                strength = 0.08 + 0.82 * (cell.value or 0)
                fill = colour
            else:
                strength, fill = 0.12, GREY
            chart.shapes.append(
                Shape(
                    _r(x + 1.5),
                    y + 1.5,
                    _r(width - 3),
                    height - 3,
                    fill,
                    _r(strength),
                    cell.title,
                    dashed=not cell.open,
                )
            )
            ink = "#FFFFFF" if fill == colour and strength > 0.5 else "currentColor"
            chart.labels.append(
                Label(_r(x + width / 2), y + 18, cell.text, anchor="middle", size=SMALL, fill=ink)
            )
    y = header + len(rows) * height + 10
    x = 0.0
    chart.shapes.append(Shape(x + 0.5, y + 0.5, 11, 11, GREY, 0.12, dashed=True))
    chart.labels.append(Label(17, y + 10.5, "Closed", size=SMALL))
    x = 80.0
    chart.labels.append(Label(x, y + 10.5, low, size=SMALL))
    x += len(low) * SMALL * CHAR + 6
    for step in range(5):
        chart.shapes.append(Shape(_r(x + step * 16), y, 14, 12, colour, _r(0.08 + 0.82 * step / 4)))
    chart.labels.append(Label(_r(x + 5 * 16 + 4), y + 10.5, high, size=SMALL))
    chart.height = y + 16
    return chart

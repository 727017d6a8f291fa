"""What a section of the reports page is made of, and the helpers its builders share."""

import datetime as dt
from dataclasses import dataclass, field

from bookings.models import Weekday
from bookings.reports import Report
from bookings.reports.charts import Chart
from bookings.reports.numbers import date_text, hidden, shown, week_label

DAYS = [label for _, label in Weekday.choices]
SHORT_DAYS = [label[:3] for label in DAYS]


@dataclass
class Table:
    slug: str  # its CSV download: ?format=csv&section=<slug>
    caption: str
    columns: list[str]
    rows: list[list[str]]
    footer: list[str] | None = None
    grid: bool = False  # a weekday × hour grid: short row names, many columns


@dataclass
class Figure:
    chart: Chart | None
    table: Table


@dataclass
class Section:
    slug: str
    title: str
    basis: str
    summary: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (address, text)
    figures: list[Figure] = field(default_factory=list)


def with_rest(parts: list[tuple[str, int]], total: int) -> tuple:
    """A stacked bar's parts: those that may be shown, then the hidden ones together
    (grey) so the bar is as long as the total; nothing at all for a hidden total."""
    if hidden(total):
        return ()
    drawn = [(key, shown(value)) for key, value in parts]
    rest = total - sum(value or 0 for _, value in drawn)
    return (*drawn, ("hidden", rest)) if rest else tuple(drawn)


def weeks(report: Report) -> list[tuple[dt.date, str]]:
    period = report.period
    with_year = period.first.year != period.last.year
    return [(week, week_label(week, with_year=with_year)) for week in period.weeks]


def week_labels_width(report: Report) -> int:
    """The left column for week names: "30 Nov", or "30 Nov 26" over two years."""
    period = report.period
    return 56 if period.first.year == period.last.year else 78


def span(report: Report) -> str:
    period = report.period
    return f"{date_text(period.first)} to {date_text(period.last)}"

"""How the reports write a figure: small counts hidden, rates, durations, week labels.

A count from 1 to 4 is shown as "fewer than 5", in the tables, the CSV downloads and the
pictures alike (a picture draws no bar for it), so that no figure narrows down to one or
two patients. Zero is shown: it says nothing about anyone. A rate whose part is hidden is
given as a bound ("under 20%"), and a rate of a hidden whole is not given at all.
"""

import datetime as dt
import math

from bookings.reports.period import MIN_SHOWN

FEWER = f"fewer than {MIN_SHOWN}"


def hidden(count: int | None) -> bool:
    return count is not None and 0 < count < MIN_SHOWN


def shown(count: int) -> int | None:
    """The count if it may be shown (drawn), else None."""
    return None if hidden(count) else count


def count_text(count: int) -> str:
    return FEWER if hidden(count) else f"{count:,}"


def share(part: int, whole: int) -> float | None:
    """part / whole when both may be shown, else None (nothing to draw)."""
    if whole == 0 or hidden(whole) or hidden(part):
        return None
    return part / whole


def rate_text(part: int, whole: int) -> str:
    if whole == 0:
        return "—"
    if hidden(whole):
        return "not shown"
    if hidden(part):
        return f"under {math.ceil(100 * MIN_SHOWN / whole)}%"
    return percent(part / whole)


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def count_and_rate(part: int, whole: int) -> str:
    """ "12 (40%)", or "fewer than 5" alone."""
    if hidden(part) or whole == 0:
        return count_text(part)
    return f"{count_text(part)} ({rate_text(part, whole)})"


def duration_text(value: dt.timedelta | None) -> str:
    """Hours under two days ("3.5 h", "20 h"), days after ("2.5 days")."""
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 1:
        return f"{max(round(hours * 60), 1)} min"
    if hours < 10:
        return f"{hours:.1f} h"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"


def week_label(monday: dt.date, *, with_year: bool = False) -> str:
    """A picture's row name: "7 Sep", or "7 Sep 26" when the range spans two years."""
    return f"{monday.day} {monday:%b %y}" if with_year else f"{monday.day} {monday:%b}"


def week_name(monday: dt.date) -> str:
    """The week as a table row says it: "Mon 7 Sep 2026"."""
    return f"{monday:%a} {monday.day} {monday:%b %Y}"


def date_text(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def rate_label(part: int, whole: int) -> str:
    """A rate written after its bar: as ``rate_text``, but a hidden part as "fewer
    than 5 of 19" (a bound in per cent reads oddly beside a picture)."""
    if hidden(part) and not hidden(whole):
        return f"{FEWER} of {whole:,}"
    return rate_text(part, whole)

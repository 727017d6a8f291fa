"""Free times as patients choose them: the days for the day picker and each day's times
for the time grid (``templates/bookings/includes/day_picker.html`` and
``time_grid.html``), the same on the booking page, the move page and the next-session
page. Labels are in clinic time."""

import datetime as dt

from django.utils import timezone

from bookings import availability
from bookings.forms import slot_value

AFTERNOON_FROM_HOUR = 12


def day_choices(
    slots: dict[dt.date, list[dt.datetime]], *, with_count: bool = False
) -> list[tuple[str, str]]:
    """(ISO date, "Tuesday 3 Mar") for each day with free times, in date order;
    ``with_count`` adds how many times the day has ("Tuesday 3 Mar, 11 times")."""
    choices = []
    for day, times in sorted(slots.items()):
        label = f"{day:%A} {day.day} {day:%b}"
        if with_count:
            label += ", 1 time" if len(times) == 1 else f", {len(times)} times"
        choices.append((day.isoformat(), label))
    return choices


def time_choices(starts: list[dt.datetime], *, with_day: bool = False) -> list[tuple[str, str]]:
    """(slot value, "09:30") for each start; ``with_day`` names the day too
    ("Tue 3 Mar, 09:30"), for times drawn from several days."""
    tz = availability.clinic_tz()
    choices = []
    for start in starts:
        local = timezone.localtime(start, tz)
        label = f"{local:%H:%M}"
        if with_day:
            label = f"{local:%a} {local.day} {local:%b}, {label}"
        choices.append((slot_value(start), label))
    return choices


def time_groups(choices: list[tuple[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """``time_choices`` split, in order, into morning and afternoon runs, so a long day
    reads as two short grids."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for value, label in choices:
        # A slot value ends in the clinic-time "HH:MM".
        part = "Morning" if int(value[-5:-3]) < AFTERNOON_FROM_HOUR else "Afternoon and evening"
        if not groups or groups[-1][0] != part:
            groups.append((part, []))
        groups[-1][1].append((value, label))
    return groups

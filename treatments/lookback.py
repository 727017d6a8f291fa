"""A screening question's look-back: the weeks or months before an appointment it asks about.

What matters for a question such as "have you taken isotretinoin?" is the time before the
appointment, not the time before the patient fills in the form. The period ends on the
appointment's day (a clinic date) and starts the look-back before it. Months are calendar
months: one month before 31 March is 28 February (29 in a leap year), never 3 March.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils import dateformat


class Unit(models.TextChoices):
    DAYS = "days", "days"
    WEEKS = "weeks", "weeks"
    MONTHS = "months", "months"


SINGULAR = {Unit.DAYS: "day", Unit.WEEKS: "week", Unit.MONTHS: "month"}


def period_start(end: dt.date, amount: int, unit: str) -> dt.date:
    """The first day of a look-back of ``amount`` ``unit`` ending on ``end``."""
    if unit == Unit.MONTHS:
        return end - relativedelta(months=amount)
    if unit == Unit.WEEKS:
        return end - dt.timedelta(weeks=amount)
    if unit == Unit.DAYS:
        return end - dt.timedelta(days=amount)
    raise ValueError(f"Unknown look-back unit: {unit!r}")


def describe(amount: int, unit: str) -> str:
    """'6 months', '1 week'."""
    return f"{amount} {SINGULAR[Unit(unit)] if amount == 1 else Unit(unit).label}"


def _mid_sentence(question: str) -> str:
    """The question after a leading phrase: 'Have you…' becomes 'have you…'; a name or
    an abbreviation at the start ('PRP', 'I') keeps its capital."""
    first_word = question.split(" ", 1)[0]
    if first_word[:1].isupper() and first_word[1:].islower():
        return question[0].lower() + question[1:]
    return question


def _day(day: dt.date, *, with_year: bool) -> str:
    return dateformat.format(day, "j F Y" if with_year else "j F")


def dated_question(question: str, start: dt.date, end: dt.date) -> str:
    """'Between 4 June and 4 December 2026, have you taken isotretinoin (Roaccutane)?'"""
    first = _day(start, with_year=start.year != end.year)
    return f"Between {first} and {_day(end, with_year=True)}, {_mid_sentence(question)}"


def relative_question(question: str, amount: int, unit: str) -> str:
    """The question before the appointment's day is known: 'In the 6 months before your
    appointment, have you taken isotretinoin (Roaccutane)?'"""
    return f"In the {describe(amount, unit)} before your appointment, {_mid_sentence(question)}"

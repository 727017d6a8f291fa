"""The owner's reports: how the clinic is doing, week by week, in counts and rates only.

- ``build_report`` (here) reads every figure for a period: ``period`` (whole weeks in
  clinic time), ``incoming`` (by request week) and ``diary`` (by appointment week), each
  a few grouped queries, a fixed number whatever the range or the size of the diary.
- ``sections`` and ``visits`` turn the figures into the page's sections (``layout``):
  the tables the page and its CSV downloads show, every count under five written
  "fewer than 5" (``numbers``), and the pictures, laid out by ``charts`` from the same,
  already-hidden figures.

Nothing here names, links to or counts out a patient. For the benchmark::

    from bookings.reports import build_report
    build_report()                                    # the default 12 weeks, all treatments
    build_report(first=date(2025, 1, 6), last=date(2025, 12, 28), treatment_id=None)
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from bookings.reports import diary, incoming
from bookings.reports.period import DEFAULT_WEEKS, MAX_WEEKS, Period, clinic_date

__all__ = ["DEFAULT_WEEKS", "MAX_WEEKS", "SECTIONS", "Period", "Report", "build_report"]


@dataclass
class Report:
    period: Period
    today: dt.date
    sections: tuple[str, ...] = ()  # the SECTIONS read
    requests: incoming.RequestCounts | None = None
    answer_times: incoming.AnswerTimes | None = None
    reasons: list[incoming.Reason] | None = None
    attendance: diary.Attendance | None = None
    demand: diary.Demand | None = None
    returns: diary.Returns | None = None
    screening: dict[str, int] | None = None


# Section name -> the reads it needs (by Report attribute), in the page's order.
SECTIONS = {
    "requests": ("requests",),
    "funnel": ("requests",),
    "answer-times": ("answer_times",),
    "cancellations": ("requests", "reasons", "attendance"),
    "demand": ("demand",),
    "courses": ("returns",),
    "screening": ("requests", "screening"),
}


def build_report(
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    treatment_id: int | None = None,
    sections: tuple[str, ...] | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Every figure of the reports for the weeks from ``first`` to ``last`` (clinic
    dates, widened to whole weeks from Monday; by default the DEFAULT_WEEKS weeks
    ending with this one), for one treatment or all; ``sections`` (names of SECTIONS)
    to read only some. Read-only; about a dozen queries for all sections, the same
    number for any range and any number of consultations."""
    today = clinic_date(now or timezone.now())
    if first is None or last is None:
        period = Period.weeks_to(last or today, DEFAULT_WEEKS, treatment_id)
    else:
        period = Period.between(first, last, treatment_id)
    names = tuple(name for name in SECTIONS if name in (sections or SECTIONS))
    wanted = {read for name in names for read in SECTIONS[name]}
    report = Report(period=period, today=today, sections=names)
    if "requests" in wanted:
        report.requests = incoming.request_counts(period)
    if "answer_times" in wanted:
        report.answer_times = incoming.answer_times(period)
    if "reasons" in wanted:
        report.reasons = incoming.cancellation_reasons(period)
    if "attendance" in wanted:
        report.attendance = diary.attendance(period)
    if "demand" in wanted:
        report.demand = diary.demand(period)
    if "returns" in wanted:
        report.returns = diary.returns(period, today=today)
    if "screening" in wanted:
        report.screening = dict(incoming.flagged_answers(period))
    return report

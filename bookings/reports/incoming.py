"""What came in, by request week (``created_at``): requests by source and outcome, the
funnel, how fast the clinic answers, why requests were cancelled, and screening flags."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    JSONField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Lower, Replace, Trim

from bookings.models import Consultation
from bookings.reports.period import (
    MIN_SHOWN,
    PATIENT_PREFIX,
    TOP_REASONS,
    Period,
    Status,
    confirmation_events,
    monday,
    requests,
    week_of,
)

# --- Requests, their outcomes and the funnel (one query) -----------------------------


OUTCOMES = {
    "pending": "Awaiting an answer",
    "confirmed": "Confirmed, not yet attended",
    "completed": "Attended",
    "cancelled_patient": "Cancelled by the patient",
    "cancelled_clinic": "Cancelled by the clinic",
    "declined": "Declined",
    "no_show": "Did not attend",
}


def outcome_of(status: str, cancelled_by: str) -> str:
    if status == Status.CANCELLED:
        # An old cancellation that did not say who made it is counted as the clinic's.
        return "cancelled_patient" if cancelled_by == "patient" else "cancelled_clinic"
    return status


@dataclass
class RequestCounts:
    """Requests by request week: in total, by source, by outcome; the funnel's counts
    (``confirmed``: ever confirmed, from the history, whatever happened after);
    ``groups``: (outcome, ever confirmed) -> count over the period; ``flagged``."""

    weeks: list[dt.date]
    total: list[int]
    by_source: dict[str, list[int]]
    by_outcome: dict[str, list[int]]
    groups: Counter = field(default_factory=Counter)
    flagged: int = 0

    @property
    def requested(self) -> int:
        return sum(self.total)

    @property
    def confirmed(self) -> int:
        return sum(n for (_, ever), n in self.groups.items() if ever)

    def count(self, outcome: str, ever_confirmed: bool | None = None) -> int:
        return sum(
            n
            for (name, ever), n in self.groups.items()
            if name == outcome and ever_confirmed in (None, ever)
        )


def request_counts(period: Period) -> RequestCounts:
    """One query: the period's requests grouped by week, source, status, canceller and
    whether they were ever confirmed (a confirmation in the history, or a status only a
    confirmed consultation reaches, for rows older than the history)."""
    ever = Q(status__in=[Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW]) | Exists(
        confirmation_events()
    )
    rows = (
        requests(period)
        .annotate(
            week=week_of("created_at"),
            ever_confirmed=ExpressionWrapper(ever, output_field=BooleanField()),
        )
        .values("week", "source", "status", "cancelled_by", "ever_confirmed")
        .annotate(n=Count("pk"), flagged_n=Count("pk", filter=Q(flagged=True)))
    )
    weeks = period.weeks
    index = {week: n for n, week in enumerate(weeks)}
    result = RequestCounts(
        weeks=weeks,
        total=[0] * len(weeks),
        by_source={value: [0] * len(weeks) for value in Consultation.Source.values},
        by_outcome={name: [0] * len(weeks) for name in OUTCOMES},
    )
    for row in rows:
        n, i = row["n"], index[monday(row["week"])]
        outcome = outcome_of(row["status"], row["cancelled_by"])
        result.total[i] += n
        result.by_source.setdefault(row["source"], [0] * len(weeks))[i] += n
        result.by_outcome[outcome][i] += n
        result.groups[(outcome, bool(row["ever_confirmed"]))] += n
        result.flagged += row["flagged_n"]
    return result


# --- How fast the clinic answers ------------------------------------------------------


class Percentiles(Aggregate):
    """PostgreSQL's ``percentile_cont`` for several fractions at once: the values at
    each fraction of the ordered values, interpolated between the two nearest (NULLs
    left out), as a list. One aggregate reads the values once for all of them."""

    function = "PERCENTILE_CONT"
    name = "Percentiles"
    template = "%(function)s(%(fractions)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fractions: tuple[float, ...], **extra):
        listed = ", ".join(repr(float(fraction)) for fraction in fractions)
        super().__init__(
            expression,
            fractions=f"ARRAY[{listed}]::double precision[]",
            output_field=ArrayField(DurationField()),
            **extra,
        )


def percentile(ordered: list, fraction: float):
    """``percentile_cont`` over an ordered list, for SQLite: the same interpolation."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Waits:
    count: int = 0
    median: dt.timedelta | None = None
    p90: dt.timedelta | None = None


@dataclass
class AnswerTimes:
    weeks: list[dt.date]
    by_week: list[Waits]
    overall: Waits


def answer_times(period: Period) -> AnswerTimes:
    """From request (``created_at``) to its first confirmation in the history (a later
    one, after a no-show was undone, is not an answer), by request week: how many, the
    median and the 90th percentile.

    Each request's wait is one look-up in the history by the consultation's index, so
    the cost follows the requests of the period, never the size of the history.
    PostgreSQL computes the percentiles itself (two queries: by week, and the whole
    period, where the wait is read once into a derived table). SQLite has no percentile
    function: there one query reads the waits, in order, and they are computed in
    Python with ``percentile_cont``'s interpolation, so both databases give the same
    figures (SQLite is the local default only; production runs on PostgreSQL)."""
    first = (
        confirmation_events()
        .order_by("at", "pk")
        .annotate(wait=F("at") - OuterRef("created_at"))
        .values("wait")[:1]
    )
    waits = requests(period).annotate(wait=Subquery(first, output_field=DurationField()))
    weeks = period.weeks
    by_week = {week: Waits() for week in weeks}
    if connection.vendor == "postgresql":
        measures = {"count": Count("wait"), "both": Percentiles("wait", (0.5, 0.9))}
        for row in waits.annotate(week=week_of("created_at")).values("week").annotate(**measures):
            by_week[monday(row["week"])] = Waits(row["count"], *(row["both"] or (None, None)))
        row = waits.aggregate(**measures)
        overall = Waits(row["count"], *(row["both"] or (None, None)))
    else:
        rows = waits.annotate(week=week_of("created_at")).filter(wait__isnull=False)
        ordered: dict[dt.date, list[dt.timedelta]] = {}
        for week, wait in rows.values_list("week", "wait").order_by("week", "wait"):
            ordered.setdefault(monday(week), []).append(wait)
        for week, values in ordered.items():
            by_week[week] = Waits(len(values), percentile(values, 0.5), percentile(values, 0.9))
        every = sorted(wait for values in ordered.values() for wait in values)
        overall = Waits(len(every), percentile(every, 0.5), percentile(every, 0.9))
    return AnswerTimes(weeks, [by_week[week] for week in weeks], overall)


# --- Cancellation reasons -------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    text: str  # "" for no reason given
    by_patient: int
    by_clinic: int

    @property
    def total(self) -> int:
        return self.by_patient + self.by_clinic


def cancellation_reasons(period: Period, *, top: int = TOP_REASONS) -> list[Reason]:
    """The reasons most often given for the period's cancelled requests, grouped by
    their words (any case, without the online form's prefix and full stops), at most
    ``top``. A reason given fewer than MIN_SHOWN times is never shown by its words (a
    rare reason may say who gave it): it counts among the others. One query."""
    words = Replace("cancellation_reason", Value(PATIENT_PREFIX), Value(""))
    key = Trim(Lower(Replace(words, Value("."), Value(""))))
    patient = Q(cancelled_by=Consultation.CancelledBy.PATIENT)
    rows = (
        requests(period)
        .filter(status=Status.CANCELLED)
        .values(key=key)
        .annotate(
            by_patient=Count("pk", filter=patient),
            by_clinic=Count("pk", filter=~patient),
            n=Count("pk"),
        )
        .filter(n__gte=MIN_SHOWN)
        .order_by("-n", "key")[:top]
    )
    # Shown as grouped: "Travelling" for "travelling", "Travelling." and the like.
    return [
        Reason(row["key"][:1].upper() + row["key"][1:], row["by_patient"], row["by_clinic"])
        for row in rows
    ]


# --- Screening ------------------------------------------------------------------------


class JSONBArrayElements(Func):
    """PostgreSQL's ``jsonb_array_elements``: one row per element of a JSON array."""

    function = "jsonb_array_elements"
    arity = 1
    output_field = JSONField()
    set_returning = True


def flagged_answers(period: Period) -> Counter:
    """How many of the period's requests answered yes to each screening question, by the
    contraindication's name as asked (a request asked again after a move counts once).

    On PostgreSQL one query expands the flagged requests' answers in the database
    (``jsonb_array_elements``) and counts distinct requests per name. SQLite has no
    such function the ORM can use: there one query reads the flagged requests' answer
    lists and Python counts them (the local default only)."""
    flagged = requests(period).filter(flagged=True)
    if connection.vendor == "postgresql":
        rows = (
            flagged.annotate(answer=JSONBArrayElements("screening_answers"))
            .values(name=KT("answer__name"), said=KT("answer__answer"))
            .annotate(n=Count("pk", distinct=True))
        )
        return Counter({row["name"]: row["n"] for row in rows if row["said"] == "yes"})
    counts: Counter = Counter()
    for answers in flagged.values_list("screening_answers", flat=True):
        counts.update(
            {a.get("name") for a in answers if isinstance(a, dict) and a.get("answer") == "yes"}
        )
    return counts

"""What happened in the diary, by appointment week (``starts_at``): attendance, when
patients want to come against the opening hours, and who comes back for a course."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractHour,
    ExtractIsoWeekDay,
    TruncDate,
    Upper,
)
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone

from bookings import availability
from bookings.models import Consultation
from bookings.reports.period import (
    DAY,
    HELD,
    LEAD_BUCKETS,
    WEEK,
    Period,
    Status,
    appointments,
    clinic_date,
    monday,
    week_of,
)

# --- Attendance -----------------------------------------------------------------------


@dataclass
class Attendance:
    """Attended and not-attended appointments (by appointment date): by week, by
    weekday (0 = Monday) and by how many days ahead they were booked."""

    weeks: list[dt.date]
    by_week: list[list[int]]  # [attended, no_show] per week
    by_weekday: list[list[int]]
    by_lead: list[list[int]]


def attendance(period: Period) -> Attendance:
    """One query over the period's completed and not-attended appointments, grouped by
    appointment week, weekday and lead-time bucket (clinic dates)."""
    tz = availability.clinic_tz()
    lead = TruncDate("starts_at", tzinfo=tz) - TruncDate("created_at", tzinfo=tz)
    bucket = Case(
        *(
            When(lead__lte=dt.timedelta(days=last), then=Value(n))
            for n, (_, last) in enumerate(LEAD_BUCKETS)
            if last is not None
        ),
        default=Value(len(LEAD_BUCKETS) - 1),
        output_field=IntegerField(),
    )
    rows = (
        appointments(period)
        .filter(status__in=[Status.COMPLETED, Status.NO_SHOW])
        .annotate(
            week=week_of("starts_at"),
            weekday=ExtractIsoWeekDay("starts_at", tzinfo=tz),
            lead=ExpressionWrapper(lead, output_field=DurationField()),
            bucket=bucket,
        )
        .values("week", "weekday", "bucket")
        .annotate(
            attended=Count("pk", filter=Q(status=Status.COMPLETED)),
            no_show=Count("pk", filter=Q(status=Status.NO_SHOW)),
        )
    )
    weeks = period.weeks
    index = {week: n for n, week in enumerate(weeks)}
    result = Attendance(
        weeks,
        [[0, 0] for _ in weeks],
        [[0, 0] for _ in range(7)],
        [[0, 0] for _ in LEAD_BUCKETS],
    )
    for row in rows:
        for counts in (
            result.by_week[index[monday(row["week"])]],
            result.by_weekday[row["weekday"] - 1],
            result.by_lead[row["bucket"]],
        ):
            counts[0] += row["attended"]
            counts[1] += row["no_show"]
    return result


# --- When patients want to come -------------------------------------------------------


@dataclass
class Demand:
    """Per weekday (0 = Monday) and clinic hour: requests for a time then, the clinic's
    bookable start times then in the period, and how many of those were full."""

    requests: dict[tuple[int, int], int]
    bookable: dict[tuple[int, int], int]
    full: dict[tuple[int, int], int]
    opening_hours: dict[int, tuple[tuple[dt.time, dt.time], ...]]

    @property
    def hours(self) -> list[int]:
        used = {hour for _, hour in (*self.requests, *self.bookable)}
        return list(range(min(used), max(used) + 1)) if used else []


def demand(period: Period) -> Demand:
    """Four queries: the requests by weekday and hour (any status: they say when patients
    wanted to come), the rules (today's opening hours, the period's closures), and the
    places held at each time of the period (counted by time, whatever the treatment:
    places are the clinic's). The bookable start times of the opening-hours grid are then
    walked once, each checked against the held places: at most MAX_WEEKS weeks of the
    grid, never the consultations."""
    tz = availability.clinic_tz()
    rows = (
        appointments(period)
        .annotate(
            weekday=ExtractIsoWeekDay("starts_at", tzinfo=tz),
            hour=ExtractHour("starts_at", tzinfo=tz),
        )
        .values("weekday", "hour")
        .annotate(n=Count("pk"))
    )
    wanted = {(row["weekday"] - 1, row["hour"]): row["n"] for row in rows}
    rules = availability.load_rules(today=period.first)
    held = (
        Consultation.objects.filter(
            status__in=HELD,
            starts_at__lt=period.end,
            starts_at__gt=period.start - rules.buffer - availability.LONGEST,
        )
        .values("starts_at", "ends_at")
        .annotate(n=Count("pk"))
        .order_by()
    )
    index = availability.busy_index(
        rules, [availability.Busy(r["starts_at"], r["ends_at"], r["n"]) for r in held]
    )
    bookable: Counter = Counter()
    full: Counter = Counter()
    day = period.first
    while day <= period.last:
        if not availability.is_closed(rules, day):
            for start in availability.day_starts(rules, day):
                cell = (start.weekday(), start.hour)
                bookable[cell] += 1
                full[cell] += index.taken(start) >= rules.capacity
        day += DAY
    return Demand(wanted, dict(bookable), dict(full), rules.hours)


# --- Courses --------------------------------------------------------------------------


RETURNS = {
    "on_time": "Back in time",  # came back, or booked, within the usual gap
    "late": "Back later",
    "not_due": "Not due yet",
    "overdue": "Overdue",
}


@dataclass
class Returns:
    """For each session number n of the courses completed in the period (by appointment
    date): how many patients then came back for session n + 1 in time, later, are not
    due yet or are overdue; ``finished``: sessions that ended a course."""

    by_session: dict[int, dict[str, int]]
    finished: int = 0

    @property
    def overdue(self) -> int:
        return sum(counts["overdue"] for counts in self.by_session.values())


def returns(period: Period, *, today: dt.date | None = None) -> Returns:
    """One query over the period's completed sessions of courses (treatments of more
    than one session; consultations that still have an email: anonymised ones belong to
    no one). Each session's number and the patient's next session are looked up by the
    patient index (``consultation_patient_idx``), as in ``bookings.selectors``: number =
    completed sessions before it + 1; the next one completed, pending or confirmed after
    it; "in time" when it falls by the treatment's longest usual gap after this one
    (clinic dates); "overdue" when nothing followed and that gap has passed, exactly
    the patients ``selectors.overdue_patients`` lists."""
    tz = availability.clinic_tz()
    today = today or clinic_date(timezone.now())
    # The patient index's own expression (a LIKE on SQLite would read "_" as a wildcard).
    same = (
        Consultation.objects.annotate(patient=Upper("email"))
        .filter(patient=Upper(OuterRef("email")), treatment_id=OuterRef("treatment_id"))
        .exclude(email="")
    )
    before = (
        same.filter(status=Status.COMPLETED, starts_at__lt=OuterRef("starts_at"))
        .order_by()
        .values("treatment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    after = same.filter(
        status__in=[Status.COMPLETED, *Consultation.ACTIVE_STATUSES],
        starts_at__gt=OuterRef("starts_at"),
    ).order_by("starts_at")
    day = TruncDate("starts_at", tzinfo=tz)
    gap = ExpressionWrapper(
        Cast("treatment__weeks_between_max", IntegerField()) * Value(WEEK),
        output_field=DurationField(),
    )
    # The next session is looked up once (a missing one makes both gaps unknown, so
    # neither of the first two applies); a session that ends its course is told apart
    # in Python from its number and the course's length, both grouped on.
    outcome = Case(
        When(LessThanOrEqual(F("next_gap"), gap), then=Value("on_time")),
        When(GreaterThan(F("next_gap"), gap), then=Value("late")),
        When(GreaterThan(F("age"), gap), then=Value("overdue")),
        default=Value("not_due"),
        output_field=CharField(),
    )
    rows = (
        appointments(period)
        .filter(status=Status.COMPLETED, treatment__sessions_max__gt=1)
        .exclude(email="")
        .annotate(
            session=Coalesce(Subquery(before), 0) + 1,
            next_gap=ExpressionWrapper(
                TruncDate(Subquery(after.values("starts_at")[:1]), tzinfo=tz) - day,
                output_field=DurationField(),
            ),
            age=ExpressionWrapper(
                Value(today, output_field=DateField()) - day, output_field=DurationField()
            ),
            outcome=outcome,
        )
        .values("session", "outcome", "treatment__sessions_max")
        .annotate(n=Count("pk"))
    )
    result = Returns({})
    for row in rows:
        if row["session"] >= row["treatment__sessions_max"]:
            result.finished += row["n"]
        else:
            counts = result.by_session.setdefault(row["session"], dict.fromkeys(RETURNS, 0))
            counts[row["outcome"]] += row["n"]
    result.by_session = dict(sorted(result.by_session.items()))
    return result

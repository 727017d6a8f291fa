"""The reports' period and what its reads share (``incoming``: by request week,
``diary``: by appointment week), each a few grouped queries whose rows are counts,
never patients.

Two dates place a consultation in a week, both in clinic time (Asia/Karachi) with weeks
starting on Monday: the request week is ``created_at``'s (what came in: requests, the
funnel, answer times, cancellations, screening), the appointment week is ``starts_at``'s
(what happened in the diary: attendance, the heatmap, courses). A consultation moved to
another week keeps its request week and takes the new appointment week.

Every figure is counted by the database (``GROUP BY``); Python only adds up and reshapes
the groups, which are bounded by the weeks of the range times a handful of categories,
never by the number of consultations. The one exception is the answer time's percentiles
on SQLite, which has no percentile function (see ``answer_times``).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from bookings import availability
from bookings.models import Consultation, ConsultationEvent

Status = Consultation.Status
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(weeks=1)
MAX_WEEKS = 104  # two years: the range the page accepts (the heatmap walks its grid)
DEFAULT_WEEKS = 12
TOP_REASONS = 8
# What the patient's own online cancellation puts before their words (manage_views).
PATIENT_PREFIX = "Cancelled online by the patient."
# A reason is shown by its words only when at least this many requests gave it.
MIN_SHOWN = 5
# Days booked ahead (request date to appointment date): (label, last day of the bucket).
LEAD_BUCKETS = (("0–1 days", 1), ("2–7 days", 7), ("8–14 days", 14), ("15+ days", None))
# Statuses that held a place at their time (cancelled and declined ones gave it back).
HELD = (Status.PENDING, Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)


def clinic_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, availability.clinic_tz()).date()


@dataclass(frozen=True)
class Period:
    """Whole weeks, Monday ``first`` to Sunday ``last`` (clinic dates), of one treatment
    or all (``treatment_id`` None)."""

    first: dt.date
    last: dt.date
    treatment_id: int | None = None

    @classmethod
    def between(cls, first: dt.date, last: dt.date, treatment_id: int | None = None) -> "Period":
        """The weeks covering ``first`` to ``last`` (either order), at most MAX_WEEKS
        (the latest ones)."""
        first, last = sorted((first, last))
        start = first - dt.timedelta(days=first.weekday())
        end = last + dt.timedelta(days=6 - last.weekday())
        return cls(max(start, end - MAX_WEEKS * WEEK + DAY), end, treatment_id)

    @classmethod
    def weeks_to(
        cls, day: dt.date, weeks: int = DEFAULT_WEEKS, treatment_id: int | None = None
    ) -> "Period":
        """``weeks`` weeks, the last of them the week of ``day``."""
        return cls.between(day - (weeks - 1) * WEEK, day, treatment_id)

    @property
    def weeks(self) -> list[dt.date]:
        return [self.first + n * WEEK for n in range((self.last - self.first).days // 7 + 1)]

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time.min, tzinfo=availability.clinic_tz())

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + DAY, dt.time.min, tzinfo=availability.clinic_tz())

    def of(self, queryset: QuerySet, field_name: str) -> QuerySet:
        """``queryset`` within the period by ``field_name``, for the treatment."""
        queryset = queryset.filter(
            **{f"{field_name}__gte": self.start, f"{field_name}__lt": self.end}
        ).order_by()
        if self.treatment_id is not None:
            queryset = queryset.filter(treatment_id=self.treatment_id)
        return queryset


def week_of(field_name: str) -> TruncWeek:
    return TruncWeek(field_name, tzinfo=availability.clinic_tz())


def monday(value) -> dt.date:
    return clinic_date(value) if isinstance(value, dt.datetime) else value


def requests(period: Period) -> QuerySet:
    """The requests made in the period (by ``created_at``)."""
    return period.of(Consultation.objects.all(), "created_at")


def appointments(period: Period) -> QuerySet:
    """The consultations whose time is in the period (by ``starts_at``)."""
    return period.of(Consultation.objects.all(), "starts_at")


def confirmation_events() -> QuerySet:
    return ConsultationEvent.objects.filter(
        consultation=OuterRef("pk"), new_status=Status.CONFIRMED
    ).order_by()

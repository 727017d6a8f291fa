"""The course planner: which session a consultation is, when the next one is due, and
which patients are overdue for it.

A patient is their email address (case-insensitive) for one treatment. Dates are clinic
dates (Asia/Karachi): a session at 00:30 on 10 March counts from 10 March, whatever the
UTC date.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import admin
from django.db.models import QuerySet
from django.utils import timezone

from bookings.availability import clinic_tz
from bookings.models import Consultation

Status = Consultation.Status


def _same_patient(consultation: Consultation) -> QuerySet[Consultation]:
    return Consultation.objects.filter(
        email__iexact=consultation.email, treatment_id=consultation.treatment_id
    ).exclude(email="")


def clinic_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment, clinic_tz())


def session_number(consultation: Consultation) -> int:
    """Which session this is: completed sessions before it, plus this one (so a
    completed consultation counts itself, and a booked next session is the one after)."""
    before = (
        _same_patient(consultation)
        .filter(status=Status.COMPLETED, starts_at__lt=consultation.starts_at)
        .exclude(pk=consultation.pk)
        .count()
    )
    return before + 1


def last_completed(consultation: Consultation) -> Consultation | None:
    """The latest completed session of this patient's course up to this consultation."""
    if consultation.status == Status.COMPLETED:
        return consultation
    return (
        _same_patient(consultation)
        .filter(status=Status.COMPLETED, starts_at__lte=consultation.starts_at)
        .order_by("-starts_at", "-pk")
        .first()
    )


def due_window(consultation: Consultation) -> tuple[dt.date, dt.date] | None:
    """(earliest, latest) clinic date for the session after the last completed one, or
    None when the treatment is a single session or nothing is completed yet."""
    treatment = consultation.treatment
    if not treatment.has_course:
        return None
    last = last_completed(consultation)
    if last is None:
        return None
    day = clinic_date(last.starts_at)
    return (
        day + dt.timedelta(weeks=treatment.weeks_between_min),
        day + dt.timedelta(weeks=treatment.weeks_between_max),
    )


def completed_count(consultation: Consultation) -> int:
    return _same_patient(consultation).filter(status=Status.COMPLETED).count()


def later_active(consultation: Consultation) -> Consultation | None:
    """A pending or confirmed consultation booked after this one for the same course."""
    return (
        _same_patient(consultation)
        .filter(status__in=Consultation.ACTIVE_STATUSES, starts_at__gt=consultation.starts_at)
        .order_by("starts_at")
        .first()
    )


def next_session_offer(consultation: Consultation) -> tuple[dt.date, dt.date] | None:
    """The window to invite the patient to book in, or None when there is nothing to
    book: not completed, no course, the course is done, or the next one is booked."""
    if consultation.status != Status.COMPLETED or not consultation.treatment.has_course:
        return None
    latest = last_completed_for_patient(consultation)
    if latest is not None and latest.pk != consultation.pk:
        return None  # a later session exists; its own link invites the next one
    if completed_count(consultation) >= consultation.treatment.sessions_max:
        return None
    if later_active(consultation) is not None:
        return None
    return due_window(consultation)


def last_completed_for_patient(consultation: Consultation) -> Consultation | None:
    return (
        _same_patient(consultation)
        .filter(status=Status.COMPLETED)
        .order_by("-starts_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class OverduePatient:
    last: Consultation  # the latest completed session
    completed: int
    sessions_max: int
    due_by: dt.date

    @property
    def full_name(self) -> str:
        return self.last.full_name

    @property
    def email(self) -> str:
        return self.last.email


def overdue_patients(*, today: dt.date | None = None) -> list[OverduePatient]:
    """Patients whose next session is overdue: the last completed session plus the
    longest usual gap has passed, nothing later is pending or confirmed, and they have
    had fewer sessions than the most the course allows. Oldest due date first."""
    today = today or clinic_date(timezone.now())
    rows = (
        Consultation.objects.filter(
            treatment__sessions_max__gt=1,
            status__in=[Status.COMPLETED, *Consultation.ACTIVE_STATUSES],
        )
        .exclude(email="")
        .select_related("treatment")
        .order_by("starts_at", "pk")
    )
    courses: dict[tuple[str, int], dict] = {}
    for row in rows:
        course = courses.setdefault(
            (row.email.lower(), row.treatment_id), {"last": None, "completed": 0, "active": []}
        )
        if row.status == Status.COMPLETED:
            course["last"] = row
            course["completed"] += 1
        else:
            course["active"].append(row)
    overdue = []
    for course in courses.values():
        last = course["last"]
        if last is None or course["completed"] >= last.treatment.sessions_max:
            continue
        if any(a.starts_at > last.starts_at for a in course["active"]):
            continue
        due_by = clinic_date(last.starts_at) + dt.timedelta(weeks=last.treatment.weeks_between_max)
        if due_by < today:
            overdue.append(
                OverduePatient(last, course["completed"], last.treatment.sessions_max, due_by)
            )
    return sorted(overdue, key=lambda p: (p.due_by, p.last.pk))


def overdue_consultations(*, today: dt.date | None = None) -> QuerySet[Consultation]:
    """The latest completed session of each overdue patient, as a queryset for admin."""
    return Consultation.objects.filter(pk__in=[p.last.pk for p in overdue_patients(today=today)])


# --- ready for bookings/admin.py ------------------------------------------------------


class NextSessionOverdueFilter(admin.SimpleListFilter):
    """Consultation changelist filter: the last session of patients overdue for the next."""

    title = "next session"
    parameter_name = "next_session"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue")]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(pk__in=overdue_consultations().values("pk"))
        return queryset


@admin.display(description="Session")
def session_of(consultation: Consultation) -> str:
    """'Session 2 of 3–6' for a course, '' for a single-session treatment."""
    treatment = consultation.treatment
    if not treatment.has_course:
        return ""
    if treatment.sessions_min == treatment.sessions_max:
        planned = str(treatment.sessions_max)
    else:
        planned = f"{treatment.sessions_min}–{treatment.sessions_max}"
    return f"Session {session_number(consultation)} of {planned}"


@admin.display(description="Next session due")
def next_due(consultation: Consultation) -> str:
    window = next_session_offer(consultation)
    if window is None:
        return ""
    return f"{window[0]:%d %b} – {window[1]:%d %b %Y}"

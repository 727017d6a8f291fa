"""Reads that several views share: the treatments offered on the booking form (with the
screening questions to ask again when a patient moves), the free times staff may move a
consultation to, and each patient's course of sessions.

A patient of a course is their email address (case-insensitive) for one treatment.
Course dates are clinic dates (Asia/Karachi): a session at 00:30 on 10 March counts from
10 March, whatever the UTC date.
"""

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import Case, Count, F, Max, Q, QuerySet, Value, When, Window
from django.db.models.functions import FirstValue, Upper
from django.utils import timezone

from bookings import availability
from bookings.forms import ScreeningQuestion, TreatmentOption
from bookings.models import Consultation
from clinic.page_cache import CONTENT_VERSION, shared_value, versions
from treatments.models import Contraindication, Treatment

Status = Consultation.Status


# --- Treatments on the booking form ------------------------------------------------------


def current_treatments(*, version: int | None = None) -> dict[str, TreatmentOption]:
    """``load_treatments`` through the cache, renewed when staff edit content
    (``version``: the content version, if already read)."""
    if version is None:
        (version,) = versions(CONTENT_VERSION)
    key = f"bookings:treatments:{version}"
    return shared_value("bookings:treatments", key, load_treatments, availability.CACHE_TIMEOUT)


def load_treatments() -> dict[str, TreatmentOption]:
    """Published treatments with their screening questions, in one query."""
    rows = (
        Treatment.objects.published()
        .order_by("order", "name", "contraindications__order", "contraindications__pk")
        .values_list(
            "pk",
            "slug",
            "name",
            "name_in_sentence",
            *(f"contraindications__{name}" for name in QUESTION_FIELDS),
        )
    )
    options: dict[str, TreatmentOption] = {}
    for pk, slug, name, in_sentence, *question in rows:
        option = options.setdefault(
            slug, TreatmentOption(pk=pk, slug=slug, name=name, name_in_sentence=in_sentence)
        )
        contraindication_pk, _name, text, *_ = question
        # A contraindication without a question is covered elsewhere on the form (age).
        if contraindication_pk is not None and text:
            option.questions.append(ScreeningQuestion(*question))
    return options


# A contraindication's fields a screening question is made of, in ScreeningQuestion's order.
QUESTION_FIELDS = (
    "pk",
    "name",
    "screening_question",
    "explanation",
    "severity",
    "lookback_amount",
    "lookback_unit",
)


def _covers(answer: dict, period: tuple[dt.date, dt.date]) -> bool:
    try:
        first = dt.date.fromisoformat(answer["covers_from"])
        last = dt.date.fromisoformat(answer["covers_to"])
    except (KeyError, TypeError, ValueError):
        return False  # answered before its dates were stored: what it covered is unknown
    return first <= period[0] and period[1] <= last


def questions_to_ask_again(consultation: Consultation, day: dt.date) -> list[ScreeningQuestion]:
    """The patient's dated screening questions whose latest answers do not cover the
    period before an appointment on ``day``, worded as the clinic asks them now. A
    question without a look-back, or one the patient was never asked, is not asked."""
    latest = {
        answer.get("contraindication_id"): answer
        for answer in consultation.screening_answers
        if isinstance(answer, dict)
    }
    rows = (
        Contraindication.objects.filter(pk__in=[pk for pk in latest if pk is not None])
        .exclude(screening_question="")
        .exclude(lookback_unit="")
        .filter(lookback_amount__isnull=False)
        .order_by("order", "pk")
        .values_list(*QUESTION_FIELDS)
    )
    questions = [ScreeningQuestion(*row) for row in rows]
    return [q for q in questions if not _covers(latest[q.pk], q.period(day))]


# --- Free times for staff ----------------------------------------------------------------


def staff_free_times(consultation: Consultation, *, days: int = 28) -> list:
    """Free start times (clinic time) for moving a consultation, grouped by day as
    choices. Staff are not held to the patient's notice period, only to the opening hours,
    closures and capacity (the service checks capacity again under a lock)."""
    now = timezone.now()
    rules = replace(availability.load_rules(), min_notice=dt.timedelta(0))
    tz = availability.clinic_tz()
    first = timezone.localdate(now, tz)
    last = first + dt.timedelta(days=min(days, rules.days_ahead))
    busy = availability.load_busy(
        rules,
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
    slots = availability.free_slots(rules, busy, now=now, first_day=first, last_day=last)
    current = timezone.localtime(consultation.starts_at, tz)
    return [
        (
            f"{day:%A %d %B %Y}",
            [(start.isoformat(), f"{start:%H:%M}") for start in times if start != current],
        )
        for day, times in sorted(slots.items())
    ]


# --- Courses of sessions -----------------------------------------------------------------


def _same_patient(consultation: Consultation) -> QuerySet[Consultation]:
    return Consultation.objects.filter(
        email__iexact=consultation.email, treatment_id=consultation.treatment_id
    ).exclude(email="")


def clinic_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment, availability.clinic_tz())


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


def last_completed_for_patient(consultation: Consultation) -> Consultation | None:
    """The latest completed session of this patient's course, whenever it was."""
    return (
        _same_patient(consultation)
        .filter(status=Status.COMPLETED)
        .order_by("-starts_at", "-pk")
        .first()
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


def _overdue_courses(today: dt.date | None) -> list[tuple[int, int, int, dt.date]]:
    """(pk, completed, sessions_max, due_by) of each overdue patient's last completed
    session, oldest due date first (see ``overdue_patients``).

    Two queries: each patient's course (their email in any case, one treatment) is a
    window over its sessions and only each course's last completed session comes back,
    as plain values; then the courses' treatments. Only consultations that still have
    an email are read: those anonymised under the retention rules belong to no one any
    more, so the cost follows the patients of the retention period (through the
    ``consultation_patient_idx`` index), not the years of the diary."""
    today = today or clinic_date(timezone.now())
    course = [Upper("email"), F("treatment_id")]
    completed = Q(status=Status.COMPLETED)
    rows = list(
        Consultation.objects.filter(
            treatment__sessions_max__gt=1,
            status__in=[Status.COMPLETED, *Consultation.ACTIVE_STATUSES],
        )
        .exclude(email="")
        .annotate(
            sessions_max=F("treatment__sessions_max"),
            completed=Window(Count("pk", filter=completed), partition_by=course),
            # The course's latest completed session: completed ones first, newest first.
            last_completed=Window(
                FirstValue("pk"),
                partition_by=course,
                order_by=[
                    Case(When(completed, then=Value(0)), default=Value(1)),
                    F("starts_at").desc(),
                    F("pk").desc(),
                ],
            ),
            last_active_at=Window(Max("starts_at", filter=~completed), partition_by=course),
        )
        # Each condition names a window, so all apply after the windows are computed
        # (filtering the rows first would change what the windows see).
        .filter(pk=F("last_completed"), completed__gt=0, completed__lt=F("sessions_max"))
        .filter(Q(last_active_at__isnull=True) | Q(last_active_at__lte=F("starts_at")))
        .order_by()
        .values_list("pk", "starts_at", "treatment_id", "completed", "sessions_max")
    )
    weeks = dict(
        Treatment.objects.filter(pk__in={row[2] for row in rows}).values_list(
            "pk", "weeks_between_max"
        )
    )
    overdue = []
    for pk, starts_at, treatment_id, done, most in rows:
        due_by = clinic_date(starts_at) + dt.timedelta(weeks=weeks[treatment_id])
        if due_by < today:
            overdue.append((pk, done, most, due_by))
    return sorted(overdue, key=lambda row: (row[3], row[0]))


def overdue_patients(*, today: dt.date | None = None) -> list[OverduePatient]:
    """Patients whose next session is overdue: the last completed session plus the
    longest usual gap has passed, nothing later is pending or confirmed, and they have
    had fewer sessions than the most the course allows. Oldest due date first.
    Four queries (``_overdue_courses``, then those sessions and their treatments: few,
    with long pages of text, so loaded once each rather than once per session)."""
    courses = _overdue_courses(today)
    last = Consultation.objects.in_bulk([row[0] for row in courses])
    treatments = Treatment.objects.in_bulk({c.treatment_id for c in last.values()})
    overdue = []
    for pk, done, most, due_by in courses:
        if pk in last:
            last[pk].treatment = treatments[last[pk].treatment_id]
            overdue.append(OverduePatient(last[pk], done, most, due_by))
    return overdue


def overdue_consultations(*, today: dt.date | None = None) -> QuerySet[Consultation]:
    """The latest completed session of each overdue patient, as a queryset for admin
    (the sessions themselves are not loaded)."""
    return Consultation.objects.filter(pk__in=[row[0] for row in _overdue_courses(today)])

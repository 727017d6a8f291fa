"""Reads that several views share: the treatments offered on the booking form (with the
screening questions to ask again when a patient moves), the free times staff may move a
consultation to, and each patient's course of sessions.

A patient of a course is their email address (case-insensitive) for one treatment.
Course dates are clinic dates (Asia/Karachi): a session at 00:30 on 10 March counts from
10 March, whatever the UTC date.
"""

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from bookings import availability, staffing
from bookings.forms import ScreeningQuestion, TreatmentOption
from bookings.models import Consultation, Practitioner
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
            "patients_choose_practitioner",
            *(f"contraindications__{name}" for name in QUESTION_FIELDS),
        )
    )
    options: dict[str, TreatmentOption] = {}
    for pk, slug, name, in_sentence, choose, *question in rows:
        option = options.setdefault(
            slug,
            TreatmentOption(
                pk=pk,
                slug=slug,
                name=name,
                name_in_sentence=in_sentence,
                patients_choose_practitioner=choose,
            ),
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


def practitioners_free_for(consultation: Consultation) -> list:
    """The other practitioners who could see this consultation's patient at its time:
    they perform the treatment, work then, are not away and are free (two queries)."""
    rules = availability.load_rules()
    busy = availability.busy_around(rules, consultation.starts_at, exclude_pk=consultation.pk)
    found = staffing.who_is_free(
        rules.practitioners,
        (),
        availability.busy_index(rules, busy),
        consultation.starts_at,
        treatment_id=consultation.treatment_id,
    )
    pks = [
        person.pk
        for person in (found[0] if found else ())
        if person.pk != consultation.practitioner_id
    ]
    return list(Practitioner.objects.filter(pk__in=pks))


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
    slots = availability.free_slots(
        rules,
        busy,
        now=now,
        first_day=first,
        last_day=last,
        treatment_id=consultation.treatment_id,
    )
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


def _overdue(today: dt.date | None) -> tuple[Q, dict[int, Treatment]]:
    """What makes a session overdue, as a condition, and the treatments of courses.

    Only the sessions that wait for the next one of their course carry a mark
    (``bookings.services.courses``), through a partial index: the read is the size of
    the patients between sessions, never of the diary. A session is overdue when its
    clinic date plus the treatment's longest usual gap is before ``today``, that is when
    it started before the clinic's midnight that many weeks ago, and the course has had
    fewer sessions than the most it allows (both read from the treatment now)."""
    today = today or clinic_date(timezone.now())
    tz = availability.clinic_tz()
    treatments = {
        treatment.pk: treatment for treatment in Treatment.objects.filter(sessions_max__gt=1)
    }
    due = Q(pk__in=[])
    for treatment in treatments.values():
        cutoff = today - dt.timedelta(weeks=treatment.weeks_between_max)
        due |= Q(
            treatment_id=treatment.pk,
            starts_at__lt=dt.datetime.combine(cutoff, dt.time(), tzinfo=tz),
        )
    condition = (
        due
        & Q(course_sessions_done__isnull=False)
        & Q(course_sessions_done__lt=F("treatment__sessions_max"))
    )
    return condition, treatments


def overdue_patients(*, today: dt.date | None = None) -> list[OverduePatient]:
    """Patients whose next session is overdue: the last completed session plus the
    longest usual gap has passed, nothing later is pending or confirmed, and they have
    had fewer sessions than the most the course allows. Oldest due date first.
    Two queries: the treatments of courses (few, with long pages of text, so loaded
    once each rather than once per session), then the sessions."""
    overdue, treatments = _overdue(today)
    patients = []
    for last in Consultation.objects.filter(overdue).order_by():
        last.treatment = treatments[last.treatment_id]
        due_by = clinic_date(last.starts_at) + dt.timedelta(weeks=last.treatment.weeks_between_max)
        patients.append(
            OverduePatient(last, last.course_sessions_done, last.treatment.sessions_max, due_by)
        )
    return sorted(patients, key=lambda patient: (patient.due_by, patient.last.pk))


def overdue_condition(*, today: dt.date | None = None) -> Q:
    """What picks out the latest completed session of each overdue patient, for any
    queryset of consultations such as the admin's list (one query, for the treatments)."""
    return _overdue(today)[0]


def overdue_consultations(*, today: dt.date | None = None) -> QuerySet[Consultation]:
    """The latest completed session of each overdue patient (not loaded)."""
    return Consultation.objects.filter(overdue_condition(today=today))

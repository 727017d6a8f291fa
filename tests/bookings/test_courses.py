"""The overdue list follows every change to a patient's course, made by a patient, by
reception or by the retention rules, and the daily pass mends a mark that went astray."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bookings import records, selectors, services
from bookings.models import Consultation
from tests.bookings.conftest import patient_request
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

EMAIL = "ayesha@example.com"


@pytest.fixture
def course_treatment(treatment):
    treatment.sessions_min, treatment.sessions_max = 3, 3
    treatment.weeks_between_min, treatment.weeks_between_max = 4, 6
    treatment.save()
    return treatment


def completed_session(treatment, weeks_ago: int, email: str = EMAIL) -> Consultation:
    """A session that took place ``weeks_ago`` and reception marked completed."""
    start = timezone.now() - dt.timedelta(weeks=weeks_ago)
    consultation = ConsultationFactory(
        treatment=treatment,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status="confirmed",
        email=email,
    )
    return services.consultation_complete(consultation=consultation)


def overdue() -> list[int]:
    return [patient.last.pk for patient in selectors.overdue_patients()]


def book_next(treatment, start, email=EMAIL) -> Consultation:
    return patient_request(treatment, start, email=email).consultation


def test_a_completed_session_is_overdue_until_the_next_one_is_booked(
    course_treatment, privacy_notice, first_free
):
    first = completed_session(course_treatment, weeks_ago=12)
    assert overdue() == [first.pk]
    assert list(selectors.overdue_consultations()) == [first]

    # The patient books the next session online (their address in capitals this time).
    booked = book_next(course_treatment, first_free(), email=EMAIL.upper())
    assert overdue() == []

    services.consultation_cancel(consultation=booked, by="patient", reason="Travelling.")
    assert overdue() == [first.pk]

    services.consultation_reinstate(consultation=booked)
    assert overdue() == []


def test_the_latest_completed_session_counts_and_a_finished_course_is_never_overdue(
    course_treatment,
):
    completed_session(course_treatment, weeks_ago=30)
    second = completed_session(course_treatment, weeks_ago=20)
    assert overdue() == [second.pk]
    [patient] = selectors.overdue_patients()
    assert (patient.completed, patient.sessions_max) == (2, 3)

    completed_session(course_treatment, weeks_ago=10)
    assert overdue() == []  # three of three: the course is over


def test_a_session_within_the_usual_gap_is_not_yet_overdue(course_treatment):
    recent = completed_session(course_treatment, weeks_ago=3)
    assert overdue() == []
    later = timezone.localdate() + dt.timedelta(weeks=7)
    assert [p.last.pk for p in selectors.overdue_patients(today=later)] == [recent.pk]


def test_a_treatment_edit_applies_at_once(course_treatment):
    first = completed_session(course_treatment, weeks_ago=8)
    assert overdue() == [first.pk]
    course_treatment.weeks_between_max = 10
    course_treatment.save()
    assert overdue() == []
    course_treatment.weeks_between_max = 6
    course_treatment.sessions_min = course_treatment.sessions_max = 1
    course_treatment.save()
    assert overdue() == []  # a single session: nothing to come back for


def test_a_moved_booking_before_the_last_session_does_not_hide_it(
    course_treatment, privacy_notice, first_free
):
    first = completed_session(course_treatment, weeks_ago=12)
    booked = book_next(course_treatment, first_free())
    assert overdue() == []
    services.consultation_cancel(consultation=booked, by="clinic", reason="Clinician away.")
    assert overdue() == [first.pk]


def test_a_no_show_leaves_the_patient_overdue(course_treatment, privacy_notice, first_free):
    first = completed_session(course_treatment, weeks_ago=12)
    booked = book_next(course_treatment, first_free())
    services.consultation_confirm(consultation=booked)
    assert overdue() == []
    # The booked time passes and the patient does not come.
    Consultation.objects.filter(pk=booked.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() - dt.timedelta(days=1) + dt.timedelta(minutes=30),
    )
    services.consultation_mark_no_show(consultation=booked)
    assert overdue() == [first.pk]


def test_anonymised_sessions_leave_the_course(course_treatment):
    first = completed_session(course_treatment, weeks_ago=40)
    second = completed_session(course_treatment, weeks_ago=20)
    assert overdue() == [second.pk]
    records.consultations_anonymise(ids=[second.pk])
    # The older session is the patient's latest left, and is counted as their first.
    [patient] = selectors.overdue_patients()
    assert (patient.last.pk, patient.completed) == (first.pk, 1)
    records.consultations_anonymise(ids=[first.pk])
    assert overdue() == []


def test_an_email_corrected_in_admin_moves_the_session_to_that_patients_course(
    admin_client, course_treatment
):
    mine = completed_session(course_treatment, weeks_ago=20, email="typo@example.com")
    theirs = completed_session(course_treatment, weeks_ago=12, email=EMAIL)
    assert sorted(overdue()) == sorted([mine.pk, theirs.pk])
    response = admin_client.post(
        reverse("admin:bookings_consultation_change", args=[mine.pk]),
        {
            "full_name": mine.full_name,
            "email": EMAIL,
            "phone": mine.phone,
            "contact_preference": "phone",
            "message": "",
            **{
                f"{prefix}-{name}": value
                for prefix in ("notes", "events", "accesses")
                for name, value in (
                    ("TOTAL_FORMS", "1" if prefix == "events" else "0"),
                    ("INITIAL_FORMS", "1" if prefix == "events" else "0"),
                    ("MIN_NUM_FORMS", "0"),
                    ("MAX_NUM_FORMS", "1000"),
                )
            },
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [patient] = selectors.overdue_patients()
    assert (patient.last.pk, patient.completed) == (theirs.pk, 2)


def test_the_daily_pass_mends_a_mark_that_went_astray(course_treatment, capsys):
    first = completed_session(course_treatment, weeks_ago=12)
    # As if two changes to the course had crossed: the mark is lost.
    Consultation.objects.filter(pk=first.pk).update(course_sessions_done=None)
    assert overdue() == []
    call_command("purge_expired")
    assert overdue() == [first.pk]
    assert "1 patient(s) between sessions of a course." in capsys.readouterr().out

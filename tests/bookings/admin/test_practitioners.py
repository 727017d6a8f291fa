"""Practitioners and absences in the back office: reception enters a clinician's leave,
sees the consultations it falls on, and cannot change who performs what."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import availability
from bookings.models import Absence, Consultation
from tests.bookings.conftest import patient_request

pytestmark = pytest.mark.django_db

ADD = "admin:bookings_absence_add"


@pytest.fixture
def booked(treatment, booking_rules, privacy_notice):
    """A consultation on the next weekday a few days ahead at 10:00, and its day."""
    day = timezone.localdate() + dt.timedelta(days=3)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(10), tzinfo=availability.clinic_tz())
    return patient_request(treatment, start).consultation, day


def absence_form(who, day, *, starts="09:00", ends="21:00", **extra) -> dict:
    return {
        "practitioner": str(who.pk),
        "reason": "leave",
        "starts_at_0": day.isoformat(),
        "starts_at_1": starts,
        "ends_at_0": day.isoformat(),
        "ends_at_1": ends,
        **extra,
    }


def free_on(day, treatment):
    rules = availability.load_rules()
    slots = availability.upcoming_free_slots(rules, now=timezone.now(), treatment_id=treatment.pk)
    return slots.get(day, [])


def test_reception_enters_leave_and_sees_the_consultation_it_falls_on(as_role, booked, treatment):
    consultation, day = booked
    practitioner = consultation.practitioner
    client = as_role("Reception")
    page = client.get(reverse("admin:bookings_practitioner_change", args=[practitioner.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Add an absence for {practitioner.display_name}" in html
    assert 'name="display_name"' not in html  # their details stay the owner's to change

    before = len(free_on(day, treatment))
    response = client.post(
        reverse(ADD) + f"?practitioner={practitioner.pk}",
        absence_form(practitioner, day),
        follow=True,
    )
    assert f"1 consultation(s) of {practitioner.display_name} fall in this absence" in (
        response.content.decode()
    )
    absence = Absence.objects.get()
    listing = client.get(reverse("admin:bookings_absence_changelist")).content.decode()
    assert practitioner.display_name in listing
    assert '<td class="field-booked">1</td>' in listing
    change = client.get(reverse("admin:bookings_absence_change", args=[absence.pk]))
    assert consultation.reference in change.content.decode()
    # The only practitioner is away all day: none of that day's times are free, and
    # nothing was moved or cancelled.
    assert before > 0 and free_on(day, treatment) == []
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.PENDING


def test_reception_cannot_change_a_practitioners_details(as_role, booked):
    consultation, _ = booked
    practitioner = consultation.practitioner
    client = as_role("Reception")
    url = reverse("admin:bookings_practitioner_change", args=[practitioner.pk])
    response = client.post(url, {"display_name": "Someone else", "is_active": ""})
    assert response.status_code == 403
    practitioner.refresh_from_db()
    assert practitioner.display_name != "Someone else" and practitioner.is_active


@pytest.mark.parametrize(
    "hostile, field, message",
    [
        ({"ends_at_1": "08:00"}, "ends_at", "The absence must end after it starts."),
        ({"starts_at_0": "31/02/2026"}, "starts_at", "Enter a valid date."),
        ({"ends_at_1": "<script>alert(1)</script>"}, "ends_at", "Enter a valid time."),
        ({"practitioner": "999999"}, "practitioner", "Select a valid choice."),
        ({"practitioner": "1 OR 1=1"}, "practitioner", "Select a valid choice."),
        ({"reason": "holiday'); DROP TABLE"}, "reason", "Select a valid choice."),
    ],
)
def test_a_bad_absence_is_refused_with_a_message_and_keeps_the_rest(
    as_role, booked, hostile, field, message
):
    consultation, day = booked
    client = as_role("Reception")
    data = absence_form(consultation.practitioner, day, **hostile)
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert field in response.context["adminform"].form.errors
    assert "<script>alert(1)</script>" not in html
    assert not Absence.objects.exists()
    if field != "starts_at":
        assert f'value="{day.isoformat()}"' in html  # what was typed is kept


def test_removing_an_absence_gives_the_times_back(as_role, booked, treatment):
    consultation, day = booked
    client = as_role("Reception")
    starts, ends = Absence.whole_days(day, day)
    absence = Absence.objects.create(
        practitioner=consultation.practitioner, starts_at=starts, ends_at=ends
    )
    assert free_on(day, treatment) == []
    url = reverse("admin:bookings_absence_delete", args=[absence.pk])
    client.post(url, {"post": "yes"})
    assert not Absence.objects.exists()
    assert free_on(day, treatment) != []


def test_leave_over_whole_days_is_entered_as_its_first_and_last_day(as_role, booked, treatment):
    consultation, day = booked
    following = day + dt.timedelta(days=1)
    while following.weekday() > 4:
        following += dt.timedelta(days=1)
    last = following
    after = last + dt.timedelta(days=1)
    while after.weekday() > 4:
        after += dt.timedelta(days=1)
    client = as_role("Reception")
    data = absence_form(consultation.practitioner, day, starts="", ends="")
    data["ends_at_0"] = last.isoformat()
    response = client.post(reverse(ADD), data, follow=True)
    page = response.content.decode()
    assert "(whole days)" in page and "1 consultation(s)" in page
    absence = Absence.objects.get()
    assert (absence.starts_at, absence.ends_at) == Absence.whole_days(day, last)
    assert free_on(day, treatment) == [] and free_on(last, treatment) == []
    assert free_on(after, treatment) != []


def test_a_day_without_a_time_on_both_ends_is_that_whole_day(as_role, booked):
    consultation, day = booked
    client = as_role("Reception")
    client.post(reverse(ADD), absence_form(consultation.practitioner, day, starts="", ends=""))
    absence = Absence.objects.get()
    assert (absence.starts_at, absence.ends_at) == Absence.whole_days(day, day)
    assert str(absence).endswith("(all day)")

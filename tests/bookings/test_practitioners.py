"""Practitioners and rooms: the free times follow who works, who is away and which rooms
are free, the first available practitioner is booked, and reception sees the
consultations an absence falls on."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import availability
from bookings.models import Absence, Consultation, Room, WorkingPeriod
from bookings.services import SlotUnavailable
from tests.bookings.conftest import patient_request
from tests.factories import PractitionerFactory, TreatmentFactory, first_practitioner

pytestmark = pytest.mark.django_db


def free_on(day: dt.date, treatment=None) -> list[dt.datetime]:
    rules = availability.load_rules()
    slots = availability.upcoming_free_slots(
        rules, now=timezone.now(), treatment_id=treatment.pk if treatment else None
    )
    return slots.get(day, [])


@pytest.fixture
def day(booking_rules, privacy_notice):
    """A weekday within the bookable weeks, its opening hours 10–13 and 14–19."""
    today = timezone.localdate()
    candidate = today + dt.timedelta(days=3)
    while candidate.weekday() > 4:
        candidate += dt.timedelta(days=1)
    return candidate


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=availability.clinic_tz())


def book(treatment, start, n=0, **extra) -> Consultation:
    return patient_request(treatment, start, email=f"patient{n}@example.com", **extra).consultation


def test_first_available_spreads_a_days_bookings_and_prefers_the_longest_serving(day, treatment):
    senior = first_practitioner()
    junior = PractitionerFactory(serving_since=timezone.localdate())
    senior.serving_since = dt.date(2015, 1, 1)
    senior.save()
    times = free_on(day, treatment)[:4]
    booked = [book(treatment, start, n) for n, start in enumerate(times)]
    assert [c.practitioner for c in booked] == [senior, junior, senior, junior]


def test_an_absence_removes_exactly_the_times_it_covers(day, treatment):
    before = free_on(day, treatment)
    Absence.objects.create(
        practitioner=first_practitioner(), starts_at=at(day, 10), ends_at=at(day, 12)
    )
    after = free_on(day, treatment)
    removed = [start for start in before if start not in after]
    assert removed == [at(day, 10), at(day, 10, 45), at(day, 11, 30)]
    assert after == [start for start in before if start >= at(day, 12)]
    with pytest.raises(SlotUnavailable):
        book(treatment, at(day, 10))
    # Another practitioner covers the morning.
    PractitionerFactory()
    assert free_on(day, treatment) == before
    assert book(treatment, at(day, 10)).practitioner != first_practitioner()


def test_working_periods_and_treatments_decide_who_can_be_booked(day, treatment):
    peel = TreatmentFactory(name="Chemical peel", slug="peel")
    everyone = first_practitioner()
    everyone.treatments.set([treatment])
    afternoons = PractitionerFactory(display_name="Dr Afternoon")
    afternoons.treatments.set([peel])
    WorkingPeriod.objects.create(
        practitioner=afternoons, weekday=day.weekday(), starts=dt.time(14), ends=dt.time(19)
    )
    peel_times = free_on(day, peel)
    assert peel_times and all(start >= at(day, 14) for start in peel_times)
    consultation = book(peel, peel_times[0])
    assert consultation.practitioner == afternoons
    # The microneedling practitioner is not offered for a peel, nor the other way round.
    assert book(treatment, peel_times[0], 1).practitioner == everyone
    with pytest.raises(SlotUnavailable):
        book(peel, peel_times[0], 2)


def test_a_room_shared_by_two_practitioners_is_never_double_booked(day, treatment):
    PractitionerFactory()
    room = Room.objects.create(name="Treatment room")
    room.treatments.set([treatment])
    first = book(treatment, at(day, 10))
    assert first.room == room
    assert at(day, 10) not in free_on(day, treatment)
    with pytest.raises(SlotUnavailable):
        book(treatment, at(day, 10), 1)
    # A second room: two patients at once again.
    Room.objects.create(name="Laser room").treatments.set([treatment])
    second = book(treatment, at(day, 10), 2)
    assert second.room != room and second.practitioner != first.practitioner


def test_the_patient_may_be_booked_with_a_named_practitioner(day, treatment):
    other = PractitionerFactory(display_name="Dr Hina")
    start = free_on(day, treatment)[0]
    assert book(treatment, start, practitioner_id=other.pk).practitioner == other
    with pytest.raises(SlotUnavailable):
        book(treatment, start, 1, practitioner_id=other.pk)
    assert book(treatment, start, 2).practitioner == first_practitioner()


def test_the_booking_page_costs_the_same_queries_for_one_five_or_twenty_practitioners(
    client, day, treatment
):
    counts = []
    for total in (1, 5, 20):
        PractitionerFactory.create_batch(total - availability.load_rules().capacity)
        cache.clear()  # the rules and free times are read afresh each time
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/book/", {"treatment": treatment.slug, "date": day})
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] == counts[2]


@pytest.mark.postgres
def test_the_database_refuses_two_overlapping_consultations_in_one_room(day, treatment):
    if connection.vendor != "postgresql":
        pytest.skip("Exclusion constraints are PostgreSQL's; SQLite has the lock alone.")
    room = Room.objects.create(name="Laser room")
    first = book(treatment, at(day, 10))
    Consultation.objects.filter(pk=first.pk).update(room=room)
    clash = Consultation(
        treatment=treatment,
        starts_at=at(day, 10, 15),
        ends_at=at(day, 10, 45),
        practitioner=PractitionerFactory(),
        room=room,
        full_name="Someone",
        email="x@example.com",
        phone="+923001234568",
        consent_version="2026-11",
        consented_at=timezone.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()


def test_reception_sees_the_consultations_an_absence_falls_on(admin_client, day, treatment):
    consultation = book(treatment, at(day, 10))
    practitioner = consultation.practitioner
    url = reverse("admin:bookings_practitioner_change", args=[practitioner.pk])
    response = admin_client.post(
        url,
        {
            "display_name": practitioner.display_name,
            "serving_since": practitioner.serving_since.isoformat(),
            "is_active": "on",
            "working_periods-TOTAL_FORMS": "0",
            "working_periods-INITIAL_FORMS": "0",
            "absences-TOTAL_FORMS": "1",
            "absences-INITIAL_FORMS": "0",
            "absences-0-reason": "leave",
            "absences-0-starts_at_0": day.isoformat(),
            "absences-0-starts_at_1": "09:00",
            "absences-0-ends_at_0": day.isoformat(),
            "absences-0-ends_at_1": "18:00",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "1 consultation(s) of" in html
    page = admin_client.get(url).content.decode()
    assert consultation.reference in page
    consultation.refresh_from_db()
    assert consultation.status == "pending" and consultation.practitioner == practitioner

"""Booking costs the same in a diary of years as in a new one: the free times, the booking
page for a day, a booking and a move read only the consultations around the times they
are about, never the years of history nor what staff booked far ahead.

Rows read come from PostgreSQL's own plans (tests/bookings/plans.py) over the growth
benchmark's diary: 20,000 consultations of history and 2,000 booked a year and more
ahead, against a few hundred in the bookable weeks.
"""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import availability, selectors, services
from bookings.availability import LONGEST
from bookings.models import Consultation
from tests.bookings import plans

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

HISTORY = 20_000
AHEAD = 2_000


@pytest.fixture(autouse=True)
def _postgres_only():
    plans.postgres_only()


@pytest.fixture
def big_diary(booking_rules, treatment, privacy_notice):
    made = plans.diary(HISTORY, ahead=AHEAD)
    assert Consultation.objects.count() == HISTORY + AHEAD
    return made


def around(rules, start: dt.datetime, end: dt.datetime) -> int:
    """Consultations starting where the overlap query may look for ones overlapping
    [start, end): from the longest consultation (and the buffer) before it."""
    return Consultation.objects.filter(
        starts_at__gt=start - rules.buffer - LONGEST, starts_at__lt=end
    ).count()


def free_starts(count: int) -> list[dt.datetime]:
    rules = availability.load_rules()
    return availability.next_free(
        availability.upcoming_free_slots(rules, now=timezone.now()), limit=count
    )


def request(treatment, start: dt.datetime, email: str) -> Consultation:
    return services.consultation_request(
        treatment=treatment,
        starts_at=start,
        full_name="Ayesha Khan",
        email=email,
        phone="+923001234567",
        contact_preference="phone",
    ).consultation


def test_the_free_times_read_only_the_bookable_weeks(big_diary):
    rules = availability.load_rules()
    start, end = availability.window(rules, timezone.now())
    nearby = around(rules, start, end)
    assert nearby < (HISTORY + AHEAD) / 20  # the window is a small part of the diary
    with plans.Reads() as reads:
        availability.upcoming_free_slots(rules, now=timezone.now())
    assert 0 < reads.total <= nearby, reads.report()


def test_the_booking_page_for_a_day_reads_only_the_bookable_weeks(client, big_diary, treatment):
    rules = availability.load_rules()
    start, end = availability.window(rules, timezone.now())
    day = timezone.localdate(free_starts(1)[0], availability.clinic_tz())
    with plans.Reads() as reads:
        response = client.get("/book/", {"treatment": treatment.slug, "date": day.isoformat()})
    assert response.status_code == 200
    assert 0 < reads.total <= around(rules, start, end), reads.report()


def test_a_booking_reads_only_the_consultations_around_its_time(big_diary, treatment):
    rules = availability.load_rules()
    start = free_starts(1)[0]
    with plans.Reads() as reads:
        request(treatment, start, "new.patient@example.com")
    # The place's overlap count, plus the one row an idempotency key or a
    # reference would find.
    assert reads.total <= around(rules, start, start + rules.length + rules.buffer) + 1, (
        reads.report()
    )


def test_a_move_reads_only_the_consultation_and_those_around_its_new_time(big_diary, treatment):
    rules = availability.load_rules()
    first, *_, later = free_starts(12)
    consultation = request(treatment, first, "moving.patient@example.com")
    with plans.Reads() as reads:
        services.consultation_reschedule(consultation=consultation, starts_at=later)
    assert reads.total <= around(rules, later, later + rules.length + rules.buffer) + 1, (
        reads.report()
    )


def test_the_times_staff_may_move_to_read_only_the_next_four_weeks(big_diary, treatment):
    consultation = request(treatment, free_starts(1)[0], "staff.move@example.com")
    rules = availability.load_rules()
    tz = availability.clinic_tz()
    today = timezone.localdate(timezone.now(), tz)
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    with plans.Reads() as reads:
        selectors.staff_free_times(consultation)
    assert reads.total <= around(rules, start, start + dt.timedelta(days=29)), reads.report()

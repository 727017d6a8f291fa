"""The booking page's free times come from the cache: never out of date for a patient.

Every write that takes or frees a place, and every staff change to hours, closures or
settings, renews them once its transaction commits; the notice period is applied when
they are read, so the clock never makes them stale either.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings import availability, services
from bookings.models import BookingSettings, Closure
from clinic.page_cache import CONTENT_VERSION, bump, versions
from tests.auth import login_staff
from tests.bookings.conftest import karachi, patient_request, slot_value
from tests.factories import ConsultationFactory

BOOK = "/book/"


def day_counts(html: str) -> dict[str, str]:
    """The day picker of /book/: {'2026-11-24': 'Tuesday 24 Nov, 9 times', ...}."""
    return dict(re.findall(r'<option value="(\d{4}-\d\d-\d\d)">([^<]+)</option>', html))


def times_on(client, treatment, day: dt.date) -> list[str]:
    html = client.get(BOOK, {"treatment": treatment.slug, "date": day.isoformat()}).content
    return re.findall(r'name="slot" id="[^"]+" value="([^"]+)"', html.decode())


@pytest.fixture
def request_time(treatment, privacy_notice):
    def book(start: dt.datetime, **extra):
        return patient_request(treatment, start, **extra).consultation

    return book


def test_the_first_step_is_served_from_the_cache_without_a_query(
    client, treatment, booking_rules, django_assert_num_queries
):
    first = client.get(BOOK)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        again = client.get(BOOK)
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content
    assert "no-store" in again["Cache-Control"]  # browsers still never keep it


def test_a_booked_time_leaves_the_page_once_the_booking_commits(
    client, treatment, booking_rules, first_free, request_time, django_capture_on_commit_callbacks
):
    start = first_free()
    day = timezone.localdate(start, availability.clinic_tz())
    before = day_counts(client.get(BOOK).content.decode())[day.isoformat()]
    assert slot_value(start) in times_on(client, treatment, day)

    with django_capture_on_commit_callbacks(execute=True):
        consultation = request_time(start)

    after = day_counts(client.get(BOOK).content.decode())[day.isoformat()]
    assert int(after.split(", ")[1].split()[0]) == int(before.split(", ")[1].split()[0]) - 1
    assert slot_value(start) not in times_on(client, treatment, day)

    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_cancel(consultation=consultation, reason="Travelling.")
    assert day_counts(client.get(BOOK).content.decode())[day.isoformat()] == before
    assert slot_value(start) in times_on(client, treatment, day)


def test_a_booking_through_the_form_renews_the_free_times(
    client, form_data, privacy_notice, django_capture_on_commit_callbacks
):
    data = form_data()
    day = data["slot"][:10]
    client.get(BOOK)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(BOOK, data).status_code == 302
    treatment_day = {"treatment": data["treatment"], "date": day}
    html = client.get(BOOK, treatment_day).content.decode()
    assert f'value="{data["slot"]}"' not in html


def test_a_closure_added_by_staff_takes_the_day_off_the_page(
    client, treatment, booking_rules, first_free, django_capture_on_commit_callbacks, admin_user
):
    day = timezone.localdate(first_free(), availability.clinic_tz())
    assert day.isoformat() in day_counts(client.get(BOOK).content.decode())

    staff = type(client)()
    login_staff(staff, admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:bookings_closure_add"),
            {"reason": "Eid holiday", "starts_on": day.isoformat(), "ends_on": day.isoformat()},
        )
    assert response.status_code == 302
    assert day.isoformat() not in day_counts(client.get(BOOK).content.decode())

    closure = Closure.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("admin:bookings_closure_delete", args=[closure.pk]), {"post": "yes"})
    assert day.isoformat() in day_counts(client.get(BOOK).content.decode())


def test_new_settings_saved_by_staff_change_the_times_offered(
    client, treatment, booking_rules, free_slots, django_capture_on_commit_callbacks, admin_user
):
    day = next(iter(free_slots()))
    assert len(times_on(client, treatment, day)) > 1

    staff = type(client)()
    login_staff(staff, admin_user)
    settings_row = BookingSettings.load()
    url = reverse("admin:bookings_bookingsettings_change", args=[settings_row.pk])
    hours = list(settings_row.opening_hours.order_by("pk"))
    data = {
        "consultation_minutes": "30",
        "buffer_minutes": "15",
        "capacity": "1",
        "min_notice_hours": "12",
        "max_days_ahead": "1",
        "patient_change_notice_hours": str(settings_row.patient_change_notice_hours),
        "reminder_hours_before": str(settings_row.reminder_hours_before),
        "retention_months": str(settings_row.retention_months),
        "opening_hours-TOTAL_FORMS": str(len(hours)),
        "opening_hours-INITIAL_FORMS": str(len(hours)),
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "1000",
    }
    for index, period in enumerate(hours):
        prefix = f"opening_hours-{index}-"
        data.update(
            {
                prefix + "id": str(period.pk),
                prefix + "settings": str(settings_row.pk),
                prefix + "weekday": str(period.weekday),
                prefix + "opens": period.opens.strftime("%H:%M"),
                prefix + "closes": period.closes.strftime("%H:%M"),
            }
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]

    # Patients may now book only one day ahead: later days leave the page at once.
    offered = day_counts(client.get(BOOK).content.decode())
    last = timezone.localdate(timezone.now(), availability.clinic_tz()) + dt.timedelta(days=1)
    assert offered and all(dt.date.fromisoformat(value) <= last for value in offered)


def test_a_time_passing_into_the_notice_period_leaves_the_cached_page(
    client, treatment, booking_rules, free_slots, monkeypatch
):
    slots = free_slots()
    day = next(iter(slots))
    first, second = slots[day][0], slots[day][1]
    notice = booking_rules.min_notice
    # Just before the first time enters the notice period, then just after.
    just_before = first - notice - dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: just_before)
    label_before = day_counts(client.get(BOOK).content.decode())[day.isoformat()]
    monkeypatch.setattr(timezone, "now", lambda: first - notice + dt.timedelta(minutes=1))
    response = client.get(BOOK)
    label_after = day_counts(response.content.decode())[day.isoformat()]
    assert response["X-Page-Cache"] == "miss"
    assert label_before != label_after
    assert slot_value(first) not in times_on(client, treatment, day)
    assert slot_value(second) in times_on(client, treatment, day)


def test_the_cached_free_times_are_those_the_database_gives(
    treatment, booking_rules, first_free, request_time, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = [request_time(first_free(index * 3)) for index in range(4)]
        services.consultation_decline(consultation=taken[1])
    now = timezone.now()
    rules = availability.current_rules()
    assert availability.current_free_slots(rules, now=now) == availability.upcoming_free_slots(
        availability.load_rules(), now=now
    )


def test_version_numbers_never_repeat_after_the_cache_is_lost():
    from django.core.cache import cache

    (before,) = versions(CONTENT_VERSION)
    bump(CONTENT_VERSION)
    (bumped,) = versions(CONTENT_VERSION)
    assert bumped == before + 1
    cache.clear()  # Redis restarted
    (after,) = versions(CONTENT_VERSION)
    assert after not in (before, bumped)


busy_times = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=14 * 24 * 4),  # quarter-hours from the start
        st.sampled_from([15, 30, 45, 60, 90, 240]),  # minutes long
        st.integers(min_value=1, max_value=3),  # consultations at that time
    ),
    max_size=40,
)


def plain_count(rules, start, busy) -> int:
    """The definition: consultations whose time, with the buffer after each, overlaps."""
    end = start + rules.length + rules.buffer
    return sum(b.count for b in busy if b.starts_at < end and b.ends_at + rules.buffer > start)


@settings(max_examples=300, deadline=None)
@given(busy=busy_times, probe=st.integers(min_value=0, max_value=14 * 24 * 4))
def test_the_indexed_count_matches_the_plain_one(busy, probe):
    rules = availability.Rules(length=dt.timedelta(minutes=30), buffer=dt.timedelta(minutes=15))
    origin = karachi(2026, 12, 1, 0, 0)
    entries = [
        availability.Busy(
            origin + dt.timedelta(minutes=15 * start),
            origin + dt.timedelta(minutes=15 * start + length),
            count,
        )
        for start, length, count in busy
    ]
    start = origin + dt.timedelta(minutes=15 * probe)
    index = availability.busy_index(rules, entries)
    assert index.taken(start) == plain_count(rules, start, entries)


def test_a_consultation_longer_than_eight_hours_is_refused(db):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    row = BookingSettings.load()
    row.consultation_minutes = 9 * 60
    with pytest.raises(ValidationError, match="at most 8 hours"):
        row.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_long_consultations_still_block_the_times_they_overlap(booking_rules, treatment):
    # The lookup's lower bound must not hide a long consultation that started earlier.
    rules = booking_rules
    day = timezone.localdate(timezone.now(), availability.clinic_tz()) + dt.timedelta(days=7)
    while not availability.day_starts(rules, day):
        day += dt.timedelta(days=1)
    starts = availability.day_starts(rules, day)
    ConsultationFactory(
        treatment=treatment,
        starts_at=starts[0],
        ends_at=starts[0] + dt.timedelta(hours=7, minutes=59),
        status="confirmed",
    )
    now = timezone.now()
    slots = availability.upcoming_free_slots(rules, now=now)
    blocked = [s for s in starts if s < starts[0] + dt.timedelta(hours=7, minutes=59)]
    assert not set(blocked) & set(slots.get(day, []))

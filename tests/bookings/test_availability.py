import datetime as dt

import pytest
from django.utils import timezone

from bookings import availability
from bookings.availability import Busy, Rules
from bookings.models import Closure
from bookings.staffing import Staff
from tests.bookings.conftest import karachi

# Monday 23 November 2026, early morning in Islamabad.
MONDAY = dt.date(2026, 11, 23)


def rules(**overrides) -> Rules:
    hours = {d: ((dt.time(10), dt.time(13)), (dt.time(14), dt.time(19))) for d in range(5)}
    hours[5] = ((dt.time(10), dt.time(16)),)
    values = {"hours": hours}
    values.update(overrides)
    return Rules(**values)


def test_a_slot_at_ten_in_karachi_is_five_utc():
    starts = availability.day_starts(rules(), MONDAY)
    assert starts[0] == dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC)
    assert timezone.localtime(starts[0]).strftime("%H:%M") == "10:00"


def test_day_starts_follow_both_periods_with_the_buffer():
    labels = [f"{timezone.localtime(s):%H:%M}" for s in availability.day_starts(rules(), MONDAY)]
    assert labels == [
        "10:00", "10:45", "11:30", "12:15",
        "14:00", "14:45", "15:30", "16:15", "17:00", "17:45", "18:30",
    ]  # fmt: skip


def test_sunday_is_closed():
    assert availability.day_starts(rules(), MONDAY - dt.timedelta(days=1)) == []


def test_date_boundaries_are_clinic_local():
    # 20:30 UTC on Sunday is 01:30 on Monday in Islamabad: "today" is already Monday.
    now = dt.datetime(2026, 11, 22, 20, 30, tzinfo=dt.UTC)
    first, last = availability.first_and_last_day(rules(days_ahead=60), now)
    assert first == MONDAY
    assert last == MONDAY + dt.timedelta(days=60)


def test_min_notice_hides_times_too_soon():
    now = karachi(2026, 11, 23, 0, 0)
    slots = availability.free_slots(rules(min_notice=dt.timedelta(hours=12)), [], now=now)
    first = slots[MONDAY][0]
    # Twelve hours after midnight is noon: 11:30 is too soon, 12:15 is the first.
    assert timezone.localtime(first).strftime("%H:%M") == "12:15"
    assert not availability.is_bookable_start(rules(), karachi(2026, 11, 23, 11, 30), now)
    assert availability.is_bookable_start(rules(), karachi(2026, 11, 23, 12, 15), now)


def test_no_times_beyond_the_days_ahead():
    now = karachi(2026, 11, 23, 0, 0)
    slots = availability.free_slots(rules(days_ahead=7), [], now=now)
    assert max(slots) <= MONDAY + dt.timedelta(days=7)
    assert not availability.is_bookable_start(rules(days_ahead=7), karachi(2026, 12, 2, 10), now)


def test_closures_remove_whole_days():
    now = karachi(2026, 11, 20, 0, 0)
    closed = rules(closures=((MONDAY, MONDAY + dt.timedelta(days=1)),))
    slots = availability.free_slots(closed, [], now=now)
    assert MONDAY not in slots and MONDAY + dt.timedelta(days=1) not in slots
    assert MONDAY + dt.timedelta(days=2) in slots
    assert not availability.is_bookable_start(closed, karachi(2026, 11, 23, 10), now)


def test_times_off_the_grid_or_naive_are_not_bookable():
    now = karachi(2026, 11, 20, 0, 0)
    assert not availability.is_bookable_start(rules(), karachi(2026, 11, 23, 10, 5), now)
    assert not availability.is_bookable_start(rules(), karachi(2026, 11, 23, 13, 0), now)
    assert not availability.is_bookable_start(rules(), karachi(2026, 11, 23, 9, 0), now)
    assert not availability.is_bookable_start(
        rules(),
        dt.datetime(2026, 11, 23, 10, 0),  # noqa: DTZ001 - naive on purpose
        now,
    )
    assert not availability.is_bookable_start(rules(), karachi(2026, 11, 19, 10), now)


def test_a_booked_time_is_full_with_one_practitioner_and_free_with_two():
    now = karachi(2026, 11, 20, 0, 0)
    ten = karachi(2026, 11, 23, 10, 0)
    busy = [Busy(ten, ten + dt.timedelta(minutes=30), 1, practitioner_id=1)]
    one = availability.free_slots(rules(practitioners=(Staff(1),)), busy, now=now)[MONDAY]
    two = availability.free_slots(rules(practitioners=(Staff(1), Staff(2))), busy, now=now)
    assert ten not in one and ten + dt.timedelta(minutes=45) in one
    assert ten in two[MONDAY]


def test_an_off_grid_booking_blocks_every_time_it_overlaps_with_buffer():
    now = karachi(2026, 11, 20, 0, 0)
    start = karachi(2026, 11, 23, 10, 30)  # made before the length changed
    busy = [Busy(start, start + dt.timedelta(minutes=30), 1)]
    free = availability.free_slots(rules(), busy, now=now)[MONDAY]
    assert karachi(2026, 11, 23, 10, 0) not in free
    assert karachi(2026, 11, 23, 10, 45) not in free
    assert karachi(2026, 11, 23, 11, 30) in free


@pytest.mark.django_db
def test_rules_load_in_seven_queries_from_the_defaults(django_assert_num_queries):
    today = timezone.localdate()
    Closure.objects.create(starts_on=today, ends_on=today, reason="Staff training")
    # Settings with hours, closures; practitioners, their treatments, periods and
    # absences, and the rooms treatments need.
    with django_assert_num_queries(7):
        loaded = availability.load_rules()
    assert loaded.capacity == 1  # the practitioner every new clinic has
    assert loaded.length == dt.timedelta(minutes=30)
    assert loaded.min_notice == dt.timedelta(hours=12)
    assert loaded.days_ahead == 60
    assert 6 not in loaded.hours and len(loaded.hours[0]) == 2
    assert loaded.closures == ((today, today),)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"length": dt.timedelta(minutes=45), "buffer": dt.timedelta(minutes=10)},
        {"length": dt.timedelta(minutes=20), "buffer": dt.timedelta(0)},
        {
            "hours": {
                0: ((dt.time(9, 10), dt.time(12, 5)), (dt.time(11), dt.time(15, 30))),
                5: ((dt.time(10), dt.time(10, 29)),),
            }
        },
    ],
)
def test_a_bookable_start_is_exactly_one_of_the_days_starts(overrides):
    """Checking one chosen time must agree with listing the day's times, minute by minute
    over a week, overlapping opening periods and a period too short for one included."""
    grid = rules(**overrides, min_notice=dt.timedelta(0), days_ahead=30)
    now = karachi(2026, 11, 23, 0, 0)
    for offset in range(7):
        day = MONDAY + dt.timedelta(days=offset)
        listed = set(availability.day_starts(grid, day))
        for minute in range(0, 24 * 60):
            start = karachi(day.year, day.month, day.day, minute // 60, minute % 60)
            assert availability.is_bookable_start(grid, start, now) == (start in listed), start
        assert not availability.is_bookable_start(
            grid, karachi(day.year, day.month, day.day, 10, 0) + dt.timedelta(seconds=1), now
        )

"""Reading a chosen time back from the form: only the exact value a time button sends."""

import datetime as dt

import pytest

from bookings import availability
from bookings.forms import parse_slot, slot_value


def test_a_time_button_value_reads_back_as_the_same_clinic_time():
    start = dt.datetime(2026, 12, 2, 10, 30, tzinfo=availability.clinic_tz())
    assert slot_value(start) == "2026-12-02T10:30"
    assert parse_slot("2026-12-02T10:30") == start
    assert parse_slot("2026-12-02T10:30").utcoffset() == dt.timedelta(hours=5)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "2026-12-02T10:30\n",
        " 2026-12-02T10:30",
        "2026-12-02T10:30:00",
        "2026-02-30T10:00",
        "2026-12-02T25:00",
        "2026-12-02T10:60",
        "2026-13-02T10:00",
        "２０２６-12-02T10:30",
        "٢٠٢٦-12-02T10:30",
        "2026-12-02 10:30",
        "0000-01-01T00:00",
        "2026-12-02T10:30' OR 1=1--",
    ],
)
def test_anything_else_is_not_a_time(value):
    assert parse_slot(value) is None


def test_a_value_that_is_not_text_is_not_a_time():
    assert parse_slot(None) is None
    assert parse_slot(["2026-12-02T10:30"]) is None

"""The clinic's opening hours for search engines come from the booking hours."""

import datetime as dt

import pytest

from bookings import availability
from bookings.models import BookingSettings, OpeningHours
from tests.treatments.helpers import by_type

pytestmark = pytest.mark.django_db


def _hours(response) -> list[tuple[str, str, str]]:
    clinic = by_type(response, "MedicalClinic")
    assert "openingHours" not in clinic  # free text is not schema.org's syntax
    return [
        (spec["dayOfWeek"].rsplit("/", 1)[-1], spec["opens"], spec["closes"])
        for spec in clinic["openingHoursSpecification"]
    ]


@pytest.mark.parametrize("path", ["/", "/contact/"])
def test_every_period_of_every_day_is_listed_with_the_midday_break(client, path):
    hours = _hours(client.get(path))
    assert ("Monday", "10:00", "13:00") in hours and ("Monday", "14:00", "19:00") in hours
    assert ("Saturday", "10:00", "16:00") in hours
    assert not any(day == "Sunday" for day, _, _ in hours)
    expected = [
        (period.get_weekday_display(), f"{period.opens:%H:%M}", f"{period.closes:%H:%M}")
        for period in OpeningHours.objects.order_by("weekday", "opens")
    ]
    assert hours == expected


def test_staff_changing_the_hours_changes_the_published_hours(
    client, django_capture_on_commit_callbacks
):
    assert ("Sunday", "11:00", "15:00") not in _hours(client.get("/"))
    with django_capture_on_commit_callbacks(execute=True):
        OpeningHours.objects.create(
            settings=BookingSettings.load(), weekday=6, opens=dt.time(11), closes=dt.time(15)
        )
        availability.rules_changed()
    assert ("Sunday", "11:00", "15:00") in _hours(client.get("/"))

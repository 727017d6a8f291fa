"""Migrations run on a diary that already holds consultations."""

import datetime as dt

import pytest

from tests.bookings.migrations import state

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("bookings", "0007_leaner_writes")]
AFTER = [("bookings", "0008_no_overlapping_consultations")]
START = dt.datetime(2027, 1, 4, 5, 0, tzinfo=dt.UTC)


def _consultation(apps, treatment_id, minutes_after_start, seat, status="confirmed"):
    starts_at = START + dt.timedelta(minutes=minutes_after_start)
    return state.consultation(
        apps, treatment_id=treatment_id, starts_at=starts_at, seat=seat, status=status
    )


def test_refusing_overlaps_keeps_every_consultation_and_separates_any_that_overlapped():
    from tests.factories import TreatmentFactory

    treatment = TreatmentFactory()
    try:
        old = state.migrate(BEFORE)
        kept = [
            _consultation(old, treatment.pk, 0, 1),
            _consultation(old, treatment.pk, 0, 2),
            _consultation(old, treatment.pk, 30, 1),  # back to back: no overlap
            _consultation(old, treatment.pk, 15, 1, status="cancelled"),
            # Written around the lock: overlaps the first in its place.
            _consultation(old, treatment.pk, 15, 1, status="pending"),
        ]
        new = state.migrate(AFTER)
        Consultation = new.get_model("bookings", "Consultation")
        seats = dict(Consultation.objects.values_list("pk", "seat"))
    finally:
        state.migrate_to_latest()
    assert set(seats) == {c.pk for c in kept}
    assert [seats[c.pk] for c in kept[:4]] == [1, 2, 1, 1]
    # The overlapping one now holds the lowest place free at its time.
    assert seats[kept[4].pk] == 3

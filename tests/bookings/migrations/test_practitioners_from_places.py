"""Today's capacity becomes that many practitioners, on a diary that already holds
consultations and held times: each keeps its time and gets the practitioner of its
place, and nothing changes for a clinic that never opens the new screens."""

import datetime as dt

import pytest

from tests.bookings.migrations import state

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("bookings", "0019_outbox_recipient_index")]
AFTER = [("bookings", "0020_practitioners_and_rooms")]
START = dt.datetime(2027, 1, 4, 5, 0, tzinfo=dt.UTC)


def test_each_place_becomes_a_practitioner_and_every_consultation_keeps_its_time():
    from tests.factories import TreatmentFactory

    treatment = TreatmentFactory()
    try:
        old = state.migrate(BEFORE)
        old.get_model("bookings", "BookingSettings").objects.update_or_create(
            pk=1, defaults={"capacity": 2}
        )
        rows = [
            state.consultation(old, treatment_id=treatment.pk, starts_at=START, seat=1),
            state.consultation(old, treatment_id=treatment.pk, starts_at=START, seat=2),
            # A place above a capacity that staff lowered since.
            state.consultation(
                old, treatment_id=treatment.pk, starts_at=START + dt.timedelta(hours=1), seat=3
            ),
            state.consultation(
                old,
                treatment_id=treatment.pk,
                starts_at=START - dt.timedelta(days=400),
                seat=1,
                status="completed",
            ),
        ]
        new = state.migrate(AFTER)
        Practitioner = new.get_model("bookings", "Practitioner")
        Consultation = new.get_model("bookings", "Consultation")
        made = {p.display_name: p for p in Practitioner.objects.all()}
        after = {c.pk: c for c in Consultation.objects.all()}
    finally:
        state.migrate_to_latest()
    assert sorted(made) == ["Practitioner 1", "Practitioner 2", "Practitioner 3"]
    assert [made[f"Practitioner {n}"].is_active for n in (1, 2, 3)] == [True, True, False]
    assert [after[c.pk].practitioner_id for c in rows] == [
        made["Practitioner 1"].pk,
        made["Practitioner 2"].pk,
        made["Practitioner 3"].pk,
        made["Practitioner 1"].pk,
    ]
    assert [after[c.pk].starts_at for c in rows] == [c.starts_at for c in rows]

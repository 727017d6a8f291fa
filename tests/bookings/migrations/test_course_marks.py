"""The overdue list's mark is set on a diary that already holds courses of sessions."""

import datetime as dt

import pytest

from tests.bookings.migrations import state

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("bookings", "0017_waitlist")]
AFTER = [("bookings", "0018_course_awaiting_next")]
START = dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)


def _session(apps, treatment_id, weeks_after_start, email, status="completed", seat=1):
    starts_at = START + dt.timedelta(weeks=weeks_after_start)
    return state.consultation(
        apps, treatment_id=treatment_id, starts_at=starts_at, email=email, status=status, seat=seat
    )


def test_each_course_waiting_for_its_next_session_is_marked_with_its_sessions_so_far():
    from tests.factories import TreatmentFactory

    treatment = TreatmentFactory(sessions_min=3, sessions_max=3)
    try:
        old = state.migrate(BEFORE)
        _session(old, treatment.pk, 0, "sana@example.com")
        waiting = _session(old, treatment.pk, 5, "SANA@example.com")
        booked = _session(old, treatment.pk, 0, "hina@example.com")
        _session(old, treatment.pk, 30, "hina@example.com", status="pending")
        cancelled = _session(old, treatment.pk, 1, "amna@example.com", seat=2)
        _session(old, treatment.pk, 8, "amna@example.com", status="cancelled")
        new = state.migrate(AFTER)
    finally:
        state.migrate_to_latest()
    Consultation = new.get_model("bookings", "Consultation")
    marks = dict(
        Consultation.objects.filter(course_sessions_done__isnull=False).values_list(
            "pk", "course_sessions_done"
        )
    )
    # Two sessions done (one address in two spellings); a cancelled one does not count;
    # a booked next session means nobody is waiting.
    assert marks == {waiting.pk: 2, cancelled.pk: 1}
    assert booked.pk not in marks
